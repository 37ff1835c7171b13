"""The one exception hierarchy of the library.

```
SummarizerError                 base: catch this to catch everything the library raises
├── ConfigurationError          the caller's setup: missing or rejected key, unknown prompt
│                               version or mode, malformed prompt file
├── InputError                  the caller's input: not text, empty, malformed date
├── ProviderError               the world: the endpoint failed (HTTP status, connection,
│                               timeout) and retries did not help
└── ExtractionError             the world: the model's output stayed invalid (schema,
                                grounding, truncation, refusal) after the bounded reasks
```

Errors carry their context as attributes, never only in the message. No exception from
openai, instructor, tenacity or pydantic leaves the public API unwrapped: the original is
kept as ``__cause__``. Messages never contain the API key.
"""

from __future__ import annotations

from typing import Any

from summarizer._meta import Usage

__all__ = [
    "ConfigurationError",
    "ExtractionError",
    "InputError",
    "ProviderError",
    "SummarizerError",
]


class SummarizerError(Exception):
    """Base class of every error the library raises.

    Attributes:
        model: The model the request was for, when one was chosen.
        prompt_version: The prompt version in use, when one was chosen.
    """

    def __init__(
        self,
        message: str,
        *,
        model: str | None = None,
        prompt_version: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.model = model
        self.prompt_version = prompt_version

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ConfigurationError(SummarizerError):
    """The library is set up wrongly: fix the configuration, retrying will not help."""


class InputError(SummarizerError):
    """The input cannot be summarised as given: nothing was sent to the provider."""


class ProviderError(SummarizerError):
    """The provider or the network failed, and the transport retries are spent.

    Attributes:
        status_code: The last HTTP status, or None for connection failures and timeouts.
        attempts: HTTP requests made for this call, retries included.
        provider_message: The provider's own explanation, with any key redacted.
        retryable: Whether the failure was of a kind that is retried (429, 5xx, network).
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        attempts: int = 0,
        provider_message: str | None = None,
        retryable: bool = False,
        **context: str | None,
    ) -> None:
        super().__init__(message, **context)
        self.status_code = status_code
        self.attempts = attempts
        self.provider_message = provider_message
        self.retryable = retryable


class ExtractionError(SummarizerError):
    """The model answered, but no valid, grounded summary came out of it.

    Attributes:
        kind: Why: ``"invalid"`` (schema or grounding failures after the reasks; an
            answer without the tool call is reasked like any invalid one and ends here),
            ``"truncated"`` (the output hit the token limit), ``"refusal"`` (the model
            declined), or ``"empty"`` (the provider returned no choices).
        last_raw_output: The model's last answer as text (tool arguments or content).
        validation_errors: The last validation errors, as pydantic reports them.
        attempts: HTTP requests made for this call, reasks and transport retries included.
        usage: Tokens summed over every response received, failed ones included.
        refusal: The refusal text, when ``kind == "refusal"``.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str = "invalid",
        last_raw_output: str | None = None,
        validation_errors: list[dict[str, Any]] | None = None,
        attempts: int = 0,
        usage: Usage | None = None,
        refusal: str | None = None,
        **context: str | None,
    ) -> None:
        super().__init__(message, **context)
        self.kind = kind
        self.last_raw_output = last_raw_output
        self.validation_errors = validation_errors or []
        self.attempts = attempts
        self.usage = usage
        self.refusal = refusal
