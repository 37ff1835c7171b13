"""Versioned prompts, kept as data.

Each prompt is a YAML file ``prompts/<id>/<version>.yaml`` validated by :class:`PromptSpec`,
and, once released, the JSON schema of the answer it asks for, frozen beside it as
``<version>.schema.json``: what is sent never changes when the library's models evolve.
``answer`` in the spec names the model that reads the answer (``summary`` for the
:class:`~summarizer.ArticleSummary` shape, ``lean`` for the compact v2 shape); an unreleased
version without a frozen schema sends that model's current schema.
Installed packages carry the files as ``summarizer/prompts``; a source checkout reads the
repository's ``prompts/`` folder. A released version never changes: ``prompts/lock.json``
holds the sha256 of every released file and the test suite compares them. The sha256 of the
prompt file in use is recorded in every result's ``meta``.

The article reaches a prompt only through ``{{ article }}``, rendered by instructor's
sandboxed Jinja environment, so template syntax inside an article stays inert text.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from summarizer.errors import ConfigurationError

__all__ = [
    "DEFAULT_PROMPT_ID",
    "SECOND_PASS_ID",
    "FollowUp",
    "FollowUpSpec",
    "Prompt",
    "PromptSpec",
    "list_prompts",
    "load_prompt",
    "load_second_pass",
]

DEFAULT_PROMPT_ID = "article_summary"
SECOND_PASS_ID = "second_pass"
"""The prompt of a second pass (``passes=2``): one follow-up message, versioned like the rest."""
_VERSION = re.compile(r"^v(\d+)$")


class PromptSpec(BaseModel):
    """The contents of one prompt file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    version: str
    released: bool = False
    description: str
    changelog: list[str] = Field(default_factory=list)
    system: str
    user: str
    answer: Literal["summary", "lean"] = "summary"
    """The shape of the answer: ``summary`` (the ArticleSummary fields) or ``lean`` (v2)."""

    @field_validator("version")
    @classmethod
    def _version_format(cls, value: str) -> str:
        if not _VERSION.match(value):
            raise ValueError("version must look like v1, v2, ...")
        return value

    @field_validator("user")
    @classmethod
    def _article_placeholder(cls, value: str) -> str:
        if "{{ article }}" not in value:
            raise ValueError("the user template must contain {{ article }}")
        return value


@dataclass(frozen=True)
class Prompt:
    """A loaded prompt: its spec and the hash of the file it came from."""

    spec: PromptSpec
    sha256: str
    path: str
    schema: dict[str, Any] | None = None
    """The frozen JSON schema of the answer (``<version>.schema.json``), if there is one."""

    @property
    def id(self) -> str:
        """The prompt's id, e.g. ``article_summary``."""
        return self.spec.id

    @property
    def version(self) -> str:
        """The prompt's version, e.g. ``v1``."""
        return self.spec.version

    def messages(self) -> list[dict[str, Any]]:
        """Chat messages before rendering: a static system part, then the article template.

        The static part comes first and is identical for every article, so providers
        that cache request prefixes can reuse it.
        """
        return [
            {"role": "system", "content": self.spec.system},
            {"role": "user", "content": self.spec.user},
        ]


def prompts_root() -> Traversable:
    """Where the prompt files are: inside the installed package, else the checkout."""
    packaged = resources.files("summarizer").joinpath("prompts")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "prompts"


def _version_number(version: str) -> int:
    match = _VERSION.match(version)
    return int(match.group(1)) if match else -1


@cache
def _load(prompt_id: str, version: str) -> Prompt:
    entry = prompts_root().joinpath(prompt_id).joinpath(f"{version}.yaml")
    if not entry.is_file():
        known = ", ".join(list_prompts(prompt_id)) or "none"
        raise ConfigurationError(
            f"unknown prompt version {prompt_id}/{version} (known: {known})",
            prompt_version=version,
        )
    raw = entry.read_bytes()
    try:
        spec = PromptSpec.model_validate(yaml.safe_load(raw))
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigurationError(
            f"prompt file {prompt_id}/{version}.yaml is malformed: {exc}", prompt_version=version
        ) from exc
    if spec.id != prompt_id or spec.version != version:
        raise ConfigurationError(
            f"prompt file {prompt_id}/{version}.yaml declares {spec.id}/{spec.version}",
            prompt_version=version,
        )
    schema_entry = prompts_root().joinpath(prompt_id).joinpath(f"{version}.schema.json")
    schema = None
    if schema_entry.is_file():
        try:
            schema = json.loads(schema_entry.read_bytes())
        except ValueError as exc:
            raise ConfigurationError(
                f"schema file {prompt_id}/{version}.schema.json is malformed: {exc}",
                prompt_version=version,
            ) from exc
    digest = hashlib.sha256(raw).hexdigest()
    return Prompt(spec=spec, sha256=digest, path=str(entry), schema=schema)


def list_prompts(prompt_id: str = DEFAULT_PROMPT_ID) -> list[str]:
    """The versions of a prompt, oldest first."""
    folder = prompts_root().joinpath(prompt_id)
    if not folder.is_dir():
        return []
    versions = [
        entry.name.removesuffix(".yaml")
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml") and _VERSION.match(entry.name.removesuffix(".yaml"))
    ]
    return sorted(versions, key=_version_number)


def load_prompt(version: str | None = None, prompt_id: str = DEFAULT_PROMPT_ID) -> Prompt:
    """Load one prompt version; by default the latest released one.

    Raises:
        ConfigurationError: The version does not exist, or its file is malformed.
    """
    if version is not None:
        return _load(prompt_id, version)
    for candidate in reversed(list_prompts(prompt_id)):
        prompt = _load(prompt_id, candidate)
        if prompt.spec.released:
            return prompt
    raise ConfigurationError(f"no released version of prompt {prompt_id!r}")


class FollowUpSpec(BaseModel):
    """The contents of a follow-up prompt file: a message sent after the model's own answer.

    It has no article and no schema of its own: the conversation it continues holds both.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    version: str
    released: bool = False
    description: str
    changelog: list[str] = Field(default_factory=list)
    message: str = Field(min_length=1)

    @field_validator("version")
    @classmethod
    def _version_format(cls, value: str) -> str:
        if not _VERSION.match(value):
            raise ValueError("version must look like v1, v2, ...")
        return value


@dataclass(frozen=True)
class FollowUp:
    """A loaded follow-up prompt: its spec and the hash of its file."""

    spec: FollowUpSpec
    sha256: str
    path: str

    @property
    def id(self) -> str:
        """The prompt's id, e.g. ``second_pass``."""
        return self.spec.id

    @property
    def version(self) -> str:
        """The prompt's version, e.g. ``v1``."""
        return self.spec.version


@cache
def _load_follow_up(prompt_id: str, version: str) -> FollowUp:
    entry = prompts_root().joinpath(prompt_id).joinpath(f"{version}.yaml")
    if not entry.is_file():
        known = ", ".join(list_prompts(prompt_id)) or "none"
        raise ConfigurationError(f"unknown prompt version {prompt_id}/{version} (known: {known})")
    raw = entry.read_bytes()
    try:
        spec = FollowUpSpec.model_validate(yaml.safe_load(raw))
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigurationError(
            f"prompt file {prompt_id}/{version}.yaml is malformed: {exc}"
        ) from exc
    if spec.id != prompt_id or spec.version != version:
        raise ConfigurationError(
            f"prompt file {prompt_id}/{version}.yaml declares {spec.id}/{spec.version}"
        )
    return FollowUp(spec=spec, sha256=hashlib.sha256(raw).hexdigest(), path=str(entry))


def load_second_pass(version: str | None = None, prompt_id: str = SECOND_PASS_ID) -> FollowUp:
    """The follow-up prompt of a second pass; by default its latest released version.

    Raises:
        ConfigurationError: The version does not exist, or its file is malformed.
    """
    if version is not None:
        return _load_follow_up(prompt_id, version)
    for candidate in reversed(list_prompts(prompt_id)):
        prompt = _load_follow_up(prompt_id, candidate)
        if prompt.spec.released:
            return prompt
    raise ConfigurationError(f"no released version of prompt {prompt_id!r}")
