"""The cassette scenarios: which article, which configuration, which curated answers.

No live model is reachable where this project is built, so each cassette's responses are
*curated*: written from a careful human reading of the article (the gold annotations in
``seeds/``), in OpenAI's exact chat-completions wire format. They are labelled as such in
the response itself (``id: chatcmpl-curated-...``, ``system_fingerprint: null``) and in
``cassettes/README.md``. Token counts in curated responses are estimates (characters / 4),
not a tokenizer's count.

The request side is never written by hand: ``python -m tests.record`` runs the library
itself, which sends its real requests into an in-process transport that answers with the
curated responses, while vcrpy records both sides.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.recording import SEEDS

SEED_ID = "000_b1ae88a56dec747e"
VISIT_ID = "001_scheduled_visit"
GERMAN_ID = "002_stadtrat_de"
TEST_API_KEY = "sk-test-not-a-real-key-0000000000000000"

Reply = Callable[[dict[str, Any]], tuple[int, dict[str, str], dict[str, Any]]]
"""A curated answer: request JSON in, (status, headers, body JSON) out."""


def article(seed_id: str) -> str:
    return (SEEDS / f"{seed_id}.txt").read_text(encoding="utf-8")


def gold(seed_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SEEDS / f"{seed_id}.gold.json").read_text("utf-8"))
    return data


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def answer(
    payload: dict[str, Any] | str,
    label: str,
    finish_reason: str | None = None,
    origin: str = "curated",
) -> Reply:
    """A 200 completion carrying ``payload`` as a tool call or as content, per the request.

    ``origin`` names where the answer came from in its ids (``chatcmpl-curated-…``,
    ``chatcmpl-lmwritten-…``), so a cassette says what it holds.
    """

    def reply(request: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        arguments = written_as_asked(payload, request)
        message: dict[str, Any] = {"role": "assistant", "refusal": None, "annotations": []}
        if request.get("tools"):
            name = request["tools"][0]["function"]["name"]
            message["content"] = None
            message["tool_calls"] = [
                {
                    "id": f"call_{origin}_{label}",
                    "type": "function",
                    "function": {"name": name, "arguments": arguments},
                }
            ]
            default_finish = "tool_calls"
        else:
            message["content"] = arguments
            default_finish = "stop"
        prompt_tokens = _estimate_tokens(json.dumps(request.get("messages", [])))
        prompt_tokens += _estimate_tokens(json.dumps(request.get("tools", [])))
        completion_tokens = _estimate_tokens(arguments)
        body = {
            "id": f"chatcmpl-{origin}-{label}",
            "object": "chat.completion",
            "created": 1764000000,
            "model": request["model"],
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": finish_reason or default_finish,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {
                    "reasoning_tokens": 0,
                    "audio_tokens": 0,
                    "accepted_prediction_tokens": 0,
                    "rejected_prediction_tokens": 0,
                },
            },
            "service_tier": "default",
            "system_fingerprint": None,
        }
        return 200, {"content-type": "application/json"}, body

    return reply


def asks_lean(request: dict[str, Any]) -> bool:
    """Whether a request asks for a lean answer shape (v2, v3: its schema has ``loaded_terms``)."""
    asked = {k: request.get(k) for k in ("tools", "response_format", "messages")}
    return '"loaded_terms"' in json.dumps(asked) or "loaded_terms" in json.dumps(asked)


def asks_v3(request: dict[str, Any]) -> bool:
    """Whether a request asks for prompt v3's shape (lean, and its quotes carry a ``cue``)."""
    asked = json.dumps({k: request.get(k) for k in ("tools", "response_format", "messages")})
    return asks_lean(request) and "reported clause without" in asked


def written_as_asked(payload: dict[str, Any] | str, request: dict[str, Any]) -> str:
    """A curated answer as the request asks for it.

    Curated answers are kept in the summary's own shape (the gold files); a request for the
    v2 shape gets the same annotation written that way (:func:`lean_from_gold`).
    """
    if isinstance(payload, str):
        return payload
    if "proposed_meetings" in payload and asks_lean(request):
        payload = lean_from_gold(payload, v3=asks_v3(request))
    return json.dumps(payload, ensure_ascii=False)


def error(status: int, message: str, kind: str, headers: dict[str, str] | None = None) -> Reply:
    """An error response in OpenAI's error format."""

    def reply(request: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        body = {"error": {"message": message, "type": kind, "param": None, "code": None}}
        return status, {"content-type": "application/json", **(headers or {})}, body

    return reply


def fabricated_seed() -> dict[str, Any]:
    """The seed's gold answer with Peskov's direct quote reworded: a near-miss fabrication."""
    data = gold(SEED_ID)
    data["quotes"][1]["text"] = "So far there have been no genuine impulses"
    return data


def schema_invalid_visit() -> dict[str, Any]:
    """The visit's gold answer with a status outside the vocabulary and a quote kind missing."""
    data = copy.deepcopy(gold(VISIT_ID))
    data["proposed_meetings"][0]["status"] = "planned"
    del data["quotes"][0]["kind"]
    return data


LONG_SEPARATOR = "\n\n* * *\n\n"
LONG_BUDGET = 400
"""``max_input_tokens`` for the long article: small enough to force four chunks."""


def long_article() -> str:
    """The three seed articles in one text, well over ``LONG_BUDGET``."""
    return LONG_SEPARATOR.join(article(s) for s in (SEED_ID, VISIT_ID, GERMAN_ID))


def sent_article(request: dict[str, Any]) -> str:
    """The article as sent in a request: between the prompt's delimiters."""
    content: str = request["messages"][-1]["content"]
    start = content.index("<article>\n") + len("<article>\n")
    return content[start : content.rindex("\n</article>")]


def gold_for_chunk(chunk: str) -> dict[str, Any]:
    """The gold annotations restricted to ``chunk``: what a careful reader of it would say.

    Every item whose verbatim strings are all in the chunk is kept; a speaker is kept when
    one of its forms is, under the first form the chunk uses (so a chunk that only says
    "Putin" names him "Putin", as a model reading it would); the headline and summary are
    those of the article the chunk keeps most items from.
    """
    from summarizer import locate_all, locate_quote

    def found(value: str | None) -> bool:
        return value is None or locate_quote(value, chunk) is not None

    result: dict[str, Any] = {"headline": "", "summary": "", "speakers": [], "quotes": []}
    result.update(positions=[], proposed_meetings=[], stances=[])
    result["framing"] = {"expressions": [], "tone": []}
    most = 0
    for seed_id in (SEED_ID, VISIT_ID, GERMAN_ID):
        data = gold(seed_id)
        renamed: dict[str, str] = {}
        for speaker in data["speakers"]:
            forms = [f for f in [speaker["name"], *speaker["aliases"]] if found(f)]
            if forms:
                renamed[speaker["name"]] = forms[0]
                result["speakers"].append({**speaker, "name": forms[0], "aliases": forms[1:]})

        def name(value: str | None, renamed: dict[str, str] = renamed) -> str | None:
            return renamed.get(value, value) if value else value

        quotes = [
            {**q, "speaker": renamed[q["speaker"]]}
            for q in data["quotes"]
            if q["speaker"] in renamed
            and (q["kind"] != "direct" or found(q["text"]))
            and found(q.get("evidence"))
        ]
        positions = [
            {**p, "actor": name(p["actor"])} for p in data["positions"] if found(p["evidence"])
        ]
        meetings = []
        for m in data["proposed_meetings"]:
            evidence = [e for e in m["evidence"] if found(e)]
            if evidence:
                meetings.append(
                    {
                        **m,
                        "evidence": evidence,
                        "participants": [name(p) for p in m["participants"]],
                        "proposed_by": name(m["proposed_by"]),
                    }
                )
        stances = [
            {**st, "holder": name(st["holder"]), "target": name(st["target"])}
            for st in data["stances"]
            if found(st["evidence"])
        ]
        expressions = [
            {**e, "refers_to": name(e["refers_to"])}
            for e in data["framing"]["expressions"]
            if locate_all(e["text"], chunk)
        ]
        tone = [
            {**t, "actor": renamed[t["actor"]]}
            for t in data["framing"]["tone"]
            if t["actor"] in renamed
        ]
        kept = sum(map(len, [quotes, positions, meetings, stances, expressions]))
        if kept > most:
            most, result["headline"], result["summary"] = kept, data["headline"], data["summary"]
        result["quotes"] += quotes
        result["positions"] += positions
        result["proposed_meetings"] += meetings
        result["stances"] += stances
        result["framing"]["expressions"] += expressions
        result["framing"]["tone"] += tone
    from summarizer._identity import unknown_names

    forms = [f for s in result["speakers"] for f in [s["name"], *s["aliases"]]]
    if unknown_names(f"{result['headline']} {result['summary']}", chunk, forms):
        # A careful reader of this part alone names only who is in it (only the first
        # chunk's headline and summary reach the merged result).
        result["headline"] = "Statements and meetings reported in this part of the article"
        result["summary"] = "This part reports statements by the people it quotes."
    return result


def chunk_answer(request: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
    """A curated answer to one chunk of the long article, whichever chunk is asked."""
    chunk = sent_article(request)
    offset = long_article().find(chunk)
    return answer(gold_for_chunk(chunk), f"long-chunk-at-{offset}")(request)


def long_chunk_count() -> int:
    from summarizer._chunking import split_article

    return len(split_article(long_article(), LONG_BUDGET))


@dataclass(frozen=True)
class Scenario:
    """One cassette: the article, the configuration and the curated answers in order."""

    name: str
    seed_id: str
    replies: Callable[[], list[Reply]]
    what: str
    live: bool = False
    """Whether a live endpoint can re-record it (a well-behaved model's first answer)."""
    options: dict[str, Any] = field(default_factory=dict)
    prompt_version: str = "v1"
    """The prompt these cassettes were recorded with (v1's: the summary's own shape)."""
    text: Callable[[], str] | None = None
    """The article, when it is not the seed's own text."""

    @property
    def settings(self) -> dict[str, Any]:
        """The Summarizer settings of the recording: its options and its prompt version."""
        return {"prompt_version": self.prompt_version, **self.options}

    def article(self) -> str:
        """The article this scenario summarises."""
        return self.text() if self.text is not None else article(self.seed_id)

    @property
    def cassette(self) -> Path:
        from tests.recording import CASSETTES

        return CASSETTES / f"{self.name}.yaml"


def _default_prompt_twin(stem: str, seed_id: str, tag: str) -> Scenario:
    """``<stem>_v3``'s curated answer under prompt v4, the default, which asks in v3's shape:
    what the README's example and ``summarizer summarize`` replay offline."""
    return Scenario(
        name=f"{stem}_v4",
        seed_id=seed_id,
        replies=lambda: [answer(gold(seed_id), f"{tag}-v4")],
        what=f"The {stem}_v3 answer under prompt v4 (the default; v3's answer shape).",
        live=True,
        prompt_version="v4",
    )


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in [
        Scenario(
            name="seed_article",
            seed_id=SEED_ID,
            replies=lambda: [answer(gold(SEED_ID), "seed")],
            what="The seed article, tools mode: Peskov, Putin, Trump, the proposed meeting, "
            "stances and the outlet's framing.",
            live=True,
        ),
        Scenario(
            name="seed_article_v2",
            seed_id=SEED_ID,
            replies=lambda: [answer(gold(SEED_ID), "seed-v2")],
            what="The seed article with prompt v2: the gold annotation written in v2's shape "
            "(anchors, quote references).",
            live=True,
            prompt_version="v2",
        ),
        Scenario(
            name="seed_article_v3",
            seed_id=SEED_ID,
            replies=lambda: [answer(gold(SEED_ID), "seed-v3")],
            what="The seed article with prompt v3: the gold annotation written in v3's shape "
            "(cues, reported speech by its content).",
            live=True,
            prompt_version="v3",
        ),
        Scenario(
            name="scheduled_visit",
            seed_id=VISIT_ID,
            replies=lambda: [answer(gold(VISIT_ID), "visit")],
            what="A scheduled visit with dates, inviter, agenda and a second, undated meeting.",
            live=True,
        ),
        Scenario(
            name="non_english_article",
            seed_id=GERMAN_ID,
            replies=lambda: [answer(gold(GERMAN_ID), "german")],
            what="A German article: verbatim fields in German (typographic „…“ quotes), "
            "free-text fields in English, dates resolved from 'am kommenden Montag'.",
            live=True,
        ),
        Scenario(
            name="scheduled_visit_v3",
            seed_id=VISIT_ID,
            replies=lambda: [answer(gold(VISIT_ID), "visit-v3")],
            what="The visit article with prompt v3: resolved dates, a place, an agenda, "
            "reported speech by its content, a caption-attributed quote.",
            live=True,
            prompt_version="v3",
        ),
        Scenario(
            name="non_english_article_v3",
            seed_id=GERMAN_ID,
            replies=lambda: [answer(gold(GERMAN_ID), "german-v3")],
            what="The German article with prompt v3: German cues and contents located in the "
            "article, a precondition, free text in English.",
            live=True,
            prompt_version="v3",
        ),
        _default_prompt_twin("seed_article", SEED_ID, "seed"),
        _default_prompt_twin("scheduled_visit", VISIT_ID, "visit"),
        _default_prompt_twin("non_english_article", GERMAN_ID, "german"),
        Scenario(
            name="seed_article_json_schema",
            seed_id=SEED_ID,
            replies=lambda: [answer(gold(SEED_ID), "seed-json-schema")],
            what="The seed article in json_schema mode: shows the response_format actually sent.",
            live=True,
            options={"mode": "json_schema"},
        ),
        Scenario(
            name="reask_ungrounded_quote",
            seed_id=SEED_ID,
            replies=lambda: [
                answer(fabricated_seed(), "fabricated-1"),
                answer(gold(SEED_ID), "seed-after-reask"),
            ],
            what="First answer rewords a direct quote; the library reasks naming it; the "
            "second answer is grounded.",
        ),
        Scenario(
            name="reask_schema_invalid",
            seed_id=VISIT_ID,
            replies=lambda: [
                answer(schema_invalid_visit(), "invalid-1"),
                answer(gold(VISIT_ID), "visit-after-reask"),
            ],
            what="First answer has a status outside the vocabulary and a quote without kind; "
            "reask with the validation errors; the second answer is valid.",
        ),
        Scenario(
            name="fabrication_every_attempt",
            seed_id=SEED_ID,
            replies=lambda: [answer(fabricated_seed(), f"fabricated-{i}") for i in (1, 2, 3)],
            what="The model repeats a fabricated quote on every attempt: ExtractionError "
            "after the two reasks.",
        ),
        Scenario(
            name="rate_limited_then_ok",
            seed_id=VISIT_ID,
            replies=lambda: [
                error(
                    429,
                    "Rate limit reached for requests. Please try again in 1s.",
                    "requests",
                    {"retry-after": "1"},
                ),
                answer(gold(VISIT_ID), "visit-after-429"),
            ],
            what="HTTP 429 with Retry-After: 1, then success on the transport retry.",
        ),
        Scenario(
            name="long_article_chunked",
            seed_id=SEED_ID,
            replies=lambda: [chunk_answer] * long_chunk_count(),
            what="The three seed articles in one text, over a 400-token input budget: four "
            "chunks with one-sentence overlaps, each answered with the gold restricted to it.",
            options={"max_input_tokens": LONG_BUDGET},
            text=long_article,
        ),
    ]
}


def _anchor(passage: str, words: int = 8) -> str:
    """A passage as prompt v2 asks for it: verbatim when short, else first ... last words."""
    parts = passage.split()
    if len(parts) <= words:
        return passage
    return " ".join(parts[:3]) + " ... " + " ".join(parts[-3:])


def _compact(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if v not in (None, "", [])}


def _lean_quote(q: dict[str, Any], v3: bool) -> dict[str, Any]:
    """One gold quote as v2 asks (reported: its passage, a gist if not English) or v3 asks
    (reported: its content; every quote: its cue)."""
    quote = _compact({"by": q["speaker"], "kind": q["kind"], "said_on": q.get("said_on")})
    if q["kind"] == "direct":
        quote["text"] = q["text"]
        del quote["kind"]
    elif v3:
        quote["text"] = _anchor(q["content"])
    else:
        quote["text"] = _anchor(q["evidence"])
        if not q["evidence"].isascii():
            quote["gist"] = q["text"]
    if v3 and q.get("cue"):
        quote["cue"] = q["cue"]
    return quote


def _lean_speaker(s: dict[str, Any], v3: bool) -> dict[str, Any]:
    """One gold speaker: v2 folds role, affiliation and country into one role; v3 keeps them."""
    kept = {"name": s["name"], "kind": s.get("kind"), "aliases": s.get("aliases")}
    if v3:
        return _compact({**kept, **{k: s.get(k) for k in ("role", "affiliation", "country")}})
    role = ", ".join(x for x in (s.get("role"), s.get("affiliation"), s.get("country")) if x)
    return _compact({**kept, "role": role})


def lean_from_gold(data: dict[str, Any], v3: bool = False) -> dict[str, Any]:
    """A gold annotation (summary schema) written the way prompt v2 (or v3) asks: the
    curated lean answer.

    Evidence becomes anchors; a stance whose evidence is a quote's passage cites the quote by
    index and carries the position of its holder with the same evidence; positions without
    a stance become stances toward their topic, "neutral"; absent and empty fields are left
    out. v2: role, affiliation and country become one role, reported speech is given by its
    passage. v3: they stay apart, reported speech is given by its content (the gold's
    ``content``), and every quote carries its cue.
    """
    compact = _compact
    quotes = [_lean_quote(q, v3) for q in data["quotes"]]
    passages = [
        q["text"] if q["kind"] == "direct" else q.get("evidence") or "" for q in data["quotes"]
    ]

    def cited(evidence: str) -> dict[str, Any]:
        for index, passage in enumerate(passages):
            if evidence and (evidence in passage or passage in evidence):
                return {"quote": index}
        return {"evidence": _anchor(evidence)}

    positions = list(data["positions"])
    stances = []
    for s in data["stances"]:
        same = next((p for p in positions if p["evidence"] == s["evidence"]), None)
        if same is not None:
            positions.remove(same)
        stance = compact({k: s[k] for k in ("holder", "target", "polarity")})
        stance["position"] = same["position"] if same else None
        stances.append(compact({**stance, **cited(s["evidence"])}))
    for p in positions:
        stance = {"holder": p["actor"], "target": p["topic"], "polarity": "neutral"}
        stances.append({**stance, "position": p["position"], **cited(p["evidence"])})
    return compact(
        {
            "headline": data["headline"],
            "summary": data["summary"],
            "speakers": [_lean_speaker(s, v3) for s in data["speakers"]],
            "quotes": quotes,
            "stances": stances,
            "meetings": [
                compact(
                    {
                        "who": m["participants"],
                        "by": m.get("proposed_by"),
                        "status": m["status"],
                        "why": m.get("status_reason"),
                        "when": m.get("timeframe"),
                        "from": m.get("date_from"),
                        "to": m.get("date_to"),
                        "where": m.get("location"),
                        "agenda": m.get("agenda"),
                        "conditions": m.get("preconditions"),
                        "evidence": [_anchor(e) for e in m["evidence"]],
                    }
                )
                for m in data["proposed_meetings"]
            ],
            "loaded_terms": [
                {"text": e["text"], "about": e["refers_to"]} for e in data["framing"]["expressions"]
            ],
            "tone": data["framing"]["tone"],
        }
    )
