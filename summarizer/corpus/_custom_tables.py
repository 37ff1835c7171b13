"""The export tables of a schema's own fields, made from its markers with no other code.

A result schema of your own (``Summarizer(schema=...)``) adds fields to
:class:`~summarizer.ArticleSummary`; each one it adds is a table of its own, named after the
field, beside the package's tables (a field named like one of those is refused):

- a list of item models (``claims: list[Claim]``): one row per item, ``article_id`` and
  ``item_index``, then a column per field of the item. A :class:`~summarizer.fields.Verbatim`
  field adds ``<field>_start``/``<field>_end``, its offsets in ``articles.text`` (lists of
  them for a list of strings; null when not located); a :class:`~summarizer.fields.Person`
  field adds its id field (``by_id``), the corpus identity (a ``speakers.id``);
- a string or a list of strings (``slogans``): one row per string, ``article_id``,
  ``item_index``, ``text``, and ``start``/``end`` when it is verbatim, ``speaker_id`` when
  it names a person;
- anything else: one row per article, ``article_id`` and ``value`` (JSON text).

Column types follow the annotations (a string, a literal of strings, an integer, a
boolean, a number, a date, lists of those); other values are JSON text.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from types import NoneType, UnionType
from typing import Any, Literal, Union, cast, get_args, get_origin

from pydantic import BaseModel, TypeAdapter
from pydantic.fields import FieldInfo
from pydantic.json_schema import SkipJsonSchema

from summarizer._fields import Person, Verbatim
from summarizer._grounding import Span
from summarizer.corpus._corpus_article import CorpusArticle
from summarizer.corpus._corpus_data import CorpusData
from summarizer.errors import ConfigurationError
from summarizer.schema import ArticleSummary

__all__ = ["CustomTable", "custom_tables"]

Columns = tuple[tuple[str, str], ...]
_ANY: TypeAdapter[Any] = TypeAdapter(Any)


def _optional(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, UnionType):
        args = [arg for arg in get_args(annotation) if arg is not NoneType]
        if len(args) == 1:
            return args[0]
    return annotation


def _scalar(annotation: Any) -> str | None:
    annotation = _optional(annotation)
    if get_origin(annotation) is Literal and all(isinstance(a, str) for a in get_args(annotation)):
        return "string"
    simple = {str: "string", bool: "bool", int: "int", float: "float", dt.date: "date"}
    return simple.get(annotation)


def _column_type(annotation: Any) -> str:
    """The export type of a field: a scalar, a list of scalars, else JSON text."""
    if (found := _scalar(annotation)) is not None:
        return found
    inner = _optional(annotation)
    args = get_args(inner)
    if get_origin(inner) is list and len(args) == 1 and (item := _scalar(args[0])) is not None:
        return f"list<{item}>"
    return "json"


def _item_model(annotation: Any) -> type[BaseModel] | None:
    """The item model of ``list[Model]`` (or ``Model``, ``Model | None``), else None."""
    inner = _optional(annotation)
    if get_origin(inner) is list and len(get_args(inner)) == 1:
        inner = _optional(get_args(inner)[0])
    return inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None


def _asked(info: FieldInfo) -> bool:
    """Whether the model fills the field (the library's own are ``SkipJsonSchema``)."""
    return not any(isinstance(m, cast(type, SkipJsonSchema)) for m in info.metadata)


def _role(info: FieldInfo, kind: type[Verbatim | Person]) -> Any:
    return next((m for m in info.metadata if isinstance(m, kind)), None)


def _spans(owner: BaseModel, role: Verbatim) -> list[Span]:
    value = getattr(owner, role.span)
    return value if isinstance(value, list) else [value] if isinstance(value, Span) else []


def _json(value: Any) -> str:
    """A value the table has no type for, as JSON text."""
    return json.dumps(_ANY.dump_python(value, mode="json"), ensure_ascii=False)


def _texts(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


@dataclass(frozen=True)
class CustomTable:
    """The table of one field a schema adds: its name (the field's), columns and rows."""

    name: str
    item: type[BaseModel] | None
    """The item model of a list of models; None for strings or other values."""
    info: FieldInfo

    @property
    def texts(self) -> bool:
        """A string or a list of strings: a row per string."""
        return self.item is None and _column_type(self.info.annotation) in (
            "string",
            "list<string>",
        )

    @property
    def columns(self) -> Columns:
        """The table's columns and their types, in order."""
        head: Columns = (("article_id", "string"), ("item_index", "int"))
        if self.item is not None:
            return head + tuple(c for n, i in self._item_fields() for c in _item_columns(n, i))
        if not self.texts:
            return (("article_id", "string"), ("value", "json"))
        extra: Columns = (("start", "int"), ("end", "int")) if self._verbatim else ()
        person: Columns = (("speaker_id", "string"),) if _role(self.info, Person) else ()
        return (*head, ("text", "string"), *extra, *person)

    @property
    def _verbatim(self) -> Verbatim | None:
        return cast(Verbatim | None, _role(self.info, Verbatim))

    def _item_fields(self) -> list[tuple[str, FieldInfo]]:
        assert self.item is not None
        return [(n, i) for n, i in self.item.model_fields.items() if _asked(i)]

    def rows(self, corpus: CorpusData) -> Iterator[dict[str, Any]]:
        """One row per item (or string, or article) of every article holding the field."""
        for article in corpus.articles:
            if self.name not in type(article.summary).model_fields:
                continue
            value = getattr(article.summary, self.name)
            if self.item is not None:
                items = [i for i in _texts(value) if isinstance(i, BaseModel)]
                for index, item in enumerate(items):
                    yield self._item_row(corpus, article, index, item)
            elif self.texts:
                yield from self._text_rows(corpus, article, value)
            else:
                yield {"article_id": article.id, "value": _json(value)}

    def _text_rows(
        self, corpus: CorpusData, article: CorpusArticle, value: Any
    ) -> Iterator[dict[str, Any]]:
        role = self._verbatim
        spans = _spans(article.summary, role) if role is not None else []
        for index, text in enumerate(_texts(value)):
            row: dict[str, Any] = {"article_id": article.id, "item_index": index, "text": text}
            if role is not None:
                row["start"], row["end"] = article.offsets(
                    spans[index] if index < len(spans) else None
                )
            if _role(self.info, Person):
                person = corpus.people.resolve(article.id, text)
                row["speaker_id"] = person.id if person else None
            yield row

    def _item_row(
        self, corpus: CorpusData, article: CorpusArticle, index: int, item: BaseModel
    ) -> dict[str, Any]:
        row: dict[str, Any] = {"article_id": article.id, "item_index": index}
        for name, info in self._item_fields():
            value = getattr(item, name)
            row[name] = _json(value) if _column_type(info.annotation) == "json" else value
            if (verbatim := _role(info, Verbatim)) is not None:
                offsets = [article.offsets(span) for span in _spans(item, verbatim)]
                if isinstance(value, list):
                    row[f"{name}_start"] = [start for start, _ in offsets]
                    row[f"{name}_end"] = [end for _, end in offsets]
                else:
                    row[f"{name}_start"], row[f"{name}_end"] = (
                        offsets[0] if offsets else (None, None)
                    )
            if (person := _role(info, Person)) is not None:
                ids = [corpus.people.resolve(article.id, v) for v in _texts(value)]
                found = [entry.id if entry else None for entry in ids]
                row[person.id or f"{name}_id"] = (
                    found if isinstance(value, list) else found[0] if found else None
                )
        return row


def _item_columns(name: str, info: FieldInfo) -> Columns:
    kind = _column_type(info.annotation)
    columns: Columns = ((name, kind),)
    if _role(info, Verbatim) is not None:
        offset = "list<int>" if kind.startswith("list<") else "int"
        columns += ((f"{name}_start", offset), (f"{name}_end", offset))
    if (person := _role(info, Person)) is not None:
        ident = "list<string>" if kind.startswith("list<") else "string"
        columns += ((person.id or f"{name}_id", ident),)
    return columns


def custom_tables(corpus: CorpusData, taken: tuple[str, ...]) -> list[CustomTable]:
    """The tables of the fields the corpus's schemas add to the package's (first seen first).

    Raises:
        ConfigurationError: A field is named like one of the package's tables (``taken``).
    """
    base = ArticleSummary.model_fields
    tables: dict[str, CustomTable] = {}
    for schema in dict.fromkeys(type(a.summary) for a in corpus.articles):
        for name, info in schema.model_fields.items():
            if name in base or name in tables or not _asked(info):
                continue
            if name in taken:
                raise ConfigurationError(
                    f"{schema.__name__}.{name} would be exported as a table the package "
                    f"already writes ({name!r}): rename the field"
                )
            tables[name] = CustomTable(name, _item_model(info.annotation), info)
    return list(tables.values())
