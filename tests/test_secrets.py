"""The API key never leaks: not into logs, messages, reprs, tracebacks, results or the CLI.

A recognisable fake key runs every failure path against a server that is as careless as
possible: it echoes the key back in its error messages.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from typer.testing import CliRunner

from summarizer import Summarizer, SummarizerError
from summarizer._transport import scrub_exception
from summarizer.cli import app
from tests.fault_server import FaultServer, Hang, closed_port
from tests.scenarios import SEED_ID, answer, article, error, fabricated_seed, gold

CANARY = "sk-canary-DO-NOT-LEAK-7f3a9c2e41b8d6f0a5c3e9b7d1f4a2c8"
FRAGMENTS = [CANARY, CANARY[3:30], CANARY[-20:]]
SEED = article(SEED_ID)


def echo(status: int) -> Any:
    return error(status, f"Bad things happened to key {CANARY} (Bearer {CANARY})", "error")


SCRIPTS: dict[str, Any] = {
    "401": [echo(401)],
    "403": [echo(403)],
    "400": [echo(400)],
    "429": [echo(429)],
    "500": [echo(500)],
    "hang": [Hang()],
    "fabrication": [answer(fabricated_seed(), "fab")],
}


def chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def everything_said_about(exc: BaseException) -> str:
    parts = ["".join(traceback.format_exception(exc))]
    for link in chain(exc):
        parts += [str(link), repr(link)]
        parts += [repr(v) for v in vars(link).values() if isinstance(v, str | int | list | dict)]
    return "\n".join(parts)


def assert_clean(text: str) -> None:
    for fragment in FRAGMENTS:
        assert fragment not in text


@pytest.mark.parametrize("case", list(SCRIPTS))
def test_failure_paths_do_not_leak_the_key(case: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with FaultServer(SCRIPTS[case], repeat_last=True) as server:
        engine = Summarizer(
            client=openai.OpenAI(base_url=server.base_url, api_key=CANARY),
            max_retries=1,
            timeout=0.5,
        )
        engine._sleep = lambda seconds: None
        with pytest.raises(SummarizerError) as caught:
            engine.summarize(SEED)
    assert server.headers[0]["authorization"] == f"Bearer {CANARY}"  # the key was used
    assert_clean(everything_said_about(caught.value))
    assert_clean(caplog.text)
    assert_clean(repr(engine))


def test_connection_failure_does_not_leak_the_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with closed_port() as url:
        engine = Summarizer(client=openai.OpenAI(base_url=url, api_key=CANARY), max_retries=0)
        with pytest.raises(SummarizerError) as caught:
            engine.summarize(SEED)
    assert_clean(everything_said_about(caught.value))
    assert_clean(caplog.text)


def test_results_do_not_hold_the_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with FaultServer([answer(gold(SEED_ID), "ok")]) as server:
        engine = Summarizer(client=openai.OpenAI(base_url=server.base_url, api_key=CANARY))
        result = engine.summarize(SEED)
    assert_clean(result.model_dump_json())
    assert_clean(repr(result))
    assert_clean(caplog.text)


@pytest.mark.parametrize("case", ["401", "500", "ok"])
def test_cli_output_does_not_leak_the_key(
    case: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    script = SCRIPTS.get(case) or [answer(gold(SEED_ID), "ok")]
    path = tmp_path / "article.txt"
    path.write_text(SEED, encoding="utf-8")
    with FaultServer(script, repeat_last=True) as server:
        monkeypatch.setenv("OPENAI_API_KEY", CANARY)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        for extra in ([], ["--json"]):
            result = CliRunner().invoke(app, ["summarize", str(path), *extra])
            assert_clean(result.output)
            assert (result.exit_code == 0) == (case == "ok"), result.output


PLAIN_KEY = "local-server-token-5e8d2b7a9c41f036"  # shaped like no known key: only its value


@pytest.mark.parametrize("status", [400, 401, 500])
def test_a_key_of_any_shape_is_removed(status: int, caplog: pytest.LogCaptureFixture) -> None:
    """Keys for local servers look like anything: the key's own value is what is removed."""
    caplog.set_level(logging.DEBUG)
    said = f"Bad things happened to key {PLAIN_KEY} ({[PLAIN_KEY]})"
    with FaultServer([error(status, said, "error")], repeat_last=True) as server:
        engine = Summarizer(
            client=openai.OpenAI(base_url=server.base_url, api_key=PLAIN_KEY), max_retries=1
        )
        engine._sleep = lambda seconds: None
        with pytest.raises(SummarizerError) as caught:
            engine.summarize(SEED)
    everything = everything_said_about(caught.value) + caplog.text
    assert "Bad things happened to key" in everything  # the message itself is kept
    assert PLAIN_KEY not in everything and PLAIN_KEY[-16:] not in everything


def test_an_exception_kept_as_a_cause_is_scrubbed_in_every_argument() -> None:
    key = "local-server-token-0123456789"
    exc = RuntimeError(f"bad key {key}", [f"echo {key}", (key, 3)], {"k": key})
    scrub_exception(exc, key)
    assert exc.args == (
        "bad key [REDACTED]",
        ["echo [REDACTED]", ("[REDACTED]", 3)],
        {"k": "[REDACTED]"},
    )
