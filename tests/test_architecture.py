"""The layers are one-way: data → metrics → render → ui → pages, with no import cycles anywhere.

Every module's imports are parsed (including imports inside functions), not executed. `kpi/cli.py` names the
developer tools in `perf/` only as strings for importlib, so `python -m kpi bench` stays a thin entry point.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PRODUCT = ("kpi", "ui", "pages", "perf")
MAX_LINES = 400

# (rank, group): a module may import its own group or any group of a lower rank; groups of equal rank are apart.
LAYERS = [
    ("kpi.i18n", -1, "i18n"),  # the language of the session or command: every layer may ask for its words
    ("kpi.data", 0, "data"), ("kpi.metrics", 1, "metrics"), ("kpi.render", 2, "render"),
    ("kpi", 3, "cli"), ("ui", 3, "ui"), ("pages", 4, "pages"), ("app", 5, "app"), ("perf", 6, "perf"),
]
NOT_IN_KPI = ("streamlit", "playwright", "websockets", "perf", "ui", "pages")


def _modules() -> dict[str, Path]:
    found = {"app": REPO / "app.py"}
    for top in PRODUCT:
        for path in (REPO / top).rglob("*.py"):
            parts = path.relative_to(REPO).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Names imported by a module, resolved to modules where a submodule of that name exists."""
    out = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                out.add(full if full in MODULES else base)
    return out


GRAPH = {name: {i for i in _imports(name, path) if i.split(".")[0] in (*PRODUCT, "app")}
         for name, path in MODULES.items()}


def _layer(module: str) -> tuple[int, str]:
    for prefix, rank, group in LAYERS:
        if module == prefix or module.startswith(prefix + "."):
            return rank, group
    raise AssertionError(f"{module} is in no layer")


def test_every_product_module_is_in_a_layer():
    for module in MODULES:
        _layer(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_only_go_down_the_layers(module):
    rank, group = _layer(module)
    wrong = []
    for imported in GRAPH[module]:
        their_rank, their_group = _layer(imported)
        if their_rank > rank or (their_rank == rank and their_group != group):
            wrong.append(f"{imported} ({their_group})")
    assert not wrong, f"{module} ({group}) imports against the direction data → metrics → render → ui → pages: {wrong}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m == "kpi" or m.startswith("kpi.")))
def test_kpi_imports_no_streamlit_browser_or_dev_tool(module):
    imported = _imports(module, MODULES[module])
    bad = sorted(i for i in imported if i.split(".")[0] in NOT_IN_KPI)
    assert not bad, f"{module} imports {bad}: kpi/ is the runtime package, used without Streamlit or dev tools"


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), or a module importing itself."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH.get(v, ()):
            if w not in GRAPH:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in GRAPH.get(v, ()):
                out.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles():
    assert _cycles() == []


def test_the_cycle_finder_finds_a_cycle():
    GRAPH["kpi.data.schema"].add("kpi.data.store")
    try:
        assert any({"kpi.data.schema", "kpi.data.store"} <= set(c) for c in _cycles())
    finally:
        GRAPH["kpi.data.schema"].discard("kpi.data.store")


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_over_400_lines(module):
    lines = MODULES[module].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{MODULES[module].relative_to(REPO)} has {lines} lines; split it by job"
