"""The Ray engine on a local cluster: one row per input, limits across workers, kills survived.

One local cluster (2 CPUs) serves the whole session; the command-line tests start their
own, as a user's command does. Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import summarizer.ray as summarizer_ray
from summarizer import ArticleSummary, ConfigurationError, ResultCache
from tests.fault_server import FaultServer, MeteredEndpoint
from tests.scenarios import (
    LONG_BUDGET,
    SEED_ID,
    TEST_API_KEY,
    answer,
    article,
    gold,
    gold_for_chunk,
    long_article,
    sent_article,
)

SEED = article(SEED_ID)
GOOD = answer(gold(SEED_ID), "good")
ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def cluster() -> Iterator[Any]:
    summarizer_ray.init(num_cpus=2)
    import ray

    yield ray
    summarizer_ray.shutdown()


def variant(n: int) -> str:
    return f"{SEED}\n\nRef. {n}"


def rows(output: Any) -> list[dict[str, Any]]:
    return list(output.take_all())


def test_summarize_dataset_gives_one_row_per_input_row_and_honours_the_cache(
    cluster: Any, tmp_path: Path
) -> None:
    items = [{"id": f"a{i}", "text": variant(i), "published": "2025-01-31"} for i in range(6)]
    items += [{"id": "empty", "text": "  ", "published": None}]
    items += [{"id": "a0", "text": variant(0), "published": "2025-01-31"}]  # an id twice
    endpoint = MeteredEndpoint(GOOD)
    with FaultServer([endpoint], repeat_last=True) as server:
        settings = {"api_key": TEST_API_KEY, "base_url": server.base_url}
        cache = ResultCache(tmp_path / "cache")
        dataset = cluster.data.from_items(items)
        out = rows(summarizer_ray.summarize_dataset(dataset, cache=cache, **settings))
        assert sorted(r["id"] for r in out) == sorted(i["id"] for i in items)
        assert list(out[0]) == list(summarizer_ray.COLUMNS)
        by_status = {r["id"]: r for r in out if r["status"] == "error"}
        assert set(by_status) == {"empty"}
        assert json.loads(by_status["empty"]["error"])["type"] == "InputError"
        summary = ArticleSummary.model_validate_json(
            next(r for r in out if r["id"] == "a3")["summary"]
        )
        assert summary.article_text == variant(3) and str(summary.published) == "2025-01-31"
        assert all(q.location is not None for q in summary.quotes)
        sent = endpoint.served
        assert sent <= 7  # the duplicate may or may not race its twin to the cache
        again = rows(summarizer_ray.summarize_dataset(dataset, cache=cache, **settings))
        assert endpoint.served == sent  # every ok row from the cache, no request
    cached = [json.loads(r["summary"])["meta"]["cached"] for r in again if r["status"] == "ok"]
    assert len(cached) == 7 and all(cached)


def test_without_a_key_nothing_starts(cluster: Any) -> None:
    dataset = cluster.data.from_items([{"id": "a", "text": SEED}])
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        summarizer_ray.summarize_dataset(dataset)


def chunk_reply(request: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
    return answer(gold_for_chunk(sent_article(request)), "chunk")(request)


def test_concurrency_8_over_two_workers_never_has_more_than_8_requests_in_flight(
    cluster: Any,
) -> None:
    items = [{"id": f"long-{i}", "text": f"{long_article()}\n\nRef. {i}"} for i in range(8)]
    endpoint = MeteredEndpoint(chunk_reply, delay=0.3)
    with FaultServer([endpoint], repeat_last=True) as server:
        out = rows(
            summarizer_ray.summarize_dataset(
                cluster.data.from_items(items),
                concurrency=8,
                workers=2,
                api_key=TEST_API_KEY,
                base_url=server.base_url,
                max_input_tokens=LONG_BUDGET,
            )
        )
    assert len(out) == 8 and all(r["status"] == "ok" for r in out), out
    assert all(len(json.loads(r["summary"])["meta"]["chunks"]) >= 4 for r in out)
    assert 2 <= endpoint.peak <= 8


def test_rpm_600_is_shared_by_the_workers(cluster: Any) -> None:
    items = [{"id": f"a{i}", "text": variant(i)} for i in range(40)]
    endpoint = MeteredEndpoint(GOOD, rpm=600)
    with FaultServer([endpoint], repeat_last=True) as server:
        out = rows(
            summarizer_ray.summarize_dataset(
                cluster.data.from_items(items),
                concurrency=8,
                rpm=600,
                workers=2,
                api_key=TEST_API_KEY,
                base_url=server.base_url,
            )
        )
    assert len(out) == 40 and all(r["status"] == "ok" for r in out)
    assert endpoint.limited == 0 and endpoint.served == 40
    assert max(endpoint.starts) - min(endpoint.starts) >= 3.5


# -- the command line, with its own local cluster ---------------------------------------------


def _session_processes(sid: int, prefix: str = "") -> list[int]:
    """Processes of session ``sid`` whose command line starts with ``prefix``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if os.getsid(int(entry.name)) == sid and command.startswith(prefix):
                found.append(int(entry.name))
        except (OSError, ProcessLookupError):
            continue
    return found


def _end_session(sid: int) -> None:
    """Stop what the command started (its cluster), by process id."""
    for pid in _session_processes(sid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    return [json.loads(line) for line in text[: text.rfind("\n") + 1].splitlines()]


def _wait_for_lines(path: Path, count: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(_lines(path)) < count:
        time.sleep(0.1)
    assert len(_lines(path)) >= count, "the batch did not get going"


def _local_homes() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("summarizer-ray-*"))


def test_cli_engine_ray_survives_a_killed_worker_and_a_killed_run(tmp_path: Path) -> None:
    homes_before = _local_homes()
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in range(40):
        (inputs / f"article-{i:02d}.txt").write_text(variant(i), encoding="utf-8")
    output = tmp_path / "out.jsonl"
    endpoint = MeteredEndpoint(GOOD, delay=0.5)
    with FaultServer([endpoint], repeat_last=True) as server:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))},
            "OPENAI_API_KEY": TEST_API_KEY,
            "OPENAI_BASE_URL": server.base_url,
        }
        command = [sys.executable, "-m", "summarizer", "batch", str(inputs), "-o", str(output)]
        command += ["--engine", "ray", "--concurrency", "4", "--no-cache"]

        # 1. A worker is killed mid-run: Ray restarts it and the run still finishes.
        first = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )
        try:
            _wait_for_lines(output, 4)
            workers = _session_processes(first.pid, "ray::MapWorker")
            assert workers, "no worker process found"
            os.kill(workers[0], signal.SIGKILL)
            _wait_for_lines(output, 12)
            # 2. Then the whole run is killed.
            first.send_signal(signal.SIGKILL)
            first.communicate(timeout=60)
        finally:
            _end_session(first.pid)
        partial = _lines(output)
        assert 12 <= len(partial) < 40
        assert len({r["id"] for r in partial}) == len(partial)

        # 3. The rerun finishes the rest; every id exactly once.
        endpoint.delay = 0.0
        second = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )
        try:
            _, stderr = second.communicate(timeout=300)
        finally:
            _end_session(second.pid)
        assert second.returncode == 0, stderr
    records = _lines(output)
    assert sorted(r["id"] for r in records) == [f"article-{i:02d}" for i in range(40)]
    assert all(r["status"] == "ok" for r in records)
    # The rerun shut its cluster down and removed its home; the killed run could not.
    assert len(_local_homes() - homes_before) == 1
    for home in _local_homes() - homes_before:
        shutil.rmtree(home)


def test_the_core_does_not_import_ray() -> None:
    code = "import sys, summarizer, summarizer.cli, summarizer.ray; print('ray' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "False", result.stderr


def test_without_the_extra_the_error_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)
    homes = _local_homes()
    with pytest.raises(ConfigurationError, match=r'pip install "summarizer\[ray\]"'):
        summarizer_ray.init()
    assert _local_homes() == homes  # nothing left behind


def test_shutdown_removes_the_local_clusters_home(tmp_path: Path) -> None:
    code = (
        "import pathlib, summarizer.ray as r; r.init(num_cpus=1); home = r._local_home; "
        "print(home.is_dir()); r.shutdown(); print(home.exists())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert result.stdout.split() == ["True", "False"], result.stderr[-2000:]
