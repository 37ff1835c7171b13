"""A saved news page: its article text and what the page says about itself.

A folder of saved pages is most real collections, and a story needs their dates. So an HTML
page gives, besides its text (trafilatura, as before):

- ``published``: the publication date the page itself declares, and ``published_from``,
  where it was found: ``"meta"`` (a ``<meta>`` tag such as ``article:published_time``,
  ``datePublished``, ``pubdate``, ``dc.date``), ``"json-ld"`` (a ``datePublished`` of the
  page's JSON-LD) or ``"time"`` (a ``<time pubdate>`` or an element with
  ``itemprop="datePublished"``), in that order. The first creation date is taken, never a
  modification date, and never a guess from the URL, the visible text or the file's time:
  a page that declares none has no date, and says so (``published_from`` is ``"none"``).
  The date is the calendar day the page gives (``2024-03-05T23:30:00-05:00`` is 5 March);
- ``title``, ``site`` (the outlet's name, ``og:site_name`` or the publisher; else the
  URL's host) and ``url`` (canonical link or ``og:url``), as trafilatura's
  ``extract_metadata`` reads them.

Nothing is fetched: the page is parsed from the given string (trafilatura's
``load_html``; htmldate, which trafilatura runs, is given the parsed tree, never a URL).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from summarizer._article import parse_published
from summarizer._settings import DEFAULT_MAX_HTML_BYTES, over_limit
from summarizer.errors import InputError

__all__ = ["PUBLISHED_FROM", "Page", "check_html_size", "read_page"]

PublishedFrom = Literal["caller", "meta", "json-ld", "time", "none"]
PUBLISHED_FROM: tuple[str, ...] = ("caller", "meta", "json-ld", "time", "none")
"""Where an article's date came from: given by the caller, the page's ``<meta>`` tags, its
JSON-LD, its ``<time>`` elements, or nowhere (the page declares no date)."""

_META_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "dcterms.created",
    "date",
)
"""``<meta>`` names, properties and itemprops that declare the first publication, best first."""
_JSON_DEPTH = 8
"""How deep a JSON-LD document is searched for ``datePublished`` (its ``@graph`` included)."""


@dataclass(frozen=True)
class Page:
    """What an HTML page gives: its article text and its own metadata."""

    text: str
    title: str | None = None
    site: str | None = None
    url: str | None = None
    published: dt.date | None = None
    published_from: PublishedFrom = "none"


def _words(text: str) -> str:
    return " ".join(text.split())


def _with_headline_and_lead(body: str, title: str | None, lead: str | None, tree: Any) -> str:
    """The article as a reader sees it: its headline and lead paragraph, then the body.

    trafilatura keeps the main text only, and many news pages set their headline and their
    lead (standfirst) apart from it: a name given only there would never reach the model.
    The headline is the page's title; the lead is its description, taken only when the page
    also shows it (its words stand in the page's body) and the body does not hold it already.
    """
    flat = _words(body)
    parts = []
    if title and not flat.startswith(_words(title)):  # a body that opens with it has it
        parts.append(title.strip())
    if lead and _words(lead) not in flat:
        body_nodes = tree.xpath("//body")
        shown = _words(body_nodes[0].text_content()) if body_nodes else ""
        if _words(lead) in shown:
            parts.append(lead.strip())
    return "\n\n".join([*parts, body])


def check_html_size(size: int, name: str, max_bytes: int) -> None:
    """Refuse a page over ``max_bytes`` before it is read or parsed.

    Raises:
        InputError: The page is too large.
    """
    if size > max_bytes:
        found = f"{name}: the HTML page is {size:,} bytes"
        raise InputError(over_limit(found, max_bytes, "max_html_bytes"))


def _day(value: Any) -> dt.date | None:
    """The calendar day of a declared date: ISO 8601 (a time may follow) or RFC 2822."""
    if not isinstance(value, str) or not value.strip():
        return None
    with contextlib.suppress(InputError):
        return parse_published(value)
    with contextlib.suppress(TypeError, ValueError, IndexError):
        return email.utils.parsedate_to_datetime(value.strip()).date()
    return None


def _meta_date(tree: Any) -> dt.date | None:
    found: dict[str, dt.date] = {}
    for elem in tree.iter("meta"):
        key = (elem.get("property") or elem.get("name") or elem.get("itemprop") or "").lower()
        if key in _META_KEYS and key not in found:
            day = _day(elem.get("content") or elem.get("datetime"))
            if day is not None:
                found[key] = day
    return next((found[k] for k in _META_KEYS if k in found), None)


def _json_values(data: Any, depth: int = 0) -> Iterator[Any]:
    """Every ``datePublished`` of a JSON-LD document, outer objects first."""
    if depth > _JSON_DEPTH:
        return
    if isinstance(data, dict):
        if "datePublished" in data:
            yield data["datePublished"]
        children: list[Any] = list(data.values())
    elif isinstance(data, list):
        children = data
    else:
        return
    for child in children:
        yield from _json_values(child, depth + 1)


def _json_ld_date(tree: Any) -> dt.date | None:
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):
            continue
        for value in _json_values(data):
            if (day := _day(value[0] if isinstance(value, list) and value else value)) is not None:
                return day
    return None


def _time_date(tree: Any) -> dt.date | None:
    for elem in tree.iter():
        if not isinstance(elem.tag, str) or elem.tag == "meta":
            continue
        marked = (elem.tag == "time" and elem.get("pubdate") is not None) or (
            (elem.get("itemprop") or "").lower() == "datepublished"
        )
        if marked and (day := _day(elem.get("datetime") or elem.get("content"))) is not None:
            return day
    return None


_FINDERS: tuple[tuple[Callable[[Any], dt.date | None], PublishedFrom], ...] = (
    (_meta_date, "meta"),
    (_json_ld_date, "json-ld"),
    (_time_date, "time"),
)


def declared_date(tree: Any) -> tuple[dt.date | None, PublishedFrom]:
    """The publication date a parsed page declares, and where (see the module docstring)."""
    for finder, where in _FINDERS:
        if (day := finder(tree)) is not None:
            return day, where
    return None, "none"


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def read_page(html: str, name: str, *, max_bytes: int = DEFAULT_MAX_HTML_BYTES) -> Page:
    """The article text and metadata of an HTML page, via trafilatura (nothing fetched).

    Raises:
        InputError: The page is over ``max_bytes`` bytes of UTF-8 (checked before it is
            parsed), trafilatura is not installed, or it found no article text.
    """
    check_html_size(len(html.encode("utf-8", "surrogatepass")), name, max_bytes)
    try:
        import trafilatura
    except ImportError as exc:
        raise InputError(
            f"{name}: HTML input needs trafilatura: pip install 'summarizer[html]' ({exc})"
        ) from exc
    tree = trafilatura.load_html(html)  # parsed once: extract works on a copy of the tree
    text = trafilatura.extract(tree, include_comments=False, include_tables=False)
    if tree is None or not text or not text.strip():
        raise InputError(f"{name}: no article text found in the HTML")
    published, where = declared_date(tree)
    # htmldate's own date is not used (it may guess from the URL or the text): keep it cheap.
    meta = trafilatura.extract_metadata(
        tree, date_config={"extensive_search": False, "original_date": True}
    )
    url = _text(getattr(meta, "url", None))
    title = _text(getattr(meta, "title", None))
    return Page(
        text=_with_headline_and_lead(
            str(text), title, _text(getattr(meta, "description", None)), tree
        ),
        title=title,
        site=_text(getattr(meta, "sitename", None)) or _text(getattr(meta, "hostname", None)),
        url=url,
        published=published,
        published_from=where,
    )
