"""The Ray engine on a local cluster: one row per input, limits across workers, kills survived.

One local cluster (2 CPUs) serves the whole session; the command-line tests start their
own, as a user's command does. Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
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


AUTH_VARIABLES = ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH")
OFFLINE = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The local cluster of a user with no Ray token of their own."""
    with pytest.MonkeyPatch.context() as patch:
        for name in AUTH_VARIABLES:
            patch.delenv(name, raising=False)
        patch.setenv("HOME", str(tmp_path_factory.mktemp("user-home")))
        summarizer_ray.init(num_cpus=2)
    import ray

    yield ray
    summarizer_ray.shutdown()


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """This process's environment without Ray or provider settings, offline, plus ``extra``."""
    prefixes = ("RAY_", "OPENAI_", "SUMMARIZER_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    return {**env, **OFFLINE, "HOME": str(home), **extra}


def join(address: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A second driver trying to join ``address`` (Ray retries for 2 s, not its 20)."""
    code = f"import ray; ray.init(address={address!r}); print('joined', ray.get(ray.put(1)))"
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "RAY_gcs_server_port_wait_time_s": "2"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def variant(n: int) -> str:
    return f"{SEED}\n\nRef. {n}"


def rows(output: Any) -> list[dict[str, Any]]:
    return list(output.take_all())


def test_summarize_dataset_gives_one_row_per_input_row_and_honours_the_cache(
    cluster: Any, tmp_path: Path
) -> None:
    items: list[dict[str, Any]] = [
        {"id": f"a{i}", "text": variant(i), "published": "2025-01-31"} for i in range(6)
    ]
    items += [{"id": "empty", "text": "  ", "published": None}]
    items += [{"id": "a0", "text": variant(0), "published": "2025-01-31"}]  # an id twice
    endpoint = MeteredEndpoint(GOOD)
    with FaultServer([endpoint], repeat_last=True) as server:
        settings: dict[str, Any] = {"api_key": TEST_API_KEY, "base_url": server.base_url}
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
    # The workers had the key, and no file of the session (Ray's logs included) holds it.
    home = summarizer_ray._local_home
    assert home is not None
    assert not [
        f for f in home.rglob("*") if f.is_file() and TEST_API_KEY.encode() in f.read_bytes()
    ]


def test_the_local_cluster_admits_no_driver_without_its_token(cluster: Any, tmp_path: Path) -> None:
    home = summarizer_ray._local_home
    assert home is not None
    token = home / ".ray" / "auth_token"
    assert home.stat().st_mode & 0o777 == 0o700
    assert token.stat().st_mode & 0o777 == 0o600 and len(token.read_text()) == 64
    session = Path(cluster._private.worker._global_node.get_session_dir_path())
    assert session.is_relative_to(home)  # Ray's logs and sockets are private too
    address = cluster.get_runtime_context().gcs_address

    refused = join(address, clean_env(tmp_path))
    assert refused.returncode != 0 and "joined" not in refused.stdout
    assert "InvalidAuthToken" in refused.stderr, refused.stderr[-2000:]
    admitted = join(
        address, clean_env(tmp_path, RAY_AUTH_MODE="token", RAY_AUTH_TOKEN_PATH=str(token))
    )
    assert admitted.stdout.split() == ["joined", "1"], admitted.stderr[-2000:]


def test_the_key_reaches_the_workers_outside_the_pickled_settings(cluster: Any) -> None:
    key = "sk-canary-" + "7" * 32
    shipped: dict[str, Any] = {}

    class Dataset:  # records what summarize_dataset hands Ray for the workers
        def map_batches(self, fn: Any, **kwargs: Any) -> None:
            shipped.update(kwargs, fn=fn)

    summarizer_ray.summarize_dataset(Dataset(), api_key=key, base_url="http://127.0.0.1:9/v1")
    kwargs = shipped["fn_constructor_kwargs"]
    assert kwargs["settings"].api_key is None
    assert key.encode() not in cluster.cloudpickle.dumps(shipped)
    assert kwargs["key"].reveal() == key  # what a worker gets from the object store


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


USER_CLUSTER = """
import json, os, subprocess, sys
import ray, summarizer.ray as r
r.init(num_cpus=1)
home, address = r._local_home, ray.get_runtime_context().gcs_address
def join(token):
    code = f"import ray; ray.init(address={address!r}); print('joined')"
    env = {**os.environ, "RAY_AUTH_TOKEN": token, "RAY_gcs_server_port_wait_time_s": "2"}
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=120)
    return run.returncode == 0
report = {
    "mode": os.environ.get("RAY_AUTH_MODE"),
    "token": os.environ.get("RAY_AUTH_TOKEN") == sys.argv[1],
    "own token": (home / ".ray").exists(),
    "home": home.is_dir(),
    "other token joins": join("0" * 64),
    "user's token joins": join(sys.argv[1]),
}
r.shutdown()
report["home after shutdown"] = home.exists()
print(json.dumps(report))
"""


def test_a_users_token_mode_is_kept_and_shutdown_removes_the_home(tmp_path: Path) -> None:
    token = secrets.token_hex(32)
    env = clean_env(tmp_path, RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=token)
    result = subprocess.run(
        [sys.executable, "-c", USER_CLUSTER, token],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.splitlines()[-1]) == {
        "mode": "token",
        "token": True,
        "own token": False,
        "home": True,
        "other token joins": False,
        "user's token joins": True,
        "home after shutdown": False,
    }
    assert token not in result.stderr


@pytest.mark.parametrize(
    ("given", "user_file", "expected", "own_token"),
    [
        ({}, False, {"RAY_AUTH_MODE": "token"}, True),
        ({"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": "t"}, False, {}, False),
        ({"RAY_AUTH_MODE": "TOKEN", "RAY_AUTH_TOKEN_PATH": "/p"}, True, {}, False),
        ({"RAY_AUTH_MODE": "disabled"}, True, {}, False),
        ({"RAY_AUTH_TOKEN": "t"}, False, {"RAY_AUTH_MODE": "token"}, False),
        ({}, True, {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": "USER"}, False),
        ({"RAY_AUTH_MODE": "token"}, True, {"RAY_AUTH_TOKEN_PATH": "USER"}, False),
    ],
)
def test_the_local_clusters_authentication_is_the_users_or_a_private_token(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    given: dict[str, str],
    user_file: bool,
    expected: dict[str, str],
    own_token: bool,
) -> None:
    user, home = tmp_path / "user", tmp_path / "home"
    home.mkdir(mode=0o700)
    monkeypatch.setenv("HOME", str(user))
    if user_file:
        (user / ".ray").mkdir(parents=True)
        (user / ".ray" / "auth_token").write_text("u" * 64)
    changes = summarizer_ray._auth_env(home, given)
    user_path = str(user / ".ray" / "auth_token")
    assert changes == {k: user_path if v == "USER" else v for k, v in expected.items()}
    token = home / ".ray" / "auth_token"
    assert token.exists() == own_token
    if own_token:
        assert token.stat().st_mode & 0o777 == 0o600
        assert token.parent.stat().st_mode & 0o777 == 0o700


# -- joining a cluster started with `ray start --head` ----------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _accepts(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
        return True
    return False


@pytest.fixture(scope="module")
def head() -> Iterator[tuple[str, str]]:
    """A loopback head started by `ray start --head` with token authentication: (address, token).

    Stopped by process id: ``ray stop`` would stop every Ray process of the account.
    """
    home = Path(tempfile.mkdtemp(prefix="sr-head-"))  # short: Ray's socket paths go under it
    (home / "ray_bootstrap_config.yaml").write_text("{}\n", encoding="utf-8")
    token, port = secrets.token_hex(32), _free_port()
    env = clean_env(home, RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=token)
    command = [str(Path(sys.executable).parent / "ray"), "start", "--head", "--block"]
    command += [f"--port={port}", "--node-ip-address=127.0.0.1", "--num-cpus=2"]
    command += ["--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={home}/r"]
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not _accepts(port) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _accepts(port), "ray start --head did not come up"
        yield f"127.0.0.1:{port}", token
    finally:
        _end_session(process.pid)  # ray start and the cluster it started, all in its session
        process.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)


def test_cli_joins_a_token_cluster_only_with_its_token(
    head: tuple[str, str], tmp_path: Path
) -> None:
    address, token = head
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in range(6):
        (inputs / f"article-{i}.txt").write_text(variant(i), encoding="utf-8")
    output = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "summarizer", "batch", str(inputs), "-o", str(output)]
    command += ["--engine", "ray", "--address", address, "--no-cache"]
    with FaultServer([MeteredEndpoint(GOOD)], repeat_last=True) as server:
        provider = {"OPENAI_API_KEY": TEST_API_KEY, "OPENAI_BASE_URL": server.base_url}
        # Ray retries a refused connection for 20 s; 2 s tells the same.
        env = clean_env(tmp_path, **provider, RAY_gcs_server_port_wait_time_s="2")
        refused = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=180, cwd=ROOT
        )
        assert refused.returncode == 2, refused.stderr[-2000:]
        assert "ConfigurationError" in refused.stderr and "RAY_AUTH_MODE=token" in refused.stderr
        assert "RAY_AUTH_TOKEN" in refused.stderr and not _lines(output)

        env = clean_env(tmp_path, **provider, RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=token)
        joined = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=300, cwd=ROOT
        )
    assert joined.returncode == 0, joined.stderr[-2000:]
    records = _lines(output)
    assert sorted(r["id"] for r in records) == [f"article-{i}" for i in range(6)]
    assert all(r["status"] == "ok" for r in records)
    for text in (refused.stdout, refused.stderr, joined.stdout, joined.stderr):
        assert token not in text and TEST_API_KEY not in text
    assert token not in output.read_text(encoding="utf-8")
