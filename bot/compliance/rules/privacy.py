"""Masking for places wider than the supervisors' channel (team channels, digests, exports).

Debt details go only to the consumer and the people 1006.6(d) lists, so anything a wider audience
sees keeps just enough to tell accounts and people apart. Every function accepts empty or odd input
and returns "" when there is nothing safe to show.
"""

from __future__ import annotations

import re
import unicodedata

ELLIPSIS = "…"
DOT = "•"

SHORT_ACCOUNT_ID = 6
"""Ids shorter than this would be almost fully shown by the last 4: they keep only their last 2."""
SHORT_PHONE_DIGITS = 7
"""Numbers with fewer national digits than this (extensions, short codes) keep only their last 2."""

# ITU calling codes are prefix-free: 1 and 7 have one digit, these have two, all others three.
_TWO_DIGIT_CALLING_CODES = frozenset(
    {20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55, 56, 57, 58}
    | {60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98}
)


def mask_account_id(account_id: str) -> str:
    """Mask an account id, "ACC-1042" -> "ACC-…1042": a letters-only prefix up to the first dash
    (the id's kind, not the customer) and the last 4 characters. Short ids keep only their last 2:
    "A12" -> "…12"."""
    text = account_id.strip()
    if not text:
        return ""
    if len(text) < SHORT_ACCOUNT_ID:
        return ELLIPSIS + text[-2:]
    prefix, dash, body = text.partition("-")
    # A prefix with digits may itself identify the customer ("12345-01"): then keep no prefix.
    if not dash or not body or not prefix.isalpha():
        prefix, dash, body = "", "", text
    return f"{prefix}{dash}{ELLIPSIS}{body[-4:]}"


def initials(name: str) -> str:
    """Initials of a name, "Maria da Silva" -> "M. d. S.": the first letter of every word in its
    own case, so particles (da, de, van) stay visibly small; hyphenated names keep the hyphen
    ("Jean-Luc" -> "J.-L."). Letters of any script count, so non-Latin names keep their first
    letters ("Иван Петров" -> "И. П."); words with no letter at all (numbers, "&") are left out."""
    words = unicodedata.normalize("NFC", name).split()
    return " ".join(part for part in map(_word_initials, words) if part)


def _word_initials(word: str) -> str:
    letters = [_first_letter(piece) for piece in word.split("-")]
    return "-".join(f"{letter}." for letter in letters if letter)


def _first_letter(piece: str) -> str:
    return next((char for char in piece if char.isalpha()), "")


def mask_phone(phone: str) -> str:
    """Mask a phone number, "+1 555 010 0199" -> "+1 ••• ••• 0199": the calling code (after a "+")
    and the last 4 digits stay, every other digit becomes a dot, and the number's own spacing is
    kept. Without a "+" the calling code is unknown, so only the last 4 stay; numbers with fewer
    than 7 digits after the calling code keep only their last 2."""
    text = phone.strip()
    digits = re.sub(r"\D", "", text)
    if not digits:
        return ""
    code_length = _calling_code_length(digits) if text.startswith("+") else 0
    keep_last = 4 if len(digits) - code_length >= SHORT_PHONE_DIGITS else 2
    masked = _mask_digits(text, code_length, len(digits) - keep_last)
    head, rest = masked[: code_length + 1], masked[code_length + 1 :]
    if code_length and (rest[:1].isdigit() or rest[:1] == DOT):
        # "+15550100199": a space after the calling code keeps it readable.
        return f"{head} {rest}"
    return masked


def _calling_code_length(digits: str) -> int:
    if digits[0] in "17":
        return 1
    return 2 if len(digits) >= 2 and int(digits[:2]) in _TWO_DIGIT_CALLING_CODES else 3


def _mask_digits(text: str, keep_first: int, keep_from: int) -> str:
    """Digits before `keep_first` and from `keep_from` (counting digits only) stay; others become dots.
    Characters other than digits and the leading "+" are kept as they are (spaces, dashes)."""
    out: list[str] = []
    seen = 0
    for char in text:
        if char.isdigit():
            out.append(char if seen < keep_first or seen >= keep_from else DOT)
            seen += 1
        else:
            out.append(char)
    return "".join(out)


def mask_email(email: str) -> str:
    """Mask an email address, "maria.silva@example.com" -> "m•••@example.com": the mailbox's first
    character and the whole domain. Always three dots, so the mask does not give away the
    mailbox's length."""
    text = email.strip()
    if not text:
        return ""
    mailbox, at, domain = text.rpartition("@")
    if not at:
        # Not an address: treat the whole text as the mailbox.
        mailbox, domain = text, ""
    return f"{mailbox[:1]}{DOT * 3}{at}{domain}"
