"""Versioned prompts, kept as data.

Each prompt is a YAML file ``prompts/<id>/<version>.yaml`` validated by :class:`PromptSpec`,
and, once released, the JSON schema of the answer it asks for, frozen beside it as
``<version>.schema.json``: what is sent never changes when the library's models evolve.
``answer`` in the spec names the model that reads the answer (``summary`` for the
:class:`~summarizer.ArticleSummary` shape, ``lean`` for the compact v2 shape, ``lean_v3`` for
v3's: attribution as source, cue and content); an unreleased
version without a frozen schema sends that model's current schema.
Installed packages carry the files as ``summarizer/prompts``; a source checkout reads the
repository's ``prompts/`` folder. A released version never changes: ``prompts/lock.json``
holds the sha256 of every released file and the test suite compares them. The sha256 of the
prompt file in use is recorded in every result's ``meta``.

Your own prompts follow the same spec and the same lock: a folder laid out like the
package's (``<folder>/<id>/<version>.yaml``, a frozen ``<version>.schema.json`` optional,
``<folder>/lock.json`` written by ``summarizer prompts lock <folder>`` or
:func:`write_lock`), or one prompt file (its lock, if any, is ``lock.json`` beside it or in
the folder above). Loading a released prompt checks it against its lock, the package's and
yours alike: a released file that changed, or one never locked, is refused.

The article reaches a prompt only through ``{{ article }}``, rendered by instructor's
sandboxed Jinja environment, so template syntax inside an article stays inert text.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal, TypeAlias

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from summarizer._files import write_replacing
from summarizer.errors import ConfigurationError

__all__ = [
    "DEFAULT_PROMPT_ID",
    "LOCK_FILE",
    "SECOND_PASS_ID",
    "FollowUp",
    "FollowUpSpec",
    "Prompt",
    "PromptSource",
    "PromptSpec",
    "list_prompts",
    "load_prompt",
    "load_prompt_file",
    "load_second_pass",
    "resolve_prompt",
    "write_lock",
]

DEFAULT_PROMPT_ID = "article_summary"
LOCK_FILE = "lock.json"
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
    answer: Literal["summary", "lean", "lean_v3"] = "summary"
    """The shape of the answer: ``summary`` (the ArticleSummary fields), ``lean`` (v2) or
    ``lean_v3`` (v3)."""

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
    own: bool = False
    """A prompt of the caller's own (a file or folder given), not one of the package's."""

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


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_lock(folder: Traversable, label: str) -> dict[str, str]:
    """The lock of a prompts folder (empty when it has none).

    Raises:
        ConfigurationError: The lock is not a JSON object of file names and hashes.
    """
    entry = folder.joinpath(LOCK_FILE)
    if not entry.is_file():
        return {}
    try:
        lock = json.loads(entry.read_bytes())
    except ValueError as exc:
        raise ConfigurationError(f"prompt lock {label} is malformed: {exc}") from exc
    if not isinstance(lock, dict) or not all(isinstance(v, str) for v in lock.values()):
        raise ConfigurationError(f"prompt lock {label} is malformed: expected file -> sha256")
    return lock


@dataclass(frozen=True)
class _Locked:
    """Where a prompt file sits under its lock: the lock, its name, and the file's key in it."""

    lock: Mapping[str, str]
    label: str
    key: str
    """The prompt file as the lock names it, e.g. ``article_summary/v1.yaml``."""

    def check(self, spec: PromptSpec, raw: bytes, schema_raw: bytes | None) -> None:
        """Refuse a released prompt (or its frozen schema) that its lock does not hold as it is.

        Raises:
            ConfigurationError: The file is released but not locked, or changed after.
        """
        if not spec.released:
            return
        schema_key = self.key.removesuffix(".yaml") + ".schema.json"
        if self.key not in self.lock:
            raise ConfigurationError(
                f"prompt {self.key} is released but not in its lock {self.label}: "
                "lock it with `summarizer prompts lock <folder>`",
                prompt_version=spec.version,
            )
        changed = [self.key] if self.lock[self.key] != _sha256(raw) else []
        frozen = schema_key in self.lock or schema_raw is not None
        if frozen and (schema_raw is None or self.lock.get(schema_key) != _sha256(schema_raw)):
            changed.append(schema_key)
        if changed:
            raise ConfigurationError(
                f"released prompt file(s) {', '.join(changed)} changed since they were locked "
                f"in {self.label}: a released prompt never changes; add a new version instead",
                prompt_version=spec.version,
            )


def _read_prompt(folder: Traversable, stem: str, name: str, locked: _Locked, own: bool) -> Prompt:
    """Read ``<folder>/<stem>.yaml`` and its frozen schema; ``name`` names it in messages.

    Raises:
        ConfigurationError: The file or its schema is malformed, or its lock refuses it.
    """
    entry = folder.joinpath(f"{stem}.yaml")
    raw = entry.read_bytes()
    try:
        spec = PromptSpec.model_validate(yaml.safe_load(raw))
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigurationError(
            f"prompt file {name} is malformed: {exc}", prompt_version=stem
        ) from exc
    schema_entry = folder.joinpath(f"{stem}.schema.json")
    schema_raw = schema_entry.read_bytes() if schema_entry.is_file() else None
    schema = None
    if schema_raw is not None:
        try:
            schema = json.loads(schema_raw)
        except ValueError as exc:
            raise ConfigurationError(
                f"schema file {name.removesuffix('.yaml')}.schema.json is malformed: {exc}",
                prompt_version=spec.version,
            ) from exc
    locked.check(spec, raw, schema_raw)
    return Prompt(spec=spec, sha256=_sha256(raw), path=str(entry), schema=schema, own=own)


def _load_from(root: Traversable, prompt_id: str, version: str, own: bool) -> Prompt:
    entry = root.joinpath(prompt_id).joinpath(f"{version}.yaml")
    if not entry.is_file():
        known = ", ".join(list_prompts(prompt_id, folder=root)) or "none"
        raise ConfigurationError(
            f"unknown prompt version {prompt_id}/{version} (known: {known})",
            prompt_version=version,
        )
    name = f"{prompt_id}/{version}.yaml"
    locked = _Locked(_read_lock(root, f"{root}/{LOCK_FILE}"), f"{root}/{LOCK_FILE}", name)
    prompt = _read_prompt(root.joinpath(prompt_id), version, name, locked, own)
    if prompt.id != prompt_id or prompt.version != version:
        raise ConfigurationError(
            f"prompt file {name} declares {prompt.id}/{prompt.version}", prompt_version=version
        )
    return prompt


@cache
def _load(prompt_id: str, version: str) -> Prompt:
    return _load_from(prompts_root(), prompt_id, version, own=False)


def _folder(folder: str | os.PathLike[str] | Traversable | None) -> Traversable:
    if folder is None:
        return prompts_root()
    return folder if isinstance(folder, Traversable) else Path(folder)


def prompt_ids(folder: str | os.PathLike[str] | Traversable | None = None) -> list[str]:
    """The prompt ids of a prompts folder (default: the package's), sorted."""
    root = _folder(folder)
    if not root.is_dir():
        return []
    return sorted(
        entry.name
        for entry in root.iterdir()
        if entry.is_dir() and list_prompts(entry.name, folder=root)
    )


def list_prompts(
    prompt_id: str = DEFAULT_PROMPT_ID,
    *,
    folder: str | os.PathLike[str] | Traversable | None = None,
) -> list[str]:
    """The versions of a prompt, oldest first (in ``folder``; default: the package's)."""
    root = _folder(folder).joinpath(prompt_id)
    if not root.is_dir():
        return []
    versions = [
        entry.name.removesuffix(".yaml")
        for entry in root.iterdir()
        if entry.name.endswith(".yaml") and _VERSION.match(entry.name.removesuffix(".yaml"))
    ]
    return sorted(versions, key=_version_number)


def load_prompt(
    version: str | None = None,
    prompt_id: str = DEFAULT_PROMPT_ID,
    *,
    folder: str | os.PathLike[str] | None = None,
) -> Prompt:
    """Load one prompt version; by default the latest released one.

    Args:
        version: Such as ``"v1"``; default: the latest released version.
        prompt_id: The prompt's id; in a folder of your own that holds one id, that one.
        folder: A prompts folder of your own (``<folder>/<id>/<version>.yaml``, its
            ``lock.json``); default: the package's.

    Raises:
        ConfigurationError: The version does not exist, its file is malformed, or it is
            released and its lock does not hold it as it is.
    """
    load: Callable[[str, str], Prompt] = _load
    if folder is not None:
        root = Path(folder)
        if not root.is_dir():
            raise ConfigurationError(f"no prompts folder at {root}")
        ids = prompt_ids(root)
        if prompt_id not in ids and prompt_id == DEFAULT_PROMPT_ID and len(ids) == 1:
            prompt_id = ids[0]
        if prompt_id not in ids:
            raise ConfigurationError(
                f"no prompt {prompt_id!r} in {root} (its prompts: {', '.join(ids) or 'none'}; "
                "the layout is <folder>/<id>/<version>.yaml)"
            )
        load = functools.partial(_load_from, root, own=True)

    if version is not None:
        return load(prompt_id, version)
    for candidate in reversed(list_prompts(prompt_id, folder=folder)):
        prompt = load(prompt_id, candidate)
        if prompt.spec.released:
            return prompt
    where = f" in {folder}" if folder is not None else ""
    raise ConfigurationError(f"no released version of prompt {prompt_id!r}{where}")


def load_prompt_file(path: str | os.PathLike[str]) -> Prompt:
    """Load one prompt file of your own (its frozen schema, if any, beside it).

    Its lock is ``lock.json`` in the file's folder (naming ``<file>.yaml``), else in the
    folder above (naming ``<folder>/<file>.yaml``, the layout of a prompts folder).

    Raises:
        ConfigurationError: There is no such file, it is malformed, or it is released and
            its lock does not hold it as it is.
    """
    entry = Path(path)
    if not entry.is_file() or entry.suffix != ".yaml":
        raise ConfigurationError(f"no prompt file at {entry} (a .yaml file)")
    locked = _Locked({}, f"{entry.parent}/{LOCK_FILE}", entry.name)
    for root, key in (
        (entry.parent, entry.name),
        (entry.parent.parent, f"{entry.parent.name}/{entry.name}"),
    ):
        label = str(root / LOCK_FILE)
        lock = _read_lock(root, label)
        if lock:
            locked = _Locked(lock, label, key)
            break
    return _read_prompt(entry.parent, entry.stem, str(entry), locked, own=True)


PromptSource: TypeAlias = str | os.PathLike[str] | Prompt
"""What ``Summarizer(prompt=...)`` takes: a prompt file, a prompts folder, or a loaded prompt."""


def _latest_summary_prompt() -> Prompt:
    """The package's latest released prompt that answers in the summary's own fields."""
    for version in reversed(list_prompts()):
        prompt = _load(DEFAULT_PROMPT_ID, version)
        if prompt.spec.released and prompt.spec.answer == "summary":
            return prompt
    raise ConfigurationError("no released prompt answers in the summary's own fields")


def resolve_prompt(
    source: PromptSource | None, version: str | None, *, own_schema: bool = False
) -> Prompt:
    """The prompt a summarizer sends.

    Args:
        source: A prompt file, a prompts folder or a :class:`Prompt`; None: the package's.
        version: The ``prompt_version`` setting: which version of the folder (or of the
            package's prompts); a file's or a loaded prompt's must agree.
        own_schema: A schema of the caller's own is in use. The compact ``lean`` answer
            shape reads the package's schema only, so the default prompt is then the
            package's latest released one that answers in the summary's own fields, and a
            ``lean`` prompt is refused.

    Raises:
        ConfigurationError: No such file or folder, a prompt that cannot load, a version
            that disagrees, or a ``lean`` prompt with a schema of your own.
    """
    if isinstance(source, Prompt):
        prompt = source
    elif source is None:
        use_summary = own_schema and version is None
        prompt = _latest_summary_prompt() if use_summary else load_prompt(version)
    elif Path(source).is_dir():
        prompt = load_prompt(version, folder=source)
    elif Path(source).is_file():
        prompt = load_prompt_file(source)
    else:
        raise ConfigurationError(f"no prompt file or prompts folder at {source}")
    if version is not None and prompt.version != version:
        raise ConfigurationError(
            f"prompt {prompt.path} is {prompt.version}, not prompt_version {version!r}",
            prompt_version=version,
        )
    if own_schema and prompt.spec.answer != "summary":
        raise ConfigurationError(
            f"prompt {prompt.id}/{prompt.version} answers in the lean shape, which reads the "
            "package's schema only: with a schema of your own, use a prompt whose answer is "
            "'summary' (the package's v1, or your own)",
            prompt_version=prompt.version,
        )
    return prompt


def write_lock(folder: str | os.PathLike[str]) -> dict[str, str]:
    """Lock every released prompt of a prompts folder of your own: write its ``lock.json``.

    The lock holds the sha256 of each released prompt file and of its frozen schema, if
    any. Entries already locked must still hold; new released files are added.

    Returns:
        The lock written.

    Raises:
        ConfigurationError: The folder does not exist, or a released file changed since
            it was locked (a released prompt never changes: add a new version instead).
    """
    root = Path(folder)
    if not root.is_dir():
        raise ConfigurationError(f"no prompts folder at {root}")
    label = str(root / LOCK_FILE)
    old = _read_lock(root, label)
    lock = dict(old)
    for prompt_id in prompt_ids(root):
        for version in list_prompts(prompt_id, folder=root):
            stem = root / prompt_id / version
            spec = _load_from_unchecked(stem)
            if spec is None or not spec.released:
                continue
            for entry in (stem.with_suffix(".yaml"), stem.with_suffix(".schema.json")):
                if entry.is_file():
                    lock.setdefault(f"{prompt_id}/{entry.name}", _sha256(entry.read_bytes()))
    changed = [
        key
        for key, digest in old.items()
        if not (root / key).is_file() or _sha256((root / key).read_bytes()) != digest
    ]
    if changed:
        raise ConfigurationError(
            f"released prompt file(s) {', '.join(sorted(changed))} changed since they were "
            f"locked in {label}: a released prompt never changes; add a new version instead"
        )
    try:
        write_replacing(root / LOCK_FILE, json.dumps(dict(sorted(lock.items())), indent=2) + "\n")
    except OSError as exc:
        raise ConfigurationError(f"cannot write {label}: {exc}") from exc
    return lock


def _load_from_unchecked(stem: Path) -> PromptSpec | None:
    """A prompt file's spec, read without its lock (to write the lock)."""
    try:
        return PromptSpec.model_validate(yaml.safe_load(stem.with_suffix(".yaml").read_bytes()))
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigurationError(f"prompt file {stem}.yaml is malformed: {exc}") from exc


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
