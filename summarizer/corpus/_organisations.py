"""One identity per organisation, however each outlet writes it.

Pure functions, no model call. Two forms of an organisation are one body when, after these
rules, they are the same words (:func:`org_name`); each rule that fired is named, so every
join can be explained:

- ``leading article``: a leading ``the``, ``a``, ``an`` is dropped (``the State Department``);
- ``country``: a leading country, as a name, an abbreviation or an adjective, is set apart
  from the body's own name: ``US``, ``U.S.``, ``United States``, ``America's``, ``American``
  are one country; any possessive (``Russia's central bank``) is a place; a capitalised
  adjective in ``-an`` before lower-case words is its place (``Lestrian foreign ministry`` is
  ``Lestria's foreign ministry``), but not before capitalised ones, where it is part of the
  name (``Korean Central News Agency``);
- ``word order``: ``Department of State`` is ``State Department`` (one word, ``of``, up to
  three words);
- ``agency``: a proper name followed by ``News Agency`` or ``Agency`` is that name
  (``Yonhap News Agency`` / ``Yonhap``);
- ``abbreviation``: an abbreviation an article defines (``Korean Central News Agency
  (KCNA)``, in its text or in a name the summary gives) stands for its long form, when no
  other article defines it otherwise.

Then a name given without a country (``the State Department``, ``the central bank``) joins
the one country's body of that name when exactly one country's is in the corpus, as a bare
surname joins the one person who has it, and only when that name has two words or more
(``the government`` or ``the ministry`` alone is any country's). Bodies of two countries
stay apart (``Russia's central bank``, ``Japan's central bank``), and so do different
bodies (``the State Department``, ``the Defense Department``; ``Russia's central bank``,
``Russia``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from summarizer._identity import COMMON_WORDS, LEADING_ARTICLES, fold_token, plain_words

__all__ = ["OrgJoin", "OrgName", "abbreviations", "link_organisations", "org_name"]

_US = [
    ("united", "states", "of", "america"),
    ("united", "states"),
    ("u", "s", "a"),
    ("u", "s"),
    ("usa",),
    ("us",),
    ("america",),
    ("american",),
]
"""How outlets write the United States before a body's name (``U.S.`` is ``u s`` as words)."""
_AGENCY = [("news", "agency"), ("agency",)]
_TOKEN = re.compile(r"[\w'’.-]+")
_DEFINED = re.compile(r"\(([A-Z][A-Z&.]{1,11})\)")
_CONNECTORS = frozenset({"of", "for", "and", "the", "on", "de", "du", "des", "&"})


@dataclass(frozen=True)
class OrgName:
    """One form of an organisation's name as compared: its place and its own words."""

    place: str | None
    """The country or place before the name (``us``, ``russia``), or None."""
    words: tuple[str, ...]
    rules: tuple[tuple[str, str], ...] = ()
    """The rules that changed the form, each with the words it read: (``country``, ``u s``)."""


@dataclass(frozen=True)
class OrgJoin:
    """Why one source joined another's identity: the two forms and the rules."""

    source: int
    target: int
    form: str
    joined: str
    rules: tuple[str, ...]


@dataclass
class OrgLinking:
    """Sources grouped into organisations, each join explained."""

    groups: list[int]
    joins: list[OrgJoin] = field(default_factory=list)


def _tokens(form: str) -> list[tuple[str, str]]:
    """The words of a form, each as written and as compared (``U.S.`` gives two)."""
    out = []
    for raw in _TOKEN.findall(form):
        for word in plain_words(raw):
            out.append((raw, word))
    return out


def _country(tokens: list[tuple[str, str]]) -> tuple[str | None, int]:
    """A leading country or place: (its key, how many tokens it takes)."""
    words = [w for _, w in tokens]
    for spelling in _US:
        if tuple(words[: len(spelling)]) == spelling and len(words) > len(spelling):
            return "us", len(spelling)
    if len(tokens) < 2:
        return None, 0
    raw, word = tokens[0]
    if not raw[0].isupper():
        return None, 0
    if raw.endswith(("'s", "’s")):
        return fold_token(word), 1
    if word.endswith("an") and tokens[1][0][0].islower():
        return fold_token(word[:-1]), 1
    return None, 0


def org_name(form: str, defined: Mapping[str, str] | None = None) -> OrgName:
    """One form of an organisation's name as compared (see the module docstring).

    ``defined`` maps an abbreviation to the long form an article gives it.
    """
    rules: list[tuple[str, str]] = []
    stripped = form.strip()
    long_form = re.fullmatch(r"(.*\S)\s*\(([A-Z][A-Z&.]{1,11})\)", stripped)
    if long_form:
        stripped = long_form[1]
    elif defined and _abbreviation(stripped) and (long := defined.get(stripped.replace(".", ""))):
        inner = org_name(long)
        rule = ("abbreviation", stripped.replace(".", ""))
        return OrgName(inner.place, inner.words, (rule, *inner.rules))
    tokens = _tokens(stripped)
    if tokens and tokens[0][1] in LEADING_ARTICLES and len(tokens) > 1:
        rules.append(("leading article", tokens[0][1]))
        tokens = tokens[1:]
    place, taken = _country(tokens)
    if taken:
        rules.append(("country", " ".join(w for _, w in tokens[:taken])))
        tokens = tokens[taken:]
    words = [w for _, w in tokens]
    if 3 <= len(words) <= 5 and words[1] == "of" and "of" not in words[2:]:
        rules.append(("word order", " ".join(words)))
        words = [*words[2:], words[0]]
    for suffix in _AGENCY if place is None else []:
        rest = len(words) - len(suffix)
        proper = tokens[0][0][0].isupper() and words[0] not in COMMON_WORDS
        if rest >= 1 and tuple(words[rest:]) == suffix and proper:
            rules.append(("agency", " ".join(suffix)))
            words = words[:rest]
            break
    return OrgName(place, tuple(fold_token(w) for w in words), tuple(rules))


def _why(a: OrgName, b: OrgName) -> tuple[str, ...]:
    """The rules that make two forms one: those that read different words in each."""
    differ = [
        rule
        for rule, read in (*a.rules, *b.rules)
        if (rule, read) not in set(a.rules) & set(b.rules)
    ]
    return tuple(dict.fromkeys(differ)) or ("the same name",)


def _abbreviation(form: str) -> bool:
    """One word in capitals (``KCNA``, ``U.N.``): what an article may define."""
    return bool(re.fullmatch(r"[A-Z][A-Z&.]{1,11}", form))


def _initials(words: Sequence[str]) -> str:
    return "".join(w[0] for w in words).upper()


def _defined_in(text: str) -> Iterable[tuple[str, str]]:
    """The abbreviations a text defines: ``Korean Central News Agency (KCNA)``."""
    for match in _DEFINED.finditer(text):
        abbreviation = match[1].replace(".", "")
        before = _TOKEN.findall(text[: match.start()])[-(2 * len(abbreviation) + 4) :]
        named: list[str] = []
        for word in reversed(before):
            if len(named) == len(abbreviation):
                break
            if word.casefold() in _CONNECTORS and named:
                continue
            if not word[0].isupper():
                break
            named.insert(0, word)
        if len(named) == len(abbreviation) and _initials(named) == abbreviation:
            start = text.rindex(named[0], 0, match.start())
            yield abbreviation, text[start : match.start()].strip()


def abbreviations(texts: Iterable[str]) -> dict[str, str]:
    """The abbreviations the texts define, each with its one long form.

    An abbreviation two texts define differently (by their words) stands for nothing.
    """
    found: dict[str, dict[tuple[str, ...], str]] = {}
    for text in texts:
        for abbreviation, long_form in _defined_in(text):
            found.setdefault(abbreviation, {}).setdefault(org_name(long_form).words, long_form)
    return {a: next(iter(forms.values())) for a, forms in found.items() if len(forms) == 1}


def link_organisations(
    sources: Sequence[Sequence[str]], defined: Mapping[str, str] | None = None
) -> OrgLinking:
    """Group organisations (each given as forms, name first) into identities; explained.

    Deterministic: each identity is named by its first source, and each join records the
    form that joined, the form it joined and the rules that made them one.
    """
    parent = list(range(len(sources)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    found = OrgLinking([])
    first: dict[tuple[str | None, tuple[str, ...]], tuple[int, str, OrgName]] = {}
    for i, forms in enumerate(sources):
        for form in forms:
            name = org_name(form, defined)
            if not name.words:
                continue
            key = (name.place, name.words)
            if key not in first:
                first[key] = (i, form, name)
                continue
            j, other, known = first[key]
            if root(i) != root(j):
                parent[max(root(i), root(j))] = min(root(i), root(j))
                found.joins.append(OrgJoin(i, j, form, other, _why(name, known)))
    places: dict[tuple[str, ...], set[str]] = {}
    for place, words in first:
        if place is not None:
            places.setdefault(words, set()).add(place)
    for (place, words), (i, form, name) in first.items():
        owners = places.get(words, set())
        if place is None and len(words) >= 2 and len(owners) == 1:
            j, other, known = first[(next(iter(owners)), words)]
            if root(i) != root(j):
                parent[max(root(i), root(j))] = min(root(i), root(j))
                rules = tuple(dict.fromkeys((*_why(name, known), "country")))
                rules = tuple(r for r in rules if r != "the same name")
                found.joins.append(OrgJoin(i, j, form, other, rules))
    found.groups = [root(i) for i in range(len(sources))]
    return found
