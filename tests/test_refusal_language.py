"""Refusals (UserError and every subclass) raised by escalations, the ledger, assignments,
compliance, alerts and retention reach the reader in their own language: marked for translation in
the source, and translated through the real endpoint."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AREA = [
    ROOT / "bot" / "escalations",
    ROOT / "bot" / "ledger",
    ROOT / "bot" / "assignments",
    ROOT / "bot" / "compliance",
    ROOT / "bot" / "alerts" / "records.py",
    ROOT / "bot" / "retention",
]

# --- the source: no refusal text that gettext never sees ---------------------------------------------


def _sources(*places: Path) -> Iterator[Path]:
    for place in places:
        yield from ([place] if place.is_file() else sorted(place.rglob("*.py")))


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _refusal_classes() -> tuple[set[str], set[str]]:
    """Every subclass of UserError in bot/ and handlers/, found by their class statements; and
    those of them with an `__init__` of their own (their arguments are not `problem` and `hint`)."""
    classes: dict[str, tuple[list[str], bool]] = {}
    for path in _sources(ROOT / "bot", ROOT / "handlers"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ClassDef):
                own_init = any(isinstance(n, ast.FunctionDef) and n.name == "__init__" for n in node.body)
                classes[node.name] = ([b for b in map(_name, node.bases) if b], own_init)
    refusals = {"UserError"}
    while True:
        more = {name for name, (bases, _) in classes.items() if refusals & set(bases)} - refusals
        if not more:
            return refusals, {name for name in refusals if name in classes and classes[name][1]}
        refusals |= more


def _is_plain_text(node: ast.expr) -> bool:
    """A literal the reader would see untranslated: `"…"`, `f"…"`, or either joined to more."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value.strip() != ""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _is_plain_text(node.left) or _is_plain_text(node.right)
    return False


def _untranslated(path: Path, refusals: set[str], own_init: set[str]) -> Iterator[str]:
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        called = _name(node.func)
        is_super_init = (
            isinstance(node.func, ast.Attribute)
            and node.func.attr == "__init__"
            and isinstance(node.func.value, ast.Call)
            and _name(node.func.value.func) == "super"
        )
        if called not in refusals and not is_super_init:
            continue
        # A class of its own takes what it words itself (an account id, a "what"): any text is shown.
        texts = list(node.args) if called in own_init else list(node.args[:2])
        texts += [k.value for k in node.keywords if k.arg in ("problem", "hint")]
        for text in texts:
            if _is_plain_text(text):
                yield f"{path.relative_to(ROOT)}:{text.lineno}: {ast.unparse(text)[:70]}"


def test_refusals_in_the_domain_are_marked_for_translation() -> None:
    refusals, own_init = _refusal_classes()
    assert {"NotFoundError", "ConflictError", "ComplianceRefusedError", "OverpaymentError"} <= refusals
    found = [line for path in _sources(*AREA) for line in _untranslated(path, refusals, own_init)]
    assert not found, "refusals not wrapped in _():\n" + "\n".join(found)
