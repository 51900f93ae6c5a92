"""The billing API's signature check as a plain function (bot.billing_link.rules.verify): any
configured key verifies what it signed, within 5 minutes either way, and any tampering with the
body, the timestamp or the signature fails."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.billing_link.model import SignatureRefusedError
from bot.billing_link.rules import (
    api_keys,
    item_records,
    key_label,
    read_json,
    request_digest,
    signature_header,
    verify,
)
from bot.imports.model import ImportKind
from bot.settings import SettingsError, load_settings

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
secrets = st.text(alphabet="0123456789abcdef", min_size=32, max_size=64)
key_lists = st.lists(secrets, min_size=1, max_size=4, unique=True)
bodies = st.binary(max_size=512)
offsets = st.integers(min_value=-300, max_value=300)


def stamp(offset: int = 0) -> str:
    return str(int(NOW.timestamp()) + offset)


@given(key_lists, st.data(), bodies, offsets)
def test_any_configured_key_verifies_what_it_signed(
    secret_list: list[str], data: st.DataObject, body: bytes, offset: int
) -> None:
    keys = api_keys(secret_list)
    key = data.draw(st.sampled_from(keys))
    timestamp = stamp(offset)
    assert verify(keys, timestamp, signature_header(key.secret, timestamp, body), body, NOW) == key


@given(key_lists, bodies, bodies, offsets)
def test_a_changed_body_fails(secret_list: list[str], body: bytes, other: bytes, offset: int) -> None:
    assume(body != other)
    keys = api_keys(secret_list)
    timestamp = stamp(offset)
    with pytest.raises(SignatureRefusedError):
        verify(keys, timestamp, signature_header(keys[0].secret, timestamp, body), other, NOW)


@given(key_lists, bodies, offsets, st.integers(min_value=-299, max_value=299).filter(bool))
def test_a_changed_timestamp_fails(secret_list: list[str], body: bytes, offset: int, shift: int) -> None:
    keys = api_keys(secret_list)
    signed = signature_header(keys[0].secret, stamp(offset), body)
    with pytest.raises(SignatureRefusedError):
        verify(keys, stamp(offset + shift), signed, body, NOW)


@given(key_lists, bodies, st.data())
def test_a_changed_signature_fails(secret_list: list[str], body: bytes, data: st.DataObject) -> None:
    keys = api_keys(secret_list)
    header = signature_header(keys[0].secret, stamp(), body)
    position = data.draw(st.integers(min_value=3, max_value=len(header) - 1))
    replacement = data.draw(st.sampled_from("0123456789abcdef").filter(lambda ch: ch != header[position]))
    with pytest.raises(SignatureRefusedError):
        verify(keys, stamp(), header[:position] + replacement + header[position + 1 :], body, NOW)


@given(key_lists, secrets, bodies)
def test_a_key_not_configured_fails(secret_list: list[str], stranger: str, body: bytes) -> None:
    assume(stranger not in secret_list)
    with pytest.raises(SignatureRefusedError):
        verify(api_keys(secret_list), stamp(), signature_header(stranger.encode(), stamp(), body), body, NOW)


@given(key_lists, bodies, st.integers(min_value=301, max_value=10**9), st.sampled_from([-1, 1]))
def test_a_signature_more_than_five_minutes_from_now_fails_even_when_right(
    secret_list: list[str], body: bytes, distance: int, direction: int
) -> None:
    keys = api_keys(secret_list)
    timestamp = stamp(direction * distance)
    with pytest.raises(SignatureRefusedError):
        verify(keys, timestamp, signature_header(keys[0].secret, timestamp, body), body, NOW)


@given(secrets)
def test_the_label_is_a_fingerprint_not_the_secret(secret: str) -> None:
    label = key_label(secret)
    assert label == "key-" + hashlib.sha256(secret.encode()).hexdigest()[:8]
    assert secret not in label


def test_a_header_may_carry_several_signatures_but_not_dozens() -> None:
    keys = api_keys(["a" * 32])
    body = b"{}"
    right = signature_header(keys[0].secret, stamp(), body)
    assert verify(keys, stamp(), f"v1={'0' * 64}, {right}", body, NOW) == keys[0]
    with pytest.raises(SignatureRefusedError):
        verify(keys, stamp(), ",".join([f"v1={'0' * 64}"] * 8 + [right]), body, NOW)


def test_a_digest_names_the_signed_bytes_and_second() -> None:
    assert request_digest("1", b"x") == request_digest("1", b"x") != request_digest("2", b"x")
    assert request_digest("1", b"x") != request_digest("1", b"y")


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, min_value=Decimal("-1e20"), max_value=Decimal("1e20"), places=4
    )
)
def test_a_json_amount_reaches_the_import_with_every_digit(amount: Decimal) -> None:
    body = b'{"payments": [{"amount": ' + str(amount).encode() + b"}]}"
    [record] = item_records(read_json(body), ImportKind.PAYMENTS, 10)
    assert Decimal(record.cells["amount"]) == amount and "E" not in record.cells["amount"]


def test_a_short_secret_stops_start_up_with_one_line_that_does_not_repeat_it() -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(_env_file=None, COLLECT_API_SECRET=f"{'a' * 32},tooshort")
    assert "COLLECT_API_SECRET" in str(refused.value) and "tooshort" not in str(refused.value)
    rotated = load_settings(_env_file=None, COLLECT_API_SECRET=f" {'a' * 32} , {'b' * 40} ,")
    assert rotated.api_secrets == ("a" * 32, "b" * 40) and "aaaa" not in repr(rotated)
    assert load_settings(_env_file=None).api_secrets == ()
