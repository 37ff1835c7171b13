"""A second pass for recall (``passes=2``): the model sees its answer and adds what it missed.

The second request is the first request's system and article messages, then the accepted
first answer as the model gave it (compact JSON: its tool call in ``tools`` mode, its message
content otherwise), then the follow-up message of ``prompts/second_pass`` (a versioned prompt
like the others). In ``tools`` mode that message is the tool call's result, since every tool
call needs one; otherwise it is a user message. The request asks in the same schema as the
first, so the answer is read in the prompt's own shape (a v2 answer's pointers expanded).

Its answer goes through the same validation, grounding and reasks as any answer, with the
first answer's speakers known: a quote by a speaker the first answer listed resolves to
that speaker (see ``_summary.KNOWN_SPEAKERS``). The two answers, both about the same text,
are then merged as chunks are (:func:`~summarizer._chunking.merge_chunks`): speakers by
identity, quotes and the other located items by their keys and overlapping spans, meetings
by meeting identity. An item the second answer repeats is kept once; every span is located.

A long article gets its passes chunk by chunk; the chunks then merge as usual. The Batch
API sends every request at once and cannot wait for a first answer: it is refused.
"""

from __future__ import annotations

import json
from typing import Any

from summarizer._chunking import merge_chunks
from summarizer._prompts import FollowUp
from summarizer._request import Exchange
from summarizer._transport import CallRecorder
from summarizer.errors import ConfigurationError
from summarizer.schema import ArticleSummary

__all__ = ["compact_json", "follow_up_messages", "merge_passes", "refuse_batch_api", "second_pass"]

PassOutcome = tuple[ArticleSummary, CallRecorder]
"""One pass's summary and what it took (the pipeline's ``Outcome``)."""


def compact_json(text: str) -> str:
    """JSON text without insignificant whitespace; any other text as it is."""
    try:
        return json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"))
    except (ValueError, RecursionError):
        return text


def follow_up_messages(completion: Any, message: str) -> list[dict[str, Any]]:
    """The first answer as the assistant gave it, then ``message`` asking for what it missed."""
    answer = completion.choices[0].message
    calls = getattr(answer, "tool_calls", None) or []
    if not calls:
        return [
            {"role": "assistant", "content": compact_json(answer.content or "")},
            {"role": "user", "content": message},
        ]
    call = calls[0]  # the one that was read as the answer
    assistant = {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "id": call.id,
                "type": "function",
                "function": {
                    "name": call.function.name,
                    "arguments": compact_json(call.function.arguments),
                },
            }
        ],
    }
    return [assistant, {"role": "tool", "tool_call_id": call.id, "content": message}]


def second_pass(first: Exchange, summary: ArticleSummary, prompt: FollowUp) -> Exchange:
    """The second extraction of what ``first`` extracted, after its accepted answer.

    It has its own recorder and reask budget; ``summary`` (the first answer) gives the
    speakers it may name without listing them.
    """
    second = Exchange(
        first.template,
        first.article,
        first.max_reasks,
        first.secret,
        known=tuple(summary.speakers),
    )
    opening = first.template.body(first.article)  # the first request, before any reask
    extra = follow_up_messages(first.answer, prompt.spec.message)
    second.body = {**opening, "messages": [*opening["messages"], *extra]}
    return second


def merge_passes(first: PassOutcome, second: PassOutcome, text: str) -> PassOutcome:
    """One outcome of two passes over ``text``: the answers merged, their counts summed."""
    merged = merge_chunks([first[0], second[0]], text)
    return merged, first[1] + second[1]


def refuse_batch_api(passes: int) -> None:
    """Refuse answers obtained elsewhere (the Batch API) when a second pass is asked for.

    Raises:
        ConfigurationError: ``passes`` is over 1.
    """
    if passes > 1:
        raise ConfigurationError(
            f"passes={passes} needs the first answer before the second request, which the "
            "Batch API cannot give (it sends every request at once): use in-process batches "
            "(--via inprocess), or passes=1"
        )
