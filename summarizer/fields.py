"""Field markers: declare a field's role once, and every guarantee of the library follows.

A schema of your own subclasses :class:`~summarizer.ArticleSummary` and marks its new
fields in their annotations; ``Summarizer(schema=MySummary)`` then asks for them, and the
library treats them as it treats its own::

    from typing import Annotated

    from pydantic import BaseModel, Field
    from pydantic.json_schema import SkipJsonSchema

    from summarizer import ArticleSummary, Span
    from summarizer.fields import Person, Verbatim


    class Claim(BaseModel):
        by: Annotated[str, Person(id="by_id")] = Field(description="A speakers[].name")
        text: Annotated[str, Verbatim(span="span")] = Field(description="Verbatim")
        span: SkipJsonSchema[Span | None] = None
        by_id: SkipJsonSchema[str | None] = None


    class MySummary(ArticleSummary):
        claims: list[Claim] = Field(default_factory=list)
        slogans: Annotated[list[str], Verbatim(span="slogan_spans")] = Field(
            default_factory=list, description="Slogans, verbatim"
        )
        slogan_spans: SkipJsonSchema[list[Span]] = Field(default_factory=list)

- :class:`Verbatim`: text that must be the article's own words. Each string is located in
  the article (an invented one is reasked, and after the last reask the call fails with
  :class:`~summarizer.ExtractionError`); its span goes to the field the marker names; a long
  article's chunks shift and merge it; the HTML report highlights it; the evaluation counts
  it in the grounding rate; the corpus tables carry it with its offsets.
- :class:`Person`: a reference to a person. It is rewritten to the speaker's canonical name
  and the speaker's id goes to the field the marker names.
- :class:`FreeText`: the model's own wording; every name in it must be one the article gives.
- :class:`Distinct`: two items whose values differ here are never merged as one.

The fields a marker fills (spans, ids) are the library's: declare them ``SkipJsonSchema``
so they are not asked of the model. Markers are checked when the schema is given (and when
a class deriving from the package's models is made): a marker on a field that is not text
(a string, an optional string or a list of strings), a span field that is not
``Span | None`` (one string) or ``list[Span]`` (a list), an id field that is not
``str | None`` (``list[str | None]`` for a list of names), or a field of spans no marker
names, is refused with a message naming the field.
"""

from __future__ import annotations

from summarizer._fields import Distinct, FreeText, Person, Verbatim

__all__ = ["Distinct", "FreeText", "Person", "Verbatim"]
