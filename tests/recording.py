"""Cassette configuration shared by the tests and the record command.

Cassettes are YAML with JSON bodies stored parsed, so a review sees the request the library
sends (prompt, schema, article) and the answer it got, not an escaped one-line string.
Requests are matched on method, path and the *parsed* JSON body: a change to the prompt, the
schema or any request parameter stops matching and fails loudly until re-recorded.
Secrets never reach a cassette: request auth headers and response cookies, organisation,
project and request-id headers are dropped when recording.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from vcr.config import VCR
from vcr.request import Request

ROOT = Path(__file__).resolve().parent.parent
CASSETTES = ROOT / "cassettes"
SEEDS = ROOT / "seeds"

REQUEST_HEADERS_DROPPED = [
    "authorization",
    "api-key",
    "x-api-key",
    "openai-organization",
    "openai-project",
    "cookie",
]
RESPONSE_HEADERS_DROPPED = {
    "set-cookie",
    "openai-organization",
    "openai-project",
    "x-request-id",
    "request-id",
    "cf-ray",
    "content-length",
    "date",
}


def _parse_json(text: Any) -> Any:
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    if not isinstance(text, str) or not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line strings, so prompts and articles read as text."""


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)


class ReadableJsonYaml:
    """A vcrpy serializer: YAML, with JSON request and response bodies kept parsed."""

    @staticmethod
    def serialize(cassette: dict[str, Any]) -> str:
        for interaction in cassette["interactions"]:
            request = interaction["request"]
            parsed = _parse_json(request.get("body"))
            if parsed is not None:
                del request["body"]
                request["body_json"] = parsed
            body = interaction["response"].get("body", {})
            parsed = _parse_json(body.get("string"))
            if parsed is not None:
                interaction["response"]["body"] = {"json": parsed}
        return yaml.dump(cassette, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)

    @staticmethod
    def deserialize(text: str) -> dict[str, Any]:
        cassette: dict[str, Any] = yaml.safe_load(text)
        for interaction in cassette["interactions"]:
            request = interaction["request"]
            if "body_json" in request:
                request["body"] = json.dumps(request.pop("body_json"))
            body = interaction["response"].get("body", {})
            if "json" in body:
                interaction["response"]["body"] = {"string": json.dumps(body["json"])}
        return cassette


_BOUNDARY = re.compile(rb"^--([A-Za-z0-9'()+_,./:=?-]{8,70})\r?\n")


def _comparable(body: Any) -> Any:
    """A body in a form that is equal for equal requests.

    JSON is compared parsed; a multipart upload with its random boundary replaced.
    """
    parsed = _parse_json(body)
    if parsed is not None:
        return parsed
    raw = body.encode("utf-8") if isinstance(body, str) else (body or b"")
    if match := _BOUNDARY.match(raw):
        raw = raw.replace(match.group(1), b"BOUNDARY")
    return raw


def json_body_matcher(r1: Request, r2: Request) -> None:
    """Match bodies by content: parsed JSON, or multipart with boundaries normalised."""
    assert _comparable(r1.body) == _comparable(r2.body), "request bodies differ"


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    response["headers"] = {
        k: v for k, v in response["headers"].items() if k.lower() not in RESPONSE_HEADERS_DROPPED
    }
    return response


def make_vcr(record_mode: str = "none") -> VCR:
    """The one VCR configuration: replay-only unless a record command asks otherwise."""
    recorder = VCR(
        cassette_library_dir=str(CASSETTES),
        serializer="readable",
        path_transformer=VCR.ensure_suffix(".yaml"),
        record_mode=record_mode,
        match_on=["method", "path", "json_body"],
        filter_headers=REQUEST_HEADERS_DROPPED,
        before_record_response=_scrub_response,
        decode_compressed_response=True,
    )
    recorder.register_serializer("readable", ReadableJsonYaml)
    recorder.register_matcher("json_body", json_body_matcher)
    return recorder
