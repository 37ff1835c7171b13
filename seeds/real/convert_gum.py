"""Convert the attribution annotation of GUM's Wikinews documents into ``seeds/real/``.

GUM (the Georgetown University Multilayer corpus, https://github.com/amir-zeldes/gum) has no
layer named "attribution"; its discourse layer (eRST, ``rst/rstweb/*.rs4``) marks every
reporting clause as the satellite of an ``attribution-positive`` or ``attribution-negative``
relation whose nucleus is what was reported, and its relation signals mark, inside the
reporting clause, the source (``semantic/attribution_source``) and the reporting words
(``lexical/indicative_word`` and ``indicative_phrase``). The entity layer (``dep/*.conllu``,
``Entity=`` in MISC) gives each source its entity type and its coreference chain. This
script joins the two layers:

- the article text is rebuilt from the CoNLL-U words (``SpaceAfter``, ``# newpar``), under a
  ``date YYYY-MM-DD`` header (the article's own dateline, else ``meta::dateCreated``);
- each attribution relation becomes a statement: its source mention, its cue and its
  content (the nucleus without the reporting clause), as character spans of that text;
- each source's coreference chain becomes a speaker, its kind decided from GUM's entity type;
- each statement becomes a gold quote: ``direct`` when every word of the content sits inside
  quotation marks, ``mixed`` when some do, ``indirect`` otherwise.

Eight news documents are reserved for independent checks (:data:`RESERVED`): they are
skipped by name before any of their files is opened.

Usage (standard library only; ``--gum`` is a checkout or a bare git directory)::

    python seeds/real/convert_gum.py --gum PATH [--out seeds/real]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESERVED = (
    "GUM_news_korea",
    "GUM_news_flag",
    "GUM_news_questionnaire",
    "GUM_news_sensitive",
    "GUM_news_asylum",
    "GUM_news_afghan",
    "GUM_news_clock",
    "GUM_news_taxes",
)
GUM_REPO = "https://github.com/amir-zeldes/gum"
NOT_ANNOTATED = ("proposed_meetings", "stances")
QUOTE_MARKS = frozenset('"“”')
CUE_SUBTYPES = ("indicative_word", "indicative_phrase")
DETERMINERS = ("the ", "The ")
MAX_ALIAS_WORDS = 6
MAX_NAME_WORDS = 8

_ENTITY = re.compile(r"\((\d+)-([^()]*)(\))?|(\d+)\)")


@dataclass
class Word:
    """One syntactic word of the document, with its character span in the article text."""

    form: str
    upos: str
    feats: str
    head: int  # document index of the head word, -1 for a sentence root
    deprel: str
    start: int = 0
    end: int = 0


@dataclass
class Mention:
    """One entity mention: GUM's entity id, type, link type, Wikification, first/last word."""

    entity: int
    etype: str
    link: str
    identity: str
    first: int
    last: int


@dataclass
class Document:
    """A GUM document read from its CoNLL-U file."""

    id: str
    meta: dict[str, str]
    words: list[Word]
    mentions: list[Mention]
    text: str
    quotations: list[tuple[int, int]]  # GUM's <quote> elements, as character ranges


@dataclass
class Node:
    """One node of an rs4 tree (an EDU or a group)."""

    id: str
    parent: str | None
    relname: str
    words: list[int] = field(default_factory=list)  # the EDU's own words (document indices)


@dataclass
class Tree:
    """An eRST document: its nodes, relation types and signals (word indices from 0)."""

    nodes: dict[str, Node]
    multinuc: set[str]
    signals: list[tuple[str, str, list[int]]]  # (source node, subtype, words)
    forms: list[str]


# ---------------------------------------------------------------------------------------------
# Listing and reading the corpus


def allowed_documents(names: Iterable[str]) -> list[str]:
    """GUM news document ids in ``names`` (file names or paths), the reserved ones left out."""
    ids = set()
    for name in names:
        stem = Path(name).name.split(".")[0]
        if stem.startswith("GUM_news_") and stem not in RESERVED:
            ids.add(stem)
    return sorted(ids)


class Corpus:
    """A GUM checkout or a bare git directory of it (read at ``HEAD``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.bare = not (path / "dep").is_dir()

    def list(self, folder: str) -> list[str]:
        """File names in ``folder`` (names only: nothing is opened)."""
        if not self.bare:
            return sorted(p.name for p in (self.path / folder).iterdir())
        out = self._git("ls-tree", "--name-only", "HEAD", f"{folder}/")
        return [Path(line).name for line in out.splitlines()]

    def read(self, relative: str) -> str:
        """One file's text; refuses any file of a reserved document."""
        if Path(relative).name.split(".")[0] in RESERVED:
            raise PermissionError(f"{relative} belongs to a reserved document")
        if not self.bare:
            return (self.path / relative).read_text(encoding="utf-8")
        return self._git("show", f"HEAD:{relative}")

    def _git(self, *args: str) -> str:
        return subprocess.run(
            ["git", f"--git-dir={self.path}", *args],
            check=True,
            capture_output=True,
            text=True,
            encoding="utf-8",
        ).stdout


# ---------------------------------------------------------------------------------------------
# CoNLL-U: words, text, entities


def _misc(value: str) -> dict[str, str]:
    if value == "_":
        return {}
    pairs = (item.partition("=") for item in value.split("|"))
    return {key: val for key, _, val in pairs}


def parse_entities(value: str) -> list[tuple[str, int, str]]:
    """The brackets of one ``Entity=`` value, in order: ("open"|"close"|"unit", id, attrs)."""
    out = []
    for match in _ENTITY.finditer(value):
        if match.group(4):
            out.append(("close", int(match.group(4)), ""))
        else:
            kind = "unit" if match.group(3) else "open"
            out.append((kind, int(match.group(1)), match.group(2)))
    if "".join(m.group(0) for m in _ENTITY.finditer(value)) != value:
        raise ValueError(f"unreadable Entity value {value!r}")
    return out


def _mention(entity: int, attrs: str, first: int, last: int) -> Mention:
    # GRP-etype-infstat-salience-centering-minspan-link-identity; the identity may hold "-".
    parts = attrs.split("-", 6)
    parts += [""] * (7 - len(parts))
    return Mention(entity, parts[0], parts[5], parts[6], first, last)


def _sentences(conllu: str) -> list[tuple[list[str], list[list[str]]]]:
    """(comment lines, rows) per sentence; a multiword token's row is kept before its words."""
    out: list[tuple[list[str], list[list[str]]]] = []
    comments: list[str] = []
    rows: list[list[str]] = []
    for line in conllu.split("\n"):
        if not line.strip():
            if rows:
                out.append((comments, rows))
            comments, rows = [], []
        elif line.startswith("#"):
            comments.append(line)
        else:
            rows.append(line.split("\t"))
    if rows:
        out.append((comments, rows))
    return out


def _surface(rows: list[list[str]]) -> list[tuple[str, dict[str, str], list[list[str]]]]:
    """Surface tokens of a sentence: (form, MISC, its word rows)."""
    tokens = []
    index = 0
    while index < len(rows):
        row = rows[index]
        if "-" in row[0]:
            first, last = (int(n) for n in row[0].split("-"))
            words = rows[index + 1 : index + 2 + last - first]
            misc = {**_misc(words[-1][9]), **_misc(row[9])}
            tokens.append((row[1], misc, words))
            index += 2 + last - first
        elif "." in row[0]:
            index += 1  # empty node of enhanced dependencies: no surface form
        else:
            tokens.append((row[1], _misc(row[9]), [row]))
            index += 1
    return tokens


def parse_conllu(conllu: str, header: bool = True) -> Document:
    """Read a GUM CoNLL-U document: its words with character spans, mentions and text.

    Paragraphs (``# newpar``) are separated by a blank line; the text starts with a
    ``date YYYY-MM-DD`` line (see :func:`published`) when ``header`` is set, and ends with a
    newline.
    """
    meta: dict[str, str] = {}
    words: list[Word] = []
    entity_rows: list[str] = []
    tags: list[tuple[int, int, str]] = []  # (token start, token end, XML value)
    text = ""
    for comments, rows in _sentences(conllu):
        for line in comments:
            if line.startswith("# meta::") and " = " in line:
                key, value = line[len("# meta::") :].split(" = ", 1)
                meta[key.strip()] = value.strip()
            elif line.startswith("# newdoc id = "):
                meta["id"] = line.split(" = ", 1)[1].strip()
        if text and any(line.strip() == "# newpar" for line in comments):
            text = text.rstrip(" ") + "\n\n"
        offset = len(words)
        for form, misc, word_rows in _surface(rows):
            for row, (start, end) in zip(word_rows, _split_token(form, word_rows), strict=True):
                head = int(row[6])
                word = Word(row[1], row[3], row[5], offset + head - 1 if head else -1, row[7])
                word.start, word.end = len(text) + start, len(text) + end
                words.append(word)
                entity_rows.append(_misc(row[9]).get("Entity", ""))
            if "XML" in misc:
                tags.append((len(text), len(text) + len(form), misc["XML"]))
            text += form + ("" if misc.get("SpaceAfter") == "No" else " ")
    meta["published"] = published(text, meta.get("dateCreated", ""))
    prefix = f"date {meta['published']}\n" if header else ""
    for word in words:
        word.start, word.end = word.start + len(prefix), word.end + len(prefix)
    quotations = [(a + len(prefix), b + len(prefix)) for a, b in _elements(tags, "quote")]
    text = prefix + text.rstrip(" ") + "\n"
    return Document(meta.get("id", ""), meta, words, _mentions(entity_rows), text, quotations)


def published(body: str, created: str) -> str:
    """The article's publication date, as an ISO date.

    Its own dateline ("Saturday, October 9, 2010", the second paragraph), else GUM's
    ``meta::dateCreated``.
    """
    paragraphs = body.split("\n\n")
    line = paragraphs[1].strip() if len(paragraphs) > 1 else ""
    match = re.fullmatch(r"[A-Z][a-z]+day, ([A-Z][a-z]+ \d{1,2}, \d{4})", line)
    if match is None:
        return created
    return dt.datetime.strptime(match.group(1), "%B %d, %Y").date().isoformat()


def _elements(tags: list[tuple[int, int, str]], name: str) -> list[tuple[int, int]]:
    """Character ranges of the XML elements ``name``.

    An opening tag on a token opens before it, a closing tag closes after it.
    """
    out: list[tuple[int, int]] = []
    opened: list[int] = []
    for start, end, value in tags:
        for tag in re.findall(r"<(/?)(\w+)", value):
            if tag[1] != name:
                continue
            if tag[0]:
                out.append((opened.pop(), end))
            else:
                opened.append(start)
    return sorted(out)


def _split_token(form: str, word_rows: list[list[str]]) -> list[tuple[int, int]]:
    """Each word's span inside its surface token (the whole token when they do not add up)."""
    forms = [row[1] for row in word_rows]
    if len(forms) == 1 or "".join(forms) != form:
        return [(0, len(form))] * len(forms)
    spans, at = [], 0
    for word in forms:
        spans.append((at, at + len(word)))
        at += len(word)
    return spans


def _mentions(entity_rows: list[str]) -> list[Mention]:
    mentions: list[Mention] = []
    open_: dict[int, list[tuple[int, str]]] = {}
    for index, value in enumerate(entity_rows):
        for kind, entity, attrs in parse_entities(value):
            if kind == "unit":
                mentions.append(_mention(entity, attrs, index, index))
            elif kind == "open":
                open_.setdefault(entity, []).append((index, attrs))
            else:
                first, attrs = open_[entity].pop()
                mentions.append(_mention(entity, attrs, first, index))
    if any(open_.values()):
        raise ValueError("an entity mention is never closed")
    return sorted(mentions, key=lambda m: (m.first, -m.last))


# ---------------------------------------------------------------------------------------------
# rs4: the discourse tree, its attribution relations and their signals


def parse_rs4(rs4: str) -> Tree:
    """Read an rstWeb ``.rs4`` document; word indices count the EDUs' words from 0."""
    root = ET.fromstring(rs4)
    multinuc = {r.get("name", "") for r in root.iter("rel") if r.get("type") == "multinuc"}
    nodes: dict[str, Node] = {}
    forms: list[str] = []
    segments = sorted(root.iter("segment"), key=lambda s: int(s.get("id", "0")))
    for segment in segments:
        tokens = (segment.text or "").split()
        node = Node(segment.get("id", ""), segment.get("parent"), segment.get("relname", ""))
        node.words = list(range(len(forms), len(forms) + len(tokens)))
        forms.extend(tokens)
        nodes[node.id] = node
    for group in root.iter("group"):
        ident = group.get("id", "")
        nodes[ident] = Node(ident, group.get("parent"), group.get("relname", ""))
    signals = [
        (
            s.get("source", ""),
            s.get("subtype", ""),
            [int(t) - 1 for t in (s.get("tokens") or "").split(",") if t],
        )
        for s in root.iter("signal")
    ]
    return Tree(nodes, multinuc, signals, forms)


@dataclass
class Relation:
    """One attribution relation: reporting clause (satellite) and reported content."""

    satellite: str
    nucleus: str
    relname: str
    reporting: list[int]  # the satellite's words
    content: list[int]
    source: list[int]
    cue: list[int]
    cue_from: str  # "signal" (GUM's reporting words), "syntax" (the clause's verb) or "none"


def _children(tree: Tree) -> dict[str, list[str]]:
    children: dict[str, list[str]] = {}
    for node in tree.nodes.values():
        if node.parent:
            children.setdefault(node.parent, []).append(node.id)
    return children


def _coverage(node: str, tree: Tree, children: dict[str, list[str]]) -> set[int]:
    words = set(tree.nodes[node].words)
    for child in children.get(node, []):
        words |= _coverage(child, tree, children)
    return words


def attribution_relations(tree: Tree, heads: Sequence[int], upos: Sequence[str]) -> list[Relation]:
    """Every attribution relation of the tree, in text order.

    ``heads`` (each word's syntactic head, -1 for a root) and ``upos`` find the reporting
    clause's head verb, the cue when GUM marks no reporting word.
    """
    children = _children(tree)
    relations = []
    for node in tree.nodes.values():
        if not node.relname.startswith("attribution") or node.parent is None:
            continue
        reporting = _coverage(node.id, tree, children)
        content = (
            set().union(*(_coverage(n, tree, children) for n in _content_nodes(node.parent, tree)))
            - reporting
        )
        for sibling in children.get(node.parent, []):
            if tree.nodes[sibling].relname.startswith("attribution"):
                content -= _coverage(sibling, tree, children)
        source = sorted(
            w
            for s, sub, ws in tree.signals
            if s == node.id and sub == "attribution_source"
            for w in ws
        )
        cue = sorted(
            {
                w
                for s, sub, ws in tree.signals
                if s == node.id and sub in CUE_SUBTYPES
                for w in ws
                if w not in source and w in reporting
            }
        )
        cue_from = "signal"
        if not cue:
            verbs = [
                w for w in sorted(reporting) if heads[w] not in reporting and upos[w] == "VERB"
            ]
            cue, cue_from = verbs[:1], "syntax" if verbs else "none"
        relations.append(
            Relation(
                node.id,
                node.parent,
                node.relname,
                sorted(reporting),
                sorted(content),
                source,
                cue,
                cue_from,
            )
        )
    return sorted(relations, key=lambda r: (min(r.reporting), r.satellite))


def _content_nodes(nucleus: str, tree: Tree) -> list[str]:
    """The nodes spanning what was reported.

    GUM attaches a reporting clause to the first fragment of a sentence broken by
    a parenthetical (``that the case`` ... ``was being dealt with``); the fragments are the
    members of a ``same-unit`` group, and the content is all of them.
    """
    node = tree.nodes[nucleus]
    while node.relname == "span" and node.parent is not None:
        node = tree.nodes[node.parent]
    if node.relname == "same-unit" and node.parent is not None:
        group = node.parent
        return [n.id for n in tree.nodes.values() if n.parent == group and n.relname == "same-unit"]
    return [nucleus]


def runs(words: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive word indices grouped as (first, last) runs."""
    out: list[tuple[int, int]] = []
    for word in sorted(set(words)):
        if out and out[-1][1] == word - 1:
            out[-1] = (out[-1][0], word)
        else:
            out.append((word, word))
    return out


# ---------------------------------------------------------------------------------------------
# Quotations


def is_credit(reporting: str, content: str) -> bool:
    """A photo or media credit ("Image: NASA.", "Video: ... Jkthom."), not a statement."""
    return reporting.startswith("Image:") or re.fullmatch(r"\w+:", content.strip()) is not None


def quoted_regions(text: str) -> list[tuple[int, int]]:
    """The character ranges between quotation marks, marks excluded, paragraph by paragraph.

    A straight mark after a space (or at the start) and before a word opens; one after a
    word closes; any other one alternates. A quotation still open at the end of a paragraph
    ends there; it goes on in the next paragraph when that one's first mark closes (the
    writer did not reopen it).
    """
    regions = []
    at = 0
    carried = False
    for paragraph in text.split("\n\n"):
        marks = [(i, _opens(paragraph, i)) for i, c in enumerate(paragraph) if c in QUOTE_MARKS]
        start: int | None = None
        if carried and marks and marks[0][1] is False and paragraph[:1] not in QUOTE_MARKS:
            start = at
        for index, opens in marks:
            if start is None and opens is not False:
                start = at + index + 1
            elif start is not None and opens is not True:
                regions.append((start, at + index))
                start = None
        carried = start is not None
        if start is not None:
            regions.append((start, at + len(paragraph)))
        at += len(paragraph) + 2
    return regions


def _opens(paragraph: str, index: int) -> bool | None:
    """Whether the mark at ``index`` opens (True), closes (False) or cannot tell (None)."""
    char = paragraph[index]
    if char in "“”":
        return char == "“"
    before = paragraph[index - 1] if index else " "
    after = paragraph[index + 1] if index + 1 < len(paragraph) else " "
    if (before.isspace() or before in "([—") and not after.isspace():
        return True
    if not before.isspace() and (after.isspace() or after in ".,;:!?)]—"):
        return False
    return None


def merge(regions: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching ranges joined."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(regions):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def _inside(word: Word, regions: Sequence[tuple[int, int]]) -> bool:
    return any(start <= word.start < end for start, end in regions)


def _wordlike(words: Iterable[Word]) -> list[Word]:
    return [w for w in words if any(c.isalnum() for c in w.form)]


def statement_kind(content: Sequence[Word], regions: Sequence[tuple[int, int]]) -> str:
    """``direct`` when every word of the content is quoted, ``mixed`` when some are."""
    inside = [_inside(w, regions) for w in _wordlike(content)]
    if inside and all(inside):
        return "direct"
    return "mixed" if any(inside) else "indirect"


def quoted_pieces(
    spans: Sequence[tuple[int, int]], regions: Sequence[tuple[int, int]], text: str
) -> list[tuple[int, int]]:
    """The parts of ``spans`` inside quotations, trimmed of spaces and quotation marks."""
    pieces = []
    for start, end in spans:
        for r_start, r_end in regions:
            a, b = max(start, r_start), min(end, r_end)
            while a < b and (text[a].isspace() or text[a] in QUOTE_MARKS):
                a += 1
            while b > a and (text[b - 1].isspace() or text[b - 1] in QUOTE_MARKS):
                b -= 1
            if any(c.isalnum() for c in text[a:b]):
                pieces.append((a, b))
    return merge(pieces)


# ---------------------------------------------------------------------------------------------
# Sources and speakers

TITLES = frozenset(
    {
        *("Professor", "Prof.", "Dr.", "Dr", "Mr.", "Mr", "Mrs.", "Mrs", "Ms.", "Ms"),
        *("Governor", "Senator", "President", "Administrator", "General", "Director", "Chairman"),
    }
)
PRONOUNS = frozenset(
    {
        *("i", "me", "we", "us", "he", "him", "she", "her", "it", "they", "them"),
        *("who", "which", "that", "this"),
    }
)
SPEAKER_TYPES = ("person", "organization", "place")


@dataclass
class Speaker:
    """A source as the gold names it."""

    name: str
    kind: str
    aliases: list[str] = field(default_factory=list)


def _head(mention: Mention, words: Sequence[Word]) -> int:
    inside = range(mention.first, mention.last + 1)
    return next((w for w in inside if words[w].head not in inside), mention.first)


def _text(document: Document, first: int, last: int) -> str:
    return document.text[document.words[first].start : document.words[last].end]


def _pronoun(form: str) -> bool:
    return form.lower() in PRONOUNS


def source_mention(source: Sequence[int], document: Document) -> Mention | None:
    """The entity mention GUM's source signal marks, run by run.

    The mention of exactly those words; else the largest person, organisation or place
    mention inside them and starting with them (``Charles Bolden, NASA Administrator``);
    else the smallest mention holding them. A statement or report with a possessor
    (``Cornyn's statement``) is its possessor's.
    """
    mentions = document.mentions
    for first, last in runs(source):
        exact = [m for m in mentions if (m.first, m.last) == (first, last)]
        inner = [
            m for m in mentions if first == m.first and m.last <= last and m.etype in SPEAKER_TYPES
        ]
        holding = [m for m in mentions if m.first <= first and last <= m.last]
        if exact and exact[0].etype not in SPEAKER_TYPES:
            owner = _possessor(exact[0], document)
            return owner or exact[0]
        if exact or inner:
            return (exact or sorted(inner, key=lambda m: (m.first - m.last, m.first)))[0]
        if holding:
            return min(holding, key=lambda m: m.last - m.first)
    return None


def _possessor(mention: Mention, document: Document) -> Mention | None:
    words = document.words
    head = _head(mention, words)
    for inner in document.mentions:
        if mention.first <= inner.first and inner.last < mention.last:
            inner_head = _head(inner, words)
            if words[inner_head].deprel == "nmod:poss" and words[inner_head].head == head:
                return inner if inner.etype in SPEAKER_TYPES else None
    return None


def name_runs(mention: Mention, document: Document) -> list[str]:
    """The mention's own proper names.

    Runs of proper nouns not in a nested mention of another entity (``Washington`` in
    ``Governor of Washington Chris Gregoire``), joined over glued punctuation
    (``Al-Maeena``), a leading title dropped.
    """
    words = document.words
    others = [
        m
        for m in document.mentions
        if m.entity != mention.entity and mention.first <= m.first and m.last <= mention.last
    ]
    own = [
        words[i].upos == "PROPN" and not any(m.first <= i <= m.last for m in others)
        for i in range(mention.first, mention.last + 1)
    ]
    out: list[str] = []
    index = 0
    while index < len(own):
        if not own[index]:
            index += 1
            continue
        end = index
        while end + 1 < len(own) and (
            own[end + 1] or (end + 2 < len(own) and own[end + 2] and _glued(mention, end, words))
        ):
            end += 1 if own[end + 1] else 2
        first, last = mention.first + index, mention.first + end
        while last > first and words[first].form in TITLES:
            first += 1
        out.append(_text(document, first, last))
        index = end + 1
    return out


def _glued(mention: Mention, at: int, words: Sequence[Word]) -> bool:
    """Whether the word after ``at`` is punctuation with no space on either side."""
    a, b, c = (words[mention.first + at + k] for k in range(3))
    return b.upos == "PUNCT" and a.end == b.start and b.end == c.start


def speaker_for(chain: Sequence[Mention], sources: Sequence[str], document: Document) -> Speaker:
    """Name, kind and aliases of one source entity.

    Kinds: GUM ``organization`` and ``place`` (a country or a city speaking as an
    institution) are organisations; a ``person`` with a proper name is a person, otherwise a
    group (plural) or an anonymous source (singular); any other entity type (a report, a
    study, a web page, a post) is an anonymous source named by the article's own words.

    ``sources`` are the texts of its mentions that GUM marks as sources, in text order.
    """
    words = document.words
    mention = chain[0]
    names = [run for m in chain for run in name_runs(m, document)]
    full = [n for n in names if len(n.split()) > 1] or names
    described = [s for s in sources if not _pronoun(s)]
    if mention.etype in ("organization", "place"):
        kind = "organisation"
    elif mention.etype == "person" and names:
        kind = "person"
    elif mention.etype == "person":
        plural = any("Number=Plur" in words[_head(m, words)].feats for m in chain)
        kind = "group" if plural else "anonymous"
    else:
        kind = "anonymous"
    proper = _proper_forms(chain, document)
    if kind == "person":
        name = max(full, key=lambda n: (full.count(n), len(n.split()), -full.index(n)))
        parts = {p for n in full for p in n.split()}
        forms = [*full, *(n for n in names if n in parts), *described]
    elif kind == "organisation" and proper:
        name = max(proper, key=lambda n: (_capitalised(n), len(n.split()), -proper.index(n)))
        forms = [*proper, *described]
    else:
        texts = [_text(document, m.first, m.last) for m in chain]
        plain = [t for t in texts if not _pronoun(t) and len(t.split()) <= MAX_ALIAS_WORDS]
        name = (described or plain or list(sources))[0]
        forms = [*described, *(plain if mention.etype == "person" else [])]
    if kind == "person" or (kind == "organisation" and proper):
        forms = [*forms, *(_bare(f) for f in forms)]
    aliases = [
        f for f in dict.fromkeys(forms) if f != name and 0 < len(f.split()) <= MAX_ALIAS_WORDS
    ]
    return Speaker(name, kind, aliases)


def _proper_forms(chain: Sequence[Mention], document: Document) -> list[str]:
    """An organisation's short mentions headed by a proper noun, bare (see :func:`_bare`)."""
    words = document.words
    return [
        _bare(_text(document, m.first, m.last))
        for m in chain
        if words[_head(m, words)].upos == "PROPN" and m.last - m.first < MAX_ALIAS_WORDS
    ]


def _capitalised(name: str) -> bool:
    """Whether every word but a function word starts with a capital ("Church of Scientology")."""
    return all(w[:1].isupper() for w in name.split() if w not in ("of", "for", "and", "the"))


def _bare(name: str) -> str:
    """``name`` without a leading article or a possessive ending ("the Church's": "Church")."""
    if name.startswith(DETERMINERS) and len(name) > 4:
        name = name[4:]
    for ending in ("'s", "’s"):
        if name.endswith(ending) and len(name) > 2:
            name = name[: -len(ending)]
    return name


# ---------------------------------------------------------------------------------------------
# From relations to the gold record


def _span(text: str, start: int, end: int) -> dict[str, Any]:
    return {"start": start, "end": end, "text": text[start:end]}


def word_spans(words: Iterable[int], document: Document) -> list[tuple[int, int]]:
    """Character spans of the runs of ``words``."""
    return [(document.words[a].start, document.words[b].end) for a, b in runs(words)]


@dataclass
class Statement:
    """One attribution relation of a document, with its source entity resolved."""

    relation: Relation
    key: object  # the source's entity id, or its words when GUM has no mention there
    source_text: str
    kind: str
    nested: bool  # the source stands inside someone's quotation
    speaker: Speaker = field(default_factory=lambda: Speaker("", ""))


def statements(document: Document, tree: Tree) -> list[Statement]:
    """The document's attributed statements (credits left out), speakers resolved."""
    words, text = document.words, document.text
    relations = attribution_relations(tree, [w.head for w in words], [w.upos for w in words])
    regions = merge([*quoted_regions(text), *document.quotations])
    found = []
    for relation in relations:
        reporting = " ".join(text[a:b] for a, b in word_spans(relation.reporting, document))
        content = " ".join(text[a:b] for a, b in word_spans(relation.content, document))
        if is_credit(reporting, content):
            continue
        mention = source_mention(relation.source, document)
        first, last = runs(relation.source)[0]
        if mention is not None and mention.last - mention.first < MAX_NAME_WORDS:
            first, last = mention.first, mention.last
        source_text = _text(document, first, last).rstrip(" ,.;:")
        source_words = _wordlike(words[w] for w in relation.source)
        found.append(
            Statement(
                relation,
                mention.entity if mention else source_text,
                source_text,
                statement_kind([words[w] for w in relation.content], regions),
                bool(source_words) and all(_inside(w, regions) for w in source_words),
            )
        )
    for key in dict.fromkeys(s.key for s in found):
        mine = [s for s in found if s.key == key]
        chain = [m for m in document.mentions if m.entity == key] or [
            Mention(-1, "", "", "", *runs(mine[0].relation.source)[0])
        ]
        speaker = speaker_for(chain, [s.source_text for s in mine], document)
        for statement in mine:
            statement.speaker = speaker
    return found


FIRST_PERSON = frozenset(("i", "me", "we", "us"))


def gold_quote(statement: Statement, document: Document) -> dict[str, str] | None:
    """The statement as a gold quote, or None when it is not one of its own.

    A direct quote gives its quoted words (pieces joined by `` ... ``); indirect and mixed
    ones the reporting passage, reporting clause included. A statement standing inside a
    quotation is the quoted speaker's own words when its source is ``I`` or ``we`` ("I think
    ...", a direct quote of reporting clause and content); one by someone else (``Moxon
    proceeded to lie to Daniel that ...`` inside Rathbun's quotation) is no gold quote.
    """
    text = document.text
    relation = statement.relation
    content = word_spans(relation.content, document)
    regions = merge([*quoted_regions(text), *document.quotations])
    if statement.nested:
        if statement.source_text.lower() not in FIRST_PERSON:
            return None
        spans = word_spans([*relation.reporting, *relation.content], document)
        pieces = quoted_pieces(spans, regions, text)
        kind = "direct"
    elif statement.kind == "direct":
        pieces, kind = quoted_pieces(content, regions, text), "direct"
    else:
        spans = word_spans([*relation.reporting, *relation.content], document)
        start, end = spans[0][0], spans[-1][1]
        pieces, kind = [(start, end)], statement.kind
    words = " ... ".join(text[a:b].strip() for a, b in pieces)
    return {"speaker": statement.speaker.name, "kind": kind, "text": words} if words else None


def gold_quotes(found: Sequence[Statement], document: Document) -> list[dict[str, str]]:
    """The gold quotes, each once.

    A quote held whole in a longer one of the same speaker (``we have learned a lot`` in the
    coach's whole quotation) is left out, and so is a statement inside another's content.
    """
    quotes: list[dict[str, str]] = []
    for statement in found:
        if statement.nested and _enclosed(statement, found):
            continue
        quote = gold_quote(statement, document)
        if quote is not None and quote not in quotes:
            quotes.append(quote)
    return [
        q
        for q in quotes
        if not any(
            o is not q and o["speaker"] == q["speaker"] and _holds(o["text"], q["text"])
            for o in quotes
        )
    ]


def _enclosed(statement: Statement, found: Sequence[Statement]) -> bool:
    """Whether the statement's reporting clause is part of another statement's content."""
    clause = set(statement.relation.reporting)
    return any(clause <= set(other.relation.content) for other in found if other is not statement)


def _holds(longer: str, shorter: str) -> bool:
    return len(longer) > len(shorter) and all(p in longer for p in shorter.split(" ... "))


def gold_speakers(
    found: Iterable[Statement], quotes: Sequence[Mapping[str, str]]
) -> list[dict[str, Any]]:
    """The speakers of the gold quotes, one per name.

    Two entities with the same name are one speaker.
    """
    quoted = {q["speaker"] for q in quotes}
    merged: dict[str, Speaker] = {}
    for statement in found:
        speaker = statement.speaker
        if speaker.name not in quoted:
            continue
        known = merged.setdefault(speaker.name, Speaker(speaker.name, speaker.kind))
        known.aliases.extend(a for a in speaker.aliases if a not in known.aliases)
    return [{"name": s.name, "aliases": s.aliases, "kind": s.kind} for s in merged.values()]


def attribution(statement: Statement, document: Document) -> dict[str, Any]:
    """One statement as spans of the text: source mention, cue and content."""
    text, relation = document.text, statement.relation

    def spans(words: Iterable[int]) -> list[dict[str, Any]]:
        return [_span(text, a, b) for a, b in word_spans(words, document)]

    return {
        "speaker": statement.speaker.name,
        "kind": statement.kind,
        "in_quotation": statement.nested,
        "polarity": relation.relname.split("-", 1)[1],
        "source": spans(relation.source),
        "cue": spans(relation.cue),
        "cue_from": relation.cue_from,
        "content": spans(relation.content),
        "gum": {"satellite": relation.satellite, "nucleus": relation.nucleus},
    }


def record(document: Document, tree: Tree) -> dict[str, Any]:
    """The gold line of one document (see ``seeds/real/README.md``)."""
    found = statements(document, tree)
    quotes = gold_quotes(found, document)
    return {
        "id": document.id,
        "text": document.text,
        "published": document.meta["published"],
        "title": document.meta.get("title", ""),
        "url": document.meta.get("sourceURL", ""),
        "not_annotated": list(NOT_ANNOTATED),
        "gold": {
            "speakers": gold_speakers(found, quotes),
            "quotes": quotes,
            "attribution": [attribution(s, document) for s in found],
        },
    }


def check(line: dict[str, Any]) -> None:
    """Every span slices the text to its words; every name, alias and quote is verbatim.

    Raises:
        AssertionError: The line breaks one of these.
    """
    text = line["text"]
    for item in line["gold"]["attribution"]:
        for part in ("source", "cue", "content"):
            for span in item[part]:
                piece = text[span["start"] : span["end"]]
                if piece != span["text"] or piece != piece.strip() or not piece:
                    raise AssertionError(f"{line['id']}: {part} span {span} does not slice")
    for speaker in line["gold"]["speakers"]:
        for form in [speaker["name"], *speaker["aliases"]]:
            if form not in text:
                raise AssertionError(f"{line['id']}: {form!r} is not in the text")
    for quote in line["gold"]["quotes"]:
        if not all(piece in text for piece in quote["text"].split(" ... ")):
            raise AssertionError(f"{line['id']}: quote {quote['text']!r} is not in the text")


def convert(corpus: Corpus, out: Path) -> list[dict[str, Any]]:
    """Write ``<doc>.txt`` and ``gold.jsonl`` for every allowed news document."""
    lines = []
    for ident in allowed_documents(corpus.list("dep")):
        document = parse_conllu(corpus.read(f"dep/{ident}.conllu"))
        tree = parse_rs4(corpus.read(f"rst/rstweb/{ident}.rs4"))
        if tree.forms != [w.form for w in document.words]:
            raise AssertionError(f"{ident}: the rs4 and CoNLL-U words differ")
        line = record(document, tree)
        check(line)
        (out / f"{ident}.txt").write_text(document.text, encoding="utf-8", newline="\n")
        lines.append(line)
    with (out / "gold.jsonl").open("w", encoding="utf-8", newline="\n") as handle:
        for line in lines:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``--gum PATH`` (a checkout or a bare git directory), ``--out DIR``."""
    parser = argparse.ArgumentParser(description="Convert GUM's news documents.")
    parser.add_argument("--gum", type=Path, required=True, help="GUM checkout or git dir")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    lines = convert(Corpus(args.gum), args.out)
    count = sum(len(line["gold"]["attribution"]) for line in lines)
    print(f"{len(lines)} documents, {count} attributed statements -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
