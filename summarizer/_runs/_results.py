r"""The results file of a batch: one JSON line per article, with its one writer and reader.

A line (:class:`ResultRecord`)::

    {"id": "...", "status": "ok" | "error",
     "summary": {...ArticleSummary without meta...} | null,
     "error": {"type", "message", "attempts", "status_code", "kind"} | null,
     "meta": {"seconds", "source", "url", ...the summary's meta...}}

An article read from a saved page (HTML) adds the page's ``title`` and ``site`` to ``meta``,
and ``published_from``: where the summary's ``published`` came from (``"caller"``,
``"meta"``, ``"json-ld"``, ``"time"``), or ``"none"`` when the page declares no date (the
summary's ``published`` is then null). Other inputs leave these keys out.

Writing: :class:`ResultsFile` appends one whole line per article and flushes it, so a crash
can at worst tear the last line; ids already in the file are skipped on a rerun. It appends
only to a regular file at the path itself, never through a symbolic link (refused), and
rewrites the file (``--retry-failed``) through a new file (:mod:`summarizer._files`). A line is
UTF-8 JSON whose only line break is its final ``\n`` (:func:`json_line`): characters that
other line splitters break on (U+0085, U+2028, U+2029), DEL, the C1 and bidi controls, and
lone surrogates (which UTF-8 cannot encode) are written as ``\u`` escapes
(:func:`summarizer._escape.safe_json`, the rule every JSON output shares).

Reading, the one policy every reader shares (resume, report, evaluation, corpus): lines are
split on ``\n`` only (JSON strings may hold U+2028 and other characters that
``str.splitlines`` would split on); blank lines are skipped; a last line without its newline
that does not parse is a write torn by a crash and is dropped (:attr:`ResultsRead.torn`);
any other line that is not a record raises :class:`ResultsFormatError` naming the file and
the line, never a traceback of its own.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from summarizer._escape import safe_json
from summarizer._files import open_regular, write_replacing
from summarizer._meta import SummaryMeta
from summarizer._runs._batch import BatchResult
from summarizer._views._report import ReportEntry
from summarizer.errors import ExtractionError, InputError, ProviderError, SummarizerError
from summarizer.schema import ArticleSummary

__all__ = [
    "ErrorInfo",
    "ResultRecord",
    "ResultsFile",
    "ResultsFormatError",
    "ResultsRead",
    "json_line",
    "parse_report_input",
    "read_results",
    "safe_json",
]


def json_line(data: Any) -> str:
    """``data`` as one line of JSON, without its line break (see :func:`safe_json`)."""
    return safe_json(json.dumps(data, ensure_ascii=False))


class ResultsFormatError(InputError):
    """A results file holds a line that is not a result record.

    Attributes:
        source: The file (or stream) read.
        line: The 1-based line number, or None for a whole-document problem.
    """

    def __init__(self, message: str, *, source: str, line: int | None = None) -> None:
        super().__init__(message)
        self.source = source
        self.line = line


@dataclass(frozen=True)
class ErrorInfo:
    """How a failed article's error is recorded."""

    type: str
    message: str
    attempts: int | None = None
    status_code: int | None = None
    kind: str | None = None

    @classmethod
    def of(cls, error: SummarizerError) -> ErrorInfo:
        """The record of a library error."""
        return cls(
            type=type(error).__name__,
            message=str(error),
            attempts=error.attempts if isinstance(error, ProviderError | ExtractionError) else None,
            status_code=error.status_code if isinstance(error, ProviderError) else None,
            kind=error.kind if isinstance(error, ExtractionError) else None,
        )

    def as_json(self) -> dict[str, Any]:
        """The JSON object written (keys that do not apply to the error type are left out)."""
        data: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.type in ("ProviderError", "ExtractionError") or self.attempts is not None:
            data["attempts"] = self.attempts
        if self.type == "ProviderError" or self.status_code is not None:
            data["status_code"] = self.status_code
        if self.type == "ExtractionError" or self.kind is not None:
            data["kind"] = self.kind
        return data


@dataclass(frozen=True)
class ResultRecord:
    """One line of a results file: an article's summary or its error, and how it went.

    A record read from a file validates its summary only when :attr:`summary` is first
    read, so resuming a large file costs a JSON parse per line, not a validation.
    """

    id: str
    status: Literal["ok", "error"]
    error: ErrorInfo | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)
    """``seconds``, ``source``, ``url``, a page's ``title``, ``site`` and ``published_from``,
    and the summary's meta (model, usage, ...)."""
    stored: Mapping[str, Any] | None = field(default=None, repr=False)
    """The summary as read from the file, not yet validated."""
    source: str = ""
    line_number: int | None = None
    made: ArticleSummary | None = field(default=None, repr=False)
    """The summary when the record was made from a result in this process."""
    schema: type[ArticleSummary] = field(default=ArticleSummary, repr=False)
    """What the stored summary is read as (a result schema of your own keeps its fields)."""

    @property
    def ok(self) -> bool:
        """True when the line holds a summary."""
        return self.status == "ok"

    @cached_property
    def summary(self) -> ArticleSummary | None:
        """The summary, validated on first use.

        Raises:
            ResultsFormatError: The stored summary is not a valid summary (names the line).
        """
        if self.made is not None or self.stored is None:
            return self.made
        place = (
            self.source if self.line_number is None else f"{self.source} line {self.line_number}"
        )
        where = f"{place} (id {self.id})"
        try:
            return _summary(self.stored, self.meta, where, self.schema)
        except InputError as exc:
            raise ResultsFormatError(
                exc.message, source=self.source, line=self.line_number
            ) from exc

    @classmethod
    def of(cls, result: BatchResult) -> ResultRecord:
        """The record of one batch result."""
        meta: dict[str, Any] = {
            "seconds": result.seconds,
            "source": result.source,
            "url": result.url,
        }
        page = {"title": result.title, "site": result.site, "published_from": result.published_from}
        meta.update({k: v for k, v in page.items() if v is not None})
        if result.summary is not None and result.summary.meta is not None:
            meta.update(result.summary.meta.model_dump(mode="json"))
        error = ErrorInfo.of(result.error) if result.error is not None else None
        status: Literal["ok", "error"] = "ok" if result.ok else "error"
        return cls(id=result.id, status=status, error=error, meta=meta, made=result.summary)

    def row(self) -> dict[str, Any]:
        """The record as a table row (the Ray engine's output; see ``summarizer.ray``).

        ``summary`` is the whole summary as JSON, ``meta`` included; ``error`` the error's
        JSON object as text.
        """
        summary = self.made.model_dump_json() if self.made is not None else None
        source, url = self.meta.get("source"), self.meta.get("url")
        return {
            "id": self.id,
            "status": self.status,
            "summary": summary,
            "error": json.dumps(self.error.as_json()) if self.error is not None else None,
            "seconds": float(self.meta.get("seconds") or 0.0),
            "source": source if isinstance(source, str) else None,
            "url": url if isinstance(url, str) else None,
        }

    @classmethod
    def from_row(cls, row: Mapping[str, Any], source: str = "row") -> ResultRecord:
        """The record of a table row made by :meth:`row` (its summary validated on use).

        Raises:
            InputError: The row is not a result.
        """
        summary = json.loads(row["summary"]) if row.get("summary") else None
        meta: dict[str, Any] = {k: row.get(k) for k in ("seconds", "source", "url")}
        made_meta = summary.pop("meta", None) if isinstance(summary, dict) else None
        if isinstance(made_meta, Mapping):
            meta.update(made_meta)
        error = json.loads(row["error"]) if row.get("error") else None
        data = {"id": row.get("id"), "status": row.get("status"), "summary": summary}
        return cls.from_json({**data, "error": error, "meta": meta}, source)

    def as_json(self) -> dict[str, Any]:
        """The JSON object of the line (the summary without its meta, which sits beside it)."""
        if self.made is not None:
            summary: Any = self.made.model_dump(mode="json", exclude={"meta"})
        else:
            summary = dict(self.stored) if self.stored is not None else None
        return {
            "id": self.id,
            "status": self.status,
            "summary": summary,
            "error": self.error.as_json() if self.error is not None else None,
            "meta": dict(self.meta),
        }

    def line(self) -> str:
        """The whole line, newline included."""
        return json_line(self.as_json()) + "\n"

    @classmethod
    def from_json(
        cls,
        data: Any,
        source: str,
        line: int | None = None,
        schema: type[ArticleSummary] = ArticleSummary,
    ) -> ResultRecord:
        """Read one parsed line (its summary is validated later, on use, as ``schema``).

        Raises:
            InputError: It is not a result record.
        """
        where = f"{source} line {line}" if line is not None else source
        if not isinstance(data, Mapping):
            raise InputError(f"{where}: expected a JSON object, got {type(data).__name__}")
        if data.get("status") not in ("ok", "error") or data.get("id") in (None, ""):
            raise InputError(f"{where}: not a results line (no 'id', or 'status' not ok/error)")
        ident = str(data["id"])
        meta = _mapping(data.get("meta"))
        common: dict[str, Any] = {
            "id": ident,
            "meta": meta,
            "source": source,
            "line_number": line,
            "schema": schema,
        }
        if data["status"] == "ok":
            if not isinstance(data.get("summary"), Mapping):
                raise InputError(f"{where} (id {ident}): status is ok but there is no summary")
            return cls(status="ok", stored=data["summary"], **common)
        error = _mapping(data.get("error"))
        attempts, status_code = error.get("attempts"), error.get("status_code")
        info = ErrorInfo(
            type=str(error.get("type") or "error"),
            message=str(error.get("message") or data["status"]),
            attempts=attempts if isinstance(attempts, int) else None,
            status_code=status_code if isinstance(status_code, int) else None,
            kind=str(error["kind"]) if error.get("kind") else None,
        )
        return cls(status="error", error=info, **common)

    def report_entry(self) -> ReportEntry:
        """What the HTML report shows for this line."""
        source, url = self.meta.get("source"), self.meta.get("url")
        error = self.error
        return ReportEntry(
            id=self.id,
            summary=self.summary,
            error_type=error.type if error else None,
            error_message=error.message if error else None,
            attempts=error.attempts if error else None,
            source=source if isinstance(source, str) else None,
            url=url if isinstance(url, str) else None,
        )


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _summary(
    data: Mapping[str, Any],
    meta: Mapping[str, Any],
    where: str,
    schema: type[ArticleSummary] = ArticleSummary,
) -> ArticleSummary:
    try:
        summary = schema.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        place = ".".join(str(p) for p in first["loc"]) or "summary"
        raise InputError(
            f"{where}: not a valid summary ({exc.error_count()} error(s); {place}: {first['msg']})"
        ) from exc
    if summary.meta is None and meta:
        # A results line keeps the summary's meta next to it, with its own keys.
        with contextlib.suppress(ValidationError):
            summary = summary.model_copy(update={"meta": SummaryMeta.model_validate(meta)})
    return summary


@dataclass
class ResultsRead:
    """What a results file holds."""

    records: list[ResultRecord]
    lines: list[bytes] = field(default_factory=list)
    """Each record's line as stored (without its newline), aligned with ``records``."""
    torn: bool = False
    """The last line was a write torn by a crash, and was left out."""
    unterminated: bool = False
    """The last line is a whole record but lacks its final newline."""


def _parse_line(raw: bytes, where: str) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(f"{where} is not UTF-8 ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"{where} is not JSON ({exc.msg})") from exc
    except RecursionError as exc:  # ``[`` x 200,000: no record is nested that deep
        raise InputError(f"{where} is JSON nested too deeply to read") from exc


def read_results_bytes(
    data: bytes, source: str, schema: type[ArticleSummary] = ArticleSummary
) -> ResultsRead:
    """The records of a results file's contents (see the module docstring for the policy).

    Summaries are read as ``schema`` (a result schema of your own keeps its fields).

    Raises:
        ResultsFormatError: A line (other than a torn last one) is not a record.
    """
    read = ResultsRead(records=[])
    lines = data.removeprefix(b"\xef\xbb\xbf").split(b"\n")
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        where = f"{source} line {number}"
        last = number == len(lines)
        try:
            parsed = _parse_line(raw, where)
            read.records.append(ResultRecord.from_json(parsed, source, number, schema))
            read.lines.append(raw)
        except InputError as exc:
            if last:  # no newline after it: a write cut short by a crash
                read.torn = True
                continue
            raise ResultsFormatError(exc.message, source=source, line=number) from exc
        read.unterminated = last
    return read


def read_results(
    path: str | os.PathLike[str], schema: type[ArticleSummary] = ArticleSummary
) -> ResultsRead:
    """The records of a results file, their summaries read as ``schema``.

    Raises:
        ResultsFormatError: A line is not a record (named by its number).
        InputError: The file cannot be read.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc
    return read_results_bytes(data, str(path), schema)


def parse_report_input(text: str, source: str = "input") -> list[ReportEntry]:
    """Read a summary JSON (``summarize --json``), a JSON list, or a results JSONL.

    Raises:
        InputError: The text is empty, or holds something that is neither a summary nor
            a results line (a :class:`ResultsFormatError` names the line).
    """
    if not text.strip():
        raise InputError(f"{source} is empty: expected a summary JSON or a results JSONL")
    try:
        whole = json.loads(text)
    except (json.JSONDecodeError, RecursionError):  # not one document: a results JSONL
        return [r.report_entry() for r in read_results_bytes(text.encode("utf-8"), source).records]
    if isinstance(whole, list):
        return [_report_entry(item, f"{source} item {i}", i) for i, item in enumerate(whole, 1)]
    return [_report_entry(whole, source, 1)]


def _report_entry(item: Any, where: str, number: int) -> ReportEntry:
    if isinstance(item, Mapping) and "status" not in item and "headline" in item:
        return ReportEntry(id=str(number), summary=_summary(item, {}, where))
    if isinstance(item, Mapping) and ("status" not in item or "id" not in item):
        raise InputError(
            f"{where}: neither a summary (no 'headline') nor a results line (no 'id'/'status')"
        )
    return ResultRecord.from_json(item, where).report_entry()


class ResultsFile:
    """The append-only results file of a batch: resumable after a crash, a line per article.

    Opening it reads what is done: a torn last line is cut off (:attr:`repaired`), a whole
    last record missing its newline gets one. The path must be the file itself: a symbolic
    link there (perhaps planted in a shared folder) is refused, never appended through, and
    so is a FIFO or a device (see :mod:`summarizer._files`).

    Raises:
        ResultsFormatError: A line in the middle of the file is not a record.
        InputError: The path is a symbolic link or not a regular file.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.done: dict[str, str] = {}
        """Status (``ok`` / ``error``) of every id already in the file."""
        self.repaired = False
        try:
            data = self._read()
        except FileNotFoundError:
            return
        read = read_results_bytes(data, str(self.path))
        if read.torn:
            fd = open_regular(self.path, os.O_WRONLY)
            try:
                os.ftruncate(fd, data.rfind(b"\n") + 1)
            finally:
                os.close(fd)
            self.repaired = True
        elif read.unterminated:
            self._append(b"\n")
        for record in read.records:
            self.done[record.id] = record.status

    def _read(self) -> bytes:
        with os.fdopen(open_regular(self.path, os.O_RDONLY), "rb") as handle:
            return handle.read()

    def _append(self, data: bytes) -> None:
        """Append and flush (closing flushes), never through a link at the path."""
        fd = open_regular(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        with os.fdopen(fd, "ab") as handle:
            handle.write(data)

    def drop_failed(self) -> int:
        """Remove error lines so those ids run again; returns how many were dropped."""
        failed = {i for i, status in self.done.items() if status != "ok"}
        if not failed:
            return 0
        read = read_results_bytes(self._read(), str(self.path))
        kept = [raw for r, raw in zip(read.records, read.lines, strict=True) if r.id not in failed]
        write_replacing(self.path, b"".join(line + b"\n" for line in kept))
        for ident in failed:
            del self.done[ident]
        return len(failed)

    def append(self, result: BatchResult | ResultRecord) -> None:
        """Write one whole line and flush it."""
        record = result if isinstance(result, ResultRecord) else ResultRecord.of(result)
        self._append(record.line().encode("utf-8"))
        self.done[record.id] = record.status
