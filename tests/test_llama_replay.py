"""Replay of a real llama.cpp peer (Gemma 3 270M, tools mode), offline.

``cassettes/llama_gemma3_270m_seed.yaml`` was recorded by ``python -m tests.record_llama``
from llama-cpp-python's server: genuine model output, not curated. What it shows:

- llama-cpp-python turns the forced tool call into a grammar, but its JSON grammar lets a
  raw newline into a string (``char ::= [^"\\]``), and the model writes one. Strict JSON
  rejects that; the library repairs exactly that defect (``json.loads(strict=False)``)
  instead of spending a reask on it (an earlier recording, before the repair, showed the
  reask could not help: the server's fallback chat format drops ``tool`` messages).
- The tiny base model then returns a schema-valid but nearly empty summary: no speakers, no
  quotes, a headline and summary made of article sentences. Grounding has nothing to reject
  (every verbatim claim is checked; an empty list makes none), so the call succeeds on the
  first request, with usage and prompt version in ``meta``. Completeness is a matter for
  evaluation against the gold annotations, not for validation.

The client's host and port do not matter: requests match on method, path and JSON body.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from summarizer import ArticleSummary, load_prompt
from tests.llama_server import MODEL_NAME
from tests.record_llama import CASSETTE, PROMPT_VERSION, run
from tests.recording import CASSETTES, ReadableJsonYaml, make_vcr
from tests.scenarios import SEED_ID, article

PATH = CASSETTES / f"{CASSETTE}.yaml"


def interactions() -> list[dict[str, Any]]:
    data: dict[str, Any] = ReadableJsonYaml.deserialize(PATH.read_text(encoding="utf-8"))
    recorded: list[dict[str, Any]] = data["interactions"]
    return recorded


def requests() -> list[dict[str, Any]]:
    return [json.loads(i["request"]["body"]) for i in interactions()]


def answers() -> list[dict[str, Any]]:
    return [json.loads(i["response"]["body"]["string"]) for i in interactions()]


def arguments(answer: dict[str, Any]) -> str:
    [call] = answer["choices"][0]["message"]["tool_calls"]
    text: str = call["function"]["arguments"]
    return text


@pytest.fixture
def outcome() -> Any:
    """Run the recording's configuration against the cassette (after clean_environ)."""
    assert PATH.exists(), "missing cassette: run python -m tests.record_llama"
    with make_vcr("none").use_cassette(CASSETTE) as cassette:
        result = run("http://127.0.0.1:8080/v1")
    assert cassette.all_played, f"{len(cassette.data)} recorded, {cassette.play_count} played"
    return result


def test_the_recording_is_real_model_output() -> None:
    [answer] = answers()
    assert answer["id"].startswith("chatcmpl-") and "curated" not in answer["id"]
    assert answer["model"] == MODEL_NAME
    assert answer["choices"][0]["finish_reason"] == "tool_calls"
    assert arguments(answer).startswith('{"headline": "The Russian leader said he had not')


def test_the_answer_is_json_only_with_raw_control_characters() -> None:
    """The one defect of the answer: a literal newline inside a JSON string."""
    [answer] = answers()
    text = arguments(answer)
    with pytest.raises(json.JSONDecodeError, match="Invalid control character"):
        json.loads(text)
    parsed = json.loads(text, strict=False)
    assert parsed["speakers"] == []
    assert "meet him.\n\n" in parsed["headline"]


def test_request_is_the_library_s_tools_mode_with_greedy_decoding() -> None:
    [body] = requests()
    assert body["model"] == MODEL_NAME
    assert body["temperature"] == 0.0
    assert body["tool_choice"] == {"type": "function", "function": {"name": "ArticleSummary"}}
    assert [t["function"]["name"] for t in body["tools"]] == ["ArticleSummary"]
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert body["messages"][-1]["content"].endswith(article(SEED_ID).rstrip("\n") + "\n</article>")


def test_outcome_is_a_valid_summary_with_meta(outcome: Any) -> None:
    assert isinstance(outcome, ArticleSummary)
    assert outcome.speakers == [] and outcome.quotes == []
    assert outcome.headline.startswith("The Russian leader said he had not spoken with Trump")
    assert outcome.meta is not None
    assert (outcome.meta.attempts, outcome.meta.reasks) == (1, 0)
    assert outcome.meta.model == MODEL_NAME
    assert outcome.meta.prompt_version == PROMPT_VERSION
    assert outcome.meta.prompt_sha256 == load_prompt(PROMPT_VERSION).sha256
    [answer] = answers()
    assert outcome.meta.usage.input_tokens == answer["usage"]["prompt_tokens"] == 788
    assert outcome.meta.usage.output_tokens == answer["usage"]["completion_tokens"] == 58
