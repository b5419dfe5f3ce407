"""The rules of docs/architecture.md, checked on every import of src/rcpkg (inside functions too).

The order of the layers is read from the table of docs/architecture.md (its "modules" column, row by row),
so the page and the check cannot drift apart. The check is proven on small synthetic package trees, each
breaking one rule, besides the real tree."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
DOC = ROOT / "docs" / "architecture.md"
PACKAGE = "rcpkg"
HTTP_LIBRARIES = ("flask", "werkzeug", "granian")  # imported by rcpkg.web only
BUILD_INPUTS = ("source", "extract", "resolve")  # never imported by rcpkg.web


# ------------------------------------------------------------------------------------------ the check


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")] if line.lstrip().startswith("|") else []


def layers(doc: str) -> list[list[str]]:
    """The full module names of each row of the doc's table (the first with a "modules" column), in order."""
    lines = doc.splitlines()
    for i, line in enumerate(lines[:-1]):
        header = _cells(line)
        if "modules" in header and re.fullmatch(r"[\s|:-]+", lines[i + 1]):
            column = header.index("modules")
            rows = []
            for row in lines[i + 2 :]:
                if not _cells(row):
                    break
                names = re.findall(r"`([^`]+)`", _cells(row)[column])
                rows.append([n if n == PACKAGE else f"{PACKAGE}.{n}" for n in names])
            return rows
    raise AssertionError("docs/architecture.md has no table with a 'modules' column")


def modules(src: Path) -> dict[str, Path]:
    """Every module of the package under ``src``, by full name (a package by its own name)."""
    found = {}
    for path in sorted((src / PACKAGE).rglob("*.py")):
        parts = path.relative_to(src).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _module_of(name: str, known: dict[str, Path]) -> str:
    """The longest known module that ``name`` (a module, or a module's attribute) names."""
    while name not in known and "." in name:
        name = name.rpartition(".")[0]
    return name


def _dynamic_import(node: ast.Call) -> str | None:
    """The name imported by ``__import__("x")`` or ``importlib.import_module("x")``, if literal."""
    func = node.func
    called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    if called in ("__import__", "import_module") and node.args and isinstance(node.args[0], ast.Constant):
        return node.args[0].value if isinstance(node.args[0].value, str) else None
    return None


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """What module ``name`` imports anywhere in its code: modules of the package by full name, others by
    their top-level name."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    here = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = here
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            targets = [f"{base}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Call) and _dynamic_import(node):
            targets = [_dynamic_import(node)]
        else:
            continue
        for target in targets:
            found.add(_module_of(target, known) if _within(target, PACKAGE) else target.split(".")[0])
    found.discard(name)
    return found


def _makes_blueprint(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Name) and func.id == "Blueprint") or (
                isinstance(func, ast.Attribute) and func.attr == "Blueprint"
            ):
                return True
    return False


def cycles(graph: dict[str, set[str]]) -> list[tuple[list[str], set[str]]]:
    """Each group of modules that import one another, directly or not, with one cycle (a -> ... -> a)
    through it."""
    reach = {m: set() for m in graph}
    for start in graph:
        todo = list(graph[start])
        while todo:
            m = todo.pop()
            if m in graph and m not in reach[start]:
                reach[start].add(m)
                todo.extend(graph[m])
    found, seen = [], set()
    for start in sorted(graph):
        if start in seen or start not in reach[start]:
            continue
        group = {m for m in reach[start] if start in reach[m]}
        seen |= group
        path, todo = {start: [start]}, [start]  # shortest way round, inside the group
        while todo and start not in path.get("", ()):
            m = todo.pop(0)
            for n in sorted(graph[m] & group):
                if n == start:
                    path[""] = path[m] + [start]
                    break
                if n not in path:
                    path[n] = path[m] + [n]
                    todo.append(n)
            if "" in path:
                break
        found.append((path[""], group))
    return found


def violations(src: Path, doc: str) -> list[str]:
    """Every import under ``src`` that breaks a rule of docs/architecture.md (the text ``doc``)."""
    order = layers(doc)
    known = modules(src)
    graph = {m: imports(m, path, known) for m, path in known.items()}

    def row(module: str) -> int | None:
        listed = [(len(n), i) for i, names in enumerate(order) for n in names if _within(module, n)]
        listed = [(length, i) for length, i in listed if length > len(PACKAGE) or module == PACKAGE]
        return max(listed)[1] if listed else None

    def web(module: str) -> bool:
        return _within(module, f"{PACKAGE}.web")

    problems = []
    for module in sorted(known):
        if row(module) is None:
            problems.append(f"{module} is in no row of the table of docs/architecture.md")
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            if _within(target, PACKAGE):
                mine, theirs = row(module), row(target)
                if mine is not None and theirs is not None and theirs > mine:
                    problems.append(f"{module} (row {mine + 1}) imports {target}, of a later row ({theirs + 1})")
                if web(module) and any(_within(target, f"{PACKAGE}.{stage}") for stage in BUILD_INPUTS):
                    problems.append(f"{module} imports {target}: the web layer never reads the build's inputs")
            elif target in HTTP_LIBRARIES and not web(module):
                problems.append(f"{module} imports {target}: only rcpkg.web speaks HTTP")
    blueprints = {m for m, path in known.items() if web(m) and _makes_blueprint(path)}
    for module in sorted(blueprints):
        for target in sorted(graph[module] & blueprints):
            problems.append(f"{module} imports {target}: blueprints never import each other")
    internal = {m: {t for t in targets if t in known} for m, targets in graph.items()}
    for cycle, group in cycles(internal):
        others = ", ".join(sorted(group - set(cycle)))
        problems.append(f"import cycle: {' -> '.join(cycle)}" + (f" (and through {others})" if others else ""))
    return problems


# ---------------------------------------------------------------------------------------- the real tree


def test_the_package_follows_the_architecture():
    problems = violations(SRC, DOC.read_text(encoding="utf-8"))
    assert problems == [], "\n".join(problems)


def test_the_table_orders_the_layers_as_the_pipeline_runs():
    order = layers(DOC.read_text(encoding="utf-8"))

    def row(name: str) -> int:
        return next(i for i, names in enumerate(order) if f"{PACKAGE}.{name}" in names)

    foundation = ("errors", "paths", "namespaces", "formats", "terms", "text")
    assert {row(m) for m in foundation} == {0}
    stages = ("source", "extract", "resolve", "graph", "links", "validate", "knowledge_base", "store", "config")
    assert [row(m) for m in stages] == sorted({row(m) for m in stages})
    assert row("store") < row("web.context") < row("web") < row("web.app") < row("commands") < row("cli")
    assert row("themes") == row("graph") and row("roles") == row("charts")


# ------------------------------------------------------------------------------ proven on synthetic trees


def tree(root: Path, files: dict[str, str]) -> Path:
    """A package ``rcpkg`` under ``root/src`` with ``files`` (paths relative to the package, their code);
    every module is empty unless given, every folder a package."""
    src = root / "src"
    for relative in ("__init__.py", "errors.py", *files):
        path = src / PACKAGE / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        for folder in path.relative_to(src).parents:
            if folder != Path("."):
                (src / folder / "__init__.py").touch()
        path.write_text(files.get(relative, ""), encoding="utf-8")
    return src


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def test_a_tree_that_follows_the_rules_passes(tmp_path, doc):
    src = tree(
        tmp_path,
        {
            "source.py": "from rcpkg.errors import RcpkgError\n",
            "extract.py": "from rcpkg import source\n",
            "graph.py": "from . import extract, themes\nfrom .source import Cell\n",
            "themes.py": "import re\n",
            "store/__init__.py": "from rcpkg.store.execute import run\n",
            "store/execute.py": "import pyoxigraph\nfrom ..errors import QueryError\n",
            "config.py": "from rcpkg.store import LIMITS\n",
            "web/context.py": "from flask import current_app\nfrom rcpkg.store import Store\n",
            "web/pages.py": "from flask import Blueprint\nfrom .context import get_store\nbp = Blueprint('p', 'x')\n",
            "web/app.py": "def create_app():\n    from rcpkg.web import pages\n    return pages.bp\n",
            "commands.py": "def serve():\n    from rcpkg.web import app\n",
            "cli.py": "from rcpkg import commands\n",
        },
    )
    assert violations(src, doc) == []


BLUEPRINT = "from flask import Blueprint\nbp = Blueprint('x', 'y')\n"
BROKEN = {
    "a cycle through imports inside functions": (
        {
            "store/__init__.py": "from rcpkg.store.load import load\n",
            "store/load.py": "def load():\n    from rcpkg.store import execute\n",
            "store/execute.py": "def run():\n    from rcpkg.store.load import load\n",
        },
        ["import cycle: rcpkg.store.execute -> rcpkg.store.load -> rcpkg.store.execute"],
    ),
    "the app and a blueprint importing each other, one through __import__": (
        {
            "web/app.py": "def create_app():\n    return __import__('rcpkg.web.pages', fromlist=['bp']).bp\n",
            "web/pages.py": BLUEPRINT + "from rcpkg.web.app import helper\n",
        },
        [
            "rcpkg.web.pages (row 16) imports rcpkg.web.app, of a later row (17)",
            "import cycle: rcpkg.web.app -> rcpkg.web.pages -> rcpkg.web.app",
        ],
    ),
    "a web module importing a build stage": (
        {"source.py": "", "web/resources.py": "def text(cell):\n    from ..source import html_to_text\n"},
        ["rcpkg.web.resources imports rcpkg.source: the web layer never reads the build's inputs"],
    ),
    "a stage importing a later stage": (
        {"source.py": "def cells():\n    from rcpkg import graph\n", "graph.py": "", "void.py": "", "dump.py": ""},
        ["rcpkg.source (row 2) imports rcpkg.graph, of a later row (5)"],
    ),
    "the store importing flask and the web layer": (
        {
            "store/__init__.py": "",
            "store/execute.py": "import flask\n",
            "store/serialize.py": "def fmt():\n    from rcpkg.web.negotiation import choose\n",
            "web/negotiation.py": "",
        },
        [
            "rcpkg.store.execute imports flask: only rcpkg.web speaks HTTP",
            "rcpkg.store.serialize (row 11) imports rcpkg.web.negotiation, of a later row (15)",
        ],
    ),
    "blueprints importing each other": (
        {"web/resources.py": BLUEPRINT, "web/search.py": BLUEPRINT + "from .resources import index\n"},
        ["rcpkg.web.search imports rcpkg.web.resources: blueprints never import each other"],
    ),
    "a module in no row of the table": (
        {"misc.py": ""},
        ["rcpkg.misc is in no row of the table of docs/architecture.md"],
    ),
}


@pytest.mark.parametrize("files,expected", BROKEN.values(), ids=BROKEN.keys())
def test_a_tree_breaking_a_rule_fails_with_what_breaks_it(tmp_path, doc, files, expected):
    assert violations(tree(tmp_path, files), doc) == expected


def test_the_order_comes_from_the_table(tmp_path):
    src = tree(tmp_path, {"source.py": "from rcpkg import graph\n", "graph.py": ""})
    table = "| # | modules |\n|---|---|\n| 1 | `errors`, `rcpkg` |\n| 2 | `graph` |\n| 3 | `source` |\n"
    assert violations(src, table) == []
    swapped = table.replace("`graph`", "`tmp`").replace("`source`", "`graph`").replace("`tmp`", "`source`")
    assert violations(src, swapped) == ["rcpkg.source (row 2) imports rcpkg.graph, of a later row (3)"]
