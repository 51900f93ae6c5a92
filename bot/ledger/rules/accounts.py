"""Account ids as people type them."""

from __future__ import annotations


def account_key(account_id: str) -> str:
    """Ids match regardless of case: `acc-1042` finds `ACC-1042`."""
    return account_id.strip().casefold()
