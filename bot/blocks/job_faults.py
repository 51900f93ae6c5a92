"""The supervisors' notices: a row a scheduled job could not handle and left out, a job that
failed as a whole, a message the outbox gave up on."""

from __future__ import annotations

from bot.blocks.kit import Reply, section
from bot.blocks.mrkdwn import clip, code, escape, one_line
from bot.language.model import _

PROBLEM_LIMIT = 300


def skipped_row_notice(job: str, what: str, account_id: str | None, problem: str) -> Reply:
    """Said once per job, row and problem. The row's words, the account id and the problem come
    from the database (a customer's data, an exception's message): escaped, on one line."""
    account = (
        " " + _("(account {account_id})").format(account_id=code(clip(account_id, 64))) if account_id else ""
    )
    problem_text = code(clip(" ".join(problem.split()), PROBLEM_LIMIT))
    text = _(
        ":warning: The *{job}* job could not handle {what}{account} and left it out; everyone else was served."
        " What was wrong: {problem}. It is left out of every run until it is corrected; this is said once."
    ).format(job=one_line(job, 64), what=one_line(what, 120), account=account, problem=problem_text)
    return Reply(text=text, blocks=[section(text)])


def job_failed_notice(job: str, problem: str) -> Reply:
    """A job that failed as a whole (no one row could be blamed): nobody got what it sends."""
    problem_text = code(clip(" ".join(problem.split()), PROBLEM_LIMIT))
    text = _(
        ":warning: The *{job}* job could not handle the whole run and did not run: {problem}. The other jobs"
        " ran. It is tried again until the cause is corrected; this is said once."
    ).format(job=one_line(job, 64), problem=problem_text)
    return Reply(text=text, blocks=[section(text)])


def delivery_failed_notice(
    kind: str, mention: str, attempts: int, error: str, message_id: int, *, unsure: bool
) -> Reply:
    """A message the outbox gave up on, for the supervisors: never dropped silently. `mention` is
    where it was going (`<#C…>` or `<@U…>`); the error comes from Slack or the network: escaped."""
    text = _(
        ":warning: A {kind} message for {where} could not be delivered after {attempts} tries ({error})."
        " It is kept in the outbox as message {message_id}, marked failed."
    ).format(
        kind=one_line(kind, 40),
        where=mention,
        attempts=attempts,
        error=escape(error[:200]),
        message_id=message_id,
    )
    if unsure:
        text += " " + _("An earlier try may have reached Slack: look there before sending it by hand.")
    return Reply(text=text)


def email_failed_notice(to: str, attempts: int, error: str, message_id: int, *, unsure: bool) -> Reply:
    """An email the outbox gave up on, for the supervisors. The address is a customer's and the
    error comes from the mail server: escaped."""
    text = _(
        ":warning: An email to {to} could not be delivered after {attempts} tries ({error})."
        " It is kept in the outbox as message {message_id}, marked failed."
    ).format(to=one_line(to, 120), attempts=attempts, error=escape(error[:200]), message_id=message_id)
    if unsure:
        text += " " + _(
            "An earlier try may have reached the mail server: look in the team's mail archive before sending"
            " it again by hand."
        )
    return Reply(text=text)
