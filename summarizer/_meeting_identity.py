"""Meeting identity: when two reports of a meeting are about one meeting.

One rule, called by chunk merging (:mod:`summarizer._chunking`: the chunks of one article),
meeting threads (:mod:`summarizer.corpus._meeting_threads`: across articles) and the evaluation
(:mod:`summarizer.evaluation`: a prediction against the gold of its article). What differs
between them is what they know, and they say it through :class:`MeetingKey` and the
``unknown_agrees`` argument:

**Who.** The same participants, each compared as an identity (:func:`participant_key`): a
person the caller resolved (the corpus's id, the gold's speaker) by that identity; any
other participant ("Koravia", or a name within one article) by its name's words (case,
diacritics, possessives, titles and articles aside).

**When.** Their days agree when they share an evidence passage (within one article, the
same words report the same meeting), name the same timeframe in the same words (within one
article, "next week" is one week), or name days that overlap. Days unknown on either side
agree only when ``unknown_agrees``: across articles and against the gold, unknown is
compatible with everything (the rules never guess); within one article, the same people's
two undated mentions in different places are kept apart (talks held, talks proposed).
A meeting that was moved (``moved``: its thread was postponed) may take other days.

**How.** A telephone or video call is not an in-person meeting (:func:`meeting_mode`, read
from the report's own words: "telephone conversation", "phone call", "video link"): the
same two leaders' call on the day of their summit is another meeting. A mode left unknown
(None, the caller did not read one) agrees with either.

Meeting threads add two looser rules of their own for reports that name more or fewer
people (see :mod:`summarizer.corpus._meeting_threads`); this module is the rule for the same
meeting of the same participants.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from summarizer._grounding import Span
from summarizer._identity import form_key, name_tokens, plain_words
from summarizer._timeframes import Interval

__all__ = [
    "CALL",
    "IN_PERSON",
    "MeetingKey",
    "meeting_mode",
    "participant_key",
    "participant_keys",
    "same_meeting",
]

CALL = "call"
IN_PERSON = "in person"
_CALL_WORDS = re.compile(
    r"\b(?:tele)?phoned?\b|\btelephon|\bvideo[- ]?(?:link|call|conferenc|conversation|meeting)"
    r"|\bvideoconferenc|\bby video\b|\bconference call\b",
    re.IGNORECASE,
)
"""Words that make a meeting a call: telephone, phone, video link, videoconference."""


def meeting_mode(*texts: str | None) -> str:
    """Whether a meeting is a call (:data:`CALL`) or met in person (:data:`IN_PERSON`).

    Read from the report's own words (its evidence, the place it gives: "by telephone"):
    any of "telephone", "phone", "video link", "videoconference" makes it a call.
    """
    return CALL if any(t and _CALL_WORDS.search(t) for t in texts) else IN_PERSON


def participant_key(name: str, identity: object = None) -> str:
    """What a participant is compared by: its identity when the caller knows one, else its name.

    Args:
        name: The participant as written.
        identity: The person it is in the caller's context (a corpus id, a gold index), or
            None when it is no known person.
    """
    if identity is not None:
        return f"#{identity}"
    return "~" + " ".join(name_tokens(name) or plain_words(name))


def participant_keys(names: Iterable[str], identities: Iterable[object] = ()) -> frozenset[str]:
    """The keys of a meeting's participants (``identities`` aligned with ``names``, or none)."""
    known = list(identities)
    return frozenset(
        participant_key(name, known[i] if i < len(known) else None) for i, name in enumerate(names)
    )


@dataclass(frozen=True)
class MeetingKey:
    """What a report of a meeting is compared by."""

    people: frozenset[str]
    """The participants' keys (:func:`participant_keys`)."""
    days: Interval | None = None
    """The days it names; None when unknown."""
    timeframe: str = ""
    """The timeframe as written (compared within one article only; leave it empty across)."""
    evidence: tuple[Span, ...] = ()
    """Where its article reports it (compared within one article only)."""
    mode: str | None = None
    """:data:`CALL` or :data:`IN_PERSON` (:func:`meeting_mode`); None when not read."""


def _days_agree(a: MeetingKey, b: MeetingKey, unknown_agrees: bool) -> bool:
    if any(x.start < y.end and y.start < x.end for x in a.evidence for y in b.evidence):
        return True
    if a.timeframe and b.timeframe and form_key(a.timeframe) == form_key(b.timeframe):
        return True
    if a.days is not None and b.days is not None:
        return a.days.overlaps(b.days)
    return unknown_agrees


def same_meeting(
    a: MeetingKey, b: MeetingKey, *, unknown_agrees: bool, moved: bool = False
) -> bool:
    """Whether two reports are of one meeting (see the module docstring).

    Args:
        a: One report.
        b: The other.
        unknown_agrees: Whether days unknown on either side agree (across articles and
            against the gold: yes; within one article: no).
        moved: ``a``'s meeting was moved, so other days do not make it another meeting.
    """
    if a.people != b.people:
        return False
    if a.mode is not None and b.mode is not None and a.mode != b.mode:
        return False
    return moved or _days_agree(a, b, unknown_agrees)
