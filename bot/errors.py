"""Errors a user can fix. Each carries what went wrong and what to type instead."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or a refused action: shown to the user, nothing written.

    `field` names the modal input the problem belongs to, so a modal can show it inline.
    """

    def __init__(self, problem: str, hint: str = "", *, field: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.hint = hint
        self.field = field

    def __str__(self) -> str:
        return f"{self.problem} {self.hint}".strip()


class NotFoundError(UserError):
    """The thing named does not exist (an account id, an agent)."""


class ConflictError(UserError):
    """The action clashes with what is recorded (a duplicate reference, a race lost)."""
