"""The request: its fixed part built once per configuration, the article added per call.

instructor knows how each mode asks for structured output (tools and ``tool_choice``, a
``response_format``, or the schema in the system message), how to read the answer back,
and how to word a reask. Those are used here, through its mode handlers, once per
configuration: the schema is generated and the message templates are compiled when the
:class:`RequestTemplate` is made. Per call only the article is rendered into the compiled
templates, exactly as instructor renders them (sandboxed Jinja, then ``textwrap.dedent``), so
the bytes sent are those of ``instructor.patch(...)(**request)`` and template syntax in an
article stays inert text.

The article sits between ``<article>`` and ``</article>`` in the user message. A tag of that
name inside the article would close (or reopen) the data block early, putting the rest of
the article outside it; so what is sent has a zero-width space after the ``<`` of every such
tag (:func:`inert_delimiters`). Only the request changes: answers are validated against the
caller's own text, and grounding ignores zero-width spaces, so a quote copied with or without
one is found at its place. An ordinary article is sent byte for byte.

An :class:`Exchange` is one extraction: the current request body, and what to do with
each answer (a summary, or the next body when the answer must be reasked).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from textwrap import dedent
from typing import Any

import pydantic
from instructor.v2 import mode_registry
from instructor.v2.core.errors import ResponseParsingError
from instructor.v2.core.providers import Provider
from jinja2 import Template
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel

from summarizer._article import PreparedArticle
from summarizer._client import redact
from summarizer._lean import LeanSummary, lean_json_schema
from summarizer._lean_v3 import LeanSummaryV3, lean_v3_json_schema
from summarizer._models import estimate_tokens
from summarizer._prompts import Prompt
from summarizer._settings import MODES
from summarizer._summary import KNOWN_SPEAKERS, Speaker
from summarizer._transport import CallRecorder
from summarizer.errors import ConfigurationError, ExtractionError
from summarizer.schema import Answer, ArticleSummary

__all__ = [
    "PARSE_ERRORS",
    "Exchange",
    "RequestTemplate",
    "answer_shape",
    "inert_delimiters",
    "validation_errors",
]

PARSE_ERRORS = (pydantic.ValidationError, json.JSONDecodeError, ResponseParsingError)
"""What an answer can fail with that a reask may fix (instructor's own list)."""


# An opening or closing tag named "article", however spaced or cased: "</article>",
# "< / ARTICLE >", "<article id=1>".
_DELIMITER_TAG = re.compile(r"<(?=\s*/?\s*article\b)", re.IGNORECASE)
_ZERO_WIDTH_SPACE = "\u200b"


def inert_delimiters(text: str) -> str:
    """``text`` with every ``<article>``/``</article>`` tag broken by a zero-width space.

    What the prompt's delimiters hold cannot end them: ``</article>`` is sent as
    ``<\u200b/article>``. Nothing else changes.
    """
    return _DELIMITER_TAG.sub("<" + _ZERO_WIDTH_SPACE, text)


def validation_errors(exc: Exception) -> list[dict[str, Any]]:
    """Pydantic's errors, without the input (the model's whole answer) or links."""
    if not isinstance(exc, pydantic.ValidationError):
        return []
    return [
        {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
        for e in exc.errors(include_url=False, include_input=False, include_context=False)
    ]


def _first_messages(errors: list[dict[str, Any]], limit: int = 400) -> str:
    """The first validation messages on one line, for an error message."""
    text = "; ".join(" ".join(str(e["msg"]).split()) for e in errors[:3])
    return text if len(text) <= limit else text[: limit - 1] + "…"


_LEAN_ANSWERS: dict[str, tuple[type[BaseModel], Callable[[], dict[str, Any]]]] = {
    "lean": (LeanSummary, lean_json_schema),
    "lean_v3": (LeanSummaryV3, lean_v3_json_schema),
}
"""The compact answer shapes: the model that reads each and its JSON schema."""


def answer_shape(
    prompt: Prompt, schema: type[ArticleSummary]
) -> tuple[type[BaseModel], dict[str, Any]]:
    """The model that reads the prompt's answers, and the JSON schema sent for them.

    ``answer: summary`` is read by the result schema itself (yours, with ``schema=``);
    ``answer: lean`` and ``lean_v3`` by the compact v2 and v3 models, which expand into
    the package's schema only. A frozen schema beside a prompt is sent when the prompt was
    written for the schema in use: the package's prompts for the package's schema, yours always (you
    froze it); otherwise the schema is generated from the model.

    Raises:
        ConfigurationError: A ``lean`` prompt with a schema of your own.
    """
    lean = _LEAN_ANSWERS.get(prompt.spec.answer)
    if lean is not None:
        if schema is not ArticleSummary:
            raise ConfigurationError(
                f"prompt {prompt.id}/{prompt.version} answers in the lean shape, which reads "
                "the package's schema only: use a prompt whose answer is 'summary'",
                prompt_version=prompt.version,
            )
        answer_model, generated = lean
    else:
        answer_model, generated = schema, schema.model_json_schema
    frozen = prompt.schema if prompt.own or schema is ArticleSummary else None
    return answer_model, frozen or generated()


def _schema_stand_in(schema: dict[str, Any]) -> type[BaseModel]:
    """A model class whose JSON schema is ``schema``: instructor builds the request from it.

    The class carries the schema's title as its name (the tool's name, the json_schema
    format's name), so a frozen schema is sent exactly as it was released.
    """

    def model_json_schema(cls: type[BaseModel], *args: Any, **kwargs: Any) -> dict[str, Any]:
        return copy.deepcopy(schema)

    namespace = {
        "__doc__": schema.get("description"),
        "model_json_schema": classmethod(model_json_schema),
    }
    return type(str(schema["title"]), (BaseModel,), namespace)


class RequestTemplate:
    """Everything of a request that does not depend on the article, prepared once.

    Args:
        prompt: The prompt whose messages are sent.
        mode: A name from :data:`summarizer._settings.MODES`.
        model: The model name sent.
        temperature: Sent only when not None.
        schema: The result schema (:class:`ArticleSummary` or a subclass of yours).

    Raises:
        ConfigurationError: The prompt's answer shape cannot read ``schema``.
    """

    def __init__(
        self,
        prompt: Prompt,
        mode: str,
        model: str,
        temperature: float | None = None,
        schema: type[ArticleSummary] = ArticleSummary,
    ) -> None:
        self.handlers = mode_registry.get_handlers(Provider.OPENAI, MODES[mode])
        self.answer_model, self.schema = answer_shape(prompt, schema)
        kwargs: dict[str, Any] = {"model": model, "messages": prompt.messages()}
        if temperature is not None:
            kwargs["temperature"] = temperature
        # The mode's request part (tools, response_format or schema text), generated once
        # from the schema that is sent; answers are parsed by the answer model itself.
        _, fixed = self.handlers.request_handler(
            response_model=_schema_stand_in(self.schema), kwargs=kwargs
        )
        if self.handlers.message_converter is not None:
            fixed["messages"] = self.handlers.message_converter(
                fixed["messages"], autodetect_images=False
            )
        environment = SandboxedEnvironment()
        self._messages: list[tuple[dict[str, Any], Template]] = [
            (message, environment.from_string(message["content"])) for message in fixed["messages"]
        ]
        self._fixed = fixed  # its key order is the wire order: "messages" is replaced in place
        rest = {key: value for key, value in fixed.items() if key != "messages"}
        self.fixed_tokens = estimate_tokens(json.dumps(rest, ensure_ascii=False))
        """Estimated tokens of the request's fixed part besides its messages (the schema)."""

    @staticmethod
    def context(article: PreparedArticle) -> dict[str, str]:
        """The template and validation context of one article."""
        published = article.published.isoformat() if article.published else "unknown"
        return {"article": article.text, "published": published}

    def body(self, article: PreparedArticle) -> dict[str, Any]:
        """The chat-completions request body for ``article`` (its delimiters made inert)."""
        context = {**self.context(article), "article": inert_delimiters(article.text)}
        messages = [
            {**message, "content": dedent(template.render(**context))}
            for message, template in self._messages
        ]
        return {**self._fixed, "messages": messages}

    def parse(
        self, completion: Any, article: PreparedArticle, known: Sequence[Speaker] = ()
    ) -> ArticleSummary:
        """The grounded summary in ``completion``.

        ``known``: speakers an earlier answer about ``article`` listed, which this one may
        name without listing them (a second pass).

        Raises:
            pydantic.ValidationError: The answer breaks the schema or is not grounded.
            json.JSONDecodeError, ResponseParsingError: The answer is not readable JSON.
        """
        parsed = self.handlers.response_parser(
            response=completion,
            response_model=self.answer_model,
            validation_context={**self.context(article), KNOWN_SPEAKERS: known},
            strict=False,
            stream=False,
            is_async=False,
        )
        if not isinstance(parsed, Answer):  # pragma: no cover - instructor contract
            raise ExtractionError("the model's answer did not parse as an answer")
        parsed.__dict__.pop("_raw_response", None)  # instructor's back-reference: not ours to keep
        return parsed.to_summary()

    def reask(self, body: dict[str, Any], completion: Any, exc: Exception) -> dict[str, Any]:
        """The next request body: the conversation so far and what was wrong."""
        again = {**body, "messages": list(body["messages"])}
        result: dict[str, Any] = self.handlers.reask_handler(
            kwargs=again, response=completion, exception=exc
        )
        return result


@dataclass
class Exchange:
    """One extraction of one article (or chunk): the body to send, and each answer's fate.

    Attributes:
        template: The request template.
        article: What is extracted.
        max_reasks: How many times an invalid answer is reasked.
        secret: The API key, kept out of every message.
        recorder: Counts requests, answers and tokens of this extraction.
        known: Speakers an earlier answer listed (see :meth:`RequestTemplate.parse`).
        answer: The accepted completion, once there is one.
    """

    template: RequestTemplate
    article: PreparedArticle
    max_reasks: int
    secret: str | None = None
    recorder: CallRecorder = field(default_factory=CallRecorder)
    known: Sequence[Speaker] = ()
    body: dict[str, Any] = field(init=False)
    answer: Any = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.body = self.template.body(self.article)

    def input_tokens(self) -> int:
        """Estimated input tokens of the next request (:attr:`body`)."""
        messages = json.dumps(self.body["messages"], ensure_ascii=False, default=str)
        return self.template.fixed_tokens + estimate_tokens(messages)

    def accept(self, completion: Any) -> ArticleSummary | None:
        """The summary in ``completion``, or None when :attr:`body` is now the reask.

        Raises:
            ExtractionError: The answer is invalid and no reask is left.
        """
        try:
            summary = self.template.parse(completion, self.article, self.known)
        except PARSE_ERRORS as exc:
            if self.recorder.responses > self.max_reasks:
                raise self.invalid(exc) from exc
            self.body = self.template.reask(self.body, completion, exc)
            return None
        self.answer = completion
        return summary

    def invalid(self, exc: Exception) -> ExtractionError:
        """The error for an answer that stayed invalid."""
        errors = validation_errors(exc)
        first = _first_messages(errors) or str(exc)
        return ExtractionError(
            redact(
                f"the model's answer was still invalid after {self.recorder.responses} "
                f"answer(s) and {self.recorder.attempts} request(s): {first}",
                self.secret,
            ),
            kind="invalid",
            last_raw_output=self.recorder.last_raw_output,
            validation_errors=errors,
            attempts=self.recorder.attempts,
            usage=self.recorder.usage,
        )
