"""One identity per person: name normalisation, matching rules and stable speaker ids.

Pure functions, no model call. The model resolves what needs reading ("the latter", "he",
"the Russian president") when it fills ``speakers[].aliases``; these rules only decide
whether two *names* denote the same person, and they err on the side of keeping people
apart: a wrong merge corrupts every quote it touches, a missed one only duplicates a row.

Normalisation (:func:`name_tokens`), applied to every form of a name:

- case folded, diacritics stripped (``Peña`` / ``Pena``, ``Tomás`` / ``Tomas``);
- typographic apostrophes made straight, a possessive ``'s`` or trailing ``'`` dropped;
- honorifics and titles dropped (``President``, ``President-elect``, ``Chancellor``,
  ``Mr``, ``Dr``, ``Bürgermeisterin``, ...: see :data:`TITLES`), as are articles (``the``).

Transliteration (:func:`fold_token`), applied to each remaining word when comparing (never
to the names shown), a small fixed rule set for romanised Slavic names:

- a final ``iy``, ``yy``, ``ii``, ``yi`` or ``ij`` becomes ``y``: Zelensky / Zelenskyy /
  Zelenskiy, Dmitry / Dmitriy;
- a final ``ei`` becomes ``ey``: Sergei / Sergey, Alexei / Alexey;
- ``ks`` becomes ``x``: Aleksei / Alexei;
- a leading ``ye`` becomes ``e``: Yevgeny / Evgeny;
- ``zh`` becomes ``j``: Zhanna / Janna.

Matching (:func:`forms_match`): two forms match when their folded words are equal, or both
have two or more words and agree on the first and the last (a middle name or initial is
ignored: ``Donald J. Trump`` / ``Donald Trump``). A one-word form (a surname once titles
are dropped: ``Putin``, ``President Putin``, ``Putin's``) matches a longer form with that
last word. When resolving against a list of known people (:func:`resolve`,
:func:`cluster`) a surname matches only when exactly one known person has it: two
people named ``Johnson`` stay apart. A form left with no words (``President``) names nobody, and a
title-only reference (``the Russian president``) is never matched by these rules unless
the model listed it as an alias of one person.

Ids (:func:`speaker_id`): the slug of the canonical name, titles dropped, diacritics
stripped, words joined by ``-`` (``Vladimir Putin`` -> ``vladimir-putin``); deterministic,
so the same name gives the same id in every run.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from summarizer._grounding import normalize_surface

__all__ = [
    "TITLES",
    "cluster",
    "fold_token",
    "form_key",
    "forms_match",
    "name_tokens",
    "plain_words",
    "resolve",
    "same_person",
    "speaker_id",
]

TITLES = frozenset(
    {
        # honorifics
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "prof",
        "professor",
        "sir",
        "dame",
        "lord",
        "lady",
        "madam",
        "herr",
        "frau",
        "señor",
        "senor",
        "señora",
        "senora",
        # offices
        "president",
        "president-elect",
        "vice",
        "vice-president",
        "prime",
        "minister",
        "chancellor",
        "secretary",
        "mayor",
        "governor",
        "senator",
        "rep",
        "representative",
        "congressman",
        "congresswoman",
        "king",
        "queen",
        "prince",
        "princess",
        "pope",
        "general",
        "gen",
        "colonel",
        "col",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "leader",
        "chairman",
        "chairwoman",
        "ambassador",
        "judge",
        "bürgermeisterin",
        "bürgermeister",
        "burgermeisterin",
        "burgermeister",
        "kanzler",
        "kanzlerin",
        # articles
        "the",
        "der",
        "die",
        "la",
        "le",
    }
)
"""Words dropped from a name before matching: honorifics, offices and articles."""

_WORD = re.compile(r"[\w'-]+")
_APOSTROPHES = str.maketrans(dict.fromkeys("\u2018\u2019\u201b\u02bc\u00b4`\u2032", "'"))
_FINAL_Y = re.compile(r"(?:iy|yy|ii|yi|ij)$")


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


@lru_cache(maxsize=4096)
def form_key(name: str) -> str:
    """One form of a name as compared exactly: typographic variants, spacing and case aside.

    ``"President  Putin"`` and ``"president putin"`` share a key; ``"Putin"`` does not (use
    :func:`forms_match` for the identity rules).
    """
    return " ".join(normalize_surface(name).casefold().split())


def plain_words(text: str) -> list[str]:
    """The words of any text folded as names are: case, diacritics, possessive ``'s``."""
    words = []
    for raw in _WORD.findall(_plain(text)):
        word = raw.strip("'-")
        word = word[:-2] if word.endswith("'s") else word
        if word := word.rstrip("'"):
            words.append(word)
    return words


@lru_cache(maxsize=4096)
def name_tokens(name: str) -> tuple[str, ...]:
    """The words of a name: folded case, no diacritics, possessive, titles or articles."""
    return tuple(w for w in plain_words(name) if w not in TITLES and _plain(w) not in TITLES)


@lru_cache(maxsize=4096)
def fold_token(word: str) -> str:
    """One word with the transliteration rules applied (see the module docstring)."""
    word = word.replace("ks", "x").replace("zh", "j")
    if word.startswith("ye") and len(word) > 3:
        word = "e" + word[2:]
    if len(word) > 3:
        word = _FINAL_Y.sub("y", word)
        if word.endswith("ei"):
            word = word[:-2] + "ey"
    return word


def _key(name: str) -> tuple[str, ...]:
    return tuple(fold_token(t) for t in name_tokens(name))


def forms_match(a: str, b: str) -> bool:
    """Whether two forms of a name can denote the same person.

    Surnames are not checked for ambiguity here: see :func:`resolve`.
    """
    ka, kb = _key(a), _key(b)
    if not ka or not kb:
        return False
    if ka == kb:
        return True
    if len(ka) >= 2 and len(kb) >= 2:
        return ka[0] == kb[0] and ka[-1] == kb[-1]
    return ka[-1] == kb[-1]


def _full_match(a: str, b: str) -> bool:
    ka, kb = _key(a), _key(b)
    if not ka or not kb:
        return False
    if ka == kb:
        return True
    return len(ka) >= 2 and len(kb) >= 2 and ka[0] == kb[0] and ka[-1] == kb[-1]


def same_person(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether two people, each given as their forms (name first, then aliases), match.

    Pairwise, with no other people known, so a surname matches a full name with it.
    """
    return any(forms_match(x, y) for x in a for y in b)


def _surnames(forms: Sequence[str]) -> set[str]:
    return {key[-1] for f in forms if len(key := _key(f)) >= 2}


def resolve(name: str, people: Sequence[Sequence[str]]) -> int | None:
    """The index of the one person in ``people`` (each given as forms) that ``name`` is.

    A full-name match wins; a one-word name (a surname) resolves only when exactly one
    person has that surname; anything else is None (unresolved, kept apart).
    """
    full = [i for i, forms in enumerate(people) if any(_full_match(name, f) for f in forms)]
    if len(full) == 1:
        return full[0]
    if full:
        return None
    key = _key(name)
    if len(key) != 1:
        return None
    owners = [i for i, forms in enumerate(people) if key[0] in _surnames(forms)]
    return owners[0] if len(owners) == 1 else None


def cluster(people: Sequence[Sequence[str]]) -> list[int]:
    """Group people (each given as forms, name first) into identities; deterministic.

    Returns, for each person, the index of the first person of its group. People with a
    multi-word form are grouped by full-name matches first; a person known only by one-word
    forms then joins the one group whose surname it is, if exactly one group has it.
    """
    group = list(range(len(people)))

    def root(i: int) -> int:
        while group[i] != i:
            i = group[i]
        return i

    def join(i: int, j: int) -> None:
        ri, rj = root(i), root(j)
        if ri != rj:
            group[max(ri, rj)] = min(ri, rj)

    full = [bool(_surnames(forms)) for forms in people]
    for i, a in enumerate(people):
        for j in range(i):
            if full[i] != full[j]:
                continue  # a surname-only person joins in the second pass, if unambiguous
            pairs = ((x, y) for x in a for y in people[j])
            if any(_full_match(x, y) and (len(_key(x)) >= 2 or not full[i]) for x, y in pairs):
                join(i, j)
    for i, forms in enumerate(people):
        if full[i]:
            continue  # has a full name: grouped above
        words = {key[0] for f in forms if len(key := _key(f)) == 1}
        owners = {root(j) for j, other in enumerate(people) if j != i and words & _surnames(other)}
        if len(owners) == 1:
            join(i, owners.pop())
    return [root(i) for i in range(len(people))]


def speaker_id(name: str) -> str:
    """A stable id for a person: the slug of the canonical name (``vladimir-putin``)."""
    words = name_tokens(name) or tuple(_WORD.findall(_plain(name)))
    slug = "-".join(re.sub(r"[\W_]+", "-", w).strip("-") for w in words)
    return re.sub(r"-{2,}", "-", slug).strip("-") or "unnamed"
