"""The team as plain data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Member:
    slack_user_id: str
    name: str
    role: str
    active: bool
