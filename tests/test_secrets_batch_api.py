"""The Batch API path never leaks the key either: submit, status, collect, their CLI commands.

The fake Batch API here is as careless as a server can be: every error it returns echoes the
key it was sent. Keys of any shape are redacted (the configured value itself), not only
``sk-…`` ones.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest
from typer.testing import CliRunner

from summarizer import Summarizer, SummarizerError
from summarizer._runs._batch import Article
from summarizer._runs._openai_batch import batch_status, collect_batch, submit_batch
from summarizer.cli import _batch as cli_batch, app
from tests.fake_batch_api import BATCH_ID, FakeBatchAPI, write_batch_inputs
from tests.scenarios import SEED_ID, article
from tests.test_secrets import everything_said_about

KEYS = {
    "plain": "local-key-123-canary-5b1e",
    "project": "sk-proj-Canary_7f3a9c2e41b8d6f0a5c3e9b7d1f4a2c8XYZ",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.c2lnbmF0dXJlLWNhbmFyeQ",
}
FAILING = ["upload", "create", "status", "content", "per-request"]


class CarelessBatchAPI(FakeBatchAPI):
    """The fake Batch API, failing at one step with the key in its error body."""

    def __init__(self, key: str, failing: str) -> None:
        super().__init__(polls_before_done=0)
        self.key = key
        self.failing = failing
        self.authorizations: list[str | None] = []

    def _echo(self, status: int) -> httpx2.Response:
        said = f"Incorrect API key provided: {self.key} (Bearer {self.key})"
        return httpx2.Response(
            status, json={"error": {"message": said, "type": "invalid_request_error"}}
        )

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        self.authorizations.append(request.headers.get("authorization"))
        path, method = request.url.path, request.method
        step = {
            ("POST", "/v1/files"): "upload",
            ("POST", "/v1/batches"): "create",
            ("GET", f"/v1/batches/{BATCH_ID}"): "status",
        }.get((method, path), "content" if path.endswith("/content") else "")
        if step == self.failing:
            return self._echo(401 if step == "create" else 400)
        response = super().handle(request)
        if step == "content" and self.failing == "per-request":
            rows = [json.loads(row) for row in response.content.decode().split("\n") if row]
            for row in rows:
                row["response"] = {"status_code": 400, "body": self._echo(400).json()}
            text = "".join(json.dumps(row) + "\n" for row in rows)
            return httpx2.Response(200, content=text.encode())
        return response


def client_for(api: CarelessBatchAPI) -> openai.OpenAI:
    transport = httpx2.MockTransport(api.handle)
    return openai.OpenAI(api_key=api.key, http_client=httpx2.Client(transport=transport))


def assert_clean(text: str, key: str) -> None:
    for fragment in (key, key[:16], key[-16:]):
        assert fragment not in text


@pytest.mark.parametrize("failing", FAILING)
@pytest.mark.parametrize("shape", list(KEYS))
def test_batch_api_errors_do_not_leak_the_key(
    shape: str, failing: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key = KEYS[shape]
    api = CarelessBatchAPI(key, failing)
    engine = Summarizer(client=client_for(api))
    articles = [Article(id="seed", text=article(SEED_ID))]
    said: list[str] = []
    try:
        job = submit_batch(engine, articles)
        batch_status(engine, job.id)
        for result in collect_batch(engine, job.id, articles):
            assert result.error is not None  # per-request: each article failed on its own
            said.append(everything_said_about(result.error))
    except SummarizerError as exc:
        said.append(everything_said_about(exc))
    assert said, "the careless server made something fail"
    assert f"Bearer {key}" in api.authorizations  # the key was really used
    for text in said:
        assert "[REDACTED]" in text
        assert_clean(text, key)
    assert_clean(caplog.text, key)


@pytest.mark.parametrize("failing", FAILING)
def test_batch_api_commands_do_not_leak_the_key(
    failing: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key = KEYS["plain"]
    api = CarelessBatchAPI(key, failing)
    real = cli_batch.Summarizer  # type: ignore[attr-defined]
    monkeypatch.setattr(cli_batch, "Summarizer", lambda **kw: real(client=client_for(api), **kw))
    write_batch_inputs(tmp_path / "in")
    output = tmp_path / "out.jsonl"
    runner = CliRunner()
    common = [str(tmp_path / "in"), "-o", str(output), "--poll-interval", "0"]
    env = {"OPENAI_API_KEY": key}
    results: list[Any] = [
        runner.invoke(app, ["batch", *common, "--via", "openai-batch", "--no-cache"], env=env),
        runner.invoke(app, ["batch-status", BATCH_ID], env=env),
        runner.invoke(app, ["batch-collect", BATCH_ID, *common], env=env),
    ]
    for result in results:
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(
            result.exception
        )
        assert_clean(result.output, key)
    assert any(r.exit_code != 0 for r in results)
    if output.exists():
        assert_clean(output.read_text(encoding="utf-8"), key)
