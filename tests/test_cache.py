"""The result cache: what its key covers, its files' privacy, and a cache that fails."""

from __future__ import annotations

import datetime as dt
import logging
import re
import sqlite3
import stat
import threading
import time
from pathlib import Path
from typing import Any

import openai
import pytest

from summarizer import ConfigurationError, ResultCache, Summarizer
from summarizer._cache import endpoint_id
from tests.fault_server import FaultServer
from tests.scenarios import (
    LONG_BUDGET,
    SEED_ID,
    TEST_API_KEY,
    answer,
    article,
    chunk_answer,
    gold,
    long_article,
    long_chunk_count,
)

SEED = article(SEED_ID)
GOOD = answer(gold(SEED_ID), "good")
KEY_PARTS: dict[str, Any] = {
    "model": "m",
    "mode": "tools",
    "prompt_id": "article_summary",
    "prompt_version": "v1",
    "prompt_sha256": "a" * 64,
    "article": "text",
    "published": None,
    "temperature": None,
    "endpoint": "https://api.openai.com/v1",
    "chunk_budget": 5000,
}


def engine(server: FaultServer, cache: ResultCache, **settings: Any) -> Summarizer:
    client = openai.OpenAI(base_url=server.base_url, api_key=TEST_API_KEY)
    return Summarizer(client=client, cache=cache, **settings)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- the key --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("part", "other"),
    [
        ("model", "m2"),
        ("mode", "json"),
        ("prompt_id", "other_prompt"),
        ("prompt_version", "v2"),
        ("prompt_sha256", "b" * 64),
        ("article", "text."),
        ("temperature", 0.0),
        ("published", dt.date(2024, 12, 23)),
        ("endpoint", "http://127.0.0.1:8080/v1"),
        ("endpoint", None),
        ("chunk_budget", 400),
        ("chunk_budget", None),
    ],
)
def test_the_key_changes_with_each_part(part: str, other: Any) -> None:
    assert ResultCache.key(**{**KEY_PARTS, part: other}) != ResultCache.key(**KEY_PARTS)


def test_the_key_changes_with_the_schema_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    key = ResultCache.key(**KEY_PARTS)
    monkeypatch.setattr("summarizer._cache.schema_sha256", lambda schema: "c" * 64)
    assert ResultCache.key(**KEY_PARTS) != key


def test_the_key_of_the_same_request_is_stable_across_releases(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A release that changes how keys are made silently discards every user's paid results."""
    monkeypatch.setattr("summarizer._cache.schema_sha256", lambda schema: "s" * 64)
    assert ResultCache.key(**KEY_PARTS) == (
        "ae0183385ff6827a753bd853760c726fc7e19e6b848d72e1af313e27aea44509"
    )


@pytest.mark.parametrize(
    "spelling",
    [
        "https://api.openai.com/v1/",
        "HTTPS://API.OpenAI.com/v1",
        "https://user:sk-secret@api.openai.com/v1",
        "https://api.openai.com/v1?api-version=1",
    ],
)
def test_the_endpoint_is_its_base_url_without_credentials(spelling: str) -> None:
    assert endpoint_id(spelling) == "https://api.openai.com/v1"
    assert ResultCache.key(**{**KEY_PARTS, "endpoint": spelling}) == ResultCache.key(**KEY_PARTS)


def test_an_ipv6_endpoint_keeps_its_brackets() -> None:
    """``[::1]:8080`` and the address ``::1:8080`` (no port) are two endpoints."""
    assert endpoint_id("http://[::1]:8080/v1/") == "http://[::1]:8080/v1"
    assert endpoint_id("http://[::1:8080]/v1") == "http://[::1:8080]/v1"


def test_one_model_name_on_two_servers_is_two_cache_entries(tmp_path: Path) -> None:
    """``model="local"`` on server A, then on server B, must ask B."""
    cache = ResultCache(tmp_path)
    with FaultServer([GOOD], repeat_last=True) as a, FaultServer([GOOD], repeat_last=True) as b:
        engine(a, cache, model="local").summarize(SEED)
        from_b = engine(b, cache, model="local").summarize(SEED)
        again = engine(a, cache, model="local").summarize(SEED)
        assert (len(a.requests), len(b.requests)) == (1, 1)
    assert from_b.meta is not None and not from_b.meta.cached
    assert again.meta is not None and again.meta.cached
    assert len(cache) == 2


def test_the_key_never_holds_the_api_key(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path)
    with FaultServer([GOOD], repeat_last=True) as server:
        first = openai.OpenAI(base_url=server.base_url, api_key=TEST_API_KEY)
        other = openai.OpenAI(base_url=server.base_url, api_key="sk-another-key-0000000000")
        Summarizer(client=first, cache=cache).summarize(SEED)
        hit = Summarizer(client=other, cache=cache).summarize(SEED)
        assert len(server.requests) == 1
    assert hit.meta is not None and hit.meta.cached
    assert TEST_API_KEY.encode() not in (tmp_path / "results.sqlite3").read_bytes()


def test_a_run_that_would_chunk_misses_an_unchunked_entry(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path)
    text = long_article()
    with FaultServer([chunk_answer], repeat_last=True) as server:
        whole = engine(server, cache).summarize(text)
        chunked = engine(server, cache, max_input_tokens=LONG_BUDGET).summarize(text)
        assert len(server.requests) == 1 + long_chunk_count()
        engine(server, cache, max_input_tokens=LONG_BUDGET).summarize(text)
        assert len(server.requests) == 1 + long_chunk_count()  # the chunked run is cached too
    assert whole.meta is not None and whole.meta.chunks == []
    assert chunked.meta is not None and len(chunked.meta.chunks) == long_chunk_count()


# -- privacy --------------------------------------------------------------------------------


def test_a_new_cache_is_private(tmp_path: Path) -> None:
    directory = tmp_path / "deep" / "cache"
    cache = ResultCache(directory)
    reader = sqlite3.connect(cache.path)  # kept open: the WAL files stay after the write
    try:
        reader.execute("SELECT COUNT(*) FROM results").fetchone()
        with FaultServer([GOOD]) as server:
            engine(server, cache).summarize(SEED)
        files = {f.name: mode_of(f) for f in directory.iterdir()}
    finally:
        reader.close()
    assert mode_of(directory) == 0o700
    assert set(files) == {"results.sqlite3", "results.sqlite3-wal", "results.sqlite3-shm"}
    assert files == dict.fromkeys(files, 0o600)


def test_an_existing_world_readable_database_is_made_private(tmp_path: Path) -> None:
    ResultCache(tmp_path)
    database = tmp_path / "results.sqlite3"
    journal = tmp_path / "results.sqlite3-journal"  # a side file left by an older run
    journal.write_bytes(b"")
    for path in (database, journal):
        path.chmod(0o644)
    ResultCache(tmp_path)
    assert (mode_of(database), mode_of(journal)) == (0o600, 0o600)


def test_where_the_cache_lives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The folder given, else SUMMARIZER_CACHE_DIR, else the user cache folder."""
    monkeypatch.delenv("SUMMARIZER_CACHE_DIR", raising=False)
    asked: list[str] = []

    def user_cache_dir(name: str) -> str:
        asked.append(name)
        return str(tmp_path / "user")

    monkeypatch.setattr("platformdirs.user_cache_dir", user_cache_dir)
    assert ResultCache().path == tmp_path / "user" / "results.sqlite3"
    assert asked == ["summarizer"]
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(tmp_path / "env"))
    assert ResultCache().path == tmp_path / "env" / "results.sqlite3"
    assert ResultCache(tmp_path / "given").path == tmp_path / "given" / "results.sqlite3"
    assert repr(ResultCache(tmp_path / "given")) == f"ResultCache({str(tmp_path / 'given')!r})"


def test_clear_empties_the_cache(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path)
    with FaultServer([GOOD]) as server:
        engine(server, cache).summarize(SEED)
    assert len(cache) == 1
    cache.clear()
    assert len(cache) == 0 and len(ResultCache(tmp_path)) == 0


# -- a cache that fails ---------------------------------------------------------------------


def test_an_unusable_cache_is_a_configuration_error_naming_its_path(tmp_path: Path) -> None:
    (tmp_path / "results.sqlite3").write_bytes(b"this is not a database, " * 100)
    started = time.monotonic()
    with pytest.raises(ConfigurationError, match=r"results\.sqlite3") as caught:
        ResultCache(tmp_path)
    assert time.monotonic() - started < 3  # not retried as if it were busy (30 s)
    assert str(tmp_path) in str(caught.value)
    assert isinstance(caught.value.__cause__, sqlite3.DatabaseError)


def test_a_cache_folder_that_cannot_be_made_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigurationError, match=re.escape(str(tmp_path / "file"))):
        ResultCache(tmp_path / "file" / "cache")


def test_caches_opened_at_once_on_a_new_folder_all_open(tmp_path: Path) -> None:
    # Switching a new database to WAL takes a lock SQLite's busy timeout does not wait for:
    # before the retry, about one round in twenty failed with "database is locked".
    failures: list[BaseException] = []

    def open_cache(folder: Path) -> None:
        try:
            ResultCache(folder)
        except BaseException as exc:
            failures.append(exc)

    for round_ in range(40):
        folder = tmp_path / str(round_)
        threads = [threading.Thread(target=open_cache, args=(folder,)) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []


def test_a_cache_held_locked_past_its_timeout_fails_to_open_in_time(tmp_path: Path) -> None:
    holder = sqlite3.connect(tmp_path / "results.sqlite3")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("CREATE TABLE other (x)")  # a rollback-journal database, locked
    try:
        started = time.monotonic()
        with pytest.raises(ConfigurationError, match="locked"):
            ResultCache(tmp_path, timeout=0.3)
        elapsed = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
    assert elapsed < 4  # the timeout given, retried, and then given up


def test_a_locked_cache_keeps_the_summary_that_was_paid_for(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = ResultCache(tmp_path, timeout=0.2)
    holder = sqlite3.connect(tmp_path / "results.sqlite3")
    holder.execute("BEGIN EXCLUSIVE")  # another process writing, past the busy timeout
    try:
        with caplog.at_level(logging.WARNING, logger="summarizer"):
            with FaultServer([GOOD]) as server:
                started = time.monotonic()
                summary = engine(server, cache).summarize(SEED)
                elapsed = time.monotonic() - started
            assert len(server.requests) == 1
    finally:
        holder.rollback()
        holder.close()
    assert summary.meta is not None and summary.meta.attempts == 1
    assert "could not store a summary" in caplog.text and str(cache.path) in caplog.text
    assert elapsed < 4  # the busy timeout given (0.2 s), not SQLite's default (5 s)
    assert len(cache) == 0


def test_a_read_only_cache_is_skipped_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    cache = ResultCache(tmp_path)
    uri = f"file:{cache.path}?mode=ro"
    monkeypatch.setattr(cache, "_connect", lambda: sqlite3.connect(uri, uri=True))
    with caplog.at_level(logging.WARNING, logger="summarizer"), FaultServer([GOOD]) as server:
        summary = engine(server, cache).summarize(SEED)
    assert summary.meta is not None and summary.meta.attempts == 1 == len(server.requests)
    assert "readonly" in caplog.text and str(cache.path) in caplog.text


def overwrite(database: Path) -> None:
    """Replace a database (and its side files) with garbage."""
    database.write_bytes(b"garbage " * 4096)
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)


async def test_a_cache_corrupted_after_it_was_opened_is_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = ResultCache(tmp_path)
    overwrite(cache.path)
    with caplog.at_level(logging.WARNING, logger="summarizer"), FaultServer([GOOD]) as server:
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key=TEST_API_KEY) as client:
            summary = await Summarizer(client=client, cache=cache).asummarize(SEED)
    assert summary.meta is not None and summary.meta.attempts == 1 == len(server.requests)
    assert "could not be read" in caplog.text and "could not store a summary" in caplog.text
    with pytest.raises(ConfigurationError, match=r"results\.sqlite3"):
        len(cache)


def test_a_stored_summary_that_no_longer_reads_is_a_miss(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = ResultCache(tmp_path)
    with FaultServer([GOOD], repeat_last=True) as server:
        first = engine(server, cache)
        first.summarize(SEED)
        with sqlite3.connect(cache.path) as db:
            db.execute("UPDATE results SET summary = '{\"headline\": 1}'")
        with caplog.at_level(logging.WARNING, logger="summarizer"):
            again = first.summarize(SEED)
        assert len(server.requests) == 2
    assert again.meta is not None and not again.meta.cached
    assert "could not be read" in caplog.text
