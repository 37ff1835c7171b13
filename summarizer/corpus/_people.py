"""One entry per identity across a corpus: every form seen, the articles, the quotes.

Who is the same across articles is decided by the library's identity rules
(:func:`summarizer._identity.cluster`), the ones that already merge a long article's
chunks: "Belozarsky", "Mr Belozarsky", "Arkadiy Belozarskiy" and "Arkady Belozarsky" are
one person; "Petra Sollberg" and "Aron Sollberg" stay two, and so do their "Ms Sollberg"
and "Mr Sollberg"; a surname alone joins a person when exactly one has it, or when its
title, honorific or role (the speaker's ``role``) fits exactly one of those who have it
("President Obama" beside Barack Obama, the President, and Michelle Obama, the First Lady), or
when its own article gives one full name with that surname; otherwise it stays apart, one
entry per article, and the entry's ``kept_apart`` says why. Every join beyond the full name is
listed in the entry's ``joins`` (the form, its article, the form it joined, the rule).

What takes part, per article:

- every speaker, with its name and aliases;
- every other name the summary gives in a person field (meeting participants and who
  proposed, stance holders and targets, position and tone actors: the schema walker's
  ``Person`` fields) that is no speaker of that article, when it reads as a personal name:
  capitalised name words, two or more once a leading office is set aside ("Foreign
  Minister Elena Dravets"), or a title and one ("President Korr"), none of them a word such
  as "Union" or "Ministry" (:data:`summarizer._identity.COMMON_WORDS`). "Yelena Dravets",
  who takes part in a meeting but never speaks, is a person of the corpus; "Koravia" and
  "Belozarskiy's cabinet" are not;
- a bare surname that does not speak ("Belozarskiy" as a participant) joins the one person
  of the corpus with that surname, as a speaker's surname does; when no person, or more than
  one, has it, it refers to nobody (so "Koravia" creates no person).

A meeting's participant given only as an office of a place or as a place ("the President
of Turkey", "leader of Turkey", "Turkey": :func:`office_of`) is the one person of the
corpus whose role says so (:meth:`People.participant`): the office and the place of a role
("President of the Republic of Turkey"), of a description among a speaker's forms ("The
President of Russia"), or of a role and the speaker's country ("President", Turkey). A
place alone, or its "leader", stands for its leader (:data:`LEADERS`: the way summit
reports say "Russia and Turkey" for their presidents); any other office must be the same
office. When no person, or more than one, fits, it is nobody. Only meeting participants
are read so: "Turkey said" in a quote is the state, not its president. The join is listed
in the entry's ``joins`` and the article among its articles. Adjectives ("the Turkish
President") are not read.

Sources that are not persons are kept apart from persons. Organisations and groups join
only one of the same kind, by the rules of :mod:`summarizer.corpus._organisations` (a leading "the",
a country, word order, an agency's short form, an abbreviation an article defines: "The
Koravian government" is "Koravian government", "US State Department" is "the State
Department"). An anonymous
source is never merged with anything: "a senior official" in two articles names nobody in
particular.

An entry's name is the first full name (two or more name words) the corpus gives it in
publication order, its id the slug of that name (:func:`summarizer._identity.speaker_id`);
two entries with one slug get ``-2``, ``-3`` in order of first appearance. Its articles are
every article where it speaks or takes part, and every article whose text names it by one
of its forms of two or more words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from summarizer._fields import Person, walk
from summarizer._identity import (
    COMMON_WORDS,
    NAME_PARTICLES,
    TITLES,
    evidence,
    fold_token,
    form_key,
    link,
    name_key,
    name_tokens,
    plain_words,
    resolve,
    role_evidence,
    speaker_id,
)
from summarizer._summary import speaker_ids
from summarizer.corpus._corpus_article import CorpusArticle
from summarizer.corpus._organisations import abbreviations, link_organisations

__all__ = [
    "LEADERS",
    "Join",
    "KeptApart",
    "Office",
    "People",
    "PersonEntry",
    "QuoteRef",
    "build_people",
    "office_of",
    "personal_name",
]

_ARTICLES = frozenset({"the", "a", "an"})
_OFFICES = TITLES - {"the", "der", "die", "la", "le"}


@dataclass(frozen=True)
class QuoteRef:
    """One quote of a person, where it sits in its article."""

    article_id: str
    index: int
    """The quote's position in its article's ``quotes``."""
    published: dt.date | None
    kind: str
    text: str
    evidence: str | None
    start: int | None
    """Where the quote (direct) or its evidence (reported) starts in the article's text."""
    end: int | None
    said_as: str
    """The speaker's name as that article gives it."""


@dataclass(frozen=True)
class Join:
    """Why a form joined an identity: which rule joined which forms, in which article."""

    form: str
    """The form that joined, as its article gives it."""
    article_id: str
    joined: str
    """A form the identity already had."""
    rule: str
    """``surname``, ``title``, ``honorific``, ``article's full name`` (persons);
    ``leading article``, ``country``, ``word order``, ``agency``, ``abbreviation``,
    ``the same name`` (organisations and groups), joined by ``; `` when several;
    ``office`` and ``the place's leader`` (a meeting's participant given by an office of
    a place or by a place: ``form`` is it, ``joined`` the role or form it fits)."""


@dataclass(frozen=True)
class KeptApart:
    """A bare surname not joined to the people of the corpus who have it, and why."""

    form: str
    article_id: str
    candidates: list[str]
    """The ids of the people it could be."""
    reason: str


@dataclass
class PersonEntry:
    """One identity of the corpus: a person, an organisation, a group or an anonymous source."""

    id: str
    name: str
    kind: str
    aliases: list[str] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)
    """Every article where it speaks, takes part or is named, in publication order."""
    quoted_in: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    quotes: list[QuoteRef] = field(default_factory=list)
    joins: list[Join] = field(default_factory=list)
    """How forms other than by full name joined this entry (see the module docstring)."""
    kept_apart: list[KeptApart] = field(default_factory=list)
    """Why a bare surname that is this entry was not joined to a person with it."""


@dataclass
class _Mention:
    article: str
    """The article's id."""
    forms: list[str]
    kind: str
    speaker: str | None
    """The speaker's id in its article (:func:`speaker_ids`), or None for a non-speaker."""
    role: str | None = None
    loose: bool = False
    """A bare surname that does not speak: kept only if it joins a person with a full name."""
    full_name: str | None = None
    """The article's own full name a bare surname was given (``Barack Obama`` for ``Obama``)."""
    country: str | None = None
    """The speaker's country, as the summary gives it."""


def personal_name(name: str) -> bool:
    """Whether a name that is no speaker reads as a person's name (see the module docstring)."""
    words = name.split()
    if not words or not all(w[0].isupper() or w in NAME_PARTICLES for w in words):
        return False
    plain = [" ".join(plain_words(w)) for w in words]
    lead = 0  # a leading office, with the words that qualify it: "Foreign Minister"
    while lead < len(plain) and (plain[lead] in _OFFICES or plain[lead] in COMMON_WORDS):
        lead += 1
    if lead and plain[lead - 1] not in _OFFICES:
        return False  # leading words that are no office: "The Kremlin", "New York"
    rest = [w for w in plain[lead:] if w not in NAME_PARTICLES]
    if not rest or any(w in COMMON_WORDS or w in TITLES for w in rest):
        return False
    return len(rest) >= 2 or lead > 0


LEADERS = frozenset(
    {"president", "prime minister", "premier", "chancellor", "federal chancellor", "king",
     "queen", "emir", "leader"}
)  # fmt: skip
"""Offices that lead a country: whom a place named as a meeting's participant stands for."""
_PLACE_FILLER = frozenset({"the", "of", "republic", "federal", "federation"})
"""Words a place's name may carry or not: "the Republic of Turkey" is "Turkey"."""


@dataclass(frozen=True)
class Office:
    """An office of a place ("President of Turkey"), or a place alone (``office`` None)."""

    office: str | None
    place: tuple[str, ...]
    """The place's words, folded as names are, :data:`_PLACE_FILLER` aside."""
    said: str = field(default="", compare=False)
    """The words it was read from."""

    def fits(self, held: Office) -> bool:
        """Whether the holder of ``held`` is the one this describes (see the module docstring)."""
        if held.place != self.place or held.office is None:
            return False
        if self.office in (None, "leader"):
            return held.office in LEADERS
        return held.office == self.office


def _place(words: list[str]) -> tuple[str, ...]:
    return tuple(fold_token(w) for w in words if w not in _PLACE_FILLER)


def office_of(text: str) -> Office | None:
    """The office of a place a description names, or the place a bare place name is.

    "President of the Republic of Turkey" and "leader of Turkey" are offices of Turkey;
    "Turkey" is the place; "Ministry of Finance" (no office before "of"), "the Turkish
    President" (an adjective) and a text with a title but no "of" are None.
    """
    words = plain_words(text)
    if "of" in words:
        at = words.index("of")
        title = " ".join(w for w in words[:at] if w not in _ARTICLES)
        place = _place(words[at + 1 :])
        if title and place and title in role_evidence(title).offices:
            return Office(title, place, text)
        return None
    capitalised = [w for w in text.split() if plain_words(w) and plain_words(w)[0] not in _ARTICLES]
    if not capitalised or not all(w[0].isupper() for w in capitalised):
        return None
    named = [w for w in words if w not in _ARTICLES]
    if role_evidence(text).offices or any(w in TITLES for w in named):
        return None
    if all(w in COMMON_WORDS for w in named):
        return None  # "Government", "the Republic": no place named
    return Office(None, _place(words), text)


def _held(mention: _Mention) -> list[Office]:
    """The offices a person's role, forms and country say they hold."""
    found = []
    for text in [mention.role, *mention.forms]:
        office = office_of(text) if text else None
        if office is not None and office.office is not None:
            found.append(office)
    role, country = mention.role, mention.country
    if role and country and "of" not in plain_words(role):
        for title in sorted(role_evidence(role).offices):
            found.append(Office(title, _place(plain_words(country)), f"{role}, {country}"))
    return found


def _bare_surname(name: str) -> bool:
    """One capitalised name word ("Belozarskiy"), not a word like "Ministry" or "The"."""
    words = name.split()
    plain = plain_words(name)
    return (
        len(words) == 1
        and words[0][0].isupper()
        and len(plain) == 1
        and plain[0] not in COMMON_WORDS
        and plain[0] not in TITLES
    )


def _org_form(form: str) -> str:
    words = plain_words(form)
    while words and words[0] in _ARTICLES:
        words = words[1:]
    return " ".join(words)


def _article_mentions(article: CorpusArticle) -> tuple[list[_Mention], dict[str, int]]:
    """The sources of one article, and each person-field name's mention (by form key)."""
    summary = article.summary
    ids = speaker_ids(summary.speakers)
    mentions = [
        _Mention(article.id, s.forms(), s.kind, sid, s.role, country=s.country)
        for s, sid in zip(summary.speakers, ids, strict=True)
        if s.name
    ]
    forms = [s.forms() for s in summary.speakers]
    kinds = [s.kind for s in summary.speakers]
    names: dict[str, int] = {}
    for i, speaker in enumerate(summary.speakers):
        for form in speaker.forms():
            names.setdefault(form_key(form), i)
    for visit in walk(summary):
        if not isinstance(visit.role, Person):
            continue
        for name in visit.texts:
            key = form_key(name)
            if key in names or not name.strip():
                continue
            found = resolve(name, forms, kinds)
            loose = found is None and not personal_name(name) and _bare_surname(name)
            if found is None and (loose or personal_name(name)):
                others = [m.forms for m in mentions[len(forms) :]]
                known = resolve(name, others)
                if known is None:
                    mentions.append(_Mention(article.id, [name], "person", None, None, loose))
                    found = len(mentions) - 1
                else:
                    found = len(forms) + known
                    mentions[found].forms.append(name)
            if found is not None:
                names[key] = found
    _own_full_names(mentions)
    return mentions, names


def _own_full_names(mentions: list[_Mention]) -> None:
    """A bare surname takes the article's one full name with that surname, if it fits.

    "Obama" beside "Barack Obama" in one article is Barack Obama; "Mr. Obama" beside only
    "Michelle Obama", called "Mrs. Obama", is not her.
    """
    persons = [m for m in mentions if m.kind == "person"]
    for bare in persons:
        keys = [name_key(f) for f in bare.forms]
        if any(len(k) != 1 for k in keys):
            continue
        words = {k[0] for k in keys}
        fulls = [
            (m, f)
            for m in persons
            if m is not bare
            for f in m.forms
            if len(k := name_key(f)) >= 2 and k[-1] in words
        ]
        if len({id(m) for m, _ in fulls}) != 1:
            continue
        owner, full = fulls[0]
        roles = [bare.role] if bare.role else []
        known = evidence(owner.forms, [owner.role] if owner.role else [])
        if evidence(bare.forms, roles).fits(known):
            bare.forms.append(full)
            bare.full_name = full


_Joined = tuple[int, str, str, str]
"""A mention that joined by a rule: (mention, its form, the form it joined, the rule)."""
_Apart = tuple[int, list[int], str]
"""A bare surname kept apart: (mention, the mentions it could be, why)."""


def _cluster(
    mentions: list[_Mention], defined: dict[str, str]
) -> tuple[list[int], list[_Joined], list[_Apart]]:
    """The identity group of each mention (its group's first mention), with the joins explained.

    Persons by the identity rules (:func:`summarizer._identity.link`, roles as evidence),
    organisations and groups by :func:`summarizer.corpus._organisations.link_organisations`, each
    kind apart; anonymous sources never join.
    """
    groups = list(range(len(mentions)))
    joined: list[_Joined] = []
    apart: list[_Apart] = []
    persons = [n for n, m in enumerate(mentions) if m.kind == "person"]
    found = link(
        [mentions[n].forms for n in persons],
        roles=[[r] if (r := mentions[n].role) else [] for n in persons],
    )
    for local, root in enumerate(found.groups):
        groups[persons[local]] = persons[root]
    for n in persons:
        if full := mentions[n].full_name:
            joined.append((n, mentions[n].forms[0], full, "article's full name"))
    for j in found.links:
        source, target = mentions[persons[j.source]], mentions[persons[j.target]]
        joined.append((persons[j.source], source.forms[0], target.forms[0], j.rule))
    for a in found.apart:
        apart.append((persons[a.source], [persons[c] for c in a.candidates], a.reason))
    kinds = dict.fromkeys(m.kind for m in mentions if m.kind not in ("person", "anonymous"))
    for kind in kinds:
        members = [n for n, m in enumerate(mentions) if m.kind == kind]
        orgs = link_organisations([mentions[n].forms for n in members], defined)
        for local, root in enumerate(orgs.groups):
            groups[members[local]] = members[root]
        for o in orgs.joins:
            joined.append((members[o.source], o.form, o.joined, "; ".join(o.rules)))
    return groups, joined, apart


def _canonical(members: list[_Mention]) -> str:
    names = [m.forms[0] for m in members]
    full = [n for n in names if len(name_tokens(n)) >= 2]
    return (full or names)[0]


def _words(text: str) -> str:
    return " " + " ".join(fold_token(w) for w in plain_words(text)) + " "


def _name_words(form: str, kind: str) -> str:
    words = name_tokens(form) if kind == "person" else tuple(_org_form(form).split())
    return " ".join(fold_token(w) for w in words)


def _named_in(entry: PersonEntry, forms: list[str], texts: dict[str, str]) -> Iterator[str]:
    """The articles whose text names the entry by one of its forms of two or more words."""
    if entry.kind not in ("person", "organisation"):
        return
    needles = {f" {w} " for f in forms if len((w := _name_words(f, entry.kind)).split()) >= 2}
    for article_id, words in texts.items():
        if any(needle in words for needle in needles):
            yield article_id


class People:
    """The corpus's identities, and which entry each article's names refer to.

    Everything is keyed by ids (the article's, the speaker's: :func:`speaker_ids`), never
    by a position in a list, so a view that filters or reorders the articles keeps its links.
    """

    def __init__(
        self,
        entries: list[PersonEntry],
        speakers: dict[tuple[str, str], PersonEntry],
        names: dict[tuple[str, str], PersonEntry],
        articles: list[CorpusArticle],
    ) -> None:
        self.entries = entries
        self._speakers = speakers
        self._names = names
        self._articles = {a.id: a for a in articles}
        self._by_id = {e.id: e for e in entries}
        self.described: dict[tuple[str, str], PersonEntry] = {}
        """Meeting participants given by an office or a place, by (article id, form key)."""

    def __iter__(self) -> Iterator[PersonEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, person_id: str) -> PersonEntry | None:
        """The entry with this id."""
        return self._by_id.get(person_id)

    def of_speaker(self, article_id: str, speaker_id: str) -> PersonEntry | None:
        """The entry of an article's speaker (by the article's id and the speaker's)."""
        return self._speakers.get((article_id, speaker_id))

    def resolve(self, article_id: str, name: str | None) -> PersonEntry | None:
        """The entry a name in an article's summary refers to, if it is one of the corpus's."""
        if not name:
            return None
        found = self._names.get((article_id, form_key(name)))
        article = self._articles.get(article_id)
        if found is not None or article is None:
            return found
        speakers = article.summary.speakers
        index = resolve(name, [s.forms() for s in speakers], [s.kind for s in speakers])
        if index is None:
            return None
        return self.of_speaker(article_id, speaker_ids(speakers)[index])

    def participant(self, article_id: str, name: str | None) -> PersonEntry | None:
        """The entry a meeting's participant refers to: by its name, else by its office.

        "Turkey" or "the President of Turkey" is the one person whose role says so (see the
        module docstring); other person fields are read by :meth:`resolve` only.
        """
        found = self.resolve(article_id, name)
        if found is None and name:
            found = self.described.get((article_id, form_key(name)))
        return found


def _quote_refs(article: CorpusArticle, people: People) -> Iterator[QuoteRef]:
    summary = article.summary
    for j, quote in enumerate(summary.quotes):
        entry = people.resolve(article.id, quote.speaker)
        if entry is None:
            continue
        start, end = article.offsets(quote.location)
        entry.quotes.append(
            ref := QuoteRef(
                article_id=article.id,
                index=j,
                published=article.published,
                kind=quote.kind,
                text=quote.text,
                evidence=quote.evidence,
                start=start,
                end=end,
                said_as=quote.speaker,
            )
        )
        yield ref


def build_people(articles: list[CorpusArticle]) -> People:
    """The identities of a corpus (articles in publication order); see the module docstring."""
    mentions: list[_Mention] = []
    article_names: dict[str, dict[str, int]] = {}
    for article in articles:
        found, named = _article_mentions(article)
        article_names[article.id] = {key: len(mentions) + i for key, i in named.items()}
        mentions += found
    texts = [a.text for a in articles]
    texts += [f for m in mentions if m.kind not in ("person", "anonymous") for f in m.forms]
    groups, joined, apart = _cluster(mentions, abbreviations(texts))
    entries: list[PersonEntry] = []
    entry_of: dict[int, PersonEntry] = {}
    taken: set[str] = set()
    for root in dict.fromkeys(groups):
        members = [m for m, g in zip(mentions, groups, strict=True) if g == root]
        if all(m.loose for m in members):
            continue  # a bare surname no person of the corpus has: not an identity
        name = _canonical(members)
        base = speaker_id(name)
        ident, n = base, 1
        while ident in taken:
            n += 1
            ident = f"{base}-{n}"
        taken.add(ident)
        forms = list(dict.fromkeys(f for m in members for f in m.forms))
        entry = PersonEntry(id=ident, name=name, kind=members[0].kind)
        seen = {form_key(name)}
        for form in forms:
            if form_key(form) not in seen:
                seen.add(form_key(form))
                entry.aliases.append(form)
        entry_of[root] = entry
        entries.append(entry)
    speakers: dict[tuple[str, str], PersonEntry] = {}
    names: dict[tuple[str, str], PersonEntry] = {}
    for mention, group in zip(mentions, groups, strict=True):
        if mention.speaker is not None:
            speakers[(mention.article, mention.speaker)] = entry_of[group]
    for article_id, article_map in article_names.items():
        for key, at in article_map.items():
            if groups[at] in entry_of:
                names[(article_id, key)] = entry_of[groups[at]]
    people = People(entries, speakers, names, articles)
    _fill(people, mentions, groups, entry_of, articles)
    _explain(mentions, groups, entry_of, joined, apart)
    _describe(people, mentions, groups, entry_of, articles)
    return people


def _describe(
    people: People,
    mentions: list[_Mention],
    groups: list[int],
    entry_of: dict[int, PersonEntry],
    articles: list[CorpusArticle],
) -> None:
    """Meeting participants named by an office or a place: the one person it fits, if any."""
    held: dict[str, list[Office]] = {}  # in the order met: the first to fit is named
    for mention, group in zip(mentions, groups, strict=True):
        if mention.kind == "person" and group in entry_of:
            held.setdefault(entry_of[group].id, []).extend(_held(mention))
    order = {a.id: i for i, a in enumerate(articles)}
    for article in articles:
        for meeting in article.summary.proposed_meetings:
            for name in meeting.participants:
                key = (article.id, form_key(name))
                wanted = office_of(name)
                if wanted is None or key in people.described or people.resolve(article.id, name):
                    continue
                fits: dict[str, tuple[PersonEntry, Office]] = {}
                for entry in people:
                    for office in held.get(entry.id, ()):
                        if wanted.fits(office):
                            fits.setdefault(entry.id, (entry, office))
                if len(fits) != 1:
                    continue  # nobody, or more than one, holds it: nobody in particular
                ((entry, office),) = fits.values()
                people.described[key] = entry
                rule = "office" if wanted.office not in (None, "leader") else "the place's leader"
                join = Join(name, article.id, office.said, rule)
                if join not in entry.joins:
                    entry.joins.append(join)
                if article.id not in entry.articles:
                    entry.articles = sorted([*entry.articles, article.id], key=order.__getitem__)


def _explain(
    mentions: list[_Mention],
    groups: list[int],
    entry_of: dict[int, PersonEntry],
    joined: list[_Joined],
    apart: list[_Apart],
) -> None:
    """Each entry's joins beyond the full name, and why a bare surname stayed apart."""
    for n, form, other, rule in joined:
        if (entry := entry_of.get(groups[n])) is not None:
            join = Join(form, mentions[n].article, other, rule)
            if join not in entry.joins:
                entry.joins.append(join)
    for n, candidates, reason in apart:
        if (entry := entry_of.get(groups[n])) is None:
            continue
        ids = [entry_of[groups[c]].id for c in candidates if groups[c] in entry_of]
        entry.kept_apart.append(
            KeptApart(mentions[n].forms[0], mentions[n].article, list(dict.fromkeys(ids)), reason)
        )


def _fill(
    people: People,
    mentions: list[_Mention],
    groups: list[int],
    entry_of: dict[int, PersonEntry],
    articles: list[CorpusArticle],
) -> None:
    """Each entry's articles, quotes and roles."""
    texts = {a.id: _words(a.text) for a in articles}
    order = {a.id: i for i, a in enumerate(articles)}
    present: dict[str, set[str]] = {e.id: set() for e in people}
    for mention, group in zip(mentions, groups, strict=True):
        if group not in entry_of:
            continue
        entry = entry_of[group]
        present[entry.id].add(mention.article)
        role = mention.role
        if role and role.casefold() not in {r.casefold() for r in entry.roles}:
            entry.roles.append(role)
    quoted: dict[str, set[str]] = {e.id: set() for e in people}
    for article in articles:
        for ref in _quote_refs(article, people):
            speaker = people.resolve(article.id, ref.said_as)
            if speaker is not None:
                quoted[speaker.id].add(article.id)
    for entry in people:
        present[entry.id].update(_named_in(entry, [entry.name, *entry.aliases], texts))
        entry.articles = sorted(present[entry.id], key=order.__getitem__)
        entry.quoted_in = sorted(quoted[entry.id], key=order.__getitem__)
