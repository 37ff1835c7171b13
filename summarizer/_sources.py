"""Reading articles from disk for the CLI, and the resumable results file.

Inputs: one text, Markdown or HTML file; a folder of them (ids are their paths relative to
the folder, without the suffix); or a JSONL file of records (``id``, ``text``, optional
``published``, ``source``, ``url``). HTML is reduced to article text with trafilatura
(the ``html`` extra); without it, an HTML input is a clear per-article error.

The results file is JSONL, appended one whole line per article as soon as it completes and
flushed, so a crash can at worst tear the last line. Reopening repairs that: the torn tail
is cut off and every complete line counts as done.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summarizer._batch import Article, BatchResult
from summarizer.errors import ExtractionError, InputError, ProviderError, SummarizerError

__all__ = ["InputProblem", "ResultsFile", "count_articles", "read_articles"]

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


def error_record(error: SummarizerError) -> dict[str, Any]:
    """How an error is written to the results file."""
    record: dict[str, Any] = {"type": type(error).__name__, "message": str(error)}
    if isinstance(error, ProviderError | ExtractionError):
        record["attempts"] = error.attempts
    if isinstance(error, ProviderError):
        record["status_code"] = error.status_code
    if isinstance(error, ExtractionError):
        record["kind"] = error.kind
    return record


def result_line(result: BatchResult) -> dict[str, Any]:
    """One results-file line: id, status, the summary or the error, and meta."""
    meta: dict[str, Any] = {"seconds": result.seconds, "source": result.source, "url": result.url}
    if result.summary is not None and result.summary.meta is not None:
        meta.update(result.summary.meta.model_dump(mode="json"))
    return {
        "id": result.id,
        "status": "ok" if result.ok else "error",
        "summary": result.summary.model_dump(mode="json", exclude={"meta"})
        if result.summary is not None
        else None,
        "error": error_record(result.error) if result.error is not None else None,
        "meta": meta,
    }


class ResultsFile:
    """The append-only JSONL of a batch: resumable after a crash, one line per article."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.done: dict[str, str] = {}
        """Status (``ok`` / ``error``) of every id already in the file."""
        self.repaired = False
        self._load()

    def _load(self) -> None:
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        complete = data[: data.rfind(b"\n") + 1]
        if len(complete) != len(data):  # a torn last line from a crash: cut it off
            with self.path.open("r+b") as handle:
                handle.truncate(len(complete))
            self.repaired = True
        for line in complete.splitlines():
            try:
                record = json.loads(line)
                self.done[str(record["id"])] = str(record["status"])
            except (ValueError, KeyError, TypeError):
                continue

    def drop_failed(self) -> int:
        """Remove error lines so those ids run again; returns how many were dropped."""
        failed = {i for i, status in self.done.items() if status != "ok"}
        if not failed:
            return 0
        kept = []
        for line in self.path.read_text(encoding="utf-8").splitlines(keepends=True):
            try:
                if str(json.loads(line)["id"]) in failed:
                    continue
            except (ValueError, KeyError, TypeError):
                pass
            kept.append(line)
        temporary = self.path.with_suffix(self.path.suffix + ".tmp")
        temporary.write_text("".join(kept), encoding="utf-8")
        os.replace(temporary, self.path)
        for ident in failed:
            del self.done[ident]
        return len(failed)

    def append(self, result: BatchResult) -> None:
        """Write one whole line and flush it."""
        line = json.dumps(result_line(result), ensure_ascii=False) + "\n"
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
        self.done[result.id] = "ok" if result.ok else "error"
