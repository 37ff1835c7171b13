"""One command runs every check: formatting, lint and types run here, with the tests."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    path = BIN / name
    found = str(path) if path.exists() else shutil.which(name)
    assert found, f"{name} is not installed: install the project with its [dev] extra"
    return found


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "format", "--check", "."],
        ["ruff", "check", "."],
        ["mypy"],
    ],
    ids=["format", "lint", "types"],
)
@pytest.mark.slow
def test_check(command: list[str]) -> None:
    result = subprocess.run(
        [tool(command[0]), *command[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# -- the package's structure ---------------------------------------------------------------

PACKAGE = ROOT / "summarizer"


def _modules() -> dict[str, ast.Module]:
    """Every module of the package by dotted name, parsed."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return found


def _imports(tree: ast.Module) -> Iterator[tuple[str, list[str]]]:
    """(module, names) of every import anywhere in a module: functions and TYPE_CHECKING too."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module, [alias.name for alias in node.names]


def _internal_edges(modules: dict[str, ast.Module]) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, tree in modules.items():
        for target, names in _imports(tree):
            if not target.startswith("summarizer"):
                continue
            submodules = [f"{target}.{n}" for n in names if f"{target}.{n}" in modules]
            # "from summarizer import errors" imports the module, not the package's attributes.
            edges[name].update(submodules or [target])
    return edges


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module, or a module importing itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in edges.get(node, ()):
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_inside_the_package() -> None:
    edges = _internal_edges(_modules())
    assert _cycles(edges) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# -- the layers (docs/architecture.md, "Layers") ---------------------------------------------

LAYERS = ("model", "views", "core", "many", "corpus", "public")
"""Lowest first: a module imports its own layer and the ones below, never one above."""

FOLDERS = {"_views": "views", "_runs": "many", "corpus": "corpus", "cli": "public"}
"""Each folder of the package is one layer; a folder not named here is an unknown place."""

MODEL = {"_attribution", "_escape", "_fields", "_grounding", "_identity", "_meta", "_summary"}
MODEL |= {"errors"}
"""Top-level modules below the views: the summary's data and the rules it is checked with."""

TOP_PUBLIC = {"__init__", "__main__", "evaluation", "fields", "ray"}
"""Top-level modules of the public face; every other top-level module (schema too) is core."""


def _layer(path: Path) -> str | None:
    """The layer of a module by where its file is; None for a place no layer owns."""
    folder = path.parent.relative_to(PACKAGE).as_posix()
    if folder != ".":
        return FOLDERS.get(folder)
    if path.stem in MODEL:
        return "model"
    return "public" if path.stem in TOP_PUBLIC else "core"


def _layers() -> dict[str, str | None]:
    """Every module of the package by dotted name (as :func:`_modules` names them): its layer."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = _layer(path)
    return found


def _upward(edges: dict[str, set[str]], layers: Mapping[str, str | None]) -> list[str]:
    """Every import of a module from a higher layer than its own (or of an unknown module)."""
    rank = {name: LAYERS.index(layer) for name, layer in layers.items() if layer is not None}
    return [
        f"{source} ({layers[source]}) imports {target} ({layers.get(target)})"
        for source, targets in sorted(edges.items())
        for target in sorted(targets)
        if target not in rank or rank[target] > rank[source]
    ]


def test_every_module_has_a_layer() -> None:
    """A module in a folder no layer owns fails until the folder is given its place."""
    layers = _layers()
    assert layers.keys() == _modules().keys()
    assert sorted(name for name, layer in layers.items() if layer is None) == []


def test_no_import_runs_up_a_layer() -> None:
    """Function-level and type-checking imports count: the graph is the cycle test's."""
    assert _upward(_internal_edges(_modules()), _layers()) == []


def test_the_layer_check_finds_an_upward_import_and_an_unknown_place() -> None:
    assert _layer(PACKAGE / "_views" / "_report.py") == "views"
    assert _layer(PACKAGE / "corpus" / "__init__.py") == "corpus"
    assert _layer(PACKAGE / "_summary.py") == "model"
    assert _layer(PACKAGE / "schema.py") == "core"
    assert _layer(PACKAGE / "ray.py") == "public"
    assert _layer(PACKAGE / "_extras" / "thing.py") is None
    layers = {"a": "core", "b": "views", "c": "many"}
    assert _upward({"a": {"b", "c"}, "b": set(), "c": {"a"}}, layers) == [
        "a (core) imports c (many)"
    ]
    assert _upward({"a": {"d"}}, {**layers, "d": None}) == ["a (core) imports d (None)"]


def test_imports_inside_the_package_are_absolute() -> None:
    """The graph above reads absolute imports only: a relative one would slip past it."""
    relative = [
        f"{name}:{node.lineno}"
        for name, tree in _modules().items()
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level > 0
    ]
    assert relative == []


@pytest.mark.parametrize(("kind", "limit"), [(ast.ClassDef, 300), (ast.FunctionDef, 100)])
def test_no_class_or_function_is_too_long(kind: type[ast.AST], limit: int) -> None:
    kinds = (kind, ast.AsyncFunctionDef) if kind is ast.FunctionDef else (kind,)
    too_long = [
        f"{name}:{node.name} {node.end_lineno - node.lineno + 1} lines"  # type: ignore[attr-defined]
        for name, tree in _modules().items()
        for node in ast.walk(tree)
        if isinstance(node, kinds) and node.end_lineno - node.lineno + 1 > limit  # type: ignore[attr-defined]
    ]
    assert too_long == []


def _declared_distributions() -> dict[str, str]:
    """Normalised distribution name -> where pyproject declares it (core or an extra)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_requirement_name(r): "core" for r in project["dependencies"]}
    for extra, requirements in project["optional-dependencies"].items():
        for requirement in requirements:
            declared.setdefault(_requirement_name(requirement), extra)
    return declared


def _requirement_name(requirement: str) -> str:
    name = re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def _guarded(tree: ast.Module) -> set[str]:
    """Top-level modules imported only inside a ``try`` that handles ImportError."""
    guarded = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
            isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
            for h in node.handlers
        ):
            for inner in node.body:
                for target, _ in _imports(ast.Module(body=[inner], type_ignores=[])):
                    guarded.add(target.split(".")[0])
    return guarded


def test_every_third_party_import_is_declared() -> None:
    """Core imports need a core dependency; an extra's module may only be imported guarded."""
    declared = _declared_distributions()
    owners = importlib.metadata.packages_distributions()
    problems = []
    for name, tree in _modules().items():
        guarded = _guarded(tree)
        for target, _ in _imports(tree):
            top = target.split(".")[0]
            if top in sys.stdlib_module_names or top in ("summarizer", "__future__"):
                continue
            distributions = [_requirement_name(d) for d in owners.get(top, [top])]
            where = [declared[d] for d in distributions if d in declared]
            if not where:
                problems.append(f"{name} imports {top}, which pyproject.toml does not declare")
            elif "core" not in where and top not in guarded:
                problems.append(f"{name} imports {top} (extra {where[0]}) without a guard")
    assert problems == []


MERGE_MARKER = re.compile(r"^(<{7} |>{7} |={7}$)", re.MULTILINE)


def test_no_merge_conflict_markers_in_tracked_text() -> None:
    """A half-resolved merge once left both sides of two sections in the README."""
    listed = subprocess.run(
        ["git", "ls-files", "*.md", "*.py", "*.toml", "*.yaml", "*.json", "*.j2", "*.css"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert listed, "git ls-files found no tracked files"
    marked = [
        name
        for name in listed
        if (ROOT / name).is_file()
        and MERGE_MARKER.search((ROOT / name).read_text(encoding="utf-8", errors="replace"))
    ]
    assert marked == []
