"""Every module's ``__all__`` names what the module has; public modules list what they define.

``from summarizer.schema import *`` once raised ``AttributeError``: its ``__all__`` named
four things the module did not import. These tests read every module of the package, so a
new module is covered without being listed here.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import summarizer
from summarizer import _summary, schema

MODULES = sorted(
    ["summarizer"]
    + [
        info.name
        for info in pkgutil.walk_packages(summarizer.__path__, "summarizer.")
        if info.name.rpartition(".")[2] != "__main__"  # importing it runs the command line
    ]
)
PUBLIC = [name for name in MODULES if not any(p.startswith("_") for p in name.split("."))]
INTERNAL_SCHEMA_NAMES = {
    "KNOWN_SPEAKERS",
    "CompactJsonSchema",
    "SummaryData",
    "assign_ids",
    "is_direct",
    "polarity_sign",
    "problems_error",
    "speaker_ids",
}
"""Names of ``_summary`` that are machinery, not schema: ``summarizer.schema`` leaves them out."""

ROOT = Path(__file__).resolve().parent.parent


def load(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as exc:  # an optional extra that is not installed (summarizer.ray)
        pytest.skip(f"{name} cannot be imported here: {exc}")


def test_the_public_modules_are_the_documented_ones() -> None:
    expected = {"summarizer", "summarizer.schema", "summarizer.errors", "summarizer.evaluation"}
    expected |= {"summarizer.fields"}
    assert expected | {"summarizer.corpus", "summarizer.ray", "summarizer.cli"} == set(PUBLIC)


@pytest.mark.parametrize("name", PUBLIC)
def test_star_import_of_every_public_module(name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from {name} import *", namespace)  # the statement under test
    module = load(name)
    assert set(namespace) - {"__builtins__"} == set(module.__all__)


@pytest.mark.parametrize("name", MODULES)
def test_every_name_in_all_exists(name: str) -> None:
    module = load(name)
    listed = getattr(module, "__all__", None)
    if listed is None:
        assert name == "summarizer._version", f"{name} has no __all__"
        return
    assert len(listed) == len(set(listed)), f"{name}.__all__ names something twice"
    assert [n for n in listed if not hasattr(module, n)] == []


@pytest.mark.parametrize("name", PUBLIC)
def test_a_public_module_lists_every_public_class_and_function_it_defines(name: str) -> None:
    module = load(name)
    defined = {
        n
        for n, obj in vars(module).items()
        if not n.startswith("_")
        and (inspect.isclass(obj) or inspect.isfunction(obj))
        and obj.__module__ == name
    }
    assert sorted(defined - set(module.__all__)) == []


def test_the_schema_module_exports_every_schema_name() -> None:
    """``summarizer.schema`` is the public home of the schema: each name of ``_summary``."""
    missing = set(_summary.__all__) - INTERNAL_SCHEMA_NAMES - set(schema.__all__)
    assert sorted(missing) == [], "import these in summarizer/schema.py and list them"


PUBLIC_PATHS = {
    "summarizer": (
        *("DEFAULT_MODEL", "MODES", "ActorTone", "Article", "ArticleSummary", "BatchResult"),
        *("ConfigurationError", "ExtractionError", "Framing", "FramingExpression", "InputError"),
        *("Position", "ProposedMeeting", "ProviderError", "Quote", "RequestLimits", "ResultCache"),
        *("Settings", "Span", "Speaker", "Stance", "Summarizer", "SummarizerError", "SummaryMeta"),
        *("Usage", "__version__", "asummarize_article", "asummarize_articles", "list_prompts"),
        *("load_prompt", "locate_all", "locate_pieces", "locate_quote", "summarize_article"),
        "summarize_articles",
    ),
    "summarizer.corpus": (
        *("TABLES", "Corpus", "CorpusArticle", "Evidence", "MeetingEvent", "MeetingThread"),
        *("PersonEntry", "QuoteRef", "Report", "Skipped", "StanceEvent", "StanceThread"),
        *("Statement", "WordChange"),
    ),
}
"""Public import paths callers have, pinned: moving private modules never changes them."""


@pytest.mark.parametrize(
    ("module", "name"), [(module, name) for module, names in PUBLIC_PATHS.items() for name in names]
)
def test_a_public_import_path_keeps_working(module: str, name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from {module} import {name}", namespace)  # the statement a caller writes
    assert namespace[name] is getattr(load(module), name)
    assert name in load(module).__all__


@pytest.mark.parametrize(
    "name",
    [f"summarizer.{m}" for m in ("schema", "errors", "fields", "evaluation", "ray", "corpus")],
)
def test_every_public_module_imports_in_a_fresh_interpreter(name: str) -> None:
    """Alone, first: an import that works only after another module was loaded fails here."""
    load(name)  # skips summarizer.ray without the ray extra, as the other tests do
    done = subprocess.run(
        [sys.executable, "-c", f"import {name}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
