"""Meeting threads: one per real-world meeting, its events the articles' meetings in order.

Each article's summary lists the meetings it mentions (``proposed_meetings``) with the
status it reports. Threading walks the articles in publication order and puts each of
those article-level meetings (an *event*) into the thread of the meeting it is about, or
starts a new thread. The rules, all of them:

**Who.** Participants are identities (:mod:`summarizer.corpus._people`): "Arkadiy Belozarskiy",
"Belozarsky" and "Arkady Belozarsky" are one participant, whether or not they speak in
that article; "Turkey" or "the President of Turkey" is the one person whose role says so
(:meth:`summarizer.corpus._people.People.participant`); a participant that is no person of the
corpus ("Koravia", no leader of it known) is compared by its name. An event can join a
thread when

1. it is the same meeting by :func:`summarizer._meeting_identity.same_meeting` (the rule
   chunk merging and the evaluation use): its participants are the thread's (the
   participants of the event that started it) and their days agree; or
2. one set contains the other, they share two or more participants, both have dates that
   overlap and their places do not differ (the ministers who join their leaders' summit
   on the same day in the same town: the leaders' summit); or
3. it names no person at all ("Koravia" and "Lestria" met) and falls on the same single
   day, in the same place, as the thread.

**How.** A call and an in-person meeting are never one meeting
(:func:`summarizer._meeting_identity.meeting_mode`, read from the event's evidence and
place): the leaders' telephone conversation after their summit neither joins nor ends the
summit's thread, nor the thread of a visit proposed there.

**When.** An event's days are its resolved dates, else its timeframe read against its
article's publication date (:mod:`summarizer._timeframes`); a thread's days are the most
precise its events gave. Days that do not overlap mean another meeting, except that a
meeting that was postponed may take a new date (rule 1 only).

**What happened.** A meeting that was held, cancelled or declined (the statuses marked
``over`` in :data:`~summarizer._summary.MEETING_STATUSES`) is over: a later event
that is not itself a report of it being over (held, cancelled, declined), and whose days do
not overlap the meeting's, is a new meeting: the same people's follow-up summit, proposed
after the first was held, is its own thread.

**One event per article per thread**: two meetings one article mentions are two meetings.
Within an article, the best matches are taken first: same participants before contained
ones before the same day and place; a thread whose days all fall within the event's before
one whose days only overlap them (a report of the summit held on 5 March, or of a recent
visit, joins the summit of 5 March, not the visit proposed for some day this year), before
unknown ones; the same place before an unknown one; the most recently active thread first.
An event that matches no thread starts one.

A thread's status is its latest event's; each event says whether the status changed and
which rule joined it (``joined_by``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from summarizer._identity import plain_words, speaker_id
from summarizer._meeting_identity import (
    MeetingKey,
    meeting_mode,
    participant_key,
    participant_keys,
    same_meeting,
)
from summarizer._summary import MEETING_STATUSES, ProposedMeeting
from summarizer._timeframes import Interval, meeting_interval
from summarizer.corpus._corpus_article import CorpusArticle
from summarizer.corpus._people import People

__all__ = ["Evidence", "MeetingEvent", "MeetingThread", "thread_meetings"]

JOINED = ("the same participants", "participants within", "the same day and place")
"""What joined an event to its thread, by rule (see the module docstring)."""


def is_over(status: str) -> bool:
    """Whether a meeting with this status is over (held, cancelled or declined)."""
    info = MEETING_STATUSES.get(status)
    return info is not None and info.over


@dataclass(frozen=True)
class Evidence:
    """A verbatim passage and where it sits in its article (None when not located)."""

    text: str
    start: int | None
    end: int | None


@dataclass
class MeetingEvent:
    """What one article says about a meeting."""

    article_id: str
    published: dt.date | None
    index: int
    """The meeting's position in its article's ``proposed_meetings``."""
    status: str
    participants: list[str]
    """As the article names them."""
    participant_ids: list[str | None]
    """The corpus's person ids, aligned with ``participants`` (None: not a person)."""
    proposed_by: str | None
    proposed_by_id: str | None
    timeframe: str | None
    date_from: dt.date | None
    date_to: dt.date | None
    location: str | None
    status_reason: str | None
    evidence: list[Evidence]
    interval: Interval | None
    """The days the event names (resolved dates, else the timeframe read)."""
    changed: bool = True
    """The status differs from the previous event's (always true for the first)."""
    joined_by: str | None = None
    """The rule that put the event in its thread; None for the event that started it."""


@dataclass
class MeetingThread:
    """One real-world meeting: its participants and its events in publication order."""

    id: str
    participants: list[str]
    participant_ids: list[str | None]
    events: list[MeetingEvent] = field(default_factory=list)

    @property
    def status(self) -> str:
        """The latest event's status."""
        return self.events[-1].status

    @property
    def statuses(self) -> list[str]:
        """Every event's status, in order."""
        return [e.status for e in self.events]

    @property
    def location(self) -> str | None:
        """The latest place any event gave."""
        return next((e.location for e in reversed(self.events) if e.location), None)


@dataclass
class _Open:
    """A thread while threading: its identities, days, place and last activity."""

    thread: MeetingThread
    people: frozenset[str]
    interval: Interval | None
    place: frozenset[str]
    mode: str
    """Call or in person (:func:`meeting_mode`): the first event's."""
    last: int
    """The index of the last article that added an event."""


@dataclass(frozen=True)
class _Candidate:
    event: MeetingEvent
    people: frozenset[str]
    persons: frozenset[str]
    place: frozenset[str]
    mode: str


def _evidence(meeting: ProposedMeeting, text: str) -> list[Evidence]:
    spans = meeting.evidence_spans
    if len(spans) == len(meeting.evidence):
        located = [s.within(text) for s in spans]
        return [
            Evidence(e, s.start if s else None, s.end if s else None)
            for e, s in zip(meeting.evidence, located, strict=True)
        ]
    return [Evidence(s.slice(text), s.start, s.end) for s in spans if s.within(text)] or [
        Evidence(e, None, None) for e in meeting.evidence
    ]


def _candidate(article: CorpusArticle, j: int, people: People) -> _Candidate:
    meeting = article.summary.proposed_meetings[j]
    entries = [people.participant(article.id, name) for name in meeting.participants]
    proposer = people.resolve(article.id, meeting.proposed_by)
    event = MeetingEvent(
        article_id=article.id,
        published=article.published,
        index=j,
        status=meeting.status,
        participants=list(meeting.participants),
        participant_ids=[e.id if e is not None else None for e in entries],
        proposed_by=meeting.proposed_by,
        proposed_by_id=proposer.id if proposer is not None else None,
        timeframe=meeting.timeframe,
        date_from=meeting.date_from,
        date_to=meeting.date_to,
        location=meeting.location,
        status_reason=meeting.status_reason,
        evidence=_evidence(meeting, article.text),
        interval=meeting_interval(
            meeting.date_from,
            meeting.date_to,
            meeting.timeframe,
            article.published,
            past=meeting.status == "held",
        ),
    )
    persons = frozenset(e.id for e in entries if e is not None and e.kind == "person")
    place = frozenset(plain_words(meeting.location or ""))
    mode = meeting_mode(*meeting.evidence, meeting.location)
    return _Candidate(
        event, participant_keys(meeting.participants, event.participant_ids), persons, place, mode
    )


def _place(a: frozenset[str], b: frozenset[str]) -> int:
    """1: the same place (one's words within the other's), 0: unknown, -1: different."""
    if not a or not b:
        return 0
    return 1 if a <= b or b <= a else -1


def _score(open_: _Open, c: _Candidate) -> tuple[int, int, int, int] | None:
    """How well an event fits a thread (higher is better), or None when it cannot join it."""
    mine, theirs = open_.interval, c.event.interval
    known = mine is not None and theirs is not None
    overlap = mine is not None and theirs is not None and mine.overlaps(theirs)
    same_day = mine is not None and theirs is not None and mine.day is not None
    same_day = same_day and mine.day == theirs.day  # type: ignore[union-attr]
    place = _place(open_.place, c.place)
    status = open_.thread.status
    if open_.mode != c.mode:
        return None  # a call is never the in-person meeting, whoever takes part
    same = same_meeting(
        MeetingKey(open_.people, mine, mode=open_.mode),
        MeetingKey(c.people, theirs, mode=c.mode),
        unknown_agrees=True,
        moved=status == "postponed",
    )
    if same:
        who = 2
    elif (
        (c.people < open_.people or open_.people < c.people)
        and len(c.people & open_.people) >= 2
        and overlap
        and place >= 0
    ):
        who = 1
    elif not c.persons and same_day and place == 1:
        who = 0
    else:
        return None
    if is_over(status) and not is_over(c.event.status) and not overlap:
        return None
    held_in = mine is not None and theirs is not None and mine.within(theirs)
    when = 3 if held_in else 2 if overlap else 1 if not known else 0
    return who, when, place, open_.last


def _more_precise(new: Interval, old: Interval) -> bool:
    def inside(a: dt.date | None, b: dt.date | None, later: bool) -> bool:
        if b is None:
            return True
        return a is not None and (a >= b if later else a <= b)

    return inside(new.start, old.start, True) and inside(new.end, old.end, False)


def _join(open_: _Open, c: _Candidate, rule: int, article: int) -> None:
    event = c.event
    previous = open_.thread.events[-1]
    event.changed = event.status != previous.status
    event.joined_by = JOINED[2 - rule]
    open_.thread.events.append(event)
    new = event.interval
    if new is not None and (
        open_.interval is None
        or previous.status == "postponed"
        or _more_precise(new, open_.interval)
    ):
        open_.interval = new
    if c.place:
        open_.place = c.place
    open_.last = article


def _thread_id(c: _Candidate, taken: set[str]) -> str:
    when = c.event.published.isoformat() if c.event.published else "undated"
    names = [
        pid or speaker_id(name)
        for name, pid in zip(c.event.participants, c.event.participant_ids, strict=True)
    ]
    base = f"m-{when}-" + "-".join(sorted(dict.fromkeys(names)))
    ident, n = base, 1
    while ident in taken:
        n += 1
        ident = f"{base}-{n}"
    taken.add(ident)
    return ident


def _start(c: _Candidate, article: int, taken: set[str]) -> _Open:
    names: dict[str, tuple[str, str | None]] = {}
    for name, pid in zip(c.event.participants, c.event.participant_ids, strict=True):
        names.setdefault(participant_key(name, pid), (name, pid))
    thread = MeetingThread(
        id=_thread_id(c, taken),
        participants=[n for n, _ in names.values()],
        participant_ids=[p for _, p in names.values()],
        events=[c.event],
    )
    return _Open(thread, c.people, c.event.interval, c.place, c.mode, article)


def thread_meetings(articles: list[CorpusArticle], people: People) -> list[MeetingThread]:
    """The meeting threads of a corpus (articles in publication order), by the rules above.

    Threads come in the order of their first event; a thread's participants are named by
    the corpus's canonical names where they are persons of it.
    """
    opens: list[_Open] = []
    taken: set[str] = set()
    for index, article in enumerate(articles):
        candidates = [
            _candidate(article, j, people) for j in range(len(article.summary.proposed_meetings))
        ]
        pairs = []
        for ci, c in enumerate(candidates):
            for ti, open_ in enumerate(opens):
                score = _score(open_, c)
                if score is not None:
                    pairs.append((score, -ci, ti))
        pairs.sort(reverse=True)
        placed: set[int] = set()
        used: set[int] = set()
        for score, negative, ti in pairs:
            ci = -negative
            if ci not in placed and ti not in used:
                _join(opens[ti], candidates[ci], score[0], index)
                placed.add(ci)
                used.add(ti)
        for ci, c in enumerate(candidates):
            if ci not in placed:
                opens.append(_start(c, index, taken))
    for open_ in opens:
        thread = open_.thread
        named = zip(thread.participants, thread.participant_ids, strict=True)
        thread.participants = [_name(people, pid, name) for name, pid in named]
    return [o.thread for o in opens]


def _name(people: People, person_id: str | None, name: str) -> str:
    entry = people.get(person_id) if person_id else None
    return entry.name if entry is not None else name
