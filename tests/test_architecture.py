"""The package layout's rules, checked over the source (AST imports, every one: module level, inside
functions, under TYPE_CHECKING): no import cycle in retrieval/, arrows down the flow, tools and
test helpers out of serving code, no product module over 500 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 500
# Modules allowed over the bar for now (none: the page reader was split into retrieval/ingest/*).
TOO_LONG_FOR_NOW: set[str] = set()
# Down the flow: a package may import its own level and the levels below, never one above.
LEVELS = {
    "retrieval.config": 0, "retrieval.errors": 0,
    "retrieval.locations": 0, "retrieval.derived": 0, "retrieval.records": 0, "retrieval.questions": 0,
    "retrieval.text": 1,
    "retrieval.ingest": 2, "retrieval.models": 2, "retrieval.crosslingual": 2,
    "retrieval.store": 3,
    "retrieval.search": 4,
    "retrieval.service": 5, "retrieval.render": 5,
    "retrieval.tools": 6,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def product_modules() -> dict[str, Path]:
    return {module_name(path): path for package in ("retrieval", "bot") for path in (ROOT / package).rglob("*.py")}


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The project modules one file imports (a `from package import module` counts as the module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if child in known else node.module)
    return {name for name in found if name in known}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = product_modules()
    return {name: imports_of(path, set(modules)) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target):], target]
            if target not in state and (cycle := visit(target)) is not None:
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)) is not None:
            return cycle
    return None


def level_of(module: str) -> int | None:
    for prefix, level in LEVELS.items():
        if module == prefix or module.startswith(prefix + "."):
            return level
    return None


def test_no_import_cycle_inside_retrieval(graph):
    retrieval = {name: {t for t in targets if t.startswith("retrieval")} for name, targets in graph.items()
                 if name.startswith("retrieval")}
    assert find_cycle(retrieval) is None, " → ".join(find_cycle(retrieval) or [])


def test_the_cycle_check_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_every_retrieval_module_has_a_level():
    unplaced = [name for name in product_modules() if name.startswith("retrieval.") and level_of(name) is None]
    assert unplaced == []


def test_imports_point_down_the_flow(graph):
    upward = [f"{source} → {target}" for source, targets in graph.items() if source.startswith("retrieval.")
              for target in targets if target.startswith("retrieval.")
              and level_of(target) is not None and level_of(source) is not None
              and level_of(target) > level_of(source)]
    assert upward == []


def test_retrieval_never_imports_bot_and_serving_code_never_imports_tools(graph):
    wrong = [f"{source} → {target}" for source, targets in graph.items() for target in targets
             if (source.startswith("retrieval") and target.startswith("bot"))
             or (not source.startswith(("retrieval.tools", "bot.testing"))
                 and target.startswith(("retrieval.tools", "bot.testing")))]
    assert wrong == []


def test_no_product_module_is_over_500_lines():
    long = {path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
            for path in product_modules().values()}
    over = {name: lines for name, lines in long.items() if lines > MAX_LINES and name not in TOO_LONG_FOR_NOW}
    assert over == {}


def test_no_test_imports_another_test_file():
    """Shared helpers live in tests/support/; a test file is never imported by another."""
    test_modules = {path.stem for path in (ROOT / "tests").rglob("test_*.py")} | {"conftest"}
    wrong = []
    for path in (ROOT / "tests").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            wrong += [f"{path.relative_to(ROOT)} imports {name}" for name in names
                      if name.split(".")[0] in test_modules]
    assert wrong == []
