"""Meeting threads on the real story's ways of reporting: calls, offices, look-backs.

Each rule here was met on the real story set (``seeds/kremlin/``, checked end to end in
``tests/test_kremlin_story.py``) and is held here on small corpora written for it: a
participant named by an office or a place ("Turkey", "the leader of Turkey"), a telephone
conversation beside a summit, and a look-back at a summit that was held with a visit
proposed since.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from summarizer._meeting_identity import (
    CALL,
    IN_PERSON,
    MeetingKey,
    meeting_mode,
    participant_keys,
    same_meeting,
)
from summarizer._timeframes import Interval, meeting_interval
from summarizer.corpus import Corpus
from summarizer.corpus._people import Office, office_of
from tests.test_corpus import article, meet, threads

D = dt.date
PUTIN = {"name": "Vladimir Putin", "role": "President", "country": "Russia"}
ERDOGAN = {"name": "Recep Tayyip Erdogan", "role": "President of the Republic of Turkey"}
CAVUSOGLU = {"name": "Mevlut Cavusoglu", "role": "Foreign Minister of Turkey"}
PAIR = ["Vladimir Putin", "Recep Tayyip Erdogan"]


# -- a participant named by an office or a place ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Turkey", Office(None, ("turkey",))),
        ("the United States", Office(None, ("united", "states"))),
        ("leader of Turkey", Office("leader", ("turkey",))),
        ("President of the Republic of Turkey", Office("president", ("turkey",))),
        ("The President of Russia", Office("president", ("russia",))),
        ("Foreign Minister of Turkey", Office("foreign minister", ("turkey",))),
        ("Ministry of Finance", None),  # no office before "of"
        ("the Turkish President", None),  # adjectives are not read
        ("President Erdogan", None),  # a title and a name: a name
        ("the Turkish side", None),  # not capitalised: a description, no place
        ("Government", None),
        ("the Republic", None),
    ],
)
def test_an_office_of_a_place_or_a_place_is_read_from_its_words(
    text: str, expected: Office | None
) -> None:
    assert office_of(text) == expected


@pytest.mark.parametrize(
    ("participant", "speakers", "expected"),
    [
        ("Turkey", [PUTIN, ERDOGAN], "recep-tayyip-erdogan"),
        ("leader of Turkey", [PUTIN, ERDOGAN], "recep-tayyip-erdogan"),
        ("President of Turkey", [PUTIN, ERDOGAN, CAVUSOGLU], "recep-tayyip-erdogan"),
        ("Foreign Minister of Turkey", [PUTIN, ERDOGAN, CAVUSOGLU], "mevlut-cavusoglu"),
        ("Russia", [PUTIN, ERDOGAN], "vladimir-putin"),  # a role and a country
        ("Prime Minister of Turkey", [PUTIN, ERDOGAN], None),  # no one holds that office
        ("Syria", [PUTIN, ERDOGAN], None),  # no one leads Syria here
        # Two who lead Turkey (a president and a prime minister): nobody in particular.
        ("Turkey", [ERDOGAN, {"name": "Binali Yildirim", "role": "Prime Minister of Turkey"}],
         None),
    ],
)  # fmt: skip
def test_a_participant_named_by_an_office_or_a_place_is_the_one_person_it_fits(
    participant: str, speakers: list[dict[str, Any]], expected: str | None
) -> None:
    corpus = Corpus.from_results(
        [
            article("1", "2020-02-21", speakers=speakers),
            article(
                "2",
                "2020-02-29",
                meetings=[meet(participant, "Bashar al-Assad", status="scheduled")],
            ),
        ]
    )
    (thread,) = corpus.meetings
    assert thread.participant_ids[0] == expected
    if expected is not None:
        entry = corpus.people.get(expected)
        assert entry is not None and "2" in entry.articles
        assert [(j.form, j.article_id) for j in entry.joins] == [(participant, "2")]
        assert participant not in entry.aliases, "an office is no name form of the person"


def test_only_a_meetings_participant_is_read_as_its_places_leader() -> None:
    """ "Turkey said" is the state speaking, not its president."""
    quote = {"speaker": "Turkey", "kind": "indirect", "text": "talks were needed"}
    corpus = Corpus.from_results(
        [article("1", "2020-02-21", speakers=[PUTIN, ERDOGAN], quotes=[quote])]
    )
    assert corpus.people.resolve("1", "Turkey") is None
    assert corpus.people.participant("1", "Turkey") is None  # in no meeting of article 1


def test_the_summit_of_two_countries_is_the_summit_of_their_leaders() -> None:
    found = threads(
        article(
            "1",
            "2020-02-28",
            speakers=[PUTIN, ERDOGAN],
            meetings=[meet(*PAIR, status="under_discussion", timeframe="soon")],
        ),
        article(
            "2",
            "2020-02-29",
            speakers=[PUTIN],
            meetings=[meet("Russia", "Turkey", status="scheduled", location="Moscow")],
        ),
        article(
            "3",
            "2020-03-06",
            meetings=[
                meet("leader of Russia", "leader of Turkey", status="held", date_from="2020-03-05")
            ],
        ),
    )
    assert found == [[("1", "under_discussion"), ("2", "scheduled"), ("3", "held")]]


# -- a call is not a meeting in person ---------------------------------------------------------


@pytest.mark.parametrize(
    ("texts", "mode"),
    [
        (["Vladimir Putin had a telephone conversation with Recep Tayyip Erdogan"], CALL),
        (["as I have told you by telephone"], CALL),
        (["The two leaders spoke by phone on Monday."], CALL),
        (["She phoned him twice."], CALL),
        (["a meeting via video link"], CALL),
        (["the videoconference of the G20 leaders"], CALL),
        (["the talks", "by telephone"], CALL),  # the place the answer gives
        (["Vladimir Putin met in the Kremlin with Recep Tayyip Erdogan"], IN_PERSON),
        (["the Russia-Turkey summit meeting to take place in the coming days"], IN_PERSON),
        (["a phonetics conference", None], IN_PERSON),
    ],
)
def test_a_meetings_mode_is_read_from_its_own_words(texts: list[str | None], mode: str) -> None:
    assert meeting_mode(*texts) == mode


def test_a_call_and_a_meeting_in_person_are_never_one_meeting() -> None:
    people = participant_keys(PAIR)
    call, summit = MeetingKey(people, mode=CALL), MeetingKey(people, mode=IN_PERSON)
    assert not same_meeting(call, summit, unknown_agrees=True)
    assert same_meeting(call, MeetingKey(people, mode=CALL), unknown_agrees=True)
    assert same_meeting(call, MeetingKey(people), unknown_agrees=True), "mode not read: agrees"


def test_a_call_neither_joins_nor_ends_the_thread_of_a_meeting_in_person() -> None:
    call = ["Vladimir Putin had a telephone conversation with Recep Tayyip Erdogan."]
    found = threads(
        article(
            "1",
            "2020-03-03",
            meetings=[meet(*PAIR, status="scheduled", date_from="2020-03-05", location="Moscow")],
        ),
        article("2", "2020-03-04", meetings=[meet(*PAIR, status="held", evidence=call)]),
        article(
            "3",
            "2020-03-05",
            meetings=[
                meet(*PAIR, status="held", date_from="2020-03-05", location="Moscow"),
                meet(*PAIR, status="proposed", timeframe="this year", location="Turkey"),
            ],
        ),
        article("4", "2020-03-12", meetings=[meet(*PAIR, status="held", evidence=call)]),
    )
    assert found == [
        [("1", "scheduled"), ("3", "held")],
        [("2", "held"), ("4", "held")],
        [("3", "proposed")],
    ]


# -- a look back at a meeting held, with a visit proposed since ----------------------------------


def test_a_meeting_held_was_held_by_its_publication_date() -> None:
    published = D(2020, 3, 13)
    assert meeting_interval(None, None, "recent", published, past=True) == Interval(None, published)
    assert meeting_interval(None, None, "recent", published) is None, "not held: unknown"
    assert meeting_interval(None, None, None, None, past=True) is None


@pytest.mark.parametrize(
    ("a", "b", "within"),
    [
        (Interval(D(2020, 3, 5), D(2020, 3, 5)), Interval(None, D(2020, 3, 13)), True),
        (Interval(D(2020, 1, 1), D(2020, 12, 31)), Interval(None, D(2020, 3, 13)), False),
        (Interval(D(2020, 3, 5), D(2020, 3, 5)), Interval(D(2020, 3, 5), D(2020, 3, 5)), True),
        (Interval(None, D(2020, 3, 5)), Interval(D(2020, 3, 1), None), False),
    ],
)
def test_an_interval_within_another(a: Interval, b: Interval, within: bool) -> None:
    assert a.within(b) is within


@pytest.mark.parametrize(
    "look_back",
    [
        meet(*PAIR, status="held", date_from="2020-03-05"),  # "the summit held on March 5"
        meet(*PAIR, status="held", timeframe="recent"),  # "the recent working visit"
    ],
)
def test_a_look_back_joins_the_meeting_held_not_the_visit_proposed_since(
    look_back: dict[str, Any],
) -> None:
    found = threads(
        article(
            "1",
            "2020-03-03",
            meetings=[meet(*PAIR, status="scheduled", date_from="2020-03-05", location="Moscow")],
        ),
        article(
            "2",
            "2020-03-05",
            meetings=[
                meet(*PAIR, status="held", date_from="2020-03-05", location="Moscow"),
                meet(*PAIR, status="proposed", timeframe="this year", location="Turkey"),
            ],
        ),
        article("3", "2020-03-13", meetings=[look_back]),
    )
    assert found == [[("1", "scheduled"), ("2", "held"), ("3", "held")], [("2", "proposed")]]
