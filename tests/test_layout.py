"""The layout as the README's map draws it, checked on the source: imports point one way (wiring →
handlers and schedules → bot → storage), no module imports itself back through others, and every
domain package is made of the same few words (see "How it is built" in the README).

Every import counts, also those inside functions and under TYPE_CHECKING: a cycle hidden in a
function is still a cycle a reader has to untangle."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOP_PACKAGES = ("wiring", "handlers", "schedules", "bot", "storage")
# What each top-level package may import from the project, besides itself.
MAY_IMPORT = {
    "wiring": {"handlers", "schedules", "bot", "storage"},
    "handlers": {"bot", "storage"},
    "schedules": {"bot", "storage"},
    "bot": {"storage"},
    "storage": set(),
}
DOMAIN_PACKAGES = (
    "alerts", "assignments", "billing_link", "coaching", "cockpit", "complaints", "compliance", "correspondence",
    "dunning", "escalations", "imports", "kpis", "language", "ledger", "outbox", "propensity", "reports",
    "retention", "roster", "strategy",
)  # fmt: skip
# The words a domain package is made of, each with one meaning (README, "How it is built"), in the
# order they may import each other: a word imports its own domain's and other domains' words of the
# same rank or lower, never higher (rules never reach for records, records never open a desk).
WORD_RANK = {"model": 0, "rules": 1, "render": 2, "records": 3, "desk": 4, "job": 5}
# Pure words: plain data in, plain data out; no database, no Slack, no runtime.
PURE_WORDS = {"model", "rules", "render"}
IMPURE_IMPORTS = ("sqlalchemy", "slack_sdk", "slack_bolt", "storage.database", "bot.runtime")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def project_modules() -> dict[str, Path]:
    found = {}
    for top in TOP_PACKAGES:
        for path in (ROOT / top).rglob("*.py"):
            if "migrations" not in path.parts:
                found[module_name(path)] = path
    return found


def imported_names(path: Path) -> Iterator[str]:
    """Every module named by an import in the file, resolved to absolute names."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


@cache
def import_graph() -> dict[str, frozenset[str]]:
    modules = project_modules()
    graph = {}
    for name, path in modules.items():
        targets = set()
        for imported in imported_names(path):
            # `from bot.ledger import desk` names the module bot.ledger.desk; `from bot.x import f`
            # names bot.x. The longest project module that prefixes the name is the one imported.
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                targets.add(imported)
        graph[name] = frozenset(targets)
    return graph


def cycles(graph: dict[str, frozenset[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles(
        {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset()}
    ) == [["a", "b", "c"]]
    assert cycles({"a": frozenset({"b"}), "b": frozenset()}) == []


def test_no_import_cycle_between_the_projects_modules() -> None:
    assert cycles(import_graph()) == []


def test_imports_point_one_way() -> None:
    wrong = [
        f"{source} imports {target}"
        for source, targets in import_graph().items()
        for target in targets
        if (top := target.split(".")[0]) != source.split(".")[0]
        and top not in MAY_IMPORT[source.split(".")[0]]
    ]
    assert wrong == []


def domain_word(module: str) -> tuple[str, str] | None:
    """(domain, word) for a module of a domain package: bot.ledger.records.payments -> (ledger, records)."""
    parts = module.split(".")
    if len(parts) < 3 or parts[0] != "bot" or parts[1] not in DOMAIN_PACKAGES:
        return None
    return parts[1], parts[2]


def test_every_domain_package_is_made_of_the_same_words() -> None:
    for domain in DOMAIN_PACKAGES:
        assert (ROOT / "bot" / domain / "__init__.py").exists(), domain
    odd = [
        module
        for module in project_modules()
        if (found := domain_word(module)) is not None and found[1] not in WORD_RANK
    ]
    assert odd == []


def test_no_domain_package_left_off_the_list() -> None:
    """A new domain package is added to DOMAIN_PACKAGES (and to the README's map), so that the words
    are checked in it too: a package under bot/ holding one of the words is a domain package."""
    for package in (ROOT / "bot").iterdir():
        if package.is_dir() and (package / "__init__.py").exists():
            names = {path.stem for path in package.iterdir()}
            if names & set(WORD_RANK):
                assert package.name in DOMAIN_PACKAGES, package.name


def test_a_word_imports_only_words_of_its_rank_or_lower() -> None:
    wrong = []
    for source, targets in import_graph().items():
        if (mine := domain_word(source)) is None:
            continue
        for target in targets:
            theirs = domain_word(target)
            if theirs is not None and WORD_RANK[theirs[1]] > WORD_RANK[mine[1]]:
                wrong.append(f"{source} ({mine[1]}) imports {target} ({theirs[1]})")
    assert wrong == []


def test_pure_words_touch_no_database_and_no_slack() -> None:
    wrong = []
    for module, path in project_modules().items():
        if (found := domain_word(module)) is None or found[1] not in PURE_WORDS:
            continue
        for imported in imported_names(path):
            if imported.startswith(IMPURE_IMPORTS):
                wrong.append(f"{module} imports {imported}")
    assert wrong == []


def test_a_desk_writes_no_sql_of_its_own() -> None:
    """A desk opens the transaction and calls records and rules; the SQL is in records (a desk may
    catch the database's errors at its boundary: sqlalchemy.exc)."""
    wrong = []
    for module, path in project_modules().items():
        if (found := domain_word(module)) is None or found[1] != "desk":
            continue
        for imported in imported_names(path):
            if imported.startswith(("sqlalchemy", "storage.models")) and not imported.startswith(
                "sqlalchemy.exc"
            ):
                wrong.append(f"{module} imports {imported}")
    assert wrong == []


def readme_map() -> dict[str, str]:
    """The map's rows: a package's path -> what it holds."""
    text = (ROOT / "README.md").read_text()
    section = text.split("### The map", 1)[1].split("\n#", 1)[0]
    return dict(re.findall(r"^\| `([\w/]+)/` \| (.+?) \|", section, flags=re.M))


def test_the_readme_map_matches_the_tree() -> None:
    rows = readme_map()
    packages = {
        str(path.parent.relative_to(ROOT))
        for top in TOP_PACKAGES
        for path in (ROOT / top).glob("**/__init__.py")
        if "migrations" not in path.parts
    }
    # Every package the map names exists, and every top-level and domain package is on it.
    assert sorted(set(rows) - packages) == []
    wanted = {*TOP_PACKAGES, *(f"bot/{domain}" for domain in DOMAIN_PACKAGES)}
    assert sorted(wanted - set(rows)) == []


@pytest.mark.parametrize("word", sorted(WORD_RANK))
def test_the_readme_defines_each_word(word: str) -> None:
    section = (ROOT / "README.md").read_text().split("### The words", 1)[1].split("\n#", 1)[0]
    assert re.search(rf"^\| `{word}` \|", section, flags=re.M), word
