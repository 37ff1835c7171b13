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
have two or more words and agree on the first and the last, and on the middle names when
both give them, word for word, an initial standing for a name: ``George W. Bush`` /
``George Walker Bush`` match, ``George H. W. Bush`` / ``George W. Bush`` do not, and a form
without middle names matches either (``Donald J. Trump`` / ``Donald Trump``). A one-word
form (a surname once titles are dropped: ``Putin``, ``President Putin``, ``Putin's``)
matches a longer form with that last word. After a title that comes before a given name
(:data:`GIVEN_NAME_TITLES`: ``King Charles``, ``Pope Francis``) the one word is not a
surname: the title is kept as the form's first word, so ``King Charles`` and ``Ray
Charles`` share no surname. When resolving against a list of known people (:func:`resolve`,
:func:`cluster`) a surname matches only when exactly one known person has it: two
people named ``Johnson`` stay apart, and likewise a form without middle names joins only
when one known person has that first and last name (beside ``George H. W. Bush`` and
``George W. Bush``, ``George Bush`` stays apart). A form left with no words
(``President``) names nobody, nor does an office of a place (``The President of Russia``:
its words after the titles start with ``of``, so ``Russia`` is no surname), and a
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
from dataclasses import dataclass, field
from functools import lru_cache

from nameparser.config import CONSTANTS

from summarizer._grounding import normalize_surface

__all__ = [
    "COMMON_WORDS",
    "GIVEN_NAME_TITLES",
    "LEADING_ARTICLES",
    "NAME_PARTICLES",
    "TITLES",
    "Apart",
    "Evidence",
    "Link",
    "Linking",
    "cluster",
    "evidence",
    "fold_token",
    "form_evidence",
    "form_key",
    "forms_match",
    "link",
    "name_key",
    "name_mentions",
    "name_tokens",
    "plain_words",
    "resolve",
    "role_evidence",
    "same_person",
    "speaker_id",
    "unknown_names",
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
    """The words of a name: folded case, no diacritics, possessive, titles or articles.

    Beyond :data:`TITLES`, leading words the name parser knows as titles, and qualifiers
    such as ``former``, are dropped while two words stay (``Former President Bill
    Clinton`` is ``bill clinton``; ``Dean Baquet`` keeps its given name).
    """
    words = [w for w in plain_words(name) if w not in TITLES and _plain(w) not in TITLES]
    lead = 0
    while len(words) - lead > 2 and (words[lead] in _TITLE_WORDS or words[lead] in _QUALIFIERS):
        lead += 1
    return tuple(words[lead:])


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


GIVEN_NAME_TITLES = frozenset({"king", "queen", "prince", "princess", "pope"})
"""Titles followed by a given name, not a surname: "King Charles" is no Charles by surname."""


@lru_cache(maxsize=4096)
def _key(name: str) -> tuple[str, ...]:
    """The folded words a name is compared by (see the module docstring)."""
    tokens = tuple(fold_token(t) for t in name_tokens(name))
    if tokens[:1] == ("of",):
        return ()  # a description, "the President of Russia": no name, so no surname "Russia"
    if len(tokens) == 1:
        words = plain_words(name)
        at = next(i for i, w in enumerate(words) if w not in TITLES and _plain(w) not in TITLES)
        if at and words[at - 1] in GIVEN_NAME_TITLES:
            return (words[at - 1], *tokens)
    return tokens


def name_key(name: str) -> tuple[str, ...]:
    """The folded words a name is compared by: one word is a surname, two or more a full name."""
    return _key(name)


def _middles_agree(a: Sequence[str], b: Sequence[str]) -> bool:
    """Middle names agree: one side gives none, or word for word, an initial for a name."""
    if not a or not b:
        return True
    return len(a) == len(b) and all(
        x == y or (len(x) == 1 and y.startswith(x)) or (len(y) == 1 and x.startswith(y))
        for x, y in zip(a, b, strict=True)
    )


def _full_names_match(ka: tuple[str, ...], kb: tuple[str, ...]) -> bool:
    return (
        len(ka) >= 2
        and len(kb) >= 2
        and ka[0] == kb[0]
        and ka[-1] == kb[-1]
        and _middles_agree(ka[1:-1], kb[1:-1])
    )


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
        return _full_names_match(ka, kb)
    return ka[-1] == kb[-1]


def _full_match(a: str, b: str) -> bool:
    ka, kb = _key(a), _key(b)
    return bool(ka) and (ka == kb or _full_names_match(ka, kb))


def same_person(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether two people, each given as their forms (name first, then aliases), match.

    Pairwise, with no other people known, so a surname matches a full name with it.
    """
    return any(forms_match(x, y) for x in a for y in b)


def _surnames(forms: Sequence[str]) -> set[str]:
    return {key[-1] for f in forms if len(key := _key(f)) >= 2}


def _kinds(people: Sequence[object], kinds: Sequence[str] | None) -> list[str]:
    return list(kinds) if kinds is not None else ["person"] * len(people)


def resolve(
    name: str, people: Sequence[Sequence[str]], kinds: Sequence[str] | None = None
) -> int | None:
    """The index of the one source in ``people`` (each given as forms) that ``name`` is.

    A full-name match wins; a one-word name (a surname) resolves only when exactly one
    person has that surname; anything else is None (unresolved, kept apart). Sources that
    are not persons (``kinds``: organisation, group, anonymous) are never reached by these
    rules, only by the same form (case and spacing aside).
    """
    kinds_ = _kinds(people, kinds)
    exact_key = form_key(name)
    exact = [
        i
        for i, forms in enumerate(people)
        if kinds_[i] != "person" and any(form_key(f) == exact_key for f in forms)
    ]
    if exact:
        return exact[0] if len(exact) == 1 else None
    people = [list(forms) if kinds_[i] == "person" else [] for i, forms in enumerate(people)]
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


class _Groups:
    """Union-find over source indices; a group is named by its smallest index."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def root(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, i: int, j: int) -> None:
        ri, rj = self.root(i), self.root(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)


def _identities(middles: list[tuple[str, ...]]) -> dict[tuple[str, ...], int]:
    """The people one first and last name stands for, by middle names (none: absent).

    Middle names that agree are one person (``W.``, ``Walker``), unless agreement would
    chain people who disagree (``H.`` with ``Herbert`` and with ``Hank``): then only equal
    middle names are. A form without middle names is the one person when there is exactly
    one, and nobody's when there are several (``George Bush`` beside ``George H. W. Bush``
    and ``George W. Bush``).
    """
    given = list(dict.fromkeys(m for m in middles if m))
    parts = _Groups(len(given))
    for a in range(len(given)):
        for b in range(a):
            if _middles_agree(given[a], given[b]):
                parts.join(a, b)
    roots = [parts.root(a) for a in range(len(given))]
    components: dict[int, list[tuple[str, ...]]] = {}
    for middle, root in zip(given, roots, strict=True):
        components.setdefault(root, []).append(middle)
    chained = {
        root
        for root, same in components.items()
        if not all(_middles_agree(x, y) for x in same for y in same)
    }
    identity = {middle: a if roots[a] in chained else roots[a] for a, middle in enumerate(given)}
    if len(set(identity.values())) <= 1:
        identity[()] = next(iter(identity.values()), -1)
    return identity


# -- who a bare surname is, when the corpus has namesakes ---------------------------------------

_TITLE_WORDS = frozenset(CONSTANTS.titles) | TITLES
"""Words of titles, offices and honorifics: the name parser's list and the project's own."""
_QUALIFIERS = frozenset(
    {"former", "ex", "then", "late", "acting", "interim", "us", "u", "s", "united", "states"}
)
"""Words around an office that do not change which office it is (``former``, ``US``)."""
_ARTICLE_WORDS = frozenset({"the", "a", "an", "der", "die", "la", "le"})
_HONORIFIC_GENDER = {
    **dict.fromkeys(["mr", "sir", "lord", "herr", "señor", "senor", "monsieur"], "male"),
    **dict.fromkeys(
        ["mrs", "ms", "miss", "madam", "madame", "mme", "dame", "lady", "frau", "señora"],
        "female",
    ),
}
"""Honorifics that say whether the person is a man or a woman (``Mr`` / ``Mrs``)."""
_GENDERED_ROLES = {
    **dict.fromkeys(["first lady", "wife", "widow", "queen", "princess"], "female"),
    **dict.fromkeys(["congresswoman", "spokeswoman", "chairwoman", "businesswoman"], "female"),
    **dict.fromkeys(["husband", "widower", "king", "prince", "congressman", "spokesman"], "male"),
}
"""Roles that say whether the person is a man or a woman; only unambiguous ones."""


@dataclass(frozen=True)
class Evidence:
    """What a person's forms and roles say beyond the name: offices held, man or woman."""

    offices: frozenset[str] = frozenset()
    """Offices as phrases, qualifiers aside: ``president``, ``vice president``, ``first lady``."""
    genders: frozenset[str] = frozenset()
    """``male`` / ``female`` from honorifics (``Mr``, ``Mrs``) and roles (``First Lady``)."""

    def __or__(self, other: Evidence) -> Evidence:
        return Evidence(self.offices | other.offices, self.genders | other.genders)

    def fits(self, other: Evidence) -> bool:
        """Whether a person known by ``other`` can be the one ``self`` describes.

        An office must be one ``other`` holds; a man or woman must not be the other
        (a person marked both ways, or not at all, conflicts with nobody).
        """
        if self.offices and not self.offices & other.offices:
            return False
        return not (len(self.genders) == 1 and len(other.genders) == 1) or (
            self.genders == other.genders
        )


def _title_runs(words: Sequence[str]) -> list[list[str]]:
    """Runs of consecutive title words (``First Lady``, ``Vice President``)."""
    runs: list[list[str]] = [[]]
    for word in words:
        if word in _TITLE_WORDS or word in _QUALIFIERS:
            runs[-1].append(word)
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def _run_evidence(run: Sequence[str]) -> Evidence:
    words = [w for w in run if w not in _QUALIFIERS and w not in _ARTICLE_WORDS]
    genders = {_HONORIFIC_GENDER[w] for w in words if w in _HONORIFIC_GENDER}
    phrase = " ".join(w for w in words if w not in _HONORIFIC_GENDER or len(words) > 1)
    if phrase in _GENDERED_ROLES:
        genders.add(_GENDERED_ROLES[phrase])
    offices = {phrase} if phrase and phrase not in _HONORIFIC_GENDER else set()
    return Evidence(frozenset(offices), frozenset(genders))


@lru_cache(maxsize=4096)
def form_evidence(form: str) -> Evidence:
    """The titles and honorifics before a name (``Former President Bill Clinton``)."""
    words = plain_words(form)
    lead = 0
    while lead < len(words) - 1 and (words[lead] in _TITLE_WORDS or words[lead] in _QUALIFIERS):
        lead += 1
    return _run_evidence(words[:lead]) if lead else Evidence()


@lru_cache(maxsize=4096)
def role_evidence(role: str) -> Evidence:
    """The offices and gendered words of a role (``First Lady of the United States``)."""
    words = plain_words(role)
    found = Evidence()
    for run in _title_runs(words):
        found |= _run_evidence(run)
    pairs = [" ".join(words[i : i + 2]) for i in range(len(words) - 1)]
    genders = {_GENDERED_ROLES[w] for w in [*words, *pairs] if w in _GENDERED_ROLES}
    return found | Evidence(genders=frozenset(genders))


def evidence(forms: Sequence[str], roles: Sequence[str] = ()) -> Evidence:
    """Everything the forms of a name and the roles say about who the person is."""
    found = Evidence()
    for form in forms:
        found |= form_evidence(form)
    for role in roles:
        found |= role_evidence(role)
    return found


@dataclass(frozen=True)
class Link:
    """Why one source joined another's identity (for a reader to audit)."""

    source: int
    target: int
    """A source already in the identity joined (its group's first source)."""
    rule: str
    """``surname``, ``title``, ``honorific``."""


@dataclass(frozen=True)
class Apart:
    """A bare surname kept apart from the people who have it, and why."""

    source: int
    candidates: tuple[int, ...]
    """The first source of each identity it could be."""
    reason: str


@dataclass
class Linking:
    """Sources grouped into identities, with the surname joins and refusals explained."""

    groups: list[int]
    links: list[Link] = field(default_factory=list)
    apart: list[Apart] = field(default_factory=list)


def _decide(
    mine: Evidence, candidates: dict[int, Evidence], names: dict[int, str]
) -> tuple[int | None, str]:
    """The one candidate a bare surname's titles and honorifics fit, or why there is none."""
    who = " and ".join(names[c] for c in candidates)
    if not mine.offices and not mine.genders:
        return None, f"{who} share the surname; no title, role or honorific says which"
    fitting = [c for c, known in candidates.items() if mine.fits(known)]
    said = ", ".join(sorted(mine.offices | mine.genders))
    if len(fitting) == 1:
        found = candidates[fitting[0]]
        return fitting[0], "title" if mine.offices & found.offices else "honorific"
    if fitting:
        return None, f"{who} share the surname; what the article gives ({said}) fits more than one"
    return None, f"{who} share the surname; what the article gives ({said}) fits none of them"


def link(
    people: Sequence[Sequence[str]],
    kinds: Sequence[str] | None = None,
    roles: Sequence[Sequence[str]] | None = None,
) -> Linking:
    """Group sources (each given as forms, name first) into identities; deterministic.

    People with a multi-word form are grouped by full-name matches first (the same first
    and last name, middle names agreeing, see :func:`_identities`). A person known only by
    one-word forms (a surname, with or without a title: ``Obama``, ``President Obama``)
    joins the one identity whose surname it is; when several have it, the one its titles,
    honorifics and ``roles`` fit, if exactly one does (:class:`Evidence`: ``President
    Obama`` is the Obama who is president, ``Mr. Obama`` not the one called ``Mrs.``);
    otherwise it stays apart, and :attr:`Linking.apart` says why. One-word people no full
    name claims are grouped by that word. Sources that are not persons (``kinds``) join
    only a source of the same kind with the same form: an anonymous source or an
    organisation is never merged into a person. Each step looks names up in tables, so the
    time grows with the number of forms, not with its square.
    """
    kinds_ = _kinds(people, kinds)
    roles_ = list(roles) if roles is not None else [[] for _ in people]
    groups = _Groups(len(people))
    found = Linking([])
    keys = [[_key(f) for f in forms] for forms in people]
    persons = [i for i, kind in enumerate(kinds_) if kind == "person"]
    full = [i for i in persons if any(len(k) >= 2 for k in keys[i])]
    single = [i for i in persons if not any(len(k) >= 2 for k in keys[i])]

    # Each table maps what makes sources one identity to the first source seen with it.
    by_form: dict[tuple[str, str], int] = {}
    for i, forms in enumerate(people):
        if kinds_[i] != "person":
            for form in forms:
                groups.join(i, by_form.setdefault((kinds_[i], form_key(form)), i))
    by_name: dict[tuple[str, str], list[tuple[int, tuple[str, ...]]]] = {}
    for i in full:
        for k in keys[i]:
            if len(k) >= 2:
                by_name.setdefault((k[0], k[-1]), []).append((i, k[1:-1]))
    for members in by_name.values():
        identity = _identities([middle for _, middle in members])
        by_identity: dict[int, int] = {}
        for i, middle in members:
            if (which := identity.get(middle)) is not None:
                groups.join(i, by_identity.setdefault(which, i))
    owners: dict[str, set[int]] = {}
    known: dict[int, Evidence] = {}
    for i in full:
        root = groups.root(i)
        known[root] = known.get(root, Evidence()) | evidence(people[i], roles_[i])
        for k in keys[i]:
            if len(k) >= 2:
                owners.setdefault(k[-1], set()).add(root)
    names = {i: people[i][0] for i in full}
    by_word: dict[str, int] = {}
    for i in single:
        words = {k[0] for k in keys[i] if len(k) == 1}
        candidates = sorted({r for w in words for r in owners.get(w, ())})
        if not candidates:
            for w in words:
                groups.join(i, by_word.setdefault(w, i))
            continue
        target: int | None = candidates[0]
        rule = "surname"
        if len(candidates) > 1:
            mine = evidence(people[i], roles_[i])
            target, rule = _decide(mine, {c: known[c] for c in candidates}, names)
        if target is None:
            found.apart.append(Apart(i, tuple(candidates), rule))
        else:
            groups.join(i, target)
            found.links.append(Link(i, target, rule))
    found.groups = [groups.root(i) for i in range(len(people))]
    return found


def cluster(people: Sequence[Sequence[str]], kinds: Sequence[str] | None = None) -> list[int]:
    """For each source, the index of the first source of its identity (see :func:`link`)."""
    return link(people, kinds).groups


def speaker_id(name: str) -> str:
    """A stable id for a person: the slug of the canonical name (``vladimir-putin``)."""
    words = name_tokens(name) or tuple(_WORD.findall(_plain(name)))
    slug = "-".join(re.sub(r"[\W_]+", "-", w).strip("-") for w in words)
    return re.sub(r"-{2,}", "-", slug).strip("-") or "unnamed"


# -- names in free text --------------------------------------------------------------------

LEADING_ARTICLES = frozenset({"the", "a", "an"})
"""Articles that may lead a name without being part of it ("the State Department")."""

COMMON_WORDS = frozenset(
    (  # noqa: SIM905 - a word list reads better as text than as 200 quoted lines
        "a an the this that these those he she it they we i you his her its their our my your "
        "on in at of for with to from by after before during as but and or if when while "
        "since until although though because according both neither either meanwhile however "
        "also yet then there here where who whom whose which what why how all some any many "
        "most other new old former acting interim deputy senior chief head top local central "
        "regional national federal state states city town village county province region "
        "district capital north south east west northern southern eastern western government "
        "ministry minister ministries department office agency authority council parliament "
        "assembly congress senate court bank army navy police party parties union coalition "
        "opposition committee commission cabinet administration presidency palace foreign "
        "interior defence defense finance economy trade justice health energy republic "
        "kingdom federation people peoples january february march april may june july august "
        "september october november december monday tuesday wednesday thursday friday "
        "saturday sunday "
    ).split()
)
"""English words written with a capital in news wording that are not names by themselves."""

_CAPITALISED = re.compile(r"[^\W\d_][\w'’-]*")
NAME_PARTICLES = frozenset(
    {
        "de",
        "da",
        "di",
        "del",
        "della",
        "du",
        "van",
        "von",
        "der",
        "den",
        "bin",
        "al",
        "el",
        "le",
        "la",
    }
)
"""Lower-case words inside a name (``Ursula von der Leyen``, ``Giovanni della Casa``): part
of the name, never a name word of their own; the one list every name rule reads."""


def _name_runs(text: str) -> list[list[str]]:
    """Runs of capitalised words (lower-case particles such as ``von`` inside a run)."""
    runs: list[list[str]] = []
    current: list[str] = []
    last_end = 0
    for match in _CAPITALISED.finditer(text):
        word = match.group()
        gap = text[last_end : match.start()]
        joined = current and gap in (" ", "-", " - ")
        if word[0].isupper() and not (word.isupper() and len(word) > 1):
            if not joined and current:
                runs.append(current)
                current = []
            current.append(word)
        elif joined and word in NAME_PARTICLES:
            current.append(word)
        else:
            if current:
                runs.append(current)
            current = []
        last_end = match.end()
    if current:
        runs.append(current)
    return [[w for w in run if w not in NAME_PARTICLES] for run in runs]


@lru_cache(maxsize=16)
def _article_words(article: str) -> frozenset[str]:
    """The article's words folded like names, with their five-letter stems."""
    words = set()
    for word in plain_words(article):
        folded = fold_token(word)
        words.update({word, folded, word[:5], folded[:5]})
    return frozenset(words)


def _known_word(word: str, article: frozenset[str], forms: frozenset[str]) -> bool:
    folded = fold_token(word)
    return bool({word, folded} & (article | forms)) or (len(word) >= 5 and word[:5] in article)


def name_mentions(text: str) -> list[str]:
    """The names free text mentions: two or more name words, or a title and a name word.

    Words every news sentence may capitalise (``The``, ``Ministry``, months, directions,
    see :data:`COMMON_WORDS`) are not name words; a lone capitalised word is a name only
    after a title (``President Korr``), so sentence starts are not mistaken for names.
    """
    mentions = []
    for run in _name_runs(text):
        while run and _plain(run[0]) in COMMON_WORDS:  # "Then Zorblax ...": not part of it
            run = run[1:]
        while run and _plain(run[-1]) in COMMON_WORDS:
            run = run[:-1]
        words = [w for w in run if _plain(w) not in COMMON_WORDS]
        titled = any(_plain(w) in TITLES for w in run)
        names = [w for w in words if _plain(w) not in TITLES]
        if len(names) >= 2 or (names and titled):
            mentions.append(" ".join(run))
    return mentions


def unknown_names(text: str, article: str, known: Sequence[str] = ()) -> list[str]:
    """The names ``text`` mentions that neither ``article`` nor the ``known`` forms give.

    A mention is unknown when it matches no known form by the identity rules and none of
    its name words occurs in the article (folded as names are: case, diacritics,
    possessives, transliteration, hyphenated parts, a shared five-letter stem for
    inflections such as ``Russia`` / ``Russian``). ``Zorblax Quintavian met officials``
    names someone absent; a title-case phrase such as ``Returned Kadrian Soldiers`` in an
    article about Kadria does not. The rule errs on the side of silence: a wrong flag costs
    a reask, a missed invented first name next to a real surname costs less.
    """
    words = _article_words(article)
    forms = frozenset(w for form in known for w in plain_words(form))
    unknown = []
    for mention in name_mentions(text):
        if any(forms_match(mention, form) for form in known):
            continue
        parts = [p for w in name_tokens(mention) for p in w.split("-") if p]
        tokens = [p for p in parts if p not in COMMON_WORDS]
        if tokens and not any(_known_word(w, words, forms) for w in tokens):
            unknown.append(mention)
    return unknown
