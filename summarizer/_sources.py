"""Reading articles from disk for the CLI, and the resumable results file.

Inputs: one text, Markdown or HTML file; a folder of them (ids are their paths relative to
the folder, without the suffix); or a JSONL file of records (``id``, ``text``, optional
``published``, ``source``, ``url``). HTML is reduced to article text with trafilatura
(the ``html`` extra); without it, an HTML input is a clear per-article error.

The results file is :mod:`summarizer._results`'s.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from summarizer._batch import Article
from summarizer.errors import InputError

__all__ = ["InputProblem", "count_articles", "html_to_text", "read_articles"]

TEXT_SUFFIXES = {".txt", ".md"}
HTML_SUFFIXES = {".html", ".htm"}


@dataclass(frozen=True)
class InputProblem:
    """An input item that could not be read: it becomes an error result, not a crash."""

    id: str
    error: InputError


def html_to_text(html: str, name: str) -> str:
    """The article text of an HTML page, via trafilatura.

    Raises:
        InputError: trafilatura is not installed, or found no article text.
    """
    try:
        import trafilatura
    except ImportError as exc:
        raise InputError(
            f"{name}: HTML input needs trafilatura: pip install 'summarizer[html]' ({exc})"
        ) from exc
    text = trafilatura.extract(html, include_comments=False, include_tables=False)
    if not text or not text.strip():
        raise InputError(f"{name}: no article text found in the HTML")
    return str(text)


def _file_article(path: Path, article_id: str) -> Article | InputProblem:
    try:
        raw = path.read_text(encoding="utf-8-sig")
        if path.suffix.lower() in HTML_SUFFIXES:
            raw = html_to_text(raw, path.name)
    except InputError as exc:
        return InputProblem(article_id, exc)
    except (OSError, UnicodeDecodeError) as exc:
        return InputProblem(article_id, InputError(f"cannot read {path}: {exc}"))
    return Article(id=article_id, text=raw, source=str(path))


def _folder_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix.lower() in TEXT_SUFFIXES | HTML_SUFFIXES:
            yield path


def _jsonl_articles(path: Path) -> Iterator[Article | InputProblem]:
    with path.open(encoding="utf-8-sig") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                text = record["text"]
                if not isinstance(text, str):
                    raise TypeError("text is not a string")
            except (ValueError, KeyError, TypeError) as exc:
                ident = f"line-{number}"
                if isinstance(record_id := _maybe_id(line), str):
                    ident = record_id
                yield InputProblem(ident, InputError(f"{path.name} line {number}: {exc}"))
                continue
            yield Article(
                id=str(record.get("id") or f"line-{number}"),
                text=text,
                published=record.get("published"),
                source=record.get("source"),
                url=record.get("url"),
            )


def _maybe_id(line: str) -> str | None:
    try:
        value = json.loads(line).get("id")
    except (ValueError, AttributeError):
        return None
    return str(value) if value not in (None, "") else None


def read_articles(path: str | os.PathLike[str]) -> Iterator[Article | InputProblem]:
    """Articles from a file, a folder or a JSONL file, read lazily.

    Raises:
        InputError: The path does not exist or is of an unknown kind.
    """
    source = Path(path)
    if source.is_dir():
        for file in _folder_files(source):
            yield _file_article(file, file.relative_to(source).with_suffix("").as_posix())
    elif source.suffix.lower() == ".jsonl":
        yield from _jsonl_articles(source)
    elif source.is_file():
        yield _file_article(source, source.stem)
    else:
        raise InputError(f"no such file or folder: {source}")


def count_articles(path: str | os.PathLike[str]) -> int | None:
    """How many items :func:`read_articles` will yield (cheap: no file is parsed)."""
    source = Path(path)
    if source.is_dir():
        return sum(1 for _ in _folder_files(source))
    if source.suffix.lower() == ".jsonl":
        with source.open(encoding="utf-8-sig") as lines:
            return sum(1 for line in lines if line.strip())
    return 1 if source.is_file() else None
