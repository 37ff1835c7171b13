"""Client construction: an explicit client, or a lazy default from the environment.

The caller may pass a plain ``openai.OpenAI`` / ``openai.AsyncOpenAI`` (any
OpenAI-compatible ``base_url`` works) or an instructor client wrapping one. With none, a
client is built on first use from the settings' key and endpoint (``OPENAI_API_KEY`` /
``OPENAI_BASE_URL``, read by :meth:`summarizer._settings.Settings.from_env`). Whatever the
source, the library talks through a copy made with ``max_retries=0``: transport retries
are this library's job (tenacity), and two retry layers would multiply the attempts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import instructor
import openai

from summarizer._settings import API_KEY_ENV, BASE_URL_ENV, Settings
from summarizer.errors import ConfigurationError

__all__ = ["OPENAI_BASE_URL", "ResolvedClient", "base_url_of", "redact", "resolve_client"]

OPENAI_BASE_URL = "https://api.openai.com/v1"
"""Where the default client sends requests when no base URL is set."""

_KEY_LIKE = re.compile(r"(sk-[A-Za-z0-9*_\-]{6,}|Bearer\s+[A-Za-z0-9._\-*]{8,})")


def redact(text: str, secret: str | None = None) -> str:
    """Remove the API key, and anything shaped like one, from ``text``."""
    if secret and len(secret) >= 4:
        text = text.replace(secret, "[REDACTED]")
    return _KEY_LIKE.sub("[REDACTED]", text)


@dataclass(frozen=True)
class ResolvedClient:
    """The openai client the library sends through, and what it came with."""

    client: openai.OpenAI | openai.AsyncOpenAI
    mode: instructor.Mode | None
    """The mode of an instructor client the caller passed, if any."""

    @property
    def is_async(self) -> bool:
        return isinstance(self.client, openai.AsyncOpenAI)

    @property
    def api_key(self) -> str | None:
        key = getattr(self.client, "api_key", None)
        return key if isinstance(key, str) else None

    @property
    def base_url(self) -> str:
        return str(self.client.base_url)


def _unwrap(client: Any) -> tuple[Any, instructor.Mode | None]:
    if isinstance(client, instructor.Instructor | instructor.AsyncInstructor):
        return client.client, client.mode
    return client, None


def base_url_of(client: Any, settings: Settings) -> str | None:
    """The base URL requests will go to, known without building a client or needing a key.

    None for an object that is not an OpenAI client (:func:`resolve_client` refuses it).
    """
    if client is None:
        return settings.base_url or OPENAI_BASE_URL
    raw, _ = _unwrap(client)
    if not isinstance(raw, openai.OpenAI | openai.AsyncOpenAI):
        return None
    return str(raw.base_url)


def resolve_client(client: Any, settings: Settings, *, want_async: bool) -> ResolvedClient:
    """Return the client to send through, configured with our timeout and no SDK retries.

    Raises:
        ConfigurationError: No client and no key in the settings, or an object that is not
            an OpenAI client.
    """
    timeout = settings.timeout
    if client is None:
        if not settings.api_key:
            raise ConfigurationError(
                f"no API key: set {API_KEY_ENV} (and {BASE_URL_ENV} for an "
                "OpenAI-compatible server), or pass client=openai.OpenAI(...)"
            )
        cls = openai.AsyncOpenAI if want_async else openai.OpenAI
        return ResolvedClient(
            cls(
                api_key=settings.api_key,
                base_url=settings.base_url,
                max_retries=0,
                timeout=timeout,
            ),
            None,
        )
    raw, mode = _unwrap(client)
    if not isinstance(raw, openai.OpenAI | openai.AsyncOpenAI):
        raise ConfigurationError(
            "client must be openai.OpenAI, openai.AsyncOpenAI or an instructor client "
            f"wrapping one, got {type(client).__name__}"
        )
    return ResolvedClient(raw.with_options(max_retries=0, timeout=timeout), mode)
