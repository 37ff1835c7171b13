from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import openai
import pytest

from tests.recording import make_vcr
from tests.scenarios import SCENARIOS, TEST_API_KEY

ENV_VARS = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "SUMMARIZER_MODEL",
    "SUMMARIZER_MODE",
    "SUMMARIZER_MAX_INPUT_TOKENS",
    "SUMMARIZER_MAX_ARTICLE_CHARS",
    "SUMMARIZER_MAX_CHUNKS",
    "SUMMARIZER_MAX_HTML_BYTES",
    "SUMMARIZER_PASSES",
)


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the developer's key, endpoint or model settings."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def replay() -> Any:
    """Replay a scenario's cassette; fail if any recorded interaction is left unplayed."""

    @contextmanager
    def play(name: str) -> Iterator[Any]:
        scenario = SCENARIOS[name]
        assert scenario.cassette.exists(), f"missing cassette: run python -m tests.record {name}"
        with make_vcr("none").use_cassette(name) as cassette:
            yield cassette
        assert cassette.all_played, f"{name}: {len(cassette.data)} recorded, not all played"

    return play


@pytest.fixture
def replay_client() -> openai.OpenAI:
    """A client for the default endpoint with a fake key: cassettes answer for it."""
    return openai.OpenAI(api_key=TEST_API_KEY)


@pytest.fixture
def caplog_debug(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog
