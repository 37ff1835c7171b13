"""Settings: one frozen, validated value, and the only place the environment is read.

A :class:`Settings` holds everything that decides what is sent and how hard the library
tries: model, prompt version, mode, retries, reasks, timeouts, the input budget, the
bounds on input size and the temperature. It is checked once, when it is made, so a bad
value fails before any request.
:meth:`Settings.from_env` reads the environment variables; nothing else in the package
calls ``os.environ``.

| variable | setting |
| --- | --- |
| ``OPENAI_API_KEY`` / ``OPENAI_BASE_URL`` | the default client's key and endpoint |
| ``SUMMARIZER_MODEL`` | ``model`` |
| ``SUMMARIZER_MODE`` | ``mode`` |
| ``SUMMARIZER_MAX_INPUT_TOKENS`` | ``max_input_tokens`` |
| ``SUMMARIZER_MAX_ARTICLE_CHARS`` | ``max_article_chars`` |
| ``SUMMARIZER_MAX_CHUNKS`` | ``max_chunks`` |
| ``SUMMARIZER_MAX_HTML_BYTES`` | ``max_html_bytes`` |
| ``SUMMARIZER_PASSES`` | ``passes`` |
| ``SUMMARIZER_CACHE_DIR`` | where :class:`~summarizer.ResultCache` keeps its database |
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

import instructor

from summarizer.errors import ConfigurationError

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "CACHE_DIR_ENV",
    "DEFAULT_MODEL",
    "MODES",
    "SETTING_NAMES",
    "Settings",
    "SettingsOptions",
    "cache_dir_from_env",
    "check_option_names",
    "over_limit",
]

DEFAULT_MODEL = "gpt-4.1-mini"
"""The model when none is given: inexpensive, with tool calling and structured outputs, and
not a reasoning model, so extraction is fast."""
API_KEY_ENV = "OPENAI_API_KEY"
BASE_URL_ENV = "OPENAI_BASE_URL"
MODEL_ENV = "SUMMARIZER_MODEL"
MODE_ENV = "SUMMARIZER_MODE"
MAX_INPUT_TOKENS_ENV = "SUMMARIZER_MAX_INPUT_TOKENS"
CACHE_DIR_ENV = "SUMMARIZER_CACHE_DIR"
MAX_ARTICLE_CHARS_ENV = "SUMMARIZER_MAX_ARTICLE_CHARS"
MAX_CHUNKS_ENV = "SUMMARIZER_MAX_CHUNKS"
MAX_HTML_BYTES_ENV = "SUMMARIZER_MAX_HTML_BYTES"
PASSES_ENV = "SUMMARIZER_PASSES"

_INTEGER_ENV = {
    "max_input_tokens": MAX_INPUT_TOKENS_ENV,
    "max_article_chars": MAX_ARTICLE_CHARS_ENV,
    "max_chunks": MAX_CHUNKS_ENV,
    "max_html_bytes": MAX_HTML_BYTES_ENV,
    "passes": PASSES_ENV,
}
"""The integer settings the environment may set, and their variables."""

_LIMIT_FLAGS = {
    "max_article_chars": "--max-article-chars",
    "max_chunks": "--max-chunks",
    "max_html_bytes": "--max-html-bytes",
    "max_requests": "--max-requests",
}
"""The command-line flag of each input bound, for the message that names how to raise it."""

DEFAULT_MAX_ARTICLE_CHARS = 1_000_000
"""About 165,000 English words (six characters a word, the space included). An eight-hour
hearing spoken at 150 words a minute is 72,000 words (about 430,000 characters), and a
long-form feature a fraction of that, so a real article or transcript fits with room to
spare; a runaway input (a site dumped into one file) is refused before it becomes hundreds
of requests."""

DEFAULT_MAX_CHUNKS = 64
"""Requests per article (one per chunk). The default model's chunks carry about 16,000
characters (its output limit allows 5,461 article tokens), so a 1,000,000-character English
article is 62 chunks: the two defaults agree for it. Models with a smaller output limit
(``gpt-4o-mini``: 2,730 tokens) reach this bound first, at about 490,000 characters."""

DEFAULT_MAX_HTML_BYTES = 5_000_000
"""HTML read before extraction: room for a news page heavy with inline scripts and state,
while trafilatura's time, which grows faster than the page (2 MB 1.1 s, 4 MB 3.3 s, 8 MB
11.3 s; a 37 MB page ran past 300 s using 1 GB), stays at seconds."""


MAX_PASSES = 2
"""Extraction passes per chunk: the first, and one that asks only for what it missed. A
third would have to show the model two answers at once, and nothing measured asks for it."""


MODES: dict[str, instructor.Mode] = {
    "tools": instructor.Mode.TOOLS,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "json": instructor.Mode.JSON,
    "md_json": instructor.Mode.MD_JSON,
}
"""Supported modes. ``tools`` (the default) is what OpenAI and local servers (llama.cpp,
vLLM, Ollama) all accept; ``json_schema`` sends ``response_format`` of type json_schema."""


def mode_name(mode: str | instructor.Mode) -> str:
    """The name of a supported mode, given by name or as an ``instructor.Mode``.

    Raises:
        ConfigurationError: The mode is not one of :data:`MODES`.
    """
    if isinstance(mode, instructor.Mode):
        for name, value in MODES.items():
            if value == mode:
                return name
        raise ConfigurationError(f"unsupported instructor mode {mode!r}; use one of {list(MODES)}")
    if mode not in MODES:
        raise ConfigurationError(f"unknown mode {mode!r}; use one of {list(MODES)}")
    return mode


def _positive_int(name: str, value: object, *, zero: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < (0 if zero else 1):
        bound = ">= 0" if zero else ">= 1"
        raise ConfigurationError(f"{name} must be an integer {bound}")


def check_option_names(given: Collection[str], accepted: Collection[str]) -> None:
    """Refuse an option no entry point knows, the same way wherever it was given.

    Raises:
        ConfigurationError: A name is not in ``accepted`` (the message suggests the nearest).
    """
    for name in given:
        if name not in accepted:
            near = difflib.get_close_matches(name, sorted(accepted), n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise ConfigurationError(f"unknown option {name!r}{hint}")


def over_limit(found: str, limit: int, setting: str) -> str:
    """The message of an input refused for its size: what was found, the limit, how to raise it.

    ``found`` states the size, such as ``"the article is 4,100,000 characters"``.
    """
    ways = [f"{setting}=", _INTEGER_ENV[setting]] if setting in _INTEGER_ENV else []
    ways.append(_LIMIT_FLAGS[setting])
    named = ", ".join(ways[:-1]) + " or " if len(ways) > 1 else ""
    return (
        f"{found}, over the limit of {limit:,}; nothing was sent. To allow it, raise the "
        f"limit: {named}{ways[-1]}"
    )


def _positive_seconds(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ConfigurationError(f"{name} must be a positive number of seconds")


@dataclass(frozen=True)
class Settings:
    """How a :class:`~summarizer.Summarizer` extracts: checked once, never changed.

    Attributes:
        model: Model name.
        prompt_version: Prompt version such as ``"v1"``; None for the latest released.
        mode: ``"tools"``, ``"json_schema"``, ``"json"`` or ``"md_json"``.
        max_retries: Transport retries per request (429, 5xx, timeouts, connection errors).
        max_reasks: Times the model is asked again when its answer fails validation.
        passes: Extraction passes per chunk: 1, or 2 for a second request that shows the
            model its first answer and asks only for what it missed (merged, for recall).
        timeout: Seconds allowed for one HTTP request.
        total_timeout: Seconds allowed for one call, retries and reasks included.
        max_retry_wait: The longest wait between two attempts, ``Retry-After`` included.
        max_input_tokens: Input budget per request; None for the model's known budget.
        temperature: From 0 to 2; sent only when set.
        chunk_concurrency: Chunks of one long article extracted at the same time.
        max_article_chars: The longest article accepted, in characters; a longer one is an
            ``InputError`` before any request.
        max_chunks: The most chunks (requests, before reasks and retries) one article may
            need; more is an ``InputError`` before any request.
        max_html_bytes: The largest HTML page read for its article text (the command
            line's inputs), checked before it is parsed.
        api_key: The default client's key (never shown in a repr).
        base_url: The default client's endpoint; None for OpenAI's.
    """

    model: str = DEFAULT_MODEL
    prompt_version: str | None = None
    mode: str = "tools"
    max_retries: int = 3
    max_reasks: int = 2
    passes: int = 1
    timeout: float = 120.0
    total_timeout: float = 600.0
    max_retry_wait: float = 30.0
    max_input_tokens: int | None = None
    temperature: float | None = None
    chunk_concurrency: int = 4
    max_article_chars: int = DEFAULT_MAX_ARTICLE_CHARS
    max_chunks: int = DEFAULT_MAX_CHUNKS
    max_html_bytes: int = DEFAULT_MAX_HTML_BYTES
    api_key: str | None = field(default=None, repr=False)
    base_url: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", mode_name(self.mode))
        if not isinstance(self.model, str) or not self.model:
            raise ConfigurationError("model must be a non-empty string")
        _positive_int("max_retries", self.max_retries, zero=True)
        _positive_int("max_reasks", self.max_reasks, zero=True)
        _positive_int("chunk_concurrency", self.chunk_concurrency)
        if isinstance(self.passes, bool) or self.passes not in range(1, MAX_PASSES + 1):
            raise ConfigurationError(f"passes (or {PASSES_ENV}) must be 1 or {MAX_PASSES}")
        for name in ("timeout", "total_timeout", "max_retry_wait"):
            _positive_seconds(name, getattr(self, name))
        if self.max_input_tokens is not None:
            _positive_int(f"max_input_tokens (or {MAX_INPUT_TOKENS_ENV})", self.max_input_tokens)
        for name in ("max_article_chars", "max_chunks", "max_html_bytes"):
            _positive_int(f"{name} (or {_INTEGER_ENV[name]})", getattr(self, name))
        if self.temperature is not None and (
            isinstance(self.temperature, bool)
            or not isinstance(self.temperature, int | float)
            or not 0 <= self.temperature <= 2
        ):
            raise ConfigurationError("temperature must be a number from 0 to 2")
        for name in ("api_key", "base_url"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value):
                raise ConfigurationError(f"{name} must be a non-empty string (or None)")

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        defaults: Mapping[str, Any] | None = None,
        **overrides: Any,
    ) -> Settings:
        """Settings read from the environment, with explicit values taking precedence.

        Precedence: explicit values (not None), then the environment, then ``defaults``
        (such as an instructor client's mode), then the built-in defaults.

        Raises:
            ConfigurationError: A value, from the environment or given, is invalid, or a
                name is not a setting.
        """
        check_option_names(overrides, SETTING_NAMES)
        env = os.environ if environ is None else environ
        given = {name: value for name, value in overrides.items() if value is not None}
        found: dict[str, Any] = {k: v for k, v in (defaults or {}).items() if v is not None}
        if model := env.get(MODEL_ENV):
            found["model"] = model
        if mode := env.get(MODE_ENV):
            found["mode"] = mode
        for name, variable in _INTEGER_ENV.items():
            if value := env.get(variable):
                try:
                    found[name] = int(value)
                except ValueError:
                    found[name] = -1  # reported by validation, naming the variable
        found["api_key"] = env.get(API_KEY_ENV) or None
        found["base_url"] = env.get(BASE_URL_ENV) or None
        return cls(**{**found, **given})

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied, validated.

        Only the settings named change; naming one with None sets it back to None
        (``temperature=None``: the model's default), where None is allowed.

        Raises:
            ConfigurationError: A name is not a setting, or a value is invalid.
        """
        check_option_names(changes, SETTING_NAMES)
        return dataclasses.replace(self, **changes)


SETTING_NAMES: frozenset[str] = frozenset(f.name for f in dataclasses.fields(Settings))
"""The options every entry point takes (``Summarizer``, the one-call and batch functions,
the Ray engine, the command line's flags): the fields of :class:`Settings`."""


class SettingsOptions(TypedDict, total=False):
    """The :class:`Settings` fields as keyword options, for type checkers.

    A value of None means "not given" here (the environment, else the default, decides);
    ``tests/test_options.py`` keeps these keys equal to the fields of :class:`Settings`.
    """

    model: str | None
    prompt_version: str | None
    mode: str | instructor.Mode | None
    max_retries: int | None
    max_reasks: int | None
    passes: int | None
    timeout: float | None
    total_timeout: float | None
    max_retry_wait: float | None
    max_input_tokens: int | None
    temperature: float | None
    chunk_concurrency: int | None
    max_article_chars: int | None
    max_chunks: int | None
    max_html_bytes: int | None
    api_key: str | None
    base_url: str | None


def cache_dir_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """The cache folder named by ``SUMMARIZER_CACHE_DIR``, if set."""
    env = os.environ if environ is None else environ
    return env.get(CACHE_DIR_ENV) or None
