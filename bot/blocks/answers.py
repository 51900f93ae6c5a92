"""Answers about no account or escalation in particular: a problem the person can fix, the apology
for a failure of ours (with the error id to quote to a supervisor), "working on it" while the work
outlasts the reply budget. Every path that tells someone how their request went wrong takes its
words from here (handlers.failures decides which)."""

from __future__ import annotations

from bot.blocks.kit import Reply, context, section
from bot.blocks.mrkdwn import sentence
from bot.errors import UserError
from bot.language.model import _


def error_reply(error: UserError) -> Reply:
    """Errors are plain sentences with backticks; everything in them is escaped here."""
    text = f":warning: {sentence(error.problem)}"
    if error.hint:
        text += f"\n{sentence(error.hint)}"
    return Reply(text=error.problem, blocks=[section(text)])


def failure_reply(error_id: str) -> Reply:
    text = _(
        ":x: Something went wrong on our side and nothing was saved. Please try again in a moment."
        "\nIf it keeps happening, give your supervisor this error id: `{error_id}`."
    ).format(error_id=error_id)
    return Reply(text=_("Something went wrong; nothing was saved."), blocks=[section(text)])


def form_failure(error_id: str) -> UserError:
    """The apology where a form shows its problems (inline, in plain text, under a field)."""
    return UserError(
        _("Something went wrong on our side and nothing was saved. Try again (error id {error_id}).").format(
            error_id=error_id
        )
    )


def form_not_saved(error: UserError) -> Reply:
    """A form's problem told after the form has closed (in the person's DM): which form it was is
    no longer in sight, so the answer says a form was not saved."""
    return error_reply(
        UserError(_("Your form was not saved: {problem}").format(problem=error.problem), error.hint)
    )


def working_reply() -> Reply:
    return Reply(
        text=_("Working on it…"), blocks=[context(":hourglass_flowing_sand: " + _("Working on it…"))]
    )
