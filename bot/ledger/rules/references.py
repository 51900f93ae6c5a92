"""Payment references as the ledger compares them.

An agent types `ref:bank-991`, the bank feed says `BANK-991` with a non-breaking hyphen, a form
pasted from a portal carries a zero-width space: one payment. Every way a reference enters (typed,
the pay form, the payments import) is compared through `reference_key`, and the key is what the
database's unique index holds; the reference itself is kept and shown as first written.
Changing what the key is needs a migration that recomputes payments.reference_key (as 0012 does).
"""

from __future__ import annotations

import re
import unicodedata

from bot.errors import UserError
from bot.language.model import _, speaker
from storage.models import REFERENCE_KEY_LENGTH

# The minus sign is a maths symbol (Sm), not dash punctuation (Pd), but it is typed as a dash.
_DASH_LIKE = frozenset({"\u2212", "\u2796", "\u02d7"})
_SPACES = re.compile(r"\s+")


def reference_key(reference: str) -> str:
    """The reference NFKC-normalised, case-folded, without invisible (format) characters, with every
    dash written `-` and runs of spaces as one, trimmed. Empty when nothing visible is left."""
    text = _without_invisible(reference)
    # Case folding can undo the normal form (`ǰ` folds to `j` + a combining caron): normalise again.
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    text = "".join("-" if _is_dash(ch) else ch for ch in _without_invisible(text))
    return _SPACES.sub(" ", text).strip()


def _without_invisible(text: str) -> str:
    # Format characters (Cf): zero-width spaces and joiners, the BOM, the soft hyphen, direction marks.
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def _is_dash(ch: str) -> bool:
    return ch in _DASH_LIKE or unicodedata.category(ch) == "Pd"


def payment_reference_key(reference: str | None) -> str | None:
    """The key a payment's reference is stored and compared by (None without a reference). Refused:
    a reference with nothing visible in it, and one whose key would not fit payments.reference_key."""
    if not reference:
        return None
    key = reference_key(reference)
    hint = _("Type the reference as the bank or processor shows it, like `ref:TX-88812`, or leave it out.")
    if not key:
        raise UserError(_("The reference has nothing visible in it."), hint, field="reference")
    if len(key) > REFERENCE_KEY_LENGTH:  # compatibility characters written out (`ﷺ` is 18 letters)
        raise UserError(
            _(
                "The reference is too long once its special characters are written out ({count} characters;"
                " at most {limit})."
            ).format(count=speaker().number(len(key)), limit=speaker().number(REFERENCE_KEY_LENGTH)),
            hint,
            field="reference",
        )
    return key
