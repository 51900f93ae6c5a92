from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.currency import exponent, format_money, largest_amount, quantum
from bot.errors import UserError
from bot.language.rules import SUPPORTED
from bot.parsing.amounts import _to_decimal, parse_amount, quick_decimal
from storage.types import MAX_MONEY, MONEY_PRECISION, MONEY_SCALE


@pytest.mark.parametrize(
    ("text", "currency", "expected"),
    [
        ("250", "USD", "250.00"),
        ("250.5", "USD", "250.50"),
        ("250,5", "EUR", "250.50"),
        ("1,250.00", "USD", "1250.00"),
        ("$1,250.00", "USD", "1250.00"),
        ("$ 1,250.00", "USD", "1250.00"),
        ("R$ 1.250,00", "BRL", "1250.00"),
        ("r$ 1.250,00", "BRL", "1250.00"),
        ("R$1.250", "BRL", "1250.00"),
        ("1.250.000,50", "BRL", "1250000.50"),
        ("1,250,000.50", "USD", "1250000.50"),
        ("€40", "EUR", "40.00"),
        ("40€", "EUR", "40.00"),
        ("40 €", "EUR", "40.00"),
        ("USD 40", "USD", "40.00"),
        ("USD40", "USD", "40.00"),
        ("40 usd", "USD", "40.00"),
        ("40USD", "USD", "40.00"),
        ("40 usd", "usd", "40.00"),
        ("US$ 40", "USD", "40.00"),
        ("C$40", "CAD", "40.00"),
        ("$40", "CAD", "40.00"),
        ("£12.5", "GBP", "12.50"),
        ("1 250,00", "EUR", "1250.00"),
        ("1\u00a0250,00", "EUR", "1250.00"),
        ("1\u202f250,00", "EUR", "1250.00"),
        ("1 250 000", "EUR", "1250000.00"),
        ("1 250.75", "USD", "1250.75"),
        ("  250  ", "USD", "250.00"),
        ("0.01", "USD", "0.01"),
        ("007", "USD", "7.00"),
        ("99999999999999.99", "USD", "99999999999999.99"),
    ],
)
def test_accepted_forms(text: str, currency: str, expected: str) -> None:
    assert parse_amount(text, currency) == Decimal(expected)


def test_result_is_quantized_to_the_currency() -> None:
    assert str(parse_amount("250", "USD")) == "250.00"
    assert str(parse_amount("250", "JPY")) == "250"
    assert str(parse_amount("250", "KWD")) == "250.000"


@pytest.mark.parametrize(
    ("text", "currency", "expected"),
    [
        # One separator before exactly three digits is grouping for two- and zero-decimal currencies...
        ("1,250", "USD", "1250"),
        ("R$1.250", "BRL", "1250"),
        ("1.250", "JPY", "1250"),
        ("1,250", "JPY", "1250"),
        ("¥1,250,000", "JPY", "1250000"),
        # ...but decimals for three-decimal currencies.
        ("1.250", "KWD", "1.250"),
        ("1,250", "KWD", "1.250"),
        ("1,250.500", "KWD", "1250.500"),
        ("1.5", "KWD", "1.500"),
        # Both present: the last one separates the decimals.
        ("1.250,5", "EUR", "1250.50"),
        ("1,250.5", "EUR", "1250.50"),
        # Once before one or two digits: decimals.
        ("12.5", "BRL", "12.50"),
        ("12,50", "USD", "12.50"),
    ],
)
def test_separator_ambiguity(text: str, currency: str, expected: str) -> None:
    assert parse_amount(text, currency) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("12.345", "USD"),  # `.` is how USD writes decimals: refused, not read as twelve thousand
        ("1,250", "BRL"),  # and `,` is how BRL does
        ("12.3456", "USD"),
        ("1,234.567", "USD"),
        ("100.5", "JPY"),
        ("100,5", "JPY"),
        ("1.2345", "KWD"),
    ],
)
def test_more_decimals_than_the_currency_is_refused_not_rounded(text: str, currency: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_amount(text, currency)
    assert caught.value.problem == f"`{text}` has more decimals than {currency} allows."
    assert caught.value.field == "amount"


def test_too_many_decimals_hint_suggests_the_rounded_amount() -> None:
    with pytest.raises(UserError) as caught:
        parse_amount("12.345", "USD")
    assert caught.value.hint.startswith("Type the amount with at most 2 decimals, like `12.35`.")
    assert "`12345`" in caught.value.hint


def test_jpy_hint_says_without_decimals() -> None:
    with pytest.raises(UserError) as caught:
        parse_amount("100.4", "JPY")
    assert caught.value.hint == "Type the amount without decimals, like `100`."


def test_brl_hint_uses_the_comma() -> None:
    with pytest.raises(UserError) as caught:
        parse_amount("12,345", "BRL")
    assert "`12,35`" in caught.value.hint


@pytest.mark.parametrize(
    "text",
    ["abc", "12a", "1..2", "1,,2", ".5", "5.", "1e5", "1E5", "NaN", "nan", "Infinity", "inf", "$", "USD",
     "12 abcd", "(5)", "+5", "5-", "١٢", "1_000", "0x10"],
)  # fmt: skip
def test_not_a_number(text: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_amount(text, "USD")
    assert caught.value.field == "amount"
    assert caught.value.problem == f"`{text}` is not an amount."
    assert "`250`" in caught.value.hint


@pytest.mark.parametrize("text", ["", "   "])
def test_empty(text: str) -> None:
    with pytest.raises(UserError, match="missing") as caught:
        parse_amount(text, "USD")
    assert caught.value.field == "amount"


@pytest.mark.parametrize("text", ["0", "0.00", "$0", "0,00", "-0"])
def test_zero(text: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_amount(text, "USD")
    assert caught.value.problem == "The amount is zero."


@pytest.mark.parametrize("text", ["-5", "- 5", "-$5", "$-5", "\u22125", "-5 usd"])
def test_negative(text: str) -> None:
    with pytest.raises(UserError, match="negative") as caught:
        parse_amount(text, "USD")
    assert caught.value.hint == "Type the amount without a minus sign, like `5.00`."


@pytest.mark.parametrize("text", ["1,00,000", "12,34,567.00", "1.2.3", "1,2345,678", "1 25", "1 250,000.00"])
def test_grouping_not_in_threes(text: str) -> None:
    with pytest.raises(UserError, match="grouped oddly") as caught:
        parse_amount(text, "USD")
    assert caught.value.field == "amount"


@pytest.mark.parametrize(
    ("largest", "currency", "shown"),
    [
        ("99,999,999,999,999.99", "USD", "$99,999,999,999,999.99"),
        ("99999999999999.99", "EUR", "€99,999,999,999,999.99"),
        ("99.999.999.999.999,99", "BRL", "R$99,999,999,999,999.99"),
        ("99999999999999", "JPY", "¥99,999,999,999,999"),
        ("99999999999999.999", "KWD", "KWD99,999,999,999,999.999"),
    ],
)
def test_the_largest_amount_is_what_a_money_column_holds(largest: str, currency: str, shown: str) -> None:
    """NUMERIC(18, 4): fourteen digits before the decimals; the currency decides how many after."""
    value = parse_amount(largest, currency)
    assert value == largest_amount(currency) and value <= MAX_MONEY
    assert format_money(value, currency, "en") == shown
    one_unit_more = value + quantum(currency)
    with pytest.raises(UserError) as caught:
        parse_amount(str(one_unit_more), currency)
    assert "too large" in caught.value.problem and shown in str(caught.value)
    assert caught.value.field == "amount"


@pytest.mark.parametrize("text", ["100000000000000", "1,000,000,000,000,000.00", "9" * 40, "1" + "0" * 400])
def test_beyond_the_largest_amount_is_too_large(text: str) -> None:
    with pytest.raises(UserError, match="too large") as caught:
        parse_amount(text, "USD")
    assert "$99,999,999,999,999.99" in str(caught.value) and len(caught.value.problem) < 120


def test_the_limit_is_the_money_columns_own() -> None:
    assert Decimal(10) ** (MONEY_PRECISION - MONEY_SCALE) - MAX_MONEY == Decimal("0.0001")


def test_leading_zeros_do_not_count_as_large() -> None:
    assert parse_amount("0" * 20 + "5", "USD") == Decimal("5.00")


@pytest.mark.parametrize(
    ("text", "currency", "suggested"),
    [
        ("€40", "BRL", "R$40.00"),
        ("$40", "EUR", "€40.00"),
        ("R$ 40", "USD", "$40.00"),
        ("40 EUR", "USD", "$40.00"),
        ("USD 40", "BRL", "R$40.00"),
        ("US$40", "CAD", "CA$40.00"),
        ("¥500", "KRW", "₩500"),
    ],
)
def test_symbol_or_code_of_another_currency(text: str, currency: str, suggested: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_amount(text, currency)
    assert caught.value.problem == f"`{text}` is not in {currency}, the account's currency."
    assert caught.value.hint == f"Type the amount in {currency}, like `{suggested}`."
    assert caught.value.field == "amount"


def test_long_input_is_shortened_in_the_message() -> None:
    with pytest.raises(UserError) as caught:
        parse_amount("x" * 5000, "USD")
    assert len(caught.value.problem) < 80


def test_backticks_in_input_do_not_break_the_message() -> None:
    with pytest.raises(UserError) as caught:
        parse_amount("1`2", "USD")
    assert caught.value.problem.count("`") == 2


_CURRENCIES = ["USD", "EUR", "BRL", "GBP", "JPY", "KRW", "KWD", "BHD", "CHF", "CAD", "MXN", "COP"]


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "shown"),
    [
        ("1250", "USD", "en", "$1,250.00"),
        ("1250", "BRL", "pt-BR", "R$\u00a01.250,00"),
        ("1250", "EUR", "pt-BR", "€\u00a01.250,00"),
        ("1250", "USD", "pt-BR", "US$\u00a01.250,00"),
        ("1250", "EUR", "es", "1.250,00\u00a0€"),
        ("1250", "BRL", "en", "R$1,250.00"),
        ("-5", "USD", "en", "-$5.00"),
        ("1250.125", "KWD", "pt-BR", "KWD\u00a01.250,125"),
        ("1234567.5", "COP", "en", "COP1,234,567.50"),  # ISO's two decimals, not Babel's cash none
        ("1250", "JPY", "es", "1.250\u00a0JPY"),
    ],
)
def test_money_is_written_as_the_reader_writes_it(
    amount: str, currency: str, locale: str, shown: str
) -> None:
    assert format_money(Decimal(amount), currency, locale) == shown


@pytest.mark.parametrize("first", ["0.00", "-0.00", "0", "-0", "1.0", "1.00", "1E+1"])
def test_equal_amounts_written_apart_stay_apart(first: str) -> None:
    """format_money remembers what it wrote by the amount's exact digits and sign, not its value:
    -0.00 and 0.00 are equal Decimals that Babel writes differently, 1.0 and 1.00 write alike."""
    written = {
        text: format_money(Decimal(text), "USD", "en") for text in (first, "0.00", "-0.00", "1.0", "1E+1")
    }
    assert written["0.00"] == "$0.00" and written["-0.00"] == "-$0.00"
    assert written["1.0"] == "$1.00" and written["1E+1"] == "$10.00"
    assert format_money(Decimal(first), "USD", "en") == written[first]


@given(st.data())
def test_format_then_parse_round_trips(data: st.DataObject) -> None:
    """What Babel writes for a reader of any locale the bot speaks reads back as the same amount:
    a person may paste what the bot showed them. Money is Decimal throughout, never float."""
    currency = data.draw(st.sampled_from(_CURRENCIES))
    locale = data.draw(st.sampled_from(SUPPORTED))
    places = exponent(currency)
    smallest = Decimal(1).scaleb(-places)
    amount = data.draw(
        st.decimals(min_value=smallest, max_value=largest_amount(currency), places=places),
    )
    shown = format_money(amount, currency, locale)
    read = parse_amount(shown, currency)
    assert isinstance(read, Decimal) and read == amount, shown


@given(st.text(), st.sampled_from(_CURRENCIES))
def test_arbitrary_text_raises_only_user_errors(text: str, currency: str) -> None:
    try:
        result = parse_amount(text, currency)
    except UserError:
        return
    assert result > 0
    assert result == result.quantize(Decimal(1).scaleb(-exponent(currency)))


@given(st.text(alphabet="0123456789.,- $€R", max_size=20), st.sampled_from(_CURRENCIES))
def test_number_like_text_raises_only_user_errors(text: str, currency: str) -> None:
    try:
        result = parse_amount(text, currency)
    except UserError:
        return
    assert result > 0


@given(
    st.lists(
        st.sampled_from(["1", "2", "0", "9", "12", "123", "1234", "000", ".", ","]), min_size=1, max_size=9
    ),
    st.sampled_from(["USD", "BRL", "EUR", "GBP", "JPY", "KWD"]),
)
def test_the_quick_reading_of_common_shapes_is_the_full_one(parts: list[str], currency: str) -> None:
    """Amounts of the common shapes are read without the full analysis (a portfolio import reads two
    per row); whatever it reads, the full reading gives the same value."""
    body = "".join(parts)
    quick = quick_decimal(body, currency)
    if quick is not None:
        assert _to_decimal(body, currency, body) == quick


@pytest.mark.parametrize(
    "body", ["9" * 15 + ".99", "99999999999999.99", "1" + "0" * 14, "1,000,000,000,000,000.00", "0.00"]
)
def test_the_quick_reading_leaves_the_largest_amounts_to_the_full_one(body: str) -> None:
    quick = quick_decimal(body, "USD")
    try:
        full: Decimal | None = _to_decimal(body, "USD", body)
    except UserError:
        full = None
    assert quick is None or quick == full
