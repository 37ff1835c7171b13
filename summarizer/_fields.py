"""Field roles, declared once on the schema, and the one walker that reads them.

A field of the summary schema says what it is with a marker in its annotation::

    evidence: Annotated[str, Verbatim(span="evidence_span")]
    actor: Annotated[str, Person(id="actor_id")]

- :class:`Verbatim`: text that must be in the article. Grounding locates it and stores the
  span in the named field; chunking shifts that span onto the whole article; the report
  highlights it; the evaluation counts it in the grounding rate.
- :class:`Person`: a reference to a person. Grounding rewrites it to the speaker's name and
  stores the speaker's id in the named field; chunk merging renames it.
- :class:`Distinct`: items whose values differ here are never merged as one (a quote's kind).
- :class:`FreeText`: the model's own words (a summary, a paraphrase, a role): every name it
  mentions must be one the article gives.

:func:`walk` visits every marked field of a model tree, depth first in declaration order
(the order in which problems are reported), so adding a field is one declaration: every
feature that reads roles picks it up. :func:`walk_spans` visits every field that holds
article offsets (each field a :class:`Verbatim` names: ``span``, ``pieces``, ``quoted``),
once per item, so shifting chunk offsets onto the article cannot miss one; a model with a
:class:`Span` field that no marker names is refused when its class is made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from types import NoneType, UnionType
from typing import Any, Literal, TypeAlias, Union, cast, get_args, get_origin

from pydantic import BaseModel
from pydantic.json_schema import SkipJsonSchema

from summarizer._grounding import Span

__all__ = [
    "Distinct",
    "FreeText",
    "Person",
    "SpanVisit",
    "Verbatim",
    "Visit",
    "check_roles",
    "check_tree",
    "located_spans",
    "model_classes",
    "span_fields",
    "walk",
    "walk_spans",
]


@dataclass(frozen=True)
class Verbatim:
    """The field holds article text (a string, or a list of strings).

    Attributes:
        span: The field that receives the location: ``Span | None`` for a string, a list of
            spans for a list of strings (only the located ones) or for ``every``.
        label: Added to the field's path in problem messages, e.g. ``"(direct quote)"``.
        when: The field is verbatim only for items where this holds (a direct quote's text).
        every: Locate every occurrence, not the first (an outlet's recurring label).
        pieces: A field that receives the located pieces (``list[Span]``): the text may be
            a quote split by its attribution (see :func:`summarizer.locate_pieces`), and
            ``span`` then runs from the first piece to the last.
        quoted: A field that receives the quoted fragments inside the located text (the
            words between quotation marks), for items where ``quoted_when`` holds.
        quoted_when: See ``quoted``.
        missing: When set, an item lacking the value is a problem, reported with this text
            (``{path}`` is the item's path); ``when_missing`` says for which items.
        when_missing: See ``missing``.
        content: Under a prompt that gives reported speech by its content (v3), the field
            is verbatim also for items where this holds: it is located as the item's content,
            and the item's attribution (evidence, cue, source mention) is derived around it.
        derived: The library locates the field by its item's own rule (a quote's cue and its
            source's mention, near the quote), not by searching the article for the value:
            the generic grounding, the highlights and the grounding rate leave it out, and
            its span field is shifted and cleared like any other.
    """

    span: str
    label: str = ""
    when: Callable[[Any], bool] | None = None
    every: bool = False
    pieces: str | None = None
    quoted: str | None = None
    quoted_when: Callable[[Any], bool] | None = None
    missing: str | None = None
    when_missing: Callable[[Any], bool] | None = None
    content: Callable[[Any], bool] | None = None
    derived: bool = False

    def applies(self, owner: BaseModel) -> bool:
        """Whether the field is verbatim for this item (never for a derived field)."""
        return not self.derived and (self.when is None or self.when(owner))

    @property
    def span_fields(self) -> tuple[str, ...]:
        """Every field this marker fills with spans (all shifted when chunks are merged)."""
        return tuple(f for f in (self.span, self.pieces, self.quoted) if f is not None)


@dataclass(frozen=True)
class Person:
    """The field names a person (a string, an optional string or a list of strings).

    Attributes:
        id: The field that receives the speaker id (aligned list for a list of names).
        speaker: The name must be one of the summary's speakers (a quote's speaker).
        key: Whether items naming different people are different items when merging.
    """

    id: str | None = None
    speaker: bool = False
    key: bool = True


@dataclass(frozen=True)
class Distinct:
    """Items whose values differ in this field are different items when merging."""


@dataclass(frozen=True)
class FreeText:
    """The field is the model's own wording: names in it must come from the article.

    Attributes:
        when: Free text only for items where this holds (an indirect quote's paraphrase).
    """

    when: Callable[[Any], bool] | None = None

    def applies(self, owner: BaseModel) -> bool:
        """Whether the field is free text for this item."""
        return self.when is None or self.when(owner)


Role: TypeAlias = Verbatim | Person | Distinct | FreeText


@dataclass(frozen=True)
class Visit:
    """One marked field of one model instance, as :func:`walk` reaches it."""

    owner: BaseModel
    name: str
    role: Role
    path: str
    """Where the field sits, as problems name it: ``quotes[3].evidence``."""

    @property
    def value(self) -> Any:
        """The field's current value."""
        return getattr(self.owner, self.name)

    @property
    def texts(self) -> list[str]:
        """The field's strings (none, one, or a list)."""
        value = self.value
        if isinstance(value, str):
            return [value]
        return [v for v in value or [] if isinstance(v, str)]


_Plan: TypeAlias = tuple[tuple[str, tuple[Role, ...], bool], ...]
"""Per field of a model class: its name, its roles, and whether it may hold models."""


@cache
def _plan(cls: type[BaseModel]) -> _Plan:
    fields = []
    for name, info in cls.model_fields.items():
        roles = tuple(
            m for m in info.metadata if isinstance(m, Verbatim | Person | Distinct | FreeText)
        )
        fields.append((name, roles, not roles))
    return tuple(fields)


@cache
def span_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``cls`` that hold article offsets: those its :class:`Verbatim` markers name.

    In declaration order of the markers, each field once (a quote's ``pieces`` is named by
    two markers: a direct quote's pieces, a mixed quote's quoted fragments).
    """
    names = (
        field
        for _, roles, _ in _plan(cls)
        for role in roles
        if isinstance(role, Verbatim)
        for field in role.span_fields
    )
    return tuple(dict.fromkeys(names))


def _holds_spans(annotation: Any) -> bool:
    """Whether a field's type is or contains :class:`Span` (``Span | None``, ``list[Span]``)."""
    return annotation is Span or any(_holds_spans(arg) for arg in get_args(annotation))


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    """``X`` from ``X | None`` (and whether None was allowed); other types as they are."""
    if get_origin(annotation) in (Union, UnionType):
        args = [arg for arg in get_args(annotation) if arg is not NoneType]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _is_text(annotation: Any) -> bool:
    """A string, or a literal of strings (a quote's kind)."""
    if get_origin(annotation) is Literal:
        return all(isinstance(arg, str) for arg in get_args(annotation))
    return annotation is str


def _shape(annotation: Any, item: Callable[[Any], bool]) -> str | None:
    """``one`` for an item (optional or not), ``list`` for a list of items, else None."""
    inner, _ = _strip_optional(annotation)
    if item(inner):
        return "one"
    args = get_args(inner)
    if get_origin(inner) is list and len(args) == 1 and item(_strip_optional(args[0])[0]):
        return "list"
    return None


_TEXT_ROLES = "a string, an optional string or a list of strings"


def _check_types(cls: type[BaseModel], name: str, role: Role) -> None:
    """Refuse a marker on a field whose type it cannot read or fill.

    Raises:
        TypeError: The marked field, or a field the marker fills, has the wrong type.
    """
    fields = cls.model_fields
    where = f"{cls.__name__}.{name}"
    shape = _shape(fields[name].annotation, _is_text)
    if isinstance(role, Distinct):
        return
    if shape is None:
        marker = type(role).__name__
        raise TypeError(f"{where}: {marker} marks {_TEXT_ROLES}, not {fields[name].annotation}")
    if isinstance(role, Verbatim):
        wanted = {role.span: "list" if shape == "list" or role.every else "one"}
        wanted.update((f, "list") for f in (role.pieces, role.quoted) if f is not None)
        for target, form in wanted.items():
            if _shape(fields[target].annotation, lambda a: a is Span) != form:
                kind = "list[Span]" if form == "list" else "Span | None"
                raise TypeError(f"{where}: its span field {target!r} must be {kind}")
    elif (
        isinstance(role, Person)
        and role.id is not None
        and _shape(fields[role.id].annotation, lambda a: a is str) != shape
    ):
        kind = "list[str | None]" if shape == "list" else "str | None"
        raise TypeError(f"{where}: its id field {role.id!r} must be {kind}")


def check_roles(cls: type[BaseModel]) -> None:
    """Refuse a model whose markers and fields disagree (at class creation).

    Raises:
        TypeError: A :class:`Verbatim` names no span field, a :class:`Person` no id field,
            a marker sits on a field that is not text (a string, an optional string or a
            list of strings), a field a marker fills has the wrong type, or a :class:`Span`
            field is named by no marker (nothing would shift it onto the article after
            chunking).
    """
    for name, roles, _ in _plan(cls):
        for role in roles:
            if isinstance(role, Verbatim):
                targets: tuple[str | None, ...] = role.span_fields
            else:
                targets = (getattr(role, "id", None),)
            for target in targets:
                if target is not None and target not in cls.model_fields:
                    raise TypeError(f"{cls.__name__}.{name}: its marker names {target!r}, no field")
            _check_types(cls, name, role)
    named = span_fields(cls)
    for name, info in cls.model_fields.items():
        if _holds_spans(info.annotation) and name not in named:
            raise TypeError(
                f"{cls.__name__}.{name} holds spans, but no Verbatim marker names it: "
                "declare it as a marker's span, pieces or quoted field"
            )


def _nested_models(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in get_args(annotation):
        yield from _nested_models(arg)


def model_classes(cls: type[BaseModel]) -> list[type[BaseModel]]:
    """``cls`` and every model class the model's answer may hold, each once, ``cls`` first.

    Fields the library fills (``SkipJsonSchema``: spans, ids, ``meta``) are not followed.
    """
    found: dict[type[BaseModel], None] = {}
    pending = [cls]
    while pending:
        current = pending.pop(0)
        if current in found:
            continue
        found[current] = None
        for info in current.model_fields.values():
            if any(isinstance(m, cast(type, SkipJsonSchema)) for m in info.metadata):
                continue
            pending.extend(_nested_models(info.annotation))
    return list(found)


def check_tree(cls: type[BaseModel]) -> None:
    """:func:`check_roles` on ``cls`` and every model class it holds (plain pydantic models too).

    Raises:
        TypeError: See :func:`check_roles`.
    """
    for model in model_classes(cls):
        check_roles(model)


def walk(model: BaseModel, path: str = "") -> Iterator[Visit]:
    """Every marked field in ``model`` and the models it holds, depth first, in order."""
    for name, roles, nested in _plan(type(model)):
        here = f"{path}.{name}" if path else name
        for role in roles:
            yield Visit(model, name, role, here)
        if not nested:
            continue
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from walk(value, here)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from walk(item, f"{here}[{index}]")


@dataclass(frozen=True)
class SpanVisit:
    """One field holding article offsets, of one model instance (see :func:`walk_spans`)."""

    owner: BaseModel
    name: str
    path: str
    """Where the field sits: ``quotes[3].pieces``."""

    @property
    def spans(self) -> list[Span]:
        """The field's spans (none, one, or a list)."""
        value = getattr(self.owner, self.name)
        if isinstance(value, list):
            return [span for span in value if isinstance(span, Span)]
        return [value] if isinstance(value, Span) else []

    def update(self, change: Callable[[Span], Span]) -> None:
        """Replace each span of the field by ``change(span)``, keeping the field's shape."""
        value = getattr(self.owner, self.name)
        if isinstance(value, list):
            setattr(self.owner, self.name, [change(span) for span in value])
        elif value is not None:
            setattr(self.owner, self.name, change(value))


def walk_spans(model: BaseModel, path: str = "") -> Iterator[SpanVisit]:
    """Every field holding article offsets in ``model`` and the models it holds, once each.

    Depth first, in field declaration order; a field two markers name is visited once.
    """
    names = span_fields(type(model))
    for name, _, nested in _plan(type(model)):
        here = f"{path}.{name}" if path else name
        if name in names:
            yield SpanVisit(model, name, here)
            continue
        if not nested:
            continue
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from walk_spans(value, here)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from walk_spans(item, f"{here}[{index}]")


def located_spans(model: BaseModel) -> list[Span]:
    """The spans grounding stored for ``model``'s own verbatim fields, in field order.

    Derived spans (a quote's cue and source mention) are left out: they are around the item,
    not where it is.
    """
    spans: list[Span] = []
    for _, roles, _ in _plan(type(model)):
        for role in roles:
            if isinstance(role, Verbatim) and not role.derived:
                value = getattr(model, role.span)
                spans += value if isinstance(value, list) else [value] if value else []
    return spans
