"""The corpus rules, one at a time, on small corpora written for each rule; and the story's gold.

The small corpora are summaries built here (no model, no grounding); the last tests thread
the team's own gold for the story (``seeds/story/gold.jsonl``), so the rules are held to
what the team annotated, independently of any model's answers.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from summarizer import ArticleSummary
from summarizer._timeframes import Interval, timeframe_interval
from summarizer.corpus import Corpus, CorpusArticle
from summarizer.corpus._people import personal_name
from summarizer.corpus._targets import target_words
from summarizer.errors import InputError
from tests.story import gold_records, threads_gold

D = dt.date


def article(
    ident: str,
    published: str,
    *,
    speakers: list[Any] | None = None,
    meetings: list[dict[str, Any]] | None = None,
    stances: list[dict[str, Any]] | None = None,
    quotes: list[dict[str, Any]] | None = None,
) -> CorpusArticle:
    """One article's summary, written for a test (names as given, nothing grounded)."""
    people = [s if isinstance(s, dict) else {"name": s} for s in speakers or []]
    data = {
        "headline": f"article {ident}",
        "summary": "a summary",
        "speakers": people,
        "quotes": quotes or [],
        "proposed_meetings": [{"evidence": ["the evidence"], **m} for m in meetings or []],
        "stances": [{"evidence": "the evidence", **s} for s in stances or []],
    }
    summary = ArticleSummary.model_validate(data)
    text = f"The text of article {ident}."
    return CorpusArticle(
        ident,
        summary.model_copy(update={"published": D.fromisoformat(published), "article_text": text}),
    )


def meet(*who: str, status: str, **more: Any) -> dict[str, Any]:
    return {"participants": list(who), "status": status, **more}


def threads(*articles: CorpusArticle) -> list[list[tuple[str, str]]]:
    """Each meeting thread as its events' (article id, status)."""
    corpus = Corpus.from_results(list(articles))
    return [[(e.article_id, e.status) for e in t.events] for t in corpus.meetings]


AB = ["Jonas Aubrecht", "Arkady Belozarsky"]


# -- meeting threads ------------------------------------------------------------------------


def test_a_second_meeting_after_the_first_was_held_is_its_own_thread() -> None:
    found = threads(
        article("1", "2025-03-03", speakers=AB, meetings=[meet(*AB, status="proposed")]),
        article(
            "2",
            "2025-03-11",
            speakers=AB,
            meetings=[meet(*AB, status="held", date_from="2025-03-10")],
        ),
        article(
            "3",
            "2025-03-20",
            speakers=AB,
            meetings=[meet(*AB, status="proposed", timeframe="in the autumn")],
        ),
    )
    assert found == [[("1", "proposed"), ("2", "held")], [("3", "proposed")]]


def test_a_report_of_the_held_meeting_after_the_follow_up_was_proposed_joins_the_first() -> None:
    first = meet(*AB, status="held", date_from="2025-03-10", location="Vorsellen")
    found = threads(
        article("1", "2025-03-11", speakers=AB, meetings=[first]),
        article(
            "2",
            "2025-03-20",
            speakers=AB,
            meetings=[meet(*AB, status="agreed", timeframe="in October")],
        ),
        article(
            "3",
            "2025-03-30",
            speakers=AB,
            meetings=[meet(*AB, status="held", timeframe="on Monday, March 10")],
        ),
    )
    assert found == [[("1", "held"), ("3", "held")], [("2", "agreed")]]


def test_a_postponed_meeting_that_takes_a_new_date_stays_one_thread() -> None:
    found = threads(
        article(
            "1", "2025-03-03", meetings=[meet(*AB, status="scheduled", date_from="2025-03-13")]
        ),
        article("2", "2025-03-10", meetings=[meet(*AB, status="postponed")]),
        article(
            "3", "2025-03-14", meetings=[meet(*AB, status="scheduled", date_from="2025-03-27")]
        ),
    )
    assert found == [[("1", "scheduled"), ("2", "postponed"), ("3", "scheduled")]]


def test_days_that_do_not_overlap_are_another_meeting() -> None:
    found = threads(
        article(
            "1", "2025-03-03", meetings=[meet(*AB, status="scheduled", date_from="2025-03-13")]
        ),
        article(
            "2", "2025-03-14", meetings=[meet(*AB, status="scheduled", date_from="2025-04-20")]
        ),
    )
    assert found == [[("1", "scheduled")], [("2", "scheduled")]]


def test_other_people_are_kept_apart_and_two_meetings_of_one_article_are_two() -> None:
    ministers = meet("Nadia Felder", "Yelena Dravets", status="scheduled")
    found = threads(
        article("1", "2025-03-03", meetings=[meet(*AB, status="proposed"), ministers]),
        article(
            "2",
            "2025-03-06",
            meetings=[meet(*AB, status="under_discussion"), meet(*AB, status="proposed")],
        ),
    )
    assert found == [
        [("1", "proposed"), ("2", "under_discussion")],
        [("1", "scheduled")],
        [("2", "proposed")],
    ]


@pytest.mark.parametrize(
    ("day", "place", "joined"),
    [("2025-03-24", "Vorsellen", True), ("2025-03-25", "Vorsellen", False)],
)
def test_a_meeting_that_adds_people_joins_only_on_the_same_days(
    day: str, place: str, joined: bool
) -> None:
    four = [*AB, "Nadia Felder", "Yelena Dravets"]
    corpus = Corpus.from_results(
        [
            article(
                "1",
                "2025-03-14",
                meetings=[meet(*AB, status="scheduled", date_from="2025-03-24", location=place)],
            ),
            article(
                "2",
                "2025-03-19",
                meetings=[meet(*four, status="scheduled", date_from=day, location=place)],
            ),
        ]
    )
    assert len(corpus.meetings) == (1 if joined else 2)
    if joined:
        assert corpus.meetings[0].events[1].joined_by == "participants within"
        assert corpus.meetings[0].participants == AB, "the thread keeps its own participants"


@pytest.mark.parametrize(("place", "joined"), [("Vorsellen", True), ("Port Hallam", False)])
def test_a_meeting_of_countries_joins_the_meeting_of_that_day_and_place(
    place: str, joined: bool
) -> None:
    found = threads(
        article(
            "1",
            "2025-03-14",
            meetings=[meet(*AB, status="scheduled", date_from="2025-03-24", location="Vorsellen")],
        ),
        article(
            "2",
            "2025-03-27",
            meetings=[
                meet("Koravia", "Lestria", status="held", date_from="2025-03-24", location=place)
            ],
        ),
    )
    assert len(found) == (1 if joined else 2)


def test_participants_are_identities_across_articles_speakers_or_not() -> None:
    corpus = Corpus.from_results(
        [
            article(
                "1",
                "2025-03-03",
                speakers=[{"name": "Arkady Belozarsky", "aliases": ["Belozarsky"]}],
                meetings=[meet("Jonas Aubrecht", "Arkady Belozarsky", status="proposed")],
            ),
            article("2", "2025-03-06", meetings=[meet("Aubrecht", "Belozarskiy", status="agreed")]),
            article(
                "3",
                "2025-03-10",
                speakers=["Arkadiy Belozarskiy"],
                meetings=[meet("President Jonas Aubrecht", "Belozarskiy", status="scheduled")],
            ),
        ]
    )
    assert [t.statuses for t in corpus.meetings] == [["proposed", "agreed", "scheduled"]]
    assert corpus.meetings[0].participant_ids == ["jonas-aubrecht", "arkady-belozarsky"]


# -- people -----------------------------------------------------------------------------------


def test_anonymous_sources_are_never_merged_and_ids_stay_unique() -> None:
    official = {"name": "a senior official", "kind": "anonymous"}
    corpus = Corpus.from_results(
        [
            article("1", "2025-03-03", speakers=[official, "Jonas Aubrecht"]),
            article("2", "2025-03-06", speakers=[official, {"name": "Aubrecht"}]),
        ]
    )
    anonymous = [p for p in corpus.people if p.kind == "anonymous"]
    assert [(p.id, p.articles) for p in anonymous] == [
        ("a-senior-official", ["1"]),
        ("a-senior-official-2", ["2"]),
    ]
    persons = [p for p in corpus.people if p.kind == "person"]
    assert [(p.name, p.articles) for p in persons] == [("Jonas Aubrecht", ["1", "2"])]


def test_organisations_merge_by_their_words_and_never_with_persons() -> None:
    corpus = Corpus.from_results(
        [
            article(
                "1",
                "2025-03-03",
                speakers=[
                    {"name": "The Koravian government", "kind": "organisation"},
                    "Petra Sollberg",
                ],
            ),
            article(
                "2",
                "2025-03-06",
                speakers=[
                    {"name": "Koravian government", "kind": "organisation"},
                    {"name": "Sollberg", "kind": "organisation"},
                    "Aron Sollberg",
                ],
            ),
        ]
    )
    kinds = {p.name: (p.kind, p.articles) for p in corpus.people}
    assert kinds == {
        "The Koravian government": ("organisation", ["1", "2"]),
        "Petra Sollberg": ("person", ["1"]),
        "Sollberg": ("organisation", ["2"]),
        "Aron Sollberg": ("person", ["2"]),
    }


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Yelena Dravets", True),
        ("Foreign Minister Elena Dravets", True),
        ("President Korr", True),
        ("Donald J. Trump", True),
        ("Koravia", False),
        ("Belozarskiy's cabinet", False),
        ("The Kremlin", False),
        ("Koravian Farmers' Union", False),
        ("European Union", False),
        ("New York", False),
        ("Prime Minister's Office", False),
        ("the opposition", False),
    ],
)
def test_which_names_that_do_not_speak_are_persons(name: str, expected: bool) -> None:
    assert personal_name(name) is expected


def test_the_corpus_is_the_same_whatever_order_the_results_come_in() -> None:
    articles = [
        article(str(i), f"2025-03-{i + 1:02d}", speakers=AB, meetings=[meet(*AB, status=s)])
        for i, s in enumerate(["proposed", "under_discussion", "scheduled", "held"])
    ]
    first = Corpus.from_results(articles).as_json()
    shuffled = articles[:]
    random.Random(7).shuffle(shuffled)
    assert Corpus.from_results(shuffled).as_json() == first
    assert [e["article_id"] for e in first["meetings"][0]["events"]] == ["0", "1", "2", "3"]


def test_failed_results_are_listed_and_a_missing_file_is_an_input_error(tmp_path: Any) -> None:
    path = tmp_path / "results.jsonl"
    path.write_text(
        '{"id": "x", "status": "error", "error": {"type": "ProviderError", "message": "boom"}}\n',
        encoding="utf-8",
    )
    corpus = Corpus.from_results(path)
    assert corpus.articles == [] and [(s.id, s.error) for s in corpus.skipped] == [
        ("x", "ProviderError: boom")
    ]
    with pytest.raises(InputError, match="cannot read"):
        Corpus.from_results(tmp_path / "missing.jsonl")


# -- timeframes and stance targets -----------------------------------------------------------


@pytest.mark.parametrize(
    ("timeframe", "published", "past", "expected"),
    [
        ("in the autumn", D(2025, 3, 27), False, Interval(D(2025, 9, 1), D(2025, 11, 30))),
        ("in October", D(2025, 3, 30), False, Interval(D(2025, 10, 1), D(2025, 10, 31))),
        ("in October", D(2025, 11, 2), True, Interval(D(2025, 10, 1), D(2025, 10, 31))),
        ("in October", D(2025, 11, 2), False, Interval(D(2026, 10, 1), D(2026, 10, 31))),
        ("in winter", D(2025, 1, 10), False, Interval(D(2024, 12, 1), D(2025, 2, 28))),
        ("as early as this month", D(2025, 3, 3), False, Interval(D(2025, 3, 1), None)),
        ("by October", D(2025, 3, 3), False, Interval(None, D(2025, 10, 31))),
        ("March 24", D(2025, 3, 14), False, Interval(D(2025, 3, 24), D(2025, 3, 24))),
        ("24 March", D(2025, 3, 14), False, Interval(D(2025, 3, 24), D(2025, 3, 24))),
        ("next Thursday", D(2025, 3, 6), False, Interval(D(2025, 3, 13), D(2025, 3, 13))),
        ("Thursday", D(2025, 3, 10), False, Interval(D(2025, 3, 13), D(2025, 3, 13))),
        ("on Monday", D(2025, 3, 25), True, Interval(D(2025, 3, 24), D(2025, 3, 24))),
        ("last Monday", D(2025, 3, 30), True, Interval(D(2025, 3, 24), D(2025, 3, 24))),
        ("next week", D(2025, 3, 27), False, Interval(D(2025, 3, 31), D(2025, 4, 6))),
        ("later this year", D(2025, 3, 27), False, Interval(D(2025, 3, 27), D(2025, 12, 31))),
        ("in May", D(2025, 3, 27), False, Interval(D(2025, 5, 1), D(2025, 5, 31))),
        ("the meeting may happen soon", D(2025, 3, 27), False, None),
        ("soon", D(2025, 3, 27), False, None),
        ("in October", None, False, None),
    ],
)
def test_timeframes_are_read_against_the_publication_date(
    timeframe: str, published: dt.date | None, past: bool, expected: Interval | None
) -> None:
    assert timeframe_interval(timeframe, published, past=past) == expected


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("the customs pact", "the revised customs pact", True),
        ("the customs pact", "Lestria-Koravia customs pact", True),
        ("the old pact", "the revised customs pact", True),
        ("summit with Arkady Belozarsky", "Proposed summit with Belozarsky", True),
        ("Koravia", "Koravia's levy", False),
        ("a summit with Belozarsky", "the summit date in Vorsellen", False),
        ("Vorsellen meeting", "Vorsellen talks", False),
    ],
)
def test_stance_targets_are_the_same_by_head_word_and_contained_words(
    a: str, b: str, same: bool
) -> None:
    (wa, ha, _), (wb, hb, _) = target_words(a), target_words(b)
    assert (ha == hb and (wa <= wb or wb <= wa)) is same


def test_a_look_back_at_an_older_version_stays_with_the_event() -> None:
    holder = ["Arkady Belozarsky"]
    corpus = Corpus.from_results(
        [
            article(
                "1",
                "2025-03-03",
                speakers=holder,
                stances=[{"holder": holder[0], "target": "the customs pact", "polarity": "oppose"}],
            ),
            article(
                "2",
                "2025-03-27",
                speakers=holder,
                stances=[
                    {"holder": holder[0], "target": "the old pact", "polarity": "oppose"},
                    {"holder": holder[0], "target": "the revised pact", "polarity": "support"},
                ],
            ),
        ]
    )
    [thread] = corpus.stances
    assert thread.polarities == ["oppose", "support"] and thread.changed
    assert [(a.target, a.polarity) for a in thread.events[1].also] == [("the old pact", "oppose")]


# -- the story's gold, threaded ----------------------------------------------------------------


def gold_article(record: dict[str, Any]) -> CorpusArticle:
    """An article summarised exactly as the team's gold says (curated, no model)."""
    gold = record["gold"]
    return article(
        record["id"],
        record["published"],
        speakers=[
            {k: s[k] for k in ("name", "aliases", "kind") if k in s} for s in gold["speakers"]
        ],
        meetings=gold["proposed_meetings"],
        stances=gold["stances"],
    )


@pytest.fixture(scope="module")
def gold_corpus() -> Corpus:
    return Corpus.from_results([gold_article(r) for r in gold_records()])


def test_the_gold_threads_itself(gold_corpus: Corpus) -> None:
    """The team's annotations give exactly the gold threads: A, B and C, statuses and all."""
    expected = {
        m["id"]: [(e["article_id"], e["status"]) for e in m["events"]]
        for m in threads_gold()["meetings"]
    }
    found = [[(e.article_id, e.status) for e in t.events] for t in gold_corpus.meetings]
    assert sorted(found) == sorted(expected.values())


def test_the_gold_stance_threads_are_the_corpus_threads(gold_corpus: Corpus) -> None:
    ids = {p.name: p.id for p in gold_corpus.people}
    for gold in threads_gold()["stances"]:
        wanted = [(e["article_id"], e["polarity"]) for e in gold["events"]]
        found = [
            [(e.article_id, e.polarity) for e in s.events]
            for s in gold_corpus.stances
            if s.holder_id == ids[gold["holder"]]
        ]
        assert wanted in found, gold["holder"]
