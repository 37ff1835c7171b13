"""Record cassettes whose answers were written by a language model given only the request.

    python -m tests.record_written dev v2            # seeds/dev/gold.jsonl, prompt v2
    python -m tests.record_written story v2 --answers /tmp/lm_answers
    python -m tests.record_written real v2 --passes 2  # cassettes/real_v2_2pass.yaml

No live endpoint is reachable where this project is built. For prompt work and evaluation,
a capable language model is given the exact request body the library sends (system prompt,
schema, article; never the gold annotations) and asked to reply with exactly what the model
would return (the tool call's arguments). Those answers are recorded here, through the real
library, into ``cassettes/<set>_<version>.yaml``: the request side is what the library sends,
the response side is the written answer in OpenAI's wire format (ids ``chatcmpl-lmwritten-…``,
token counts estimated as characters / 4). They are not live API recordings.

Answers are looked up by the request body's hash: first in the existing cassette (so a
re-recording keeps them), then in ``--answers DIR`` (``<hash>.json`` files holding the tool
call's arguments). A request with no answer is written to ``--requests DIR`` as
``<hash>.json`` and the article is left unfinished; answer those, then run again (reasks
appear as new requests once the first answers are in).

With ``--passes 2`` the cassette is ``<set>_<version>_2pass.yaml``. Its first requests are
those of the one-pass cassette, whose answers are reused; each second-pass request (the
first answer and the follow-up message) is written to ``--requests DIR`` until answered.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import httpx2
import openai

from summarizer import Summarizer, SummarizerError
from summarizer._runs._sources import InputProblem, read_articles
from summarizer.evaluation import load_gold
from tests.recording import CASSETTES, SEEDS, ReadableJsonYaml, make_vcr
from tests.scenarios import TEST_API_KEY, answer

SETS = {
    "dev": SEEDS / "dev" / "gold.jsonl",
    "story": SEEDS / "story" / "gold.jsonl",
    "real": SEEDS / "real" / "gold.jsonl",
    "kremlin": SEEDS / "kremlin" / "pages",  # a folder of saved pages, read as `batch` reads it
}
WRITTEN_CASSETTES = (
    ("dev", "v1"),
    ("dev", "v2"),
    ("story", "v2"),
    ("real", "v2"),
    ("real", "v3"),
    ("real", "v4"),
    ("kremlin", "v3"),
    ("kremlin", "v4"),
)
"""The cassettes this command records: (set, prompt version) -> ``cassettes/<set>_<v>.yaml``."""
WRITTEN_TWO_PASS = (("real", "v3"), ("real", "v4"))
"""Sets also recorded with ``--passes 2``: ``cassettes/<set>_<v>_2pass.yaml``."""


def body_key(body: Any) -> str:
    """The hash that names a request body (canonical JSON)."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:20]


def recorded_answers(cassette: Path) -> dict[str, str]:
    """Request key -> the answer text already in a cassette."""
    if not cassette.exists():
        return {}
    data = ReadableJsonYaml.deserialize(cassette.read_text(encoding="utf-8"))
    found = {}
    for interaction in data["interactions"]:
        request = json.loads(interaction["request"]["body"])
        response = json.loads(interaction["response"]["body"]["string"])
        message = response["choices"][0]["message"]
        calls = message.get("tool_calls") or []
        found[body_key(request)] = (
            calls[0]["function"]["arguments"] if calls else message["content"]
        )
    return found


class WrittenEndpoint:
    """Answers each request with its written answer, or notes it as pending."""

    def __init__(self, known: dict[str, str], answers: Path, requests: Path) -> None:
        self.known, self.answers, self.requests = known, answers, requests
        self.pending: list[str] = []

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        key = body_key(body)
        text = self.known.get(key)
        stored = self.answers / f"{key}.json"
        if text is None and stored.exists():
            text = stored.read_text(encoding="utf-8").strip()
        if text is None:
            self.requests.mkdir(parents=True, exist_ok=True)
            (self.requests / f"{key}.json").write_text(
                json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8"
            )
            self.pending.append(key)
            error = {"error": {"message": f"no written answer yet: {key}", "type": "pending"}}
            return httpx2.Response(400, json=error)
        status, headers, payload = answer(text, key, origin="lmwritten")(body)
        return httpx2.Response(status, headers=headers, json=payload)

    def client(self) -> openai.OpenAI:
        transport = httpx2.MockTransport(self.handle)
        return openai.OpenAI(api_key=TEST_API_KEY, http_client=httpx2.Client(transport=transport))


def _articles(source: Path) -> list[Any]:
    """The set's articles: a gold JSONL file's, or a folder's as ``summarizer batch`` reads it."""
    if source.is_dir():
        read = list(read_articles(source))
        bad = [item for item in read if isinstance(item, InputProblem)]
        assert not bad, f"unreadable pages: {bad}"
        return read
    return list(load_gold(source))


def cassette_name(name: str, version: str, passes: int = 1) -> str:
    """The cassette of a set, prompt version and number of passes."""
    return f"{name}_{version}" + (f"_{passes}pass" if passes > 1 else "")


def run(name: str, version: str, answers: Path, requests: Path, passes: int = 1) -> int:
    cassette = CASSETTES / f"{cassette_name(name, version, passes)}.yaml"
    known = recorded_answers(CASSETTES / f"{cassette_name(name, version)}.yaml")  # first pass
    endpoint = WrittenEndpoint({**known, **recorded_answers(cassette)}, answers, requests)
    gold = _articles(SETS[name])
    summarizer = Summarizer(
        client=endpoint.client(), prompt_version=version, max_retries=0, passes=passes
    )
    outcomes: dict[str, str] = {}
    trial = cassette.with_suffix(".trial.yaml")
    trial.unlink(missing_ok=True)
    with make_vcr("all").use_cassette(trial.stem):
        for item in gold:
            try:
                summary = summarizer.summarize(item.text, published=item.published)
                outcomes[item.id] = f"ok ({summary.meta.reasks if summary.meta else '?'} reasks)"
            except SummarizerError as exc:
                outcomes[item.id] = f"{type(exc).__name__}: {str(exc)[:120]}"
    for ident, outcome in outcomes.items():
        print(f"{ident}: {outcome}")
    if endpoint.pending:
        trial.unlink(missing_ok=True)
        print(f"{len(endpoint.pending)} request(s) need an answer: see {requests}")
        return 1
    trial.replace(cassette)
    print(f"recorded {cassette.name}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set", choices=sorted(SETS))
    parser.add_argument("version")
    parser.add_argument("--answers", type=Path, default=Path("/tmp/lm_answers"))
    parser.add_argument("--requests", type=Path, default=Path("/tmp/lm_requests"))
    parser.add_argument("--passes", type=int, choices=(1, 2), default=1)
    args = parser.parse_args(argv)
    return run(args.set, args.version, args.answers, args.requests, args.passes)


if __name__ == "__main__":
    sys.exit(main())
