"""A persistent result cache: no article is paid for twice.

Results live in SQLite (in the user cache directory, or ``SUMMARIZER_CACHE_DIR``), keyed by
everything that determines the answer: the endpoint (its base URL, never the key), model,
mode, prompt id, version and sha256, the result schema's hash (:func:`schema_sha256`), the
chunk budget, the article's hash, the publication date, the temperature, and a second pass
when there is one. A new endpoint,
prompt version, model, result schema or budget misses; the same article under the same
configuration hits without any HTTP request.
Each operation opens its own connection and the database runs in WAL mode with a busy
timeout, so threads and processes can read and write it at the same time.

The database holds whole articles, so it is private: a directory the cache creates is
``0700`` and its files are ``0600``. A cache that cannot be opened is a
:class:`ConfigurationError` naming its path, raised when the :class:`ResultCache` is made,
before any request. A cache that fails later (locked past the busy timeout, made read-only,
corrupted) never costs a summary: the failure is logged as a warning and the call goes on
as if there were no cache.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import closing, contextmanager
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import platformdirs
import pydantic
import tenacity

from summarizer._settings import cache_dir_from_env
from summarizer.errors import ConfigurationError
from summarizer.schema import ArticleSummary

__all__ = ["ResultCache", "endpoint_id", "schema_sha256"]

logger = logging.getLogger("summarizer")

_FILE = "results.sqlite3"
_SIDE_FILES = ("-wal", "-shm", "-journal")


@cache
def schema_sha256(schema: type[ArticleSummary] = ArticleSummary) -> str:
    """Hash of a result schema: its JSON schema as the models define it now.

    A cached summary has this shape, so a change to the models (or a schema of your own,
    ``Summarizer(schema=...)``) misses. It is not the schema sent to the model: that is the
    prompt version's answer schema (frozen beside a released prompt, see
    :mod:`summarizer._prompts`), named by the prompt's id and version in the key.
    """
    text = json.dumps(schema.model_json_schema(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def endpoint_id(base_url: str) -> str:
    """A base URL as the cache knows it: no credentials, query or trailing slash."""
    parts = urlsplit(base_url.strip())
    host = (parts.hostname or "").lower()
    host = f"[{host}]" if ":" in host else host  # IPv6
    netloc = f"{host}:{parts.port}" if parts.port is not None else host
    return urlunsplit((parts.scheme.lower(), netloc, parts.path.rstrip("/"), "", ""))


def _is_busy(exc: BaseException) -> bool:
    """SQLITE_BUSY or SQLITE_LOCKED, extended codes included: another connection holds a lock."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(exc, sqlite3.OperationalError) and code is not None and code & 0xFF in (5, 6)


class ResultCache:
    """Summaries stored by the hash of everything that determines them.

    Args:
        directory: Where the database lives. Default: ``SUMMARIZER_CACHE_DIR``, else the
            user cache directory (e.g. ``~/.cache/summarizer``).
        timeout: Seconds an operation waits for another writer's lock before it gives up
            (and the call goes on without the cache).

    Raises:
        ConfigurationError: The directory or database cannot be created or opened (not
            writable, not a database); the message names the path.
    """

    def __init__(
        self, directory: str | os.PathLike[str] | None = None, *, timeout: float = 30.0
    ) -> None:
        chosen = directory or cache_dir_from_env() or platformdirs.user_cache_dir("summarizer")
        self.directory = Path(chosen)
        self.path = self.directory / _FILE
        self.timeout = timeout
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._make_private()
            for attempt in tenacity.Retrying(
                retry=tenacity.retry_if_exception(_is_busy),
                stop=tenacity.stop_after_delay(self.timeout),
                wait=tenacity.wait_random(0.005, 0.05),
                reraise=True,
            ):
                with attempt:
                    self._prepare()
        except (OSError, sqlite3.Error) as exc:
            raise ConfigurationError(f"cannot use the result cache at {self.path}: {exc}") from exc

    def __repr__(self) -> str:
        return f"ResultCache({str(self.directory)!r})"

    def _make_private(self) -> None:
        """Create the database file owner-only, and take group and other access from old ones."""
        if not self.path.exists():
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        for path in [self.path, *(Path(f"{self.path}{suffix}") for suffix in _SIDE_FILES)]:
            try:
                mode = stat.S_IMODE(path.stat().st_mode)
            except FileNotFoundError:
                continue
            if mode & 0o077:
                path.chmod(mode & 0o700)

    def _prepare(self) -> None:
        """Switch the database to WAL (once: the mode is stored in the file) and make the table.

        Switching needs a lock that SQLite's busy timeout does not wait for when another
        connection is opening the same new database, so the caller retries a busy error.
        """
        with closing(self._connect()) as db, db:
            (journal_mode,) = db.execute("PRAGMA journal_mode").fetchone()
            if journal_mode != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS results ("
                " key TEXT PRIMARY KEY, summary TEXT NOT NULL, created_at TEXT NOT NULL)"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=self.timeout)

    def _skipped(self, doing: str, exc: Exception) -> None:
        logger.warning(
            "result cache at %s could not %s (%s: %s); going on without it",
            self.path,
            doing,
            type(exc).__name__,
            exc,
        )

    @staticmethod
    def key(
        *,
        model: str,
        mode: str,
        prompt_id: str,
        prompt_version: str,
        prompt_sha256: str,
        article: str,
        published: dt.date | None,
        temperature: float | None,
        endpoint: str | None = None,
        chunk_budget: int | None = None,
        schema: type[ArticleSummary] = ArticleSummary,
        passes: int = 1,
        second_pass: str | None = None,
    ) -> str:
        """The cache key of one request configuration and article.

        ``endpoint`` is the base URL the requests go to (``model="local"`` on two servers
        is two models); ``chunk_budget`` decides whether and how the article is split;
        ``schema`` is the result schema (two schemas never share an answer).
        ``passes`` over 1 (with ``second_pass``, the sha256 of its prompt) is a different
        result; one pass adds nothing, so the keys of earlier releases still hit.
        """
        parts: dict[str, object] = {
            "endpoint": endpoint_id(endpoint) if endpoint else None,
            "model": model,
            "mode": mode,
            "prompt": [prompt_id, prompt_version, prompt_sha256],
            "schema": schema_sha256(schema),
            "chunk_budget": chunk_budget,
            "article": hashlib.sha256(article.encode("utf-8")).hexdigest(),
            "published": published.isoformat() if published else None,
            "temperature": temperature,
        }
        if passes > 1:
            parts["passes"] = [passes, second_pass]
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()

    def get(self, key: str, schema: type[ArticleSummary] = ArticleSummary) -> ArticleSummary | None:
        """The stored summary for ``key`` read as ``schema``, or None (also when unreadable)."""
        try:
            with closing(self._connect()) as db:
                row = db.execute("SELECT summary FROM results WHERE key = ?", (key,)).fetchone()
            return None if row is None else schema.model_validate_json(row[0])
        except (sqlite3.Error, pydantic.ValidationError) as exc:
            self._skipped("be read", exc)
            return None

    def __contains__(self, key: object) -> bool:
        """Whether a summary is stored under ``key`` (not read; False if the cache cannot be)."""
        try:
            with closing(self._connect()) as db:
                row = db.execute("SELECT 1 FROM results WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            self._skipped("be read", exc)
            return False
        return row is not None

    def put(self, key: str, summary: ArticleSummary) -> None:
        """Store ``summary`` under ``key`` (the last writer wins; all write the same).

        A cache that cannot be written is logged as a warning, never raised: the summary
        was paid for and the caller still gets it.
        """
        now = dt.datetime.now(dt.UTC).isoformat()
        try:
            with closing(self._connect()) as db, db:
                db.execute(
                    "INSERT OR REPLACE INTO results (key, summary, created_at) VALUES (?, ?, ?)",
                    (key, summary.model_dump_json(), now),
                )
        except sqlite3.Error as exc:
            self._skipped("store a summary", exc)

    @contextmanager
    def _strict(self, doing: str) -> Iterator[sqlite3.Connection]:
        """A connection (and transaction) whose failure is a ConfigurationError."""
        try:
            with closing(self._connect()) as db, db:
                yield db
        except sqlite3.Error as exc:
            raise ConfigurationError(
                f"result cache at {self.path} could not {doing}: {exc}"
            ) from exc

    def __len__(self) -> int:
        with self._strict("count its results") as db:
            (count,) = db.execute("SELECT COUNT(*) FROM results").fetchone()
        return int(count)

    def clear(self) -> None:
        """Delete every stored result.

        Raises:
            ConfigurationError: The cache cannot be written; the message names its path.
        """
        with self._strict("be cleared") as db:
            db.execute("DELETE FROM results")
