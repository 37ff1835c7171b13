"""Stance threads: the same holder toward the same target across articles.

A thread holds one event per article, in publication order, each with that article's
polarity and verbatim evidence, so a change (oppose, then support) is one thread with both
events. The rules:

**Holder.** An identity of the corpus (:mod:`summarizer.corpus._people`); a holder that is none
is compared by its name.

**Target.** The rule of :mod:`summarizer.corpus._targets`, the one the evaluation also uses: a
target that is a person of the corpus is that person; any other target is compared by its
words, version words ("revised", "old", ...) aside, and by its head word: "the customs pact"
and "the revised customs pact" are one target, "Koravia" and "Koravia's levy" two.

**One event per article.** When an article gives several stances of one holder on one
target, its event is the stance on the most recent version it names (revised or new, then
unqualified, then old or previous); the others stay with the event as ``also``.
Belozarsky's "I said no to the old pact and I was right to" next to his support for the
revised one looks back: it is kept with the event, not taken for a new one.

A thread ``changed`` when two of its events differ in polarity.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from summarizer._identity import form_key, speaker_id
from summarizer._summary import Stance
from summarizer.corpus._corpus_article import CorpusArticle
from summarizer.corpus._people import People, PersonEntry
from summarizer.corpus._targets import TargetKey, same_target, target_key

__all__ = ["StanceEvent", "StanceThread", "thread_stances"]


@dataclass
class StanceEvent:
    """One article's stance of the holder on the target."""

    article_id: str
    published: dt.date | None
    index: int
    """The stance's position in its article's ``stances``."""
    polarity: str
    target: str
    """The target as the article's summary words it."""
    holder: str
    """The holder as the article names them."""
    evidence: str
    start: int | None
    end: int | None
    also: list[StanceEvent] = field(default_factory=list)
    """The same article's other stances of the holder on this target (older versions)."""


@dataclass
class StanceThread:
    """A holder's stance on one target, across articles."""

    id: str
    holder: str
    holder_id: str | None
    target: str
    """The target as the latest event words it."""
    target_id: str | None
    """The target's person id, when the target is a person of the corpus."""
    events: list[StanceEvent] = field(default_factory=list)

    @property
    def polarities(self) -> list[str]:
        """Each event's polarity, in order."""
        return [e.polarity for e in self.events]

    @property
    def changed(self) -> bool:
        """Whether the polarity differs between any two events."""
        return len(set(self.polarities)) > 1

    @property
    def targets(self) -> list[str]:
        """Every wording of the target, in order of first use."""
        return list(dict.fromkeys(e.target for e in self.events))


@dataclass
class _Item:
    article: int
    stance: Stance
    index: int
    holder: PersonEntry | None
    target: PersonEntry | None
    key: TargetKey


def _groups(items: list[_Item]) -> list[list[_Item]]:
    """One holder's stances grouped by target (persons by id, others by their words)."""
    groups: list[list[_Item]] = []
    for item in items:
        for group in groups:
            if any(
                same_target(item.key, other.key, _id(item.target), _id(other.target))
                for other in group
            ):
                group.append(item)
                break
        else:
            groups.append([item])
    return groups


def _id(entry: PersonEntry | None) -> str | None:
    return entry.id if entry is not None else None


def _event(article: CorpusArticle, item: _Item) -> StanceEvent:
    stance = item.stance
    start, end = article.offsets(stance.evidence_span)
    return StanceEvent(
        article_id=article.id,
        published=article.published,
        index=item.index,
        polarity=stance.polarity,
        target=stance.target,
        holder=stance.holder,
        evidence=stance.evidence,
        start=start,
        end=end,
    )


def _thread(group: list[_Item], articles: list[CorpusArticle], taken: set[str]) -> StanceThread:
    events: list[StanceEvent] = []
    by_article: dict[int, list[_Item]] = {}
    for item in group:
        by_article.setdefault(item.article, []).append(item)
    for article, items in by_article.items():
        main = max(items, key=lambda i: i.key.version)  # the first on a tie
        event = _event(articles[article], main)
        event.also = [_event(articles[article], i) for i in items if i is not main]
        events.append(event)
    first, holder = group[0], group[0].holder
    holder_name = holder.name if holder is not None else first.stance.holder
    target = first.target
    about = target.id if target is not None else " ".join(first.key.named) or "target"
    base = f"{holder.id if holder else speaker_id(holder_name)}-on-{speaker_id(about)}"
    ident, n = base, 1
    while ident in taken:
        n += 1
        ident = f"{base}-{n}"
    taken.add(ident)
    return StanceThread(
        id=ident,
        holder=holder_name,
        holder_id=holder.id if holder is not None else None,
        target=target.name if target is not None else events[-1].target,
        target_id=target.id if target is not None else None,
        events=events,
    )


def thread_stances(articles: list[CorpusArticle], people: People) -> list[StanceThread]:
    """The stance threads of a corpus (articles in publication order), by the rules above.

    Threads come in the order of their first event.
    """
    holders: dict[str, list[_Item]] = {}
    for index, article in enumerate(articles):
        for j, stance in enumerate(article.summary.stances):
            holder = people.resolve(article.id, stance.holder)
            target = people.resolve(article.id, stance.target)
            item = _Item(index, stance, j, holder, target, target_key(stance.target))
            key = holder.id if holder is not None else "~" + form_key(stance.holder)
            holders.setdefault(key, []).append(item)
    groups = [group for items in holders.values() for group in _groups(items)]
    groups.sort(key=lambda g: (g[0].article, g[0].index))
    taken: set[str] = set()
    return [_thread(group, articles, taken) for group in groups]
