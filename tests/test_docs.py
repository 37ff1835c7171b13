"""The documentation site builds strictly, documents every public name, and the README leads to it.

The site (``mkdocs.yml``, ``docs/``) is built here, offline, by the same command a reader runs:
``mkdocs build --strict`` fails on a broken link, a missing anchor or a reference to an object
that does not exist.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import griffe
import pytest
import yaml

import summarizer

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"
MKDOCS = Path(sys.executable).parent / "mkdocs"
DIRECTIVE = re.compile(r"^::: (summarizer\S*)\s*$", re.MULTILINE)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once for this module with ``--strict``."""
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [str(MKDOCS), "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def _nav_pages(node: Any) -> list[str]:
    """Every page path of the nav, in order."""
    if isinstance(node, str):
        return [node] if node.endswith(".md") else []
    if isinstance(node, list):
        return [page for item in node for page in _nav_pages(item)]
    if isinstance(node, dict):
        return [page for value in node.values() for page in _nav_pages(value)]
    return []


def _config() -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    return config


def guide_pages() -> list[str]:
    """The pages of the nav a reader follows from the README: all but the API reference."""
    return [page for page in _nav_pages(_config()["nav"]) if not page.startswith("reference/")]


@pytest.mark.slow
def test_the_site_builds_strictly_and_fetches_nothing(site: Path) -> None:
    assert (site / "index.html").is_file() and (site / "reference" / "index.html").is_file()
    assert _config()["theme"]["font"] is False  # no web fonts to download
    remote = re.compile(r"<(?:link|script|img)\b[^>]*\b(?:href|src)=\"(?:https?:)?//")
    pages = sorted(site.rglob("*.html"))
    assert pages and [page for page in pages if remote.search(page.read_text())] == []


@pytest.mark.slow
def test_the_pictures_are_on_their_pages(site: Path) -> None:
    for page, picture in (("guide/report", "report.png"), ("guide/story", "corpus.png")):
        assert f'src="../../{picture}"' in (site / page / "index.html").read_text()
        assert (site / picture).is_file()


def _words(text: str) -> list[str]:
    """The words of a docstring or of rendered HTML, markup and Sphinx roles aside."""
    text = re.sub(r":\w+:`~(?:\w+\.)*(\w+)`", r"\1", text)  # :class:`~a.b.C` shows C
    text = re.sub(r":\w+:`", "`", text)  # :func:`a.f` shows a.f
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return re.findall(r"\w+", text)


def _rendered(page: str, identifier: str) -> str:
    """The first paragraph of one object's own docstring (after a class's "Bases:" line)."""
    heading = page.index(f'id="{identifier}"')
    contents = page.index('<div class="doc doc-contents', heading)
    paragraph = re.compile(r"<p>(.*?)</p>", re.DOTALL).search(page, contents)
    assert paragraph is not None, identifier
    return paragraph[1]


@pytest.mark.slow
def test_the_reference_lists_every_public_name_with_its_docstring(site: Path) -> None:
    documented = {
        name
        for page in (DOCS / "reference").glob("*.md")
        for name in DIRECTIVE.findall(page.read_text(encoding="utf-8"))
    }
    package = griffe.load("summarizer", search_paths=[str(ROOT)], resolve_aliases=True)
    rendered = "".join(page.read_text() for page in sorted((site / "reference").rglob("*.html")))
    for name in summarizer.__all__:
        identifier = f"summarizer.{name}"
        assert identifier in documented, f"no ::: {identifier} in docs/reference/"
        docstring = package[name].docstring
        assert docstring is not None and docstring.value.strip(), f"{identifier} has no docstring"
        first = _words(docstring.value.split("\n\n", 1)[0])[:8]
        assert _words(_rendered(rendered, identifier))[: len(first)] == first, identifier


def test_the_reference_names_only_public_modules() -> None:
    """A private path (summarizer._x) would break when the code inside the package moves."""
    directives = [
        name
        for page in (DOCS / "reference").glob("*.md")
        for name in DIRECTIVE.findall(page.read_text(encoding="utf-8"))
    ]
    assert directives and [name for name in directives if "._" in name.replace(".__", ".")] == []


def test_the_readme_is_short_and_links_every_guide_page() -> None:
    readme = README.read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 250
    linked = set(re.findall(r"\]\((docs/[^)#\s]+)", readme))
    missing = [page for page in guide_pages() if f"docs/{page}" not in linked]
    assert guide_pages() and missing == []


def test_every_relative_link_of_the_readme_exists() -> None:
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", README.read_text(encoding="utf-8"))
    local = [target for target in targets if "://" not in target]
    assert local and [target for target in local if not (ROOT / target).exists()] == []


def test_the_readme_keeps_the_two_commands() -> None:
    """Getting started and the README give the same two commands, and CI runs the second."""
    install = (
        'python3 -m venv .venv && .venv/bin/pip install -e ".[dev]" && '
        ".venv/bin/python examples/summarize_seed.py"
    )
    test = ".venv/bin/python -m pytest"
    for text in (README.read_text(encoding="utf-8"), (DOCS / "getting-started.md").read_text()):
        assert install in text and f"\n{test}\n" in text
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert '.venv/bin/pip install --quiet -e ".[dev]"' in ci and ci.rstrip().endswith(test)


def test_the_dev_extra_brings_the_docs_tools() -> None:
    """``.ci/run`` installs ``.[dev]``, so the strict build above runs in CI."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    own = [
        extra
        for requirement in extras["dev"]
        for extra in re.findall(r"^summarizer\[(.*)\]$", requirement)
    ]
    assert "docs" in ",".join(own).replace(" ", "").split(",")
    names = {re.split(r"[\[<>=]", requirement, maxsplit=1)[0] for requirement in extras["docs"]}
    assert {"mkdocs", "mkdocs-material", "mkdocstrings", "griffe-pydantic"} <= names
