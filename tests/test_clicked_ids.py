"""The record a clicked element names: its value, or the number in a block the bot named for it;
never a block Slack named itself (at random, and a random name can be all digits)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import UserError
from bot.interactions import clicked_record_id


def test_the_value_speaks_first_then_a_block_the_bot_named() -> None:
    assert clicked_record_id({"value": "12", "block_id": "alert-7"}, "alert", button="alert button") == 12
    assert clicked_record_id({"value": "", "block_id": "alert-7"}, "alert", button="alert button") == 7


@given(block_id=st.text(alphabet="0123456789abcdefABCDEF=+/-", max_size=12))
def test_a_block_slack_named_never_names_a_record(block_id: str) -> None:
    if block_id.startswith("alert-"):
        return
    with pytest.raises(UserError, match="not one of mine"):
        clicked_record_id({"value": "", "block_id": block_id}, "alert", button="alert button")
