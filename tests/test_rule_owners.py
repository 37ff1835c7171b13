"""One owner per rule and vocabulary, called by every feature that needs it.

Meeting identity (chunk merging, meeting threads, evaluation), stance-target identity
(stance threads, evaluation), name particles (free-text names, corpus people), polarity
signs (report, corpus page), quote kinds (schema, views, evaluation), and the two meanings
the meeting-status rank used to carry (merge precedence, a meeting being over). Each test
here failed while the rule was written twice: the copies disagreed, or a view did not
follow the vocabulary.
"""

from __future__ import annotations

import dataclasses
from typing import Any, get_args

import pytest

from summarizer import ArticleSummary
from summarizer._chunking import merge_chunks
from summarizer._identity import NAME_PARTICLES, name_mentions
from summarizer._summary import (
    MEETING_STATUSES,
    POLARITIES,
    QUOTE_KINDS,
    MeetingStatus,
    PolarityInfo,
    QuoteKind,
    speaker_ids,
)
from summarizer._views._report import summary_to_html
from summarizer.corpus import Corpus
from summarizer.corpus._corpus_article import CorpusArticle
from summarizer.corpus._meeting_threads import is_over
from summarizer.corpus._people import build_people, personal_name
from summarizer.evaluation import FIELDS, GoldArticle, score_article, targets_match
from tests.test_corpus import article, meet

# -- meeting statuses: merge precedence and "is over" are two attributes -------------------


def test_the_statuses_that_end_a_meeting_are_named_not_ranked() -> None:
    over = {status for status, info in MEETING_STATUSES.items() if info.over}
    assert over == {"held", "cancelled", "declined"}
    assert [s for s in get_args(MeetingStatus) if is_over(s)] == ["held", "cancelled", "declined"]


def test_reordering_the_merge_precedence_does_not_change_when_a_meeting_is_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A chunk merge may prefer "postponed" to "held"; a postponed meeting is still not over."""
    postponed = MEETING_STATUSES["postponed"]
    monkeypatch.setitem(
        MEETING_STATUSES, "postponed", dataclasses.replace(postponed, merge_rank=99)
    )
    assert not is_over("postponed")
    text = "A and B met on Monday.\n\nThe A-B meeting of Monday was then postponed."
    held = {"participants": ["A", "B"], "status": "held", "timeframe": "Monday",
            "evidence": ["A and B met on Monday."]}  # fmt: skip
    moved = {"participants": ["A", "B"], "status": "postponed", "timeframe": "monday",
             "evidence": ["The A-B meeting of Monday was then postponed."]}  # fmt: skip
    merged = merge_chunks([_part([held], text), _part([moved], text)], text)
    assert [m.status for m in merged.proposed_meetings] == ["postponed"]


def test_a_meeting_not_over_takes_a_later_report_on_other_days(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Meeting threads read ``over``, not the merge rank: unmark "held" and the follow-up joins."""
    first = article(
        "1", "2025-03-03", meetings=[meet("A", "B", status="held", date_from="2025-03-01")]
    )
    later = article("2", "2025-04-01", meetings=[meet("A", "B", status="proposed")])
    assert len(Corpus.from_results([first, later]).meetings) == 2
    held = MEETING_STATUSES["held"]
    monkeypatch.setitem(MEETING_STATUSES, "held", dataclasses.replace(held, over=False))
    assert len(Corpus.from_results([first, later]).meetings) == 1


# -- meeting identity: chunk merging, threads and evaluation compare participants alike ------

GOVERNMENT = ("the Koravian government", "Koravian government")


def _part(meetings: list[dict[str, Any]], text: str) -> ArticleSummary:
    data = {"headline": "h", "summary": "s", "proposed_meetings": meetings}
    return ArticleSummary.model_validate(data, context={"article": text})


def test_chunk_merging_compares_participants_as_meeting_identity_does() -> None:
    said = ["Lestria will meet the Koravian government in May.", "Talks in May, Lestria says."]
    text = "\n\n".join(said)
    first = {"participants": ["Lestria", GOVERNMENT[0]], "status": "proposed",
             "timeframe": "in May", "evidence": said[:1]}  # fmt: skip
    second = {"participants": ["Lestria", GOVERNMENT[1]], "status": "agreed",
              "timeframe": "in May", "evidence": said[1:]}  # fmt: skip
    merged = merge_chunks([_part([first], text), _part([second], text)], text)
    assert [m.status for m in merged.proposed_meetings] == ["agreed"]


def test_meeting_threads_compare_participants_as_meeting_identity_does() -> None:
    one = article("1", "2025-05-01", meetings=[meet("Lestria", GOVERNMENT[0], status="proposed")])
    two = article("2", "2025-05-02", meetings=[meet("Lestria", GOVERNMENT[1], status="agreed")])
    threads = Corpus.from_results([one, two]).meetings
    assert [t.statuses for t in threads] == [["proposed", "agreed"]]


def test_evaluation_pairs_meetings_as_meeting_identity_does() -> None:
    gold = GoldArticle(
        "a", "text", None,
        {"proposed_meetings": [{"participants": ["Lestria", GOVERNMENT[0]], "status": "agreed"}]},
    )  # fmt: skip
    predicted = ArticleSummary.model_validate(
        {"headline": "h", "summary": "s", "proposed_meetings": [
            {"participants": ["Lestria", GOVERNMENT[1]], "status": "agreed", "evidence": ["e"]}]}
    )  # fmt: skip
    assert score_article(gold, predicted).counts["meetings"].tp == 1


# -- stance targets: one rule, persons resolved by each caller -----------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("talks with Sandor", "Istvan Sandor"),  # talks are not the person they are with
        ("Pell's border plan", "Jonas Pell"),  # nor is a person's plan
    ],
)
def test_a_target_that_is_a_person_matches_only_that_person(a: str, b: str) -> None:
    people = [["Istvan Sandor", "Sandor"], ["Jonas Pell"]]
    assert not targets_match(a, b, people)
    assert targets_match(b, b.split()[-1], people)  # the person, by surname: the same


def test_stance_threads_and_evaluation_agree_on_a_person_target() -> None:
    holder = ["Ana Varga"]
    stances = [
        {"holder": "Ana Varga", "target": "Jonas Pell", "polarity": "oppose"},
        {"holder": "Ana Varga", "target": "Pell's border plan", "polarity": "support"},
    ]
    one = article("1", "2025-03-03", speakers=[*holder, "Jonas Pell"], stances=stances[:1])
    two = article("2", "2025-03-04", speakers=[*holder, "Jonas Pell"], stances=stances[1:])
    threads = Corpus.from_results([one, two]).stances
    assert len(threads) == 2
    assert not targets_match(stances[0]["target"], stances[1]["target"], [["Jonas Pell"]])


# -- name particles: one list -----------------------------------------------------------------


@pytest.mark.parametrize("particle", sorted(NAME_PARTICLES))
def test_every_name_particle_is_part_of_a_name_for_every_name_rule(particle: str) -> None:
    name = f"Giovanni {particle} Casa"
    assert personal_name(name)
    assert name_mentions(f"Then {name} arrived.") == ["Giovanni Casa"]


def test_a_participant_named_with_della_is_a_person_of_the_corpus() -> None:
    one = article(
        "1", "2025-03-03", speakers=["Ana Varga"],
        meetings=[meet("Ana Varga", "Giovanni della Casa", status="proposed")],
    )  # fmt: skip
    corpus = Corpus.from_results([one])
    assert "Giovanni della Casa" in [p.name for p in corpus.people]
    assert None not in corpus.meetings[0].participant_ids


# -- polarity signs and quote kinds: the views follow the vocabulary ---------------------------

TEXT = 'Ana Varga opposes the plan. Varga said the plan was "a dead end" for the town.'


def _summary() -> ArticleSummary:
    data = {
        "headline": "Varga opposes the plan",
        "summary": "Ana Varga opposes the plan.",
        "speakers": [{"name": "Ana Varga", "aliases": ["Varga"]}],
        "quotes": [
            {
                "speaker": "Ana Varga",
                "kind": "mixed",
                "text": "Varga called the plan a dead end",
                "evidence": 'Varga said the plan was "a dead end" for the town.',
            }
        ],
        "stances": [
            {
                "holder": "Ana Varga",
                "target": "the plan",
                "polarity": "oppose",
                "evidence": "Ana Varga opposes the plan.",
            }
        ],
    }
    summary = ArticleSummary.model_validate(data, context={"article": TEXT})
    return summary.model_copy(update={"article_text": TEXT})


def test_both_pages_show_the_vocabularys_polarity_sign(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(POLARITIES, "oppose", PolarityInfo("⊘"))
    assert "⊘ oppose" in summary_to_html(_summary())
    record = CorpusArticle("a", _summary().model_copy(update={"published": None}))
    assert "⊘ oppose" in Corpus.from_results([record]).to_html()


def test_a_mixed_quote_is_reported_speech_in_the_report() -> None:
    """The report marks reported speech by the schema's rule: mixed quotes are reported too."""
    html = summary_to_html(_summary())
    assert 'class="sr-pill indirect"' in html
    assert "Varga ~" in html
    assert 'class="hl q indirect mixed' in html  # outlined in the article, as reported speech


def test_evaluation_scores_every_quote_kind_of_the_schema() -> None:
    assert get_args(QuoteKind) == QUOTE_KINDS
    assert [f for f in FIELDS if f.startswith("quotes_")] == [f"quotes_{k}" for k in QUOTE_KINDS]


# -- corpus people: keyed by ids, not positions ------------------------------------------------


def test_people_are_found_by_article_and_speaker_id_in_any_order() -> None:
    one = article("1", "2025-03-03", speakers=["Ana Varga", "Jonas Pell"])
    two = article("2", "2025-03-04", speakers=["Jonas Pell", {"name": "Ms Varga"}])
    people = build_people([one, two])
    for a in (two, one):  # another order than the corpus's
        ids = speaker_ids(a.summary.speakers)
        for speaker, sid in zip(a.summary.speakers, ids, strict=True):
            entry = people.of_speaker(a.id, sid)
            assert entry is not None and speaker.name.split()[-1] in entry.name
        assert people.resolve(a.id, "Varga") is people.resolve(one.id, "Ana Varga")
    assert people.resolve("no such article", "Varga") is None


def test_speaker_ids_of_a_summary_without_ids_are_the_ones_assign_ids_gives() -> None:
    speakers = [{"name": "Mr Sollberg"}, {"name": "Ms Sollberg"}]
    two = ArticleSummary.model_validate({"headline": "h", "summary": "s", "speakers": speakers})
    assert [s.id for s in two.speakers] == [None, None]
    assert speaker_ids(two.speakers) == ["sollberg", "sollberg-2"]
