"""One set of options for every entry point, checked when it is called, the same way.

The names come from one place (the fields of ``Settings``, plus a few run options), so the
entry points cannot drift; a mistake is the same ``ConfigurationError`` from each of them,
before any request or any Ray call; ``with_options`` follows a new endpoint or key with its
client and its cache key; a summarizer closes every client it built.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest
from typer.testing import CliRunner

import summarizer.ray as summarizer_ray
from summarizer import (
    ConfigurationError,
    InputError,
    ProviderError,
    ResultCache,
    Settings,
    Summarizer,
    SummarizerError,
    asummarize_article,
    asummarize_articles,
    summarize_article,
    summarize_articles,
)
from summarizer._runs._batch import Article
from summarizer._runs._openai_batch import collect_batch, submit_batch
from summarizer._settings import SETTING_NAMES, SettingsOptions
from summarizer._summarizer import OPTION_NAMES, RUN_OPTIONS, SummarizerOptions
from summarizer.cli import app
from summarizer.cli._common import SETTING_HELP
from tests.fake_batch_api import BATCH_ID, FakeBatchAPI
from tests.fault_server import FaultServer, closed_port
from tests.scenarios import SEED_ID, TEST_API_KEY, answer, article, gold

SEED = article(SEED_ID)
GOOD = answer(gold(SEED_ID), "good")
OTHER_KEY = "sk-other-not-a-real-key-1111111111111111"


# -- one definition of the names ---------------------------------------------------------


def test_the_option_names_are_the_settings_fields_everywhere() -> None:
    fields = {name for name in Settings.__dataclass_fields__}
    assert SETTING_NAMES == fields == set(SettingsOptions.__optional_keys__)
    assert {"api_key", "base_url", "model", "temperature"} <= SETTING_NAMES
    assert OPTION_NAMES == fields | RUN_OPTIONS == set(SummarizerOptions.__optional_keys__)
    assert {"client", "cache", "settings", "schema", "prompt"} == RUN_OPTIONS
    dataset = summarizer_ray.DatasetOptions.__optional_keys__
    assert set(dataset) == OPTION_NAMES - {"client"}  # a client cannot travel to a worker
    own = set(inspect.signature(Summarizer).parameters) - {"options"}
    assert own == RUN_OPTIONS
    assert set(SETTING_HELP) == fields


@pytest.mark.parametrize("command", ["summarize", "batch", "batch-status", "batch-collect"])
def test_every_command_that_summarises_has_a_flag_per_setting(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for name in SETTING_NAMES:
        assert f"--{name.replace('_', '-')}" in result.output


# -- the same mistake, the same error, from every entry point, at call time --------------


def _no_ray() -> None:
    raise AssertionError("Ray was touched before the options were checked")


def _python_entry_points(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setattr(summarizer_ray, "_ray", _no_ray)
    return {
        "Summarizer": lambda **o: Summarizer(**o),
        "summarize_article": lambda **o: summarize_article(SEED, **o),
        "asummarize_article": lambda **o: asyncio.run(asummarize_article(SEED, **o)),
        # Called, never iterated: the check must not wait for the first result.
        "summarize_articles": lambda **o: summarize_articles([SEED], **o),
        "asummarize_articles": lambda **o: asummarize_articles([SEED], **o),
        "summarize_dataset": lambda **o: summarizer_ray.summarize_dataset(
            object(), api_key=TEST_API_KEY, **o
        ),
    }


MISTAKES = [
    ({"temperature": 5}, ["--temperature", "5"], "temperature must be a number from 0 to 2"),
    ({"model": ""}, ["--model", ""], "model must be a non-empty string"),
    ({"max_retries": -1}, ["--max-retries", "-1"], "max_retries must be an integer >= 0"),
    ({"timeout": 0}, ["--timeout", "0"], "timeout must be a positive number of seconds"),
    ({"mode": "xml"}, ["--mode", "xml"], "unknown mode 'xml'"),
    ({"temprature": 0.2}, None, "unknown option 'temprature'; did you mean 'temperature'?"),
]
BATCH_MISTAKES = [
    ({"concurrency": 0}, ["--concurrency", "0"], "concurrency must be a whole number >= 1"),
    ({"rpm": 0}, ["--rpm", "0"], "rpm must be a whole number >= 1"),
]
BATCHES = ("summarize_articles", "asummarize_articles", "summarize_dataset")


def _error_of(call: Any, options: dict[str, Any]) -> ConfigurationError:
    with pytest.raises(ConfigurationError) as caught:
        call(**options)
    return caught.value


@pytest.mark.parametrize(("options", "flags", "message"), MISTAKES)
def test_a_mistaken_setting_is_the_same_error_from_every_entry_point(
    options: dict[str, Any],
    flags: list[str] | None,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    said = {
        name: str(_error_of(call, options))
        for name, call in _python_entry_points(monkeypatch).items()
    }
    assert all(text.startswith(message) for text in said.values()), said
    assert len(set(said.values())) == 1, said
    (tmp_path / "a.txt").write_text(SEED, encoding="utf-8")
    runner = CliRunner()
    for command in (
        ["summarize", str(tmp_path / "a.txt")],
        ["batch", str(tmp_path), "-o", str(tmp_path / "out.jsonl"), "--no-cache"],
    ):
        given = flags if flags is not None else ["--temprature", "0.2"]
        result = runner.invoke(app, [*command, *given])
        assert result.exit_code == 2, result.output
        if flags is not None:  # an unknown flag is the command line's own message
            assert f"ConfigurationError: {said['Summarizer']}" in " ".join(result.output.split())
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize(("options", "flags", "message"), BATCH_MISTAKES)
def test_a_mistaken_limit_is_the_same_error_from_every_batch_entry_point(
    options: dict[str, Any],
    flags: list[str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    calls = _python_entry_points(monkeypatch)
    said = {name: str(_error_of(calls[name], options)) for name in BATCHES}
    assert all(text.startswith(message) for text in said.values()), said
    assert len(set(said.values())) == 1, said
    (tmp_path / "a.txt").write_text(SEED, encoding="utf-8")
    for engine in ("inprocess", "ray"):
        output = str(tmp_path / "o.jsonl")
        command = ["batch", str(tmp_path), "-o", output, "--no-cache", "--engine", engine]
        result = CliRunner().invoke(app, [*command, *flags])
        assert result.exit_code == 2, result.output
        assert f"ConfigurationError: {said['summarize_articles']}" in result.output


def test_batch_options_that_do_not_go_together_are_configuration_errors() -> None:
    engine = Summarizer(api_key=TEST_API_KEY)
    with pytest.raises(ConfigurationError, match="not both"):
        summarize_articles([SEED], summarizer=engine, model="gpt-4.1")
    with pytest.raises(ConfigurationError, match="not both"):
        asummarize_articles([SEED], summarizer=engine, model="gpt-4.1")
    with pytest.raises(ConfigurationError, match="not both"):
        Summarizer(client=openai.OpenAI(api_key=TEST_API_KEY), base_url="http://127.0.0.1:9/v1")


def test_every_entry_point_takes_api_key_and_base_url() -> None:
    """One call each, to a loopback server named by ``base_url`` with the key given."""
    with FaultServer([GOOD], repeat_last=True) as server:
        options: dict[str, Any] = {"api_key": OTHER_KEY, "base_url": server.base_url}
        assert Summarizer(**options).summarize(SEED).speakers
        assert summarize_article(SEED, **options).speakers
        assert asyncio.run(asummarize_article(SEED, **options)).speakers
        assert all(r.ok for r in summarize_articles([SEED], **options))

        async def collect() -> list[Any]:
            return [r async for r in asummarize_articles([SEED], **options)]

        assert all(r.ok for r in asyncio.run(collect()))
    assert len(server.requests) == 5
    assert {h["authorization"] for h in server.headers} == {f"Bearer {OTHER_KEY}"}


# -- with_options follows a new endpoint or key -------------------------------------------


def test_with_options_base_url_sends_to_the_new_endpoint_and_caches_under_it(
    tmp_path: Path,
) -> None:
    with (
        FaultServer([GOOD], repeat_last=True) as first,
        FaultServer([GOOD], repeat_last=True) as second,
    ):
        cache = ResultCache(tmp_path / "cache")
        engine = Summarizer(api_key=TEST_API_KEY, base_url=first.base_url, cache=cache)
        assert engine.summarize(SEED).meta.cached is False  # type: ignore[union-attr]
        moved = engine.with_options(base_url=second.base_url)
        assert moved.summarize(SEED).meta.cached is False  # type: ignore[union-attr]
        assert moved.summarize(SEED).meta.cached is True  # type: ignore[union-attr]
        assert engine.summarize(SEED).meta.cached is True  # type: ignore[union-attr]
        assert moved.client().base_url.rstrip("/") == second.base_url
        engine.close()
        moved.close()
    assert len(first.requests) == 1
    assert len(second.requests) == 1


def test_with_options_api_key_sends_the_new_key() -> None:
    with FaultServer([GOOD], repeat_last=True) as server:
        engine = Summarizer(api_key=TEST_API_KEY, base_url=server.base_url)
        engine.summarize(SEED)
        with engine.with_options(api_key=OTHER_KEY) as other:
            other.summarize(SEED)
        engine.summarize(SEED)  # the first one keeps its own key and client
        engine.close()
    said = [h["authorization"] for h in server.headers]
    assert said == [f"Bearer {TEST_API_KEY}", f"Bearer {OTHER_KEY}", f"Bearer {TEST_API_KEY}"]


def test_with_options_refuses_a_new_endpoint_for_a_client_you_passed(tmp_path: Path) -> None:
    with (
        FaultServer([GOOD], repeat_last=True) as first,
        FaultServer([GOOD], repeat_last=True) as second,
    ):
        cache = ResultCache(tmp_path / "cache")
        mine = openai.OpenAI(api_key=TEST_API_KEY, base_url=first.base_url)
        engine = Summarizer(client=mine, cache=cache)
        changes: list[dict[str, Any]] = [{"base_url": second.base_url}, {"api_key": OTHER_KEY}]
        for change in changes:
            with pytest.raises(ConfigurationError, match="pass client= for another one"):
                engine.with_options(**change)
        engine.summarize(SEED)
        theirs = openai.OpenAI(api_key=TEST_API_KEY, base_url=second.base_url)
        moved = engine.with_options(client=theirs)
        assert moved.summarize(SEED).meta.cached is False  # type: ignore[union-attr]
        with pytest.raises(ConfigurationError, match="not both"):
            engine.with_options(client=theirs, base_url=second.base_url)
        mine.close()
        theirs.close()
    assert len(first.requests) == 1
    assert len(second.requests) == 1


# -- an optional setting can be set back to None -----------------------------------------


def test_replace_and_with_options_can_set_an_optional_back_to_none() -> None:
    settings = Settings(temperature=0.5, max_input_tokens=1000, prompt_version="v1")
    reset = settings.replace(temperature=None, max_input_tokens=None)
    assert reset.temperature is None and reset.max_input_tokens is None
    assert reset.prompt_version == "v1"  # what is not named stays
    engine = Summarizer(settings=settings)
    derived = engine.with_options(temperature=None, prompt_version=None)
    assert derived.settings.temperature is None and derived.settings.prompt_version is None
    assert "temperature" not in derived.request_body(SEED)
    assert derived.settings.max_input_tokens == 1000
    with pytest.raises(ConfigurationError, match="model must be a non-empty string"):
        settings.replace(model=None)  # a setting that has no "unset"
    with pytest.raises(ConfigurationError, match="unknown option 'temprature'"):
        engine.with_options(temprature=0.2)


# -- close() and aclose() close every client the summarizer built ------------------------


def test_close_closes_the_owned_async_client_too() -> None:
    with closed_port() as url:
        engine = Summarizer(api_key=TEST_API_KEY, base_url=url)
        built = [engine.client().client, engine.client(want_async=True).client]
        engine.close()
        assert all(client.is_closed() for client in built)
        again = [engine.client().client, engine.client(want_async=True).client]
        assert not any(client.is_closed() for client in again)  # rebuilt on demand
        asyncio.run(engine.aclose())
        assert all(client.is_closed() for client in again)


async def test_close_inside_the_event_loop_closes_the_async_client_used_there() -> None:
    with FaultServer([GOOD], repeat_last=True) as server:
        with Summarizer(api_key=TEST_API_KEY, base_url=server.base_url) as engine:
            await engine.asummarize(SEED)  # a pooled connection of this loop
            client = engine.client(want_async=True).client
        for _ in range(20):  # the close was scheduled on this loop
            if client.is_closed():
                break
            await asyncio.sleep(0.01)
        assert client.is_closed()


def test_close_leaves_a_client_you_passed_open() -> None:
    mine = openai.OpenAI(api_key=TEST_API_KEY)
    with Summarizer(client=mine) as engine:
        engine.client()
    assert not mine.is_closed()
    mine.close()


# -- the Batch API maps errors as the in-process path does -------------------------------

STATUSES = [
    (400, None),
    (400, "context_length_exceeded"),
    (401, None),
    (403, None),
    (404, None),
    (409, None),
    (429, None),
    (429, "insufficient_quota"),
    (500, None),
    (503, None),
]


def _error_body(status: int, code: str | None) -> dict[str, Any]:
    return {"error": {"message": f"status {status}", "type": "x", "param": None, "code": code}}


def _in_process(status: int, code: str | None) -> SummarizerError:
    def reply(request: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        return status, {"content-type": "application/json"}, _error_body(status, code)

    with FaultServer([reply]) as server:
        client = openai.OpenAI(api_key=TEST_API_KEY, base_url=server.base_url)
        with pytest.raises(SummarizerError) as caught:
            Summarizer(client=client, max_retries=0).summarize(SEED)
        client.close()
    return caught.value


class _FailingBatchAPI(FakeBatchAPI):
    """Fails the upload (``at="submit"``) or every request of the batch (``at="request"``)."""

    def __init__(self, status: int, code: str | None, at: str) -> None:
        super().__init__(polls_before_done=0)
        self.status, self.code, self.at = status, code, at

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        if self.at == "submit" and request.url.path == "/v1/files":
            headers = {"x-should-retry": "false"}  # the SDK's own retries would only wait
            return httpx2.Response(
                self.status, json=_error_body(self.status, self.code), headers=headers
            )
        response = super().handle(request)
        if self.at == "request" and request.url.path.endswith("/content"):
            rows = [json.loads(row) for row in response.content.decode().split("\n") if row]
            for row in rows:
                body = _error_body(self.status, self.code)
                row["response"] = {"status_code": self.status, "body": body}
            return httpx2.Response(200, content="".join(json.dumps(r) + "\n" for r in rows))
        return response


def _batch_api(status: int, code: str | None, at: str) -> SummarizerError:
    api = _FailingBatchAPI(status, code, at)
    http = httpx2.Client(transport=httpx2.MockTransport(api.handle))
    engine = Summarizer(client=openai.OpenAI(api_key=TEST_API_KEY, http_client=http))
    articles = [Article(id="seed", text=SEED)]
    if at == "submit":
        with pytest.raises(SummarizerError) as caught:
            submit_batch(engine, articles)
        return caught.value
    job = submit_batch(engine, articles)
    assert job.id == BATCH_ID
    [result] = collect_batch(engine, job.id, articles)
    assert result.error is not None
    return result.error


def _shape(error: SummarizerError) -> tuple[Any, ...]:
    if isinstance(error, ProviderError):
        return (ProviderError, error.status_code, error.retryable)
    return (type(error),)


@pytest.mark.parametrize(("status", "code"), STATUSES)
def test_the_batch_api_maps_errors_as_an_in_process_call_does(
    status: int, code: str | None
) -> None:
    expected = _shape(_in_process(status, code))
    assert _shape(_batch_api(status, code, "submit")) == expected
    assert _shape(_batch_api(status, code, "request")) == expected
    if status in (401, 403, 404):
        assert expected == (ConfigurationError,)
    elif code == "context_length_exceeded":
        assert expected == (InputError,)
    else:
        assert expected[0] is ProviderError
        assert expected[2] is (status != 400 and code != "insufficient_quota")


def test_an_async_client_on_the_batch_api_is_a_configuration_error() -> None:
    engine = Summarizer(client=openai.AsyncOpenAI(api_key=TEST_API_KEY))
    with pytest.raises(ConfigurationError, match="AsyncOpenAI"):
        submit_batch(engine, [Article(id="seed", text=SEED)])
    with pytest.raises(ConfigurationError, match="AsyncOpenAI"):
        engine.summarize(SEED)
