"""Schema-level grounding: what passes, what is reported, and that spans are never trusted."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from summarizer import ArticleSummary, Span
from tests.scenarios import GERMAN_ID, SEED_ID, VISIT_ID, article, gold

SEED = article(SEED_ID)


def validate(data: dict[str, Any], text: str = SEED) -> ArticleSummary:
    return ArticleSummary.model_validate(data, context={"article": text})


def problems(data: dict[str, Any], text: str = SEED) -> str:
    with pytest.raises(ValidationError) as caught:
        validate(data, text)
    return str(caught.value)


@pytest.mark.parametrize("seed_id", [SEED_ID, VISIT_ID, GERMAN_ID])
def test_gold_annotations_are_grounded(seed_id: str) -> None:
    text = article(seed_id)
    summary = validate(gold(seed_id), text)
    for quote in summary.quotes:
        assert quote.location is not None
        assert quote.location.end <= len(text)
    for meeting in summary.proposed_meetings:
        assert [s.slice(text) for s in meeting.evidence_spans]


def test_model_supplied_spans_are_overwritten() -> None:
    data = gold(SEED_ID)
    data["quotes"][1]["span"] = {"start": 0, "end": 5}
    data["quotes"][0]["span"] = {"start": 0, "end": 5}  # indirect: must end up None
    summary = validate(data)
    assert summary.quotes[1].span is not None
    assert summary.quotes[1].span.slice(SEED) == "There have been no real impulses so far"
    assert summary.quotes[0].span is None


def test_without_article_context_nothing_is_checked_and_spans_are_kept() -> None:
    """Loading saved results must not need the article, nor drop the stored spans."""
    summary = validate(gold(SEED_ID))
    restored = ArticleSummary.model_validate_json(summary.model_dump_json())
    assert restored == summary
    assert restored.quotes[1].span == Span(start=256, end=295)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["quotes"][1].update(text="There have been no genuine impulses"),
            "quotes[1].text (direct quote) is not in the article",
        ),
        (
            lambda d: d["quotes"][0].update(evidence="Peskov said a meeting is impossible."),
            "quotes[0].evidence is not in the article",
        ),
        (lambda d: d["quotes"][0].update(evidence=None), "quotes[0] is indirect: give verbatim"),
        (lambda d: d["quotes"][0].update(speaker="Sergei Lavrov"), "is not one of speakers[].name"),
        (
            lambda d: d["speakers"].append({"name": "Sergei Lavrov", "aliases": []}),
            "speakers[3] 'Sergei Lavrov': no form of this name is in the article",
        ),
        (
            lambda d: d["speakers"][1]["aliases"].append("Vladimir Vladimirovich"),
            "'Vladimir Vladimirovich' is not a form used in the article",
        ),
        (
            lambda d: d["positions"][0].update(evidence="Moscow refuses any contact"),
            "positions[0].evidence is not in the article",
        ),
        (
            lambda d: d["stances"][0].update(evidence="Putin loves Trump"),
            "stances[0].evidence is not in the article",
        ),
        (
            lambda d: d["proposed_meetings"][0]["evidence"].append("a summit in Vienna"),
            "proposed_meetings[0].evidence[5] is not in the article",
        ),
        (
            lambda d: d["framing"]["expressions"].append({"text": "tyrant", "refers_to": "Putin"}),
            "framing.expressions[2].text is not in the article",
        ),
        (
            lambda d: d.update(summary="The Russian dictator is ready to meet Trump."),
            "adopt the outlet's loaded term 'Russian dictator'",
        ),
    ],
)
def test_each_problem_is_named(mutate: Any, expected: str) -> None:
    data = copy.deepcopy(gold(SEED_ID))
    mutate(data)
    assert expected in problems(data)


def test_all_problems_are_reported_at_once() -> None:
    data = gold(SEED_ID)
    data["quotes"][1]["text"] = "invented words one"
    data["stances"][0]["evidence"] = "invented words two"
    message = problems(data)
    assert "2 problem(s)" in message
    assert "invented words one" in message and "invented words two" in message


def test_references_are_canonicalised_to_the_speaker_name() -> None:
    data = gold(SEED_ID)
    data["quotes"][3]["speaker"] = "Putin"
    data["stances"][0]["holder"] = "president putin"
    data["proposed_meetings"][0]["participants"] = ["Putin", "Trump"]
    summary = validate(data)
    assert summary.quotes[3].speaker == "Vladimir Putin"
    assert summary.stances[0].holder == "Vladimir Putin"
    assert summary.proposed_meetings[0].participants == ["Vladimir Putin", "Donald Trump"]
    assert summary.quotes[3].speaker_id == "vladimir-putin"
    assert summary.stances[0].holder_id == "vladimir-putin"
    assert summary.proposed_meetings[0].participant_ids == ["vladimir-putin", "donald-trump"]


def test_two_sources_the_model_kept_apart_keep_two_ids() -> None:
    data = gold(SEED_ID)
    data["speakers"] += [copy.deepcopy(data["speakers"][0]), copy.deepcopy(data["speakers"][0])]
    summary = validate(data)
    assert [s.id for s in summary.speakers] == [
        "dmitry-peskov",
        "vladimir-putin",
        "donald-trump",
        "dmitry-peskov-2",
        "dmitry-peskov-3",
    ]


@pytest.mark.parametrize(
    ("field", "value"),
    [("status", "planned"), ("participants", ["Vladimir Putin"]), ("evidence", [])],
)
def test_meeting_structure_is_enforced(field: str, value: Any) -> None:
    data = gold(SEED_ID)
    data["proposed_meetings"][0][field] = value
    with pytest.raises(ValidationError):
        validate(data)


def test_meeting_dates_must_be_ordered() -> None:
    data = gold(VISIT_ID)
    data["proposed_meetings"][0]["date_to"] = "2025-03-01"
    assert "date_to is before date_from" in problems(data, article(VISIT_ID))


def test_schema_sent_to_the_model_hides_library_fields() -> None:
    schema = ArticleSummary.model_json_schema()
    for hidden in ("meta", "published", "article_text"):
        assert hidden not in schema["properties"]
    assert "span" not in schema["$defs"]["Quote"]["properties"]
    assert "title" not in schema["$defs"]["Quote"]["properties"]["text"]
    assert schema["title"] == "ArticleSummary"


LOADED = (
    "The war in the east goes on, the paper wrote. Talks are planned in Warsaw next week, "
    "a step toward peace, and the regime's envoys will attend.\n"
)


@pytest.mark.parametrize(
    ("summary", "adopts"),
    [
        ("Talks are planned in Warsaw, a step toward peace.", None),  # words, not substrings
        ("Fighting continues; talks are planned for next week.", None),
        ("The war goes on, and talks are planned in Warsaw.", "war"),
        ("Wars go on while talks are planned.", "war"),  # a plural is the same term
        ("The regime's envoys will attend the talks.", "regime"),  # so is a possessive
        ("Envoys of the REGIME will attend.", "regime"),  # case aside
    ],
)
def test_loaded_terms_are_matched_as_words(summary: str, adopts: str | None) -> None:
    data = {
        "headline": "Talks planned for next week",
        "summary": summary,
        "framing": {
            "expressions": [
                {"text": "war", "refers_to": "the east"},
                {"text": "regime", "refers_to": "the government"},
            ]
        },
    }
    if adopts is None:
        validate(data, LOADED)
    else:
        assert f"adopt the outlet's loaded term {adopts!r}" in problems(data, LOADED)
