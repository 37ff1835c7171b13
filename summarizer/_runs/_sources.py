"""Reading articles from disk for the CLI, and the resumable results file.

Inputs: one text, Markdown or HTML file; a folder of them (ids are their paths relative to
the folder, without the suffix); or a JSONL file of records (``id``, ``text``, optional
``published``, ``source``, ``url``). HTML is reduced to article text with trafilatura
(the ``html`` extra), and keeps what the page says about itself: its publication date (and
where it was found, or that the page declares none), title, URL and site
(:mod:`summarizer._runs._pages`); without trafilatura, an HTML input is a clear per-article
error. A page over ``max_html_bytes`` is that article's :class:`InputError`, decided on its
size before it is read or parsed (extraction time grows faster than the page).

Every id names one article, so an input where two articles would share one is refused
before any article is yielded (:class:`InputError` naming both): two files with the same
path but for the suffix (``story.txt``, ``story.md``), or two JSONL records with the same
``id``. A folder's symbolic links are read only when they point inside the folder: a link to
a file elsewhere is an error result for that id, never read (nor sent); links to folders are
not descended. Only regular files are read (a link to a FIFO or a device is an error
result, found without blocking), each of at most :data:`MAX_INPUT_FILE_BYTES`. A JSONL
line that is not UTF-8, or not JSON (nested too deeply too), is an error result for that
line.

The results file is :mod:`summarizer._runs._results`'s.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summarizer._files import open_regular
from summarizer._runs._batch import Article
from summarizer._runs._pages import Page, check_html_size, read_page
from summarizer._settings import DEFAULT_MAX_HTML_BYTES
from summarizer.errors import InputError

__all__ = ["InputProblem", "html_to_text", "page_article", "read_articles"]

TEXT_SUFFIXES = {".txt", ".md"}
HTML_SUFFIXES = {".html", ".htm"}
_UNDECODED = re.compile("[\udc80-\udcff]")
"""Bytes that are not UTF-8, as ``surrogateescape`` decodes them."""


@dataclass(frozen=True)
class InputProblem:
    """An input item that could not be read: it becomes an error result, not a crash."""

    id: str
    error: InputError


def html_to_text(html: str, name: str, *, max_bytes: int = DEFAULT_MAX_HTML_BYTES) -> str:
    """The article text of an HTML page, via trafilatura (see :func:`read_page`).

    Raises:
        InputError: The page is over ``max_bytes`` bytes of UTF-8 (checked before it is
            parsed), trafilatura is not installed, or it found no article text.
    """
    return read_page(html, name, max_bytes=max_bytes).text


def page_article(
    page: Page,
    article_id: str,
    *,
    source: str | None = None,
    published: dt.date | str | None = None,
    url: str | None = None,
) -> Article:
    """The article of a page: what the caller gives wins over what the page says."""
    return Article(
        id=article_id,
        text=page.text,
        published=published if published is not None else page.published,
        source=source,
        url=url or page.url,
        title=page.title,
        site=page.site,
        published_from="caller" if published is not None else page.published_from,
    )


def _outside(path: Path, folder: Path) -> InputError | None:
    """Why ``path`` (in ``folder``) must not be read: it links to outside the folder."""
    try:
        target = path.resolve()
        inside = target.is_relative_to(folder.resolve())
    except (OSError, RuntimeError) as exc:  # a link loop
        return InputError(f"{path} is a symbolic link that cannot be followed ({exc})")
    if inside:
        return None
    return InputError(
        f"{path} is a symbolic link to {target}, outside the input folder: not read "
        "(copy the file into the folder to include it)"
    )


def _not_the_checked_file(path: Path, folder: Path, opened: os.stat_result) -> bool:
    """Whether the open file is other than the one ``path`` now resolves to inside ``folder``."""
    try:
        target = path.resolve(strict=True)
        found = target.stat()
    except (OSError, RuntimeError):
        return True
    same = (found.st_dev, found.st_ino) == (opened.st_dev, opened.st_ino)
    return not (same and target.is_relative_to(folder.resolve()))


MAX_INPUT_FILE_BYTES = 64 * 1024 * 1024
"""The largest input file read (64 MiB): a larger one is its article's error, never read
into memory. Its own check, apart from the limits on an article's length."""


def _read_input_file(path: Path, folder: Path | None = None) -> str:
    """The text of an input file, checked to be a regular file of at most the cap first.

    A FIFO (or a link to one) would block the read forever, a device never end: opened
    without blocking, either is refused before any byte is read. With ``folder``, the file
    opened must be the one the link resolves to inside it, checked on the open descriptor:
    a link swapped to point elsewhere between the caller's check and the open is refused.

    Raises:
        InputError: Not a regular file, larger than :data:`MAX_INPUT_FILE_BYTES`, or not
            the file inside ``folder`` that was checked.
        OSError, UnicodeDecodeError: The file cannot be read, or is not UTF-8.
    """
    fd = open_regular(path, os.O_RDONLY, follow=True)  # links were checked by the caller
    with os.fdopen(fd, encoding="utf-8-sig") as handle:
        if folder is not None and _not_the_checked_file(path, folder, os.fstat(fd)):
            raise InputError(f"{path} changed while it was opened: not read")
        size = os.fstat(fd).st_size
        text = handle.read(MAX_INPUT_FILE_BYTES + 1) if size <= MAX_INPUT_FILE_BYTES else None
    if text is None or len(text) > MAX_INPUT_FILE_BYTES:  # the size, or grown while read
        raise InputError(f"{path} is larger than {MAX_INPUT_FILE_BYTES} bytes: not read")
    return text


def _file_article(
    path: Path, article_id: str, folder: Path | None, max_html_bytes: int
) -> Article | InputProblem:
    if folder is not None and (refused := _outside(path, folder)) is not None:
        return InputProblem(article_id, refused)
    html = path.suffix.lower() in HTML_SUFFIXES
    try:
        if html:  # refused on its size before it is read
            check_html_size(path.stat().st_size, path.name, max_html_bytes)
        raw = _read_input_file(path, folder)
        page = read_page(raw, path.name, max_bytes=max_html_bytes) if html else None
    except InputError as exc:
        return InputProblem(article_id, exc)
    except (OSError, UnicodeDecodeError) as exc:
        return InputProblem(article_id, InputError(f"cannot read {path}: {exc}"))
    if page is not None:
        return page_article(page, article_id, source=str(path))
    return Article(id=article_id, text=raw, source=str(path))


def _folder_files(folder: Path) -> list[tuple[str, Path]]:
    """Each article file of the folder with its id, in path order.

    Raises:
        InputError: Two files would have the same id.
    """
    found: dict[str, Path] = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() not in TEXT_SUFFIXES | HTML_SUFFIXES:
            continue
        if not (path.is_file() or path.is_symlink()):  # a dangling link is reported, too
            continue
        ident = path.relative_to(folder).with_suffix("").as_posix()
        if ident in found:
            raise InputError(
                f"{found[ident]} and {path} would both have the id {ident!r} (a folder's ids "
                "are the paths without their suffixes): rename one of them"
            )
        found[ident] = path
    return list(found.items())


def _line_id(record: Any, number: int) -> str:
    """A JSONL record's id: its ``id``, else ``line-<number>``."""
    value = record.get("id") if isinstance(record, dict) else None
    return str(value) if value not in (None, "") else f"line-{number}"


def _jsonl_lines(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed record or why it is not one) of every non-blank line."""
    with path.open(encoding="utf-8-sig", errors="surrogateescape") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            if (bad := _UNDECODED.search(line)) is not None:
                yield number, ValueError(f"not UTF-8 (at character {bad.start()})")
                continue
            try:
                yield number, json.loads(line)
            except ValueError as exc:
                yield number, exc
            except RecursionError:  # ``[`` x 200,000: that line's error, the batch goes on
                yield number, ValueError("JSON nested too deeply to read")


def _check_jsonl_ids(path: Path) -> int:
    """The number of records, once every id is known to be distinct.

    Raises:
        InputError: Two records have the same id (naming both lines).
    """
    first: dict[str, int] = {}
    for number, record in _jsonl_lines(path):
        ident = _line_id(record, number)
        if ident in first:
            raise InputError(
                f"{path.name}: lines {first[ident]} and {number} have the same id {ident!r}: "
                "every record needs its own id"
            )
        first[ident] = number
    return len(first)


def _jsonl_articles(path: Path) -> Iterator[Article | InputProblem]:
    _check_jsonl_ids(path)
    for number, record in _jsonl_lines(path):
        ident = _line_id(record, number)
        try:
            if isinstance(record, ValueError):
                raise record
            text = record["text"]
            if not isinstance(text, str):
                raise TypeError("text is not a string")
        except (ValueError, KeyError, TypeError) as exc:
            yield InputProblem(ident, InputError(f"{path.name} line {number}: {exc}"))
            continue
        yield Article(
            id=ident,
            text=text,
            published=record.get("published"),
            source=record.get("source"),
            url=record.get("url"),
        )


def read_articles(
    path: str | os.PathLike[str], *, max_html_bytes: int = DEFAULT_MAX_HTML_BYTES
) -> Iterator[Article | InputProblem]:
    """Articles from a file, a folder or a JSONL file, read lazily.

    An HTML file over ``max_html_bytes`` is an :class:`InputProblem`, neither read nor parsed.

    Raises:
        InputError: The path does not exist or is of an unknown kind, or two articles
            would have the same id (checked before the first is yielded).
    """
    source = Path(path)
    if source.is_dir():
        for ident, file in _folder_files(source):
            yield _file_article(file, ident, source, max_html_bytes)
    elif source.suffix.lower() == ".jsonl":
        yield from _jsonl_articles(source)
    elif source.is_file():
        yield _file_article(source, source.stem, None, max_html_bytes)
    else:
        raise InputError(f"no such file or folder: {source}")
