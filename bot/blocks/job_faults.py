"""The supervisors' notice of a row a scheduled job could not handle and left out."""

from __future__ import annotations

from bot.blocks.kit import Reply, section
from bot.blocks.mrkdwn import clip, code, one_line
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
