"""Prompt v2: source and quote kinds, evidence by reference, names only from the article.

The article below is written by the team for these tests (people and places fictional).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from summarizer import ExtractionError, Summarizer, load_prompt
from summarizer._identity import cluster, name_mentions, resolve, unknown_names
from summarizer._lean import LeanSummary
from tests.fakes import ScriptedEndpoint
from tests.scenarios import SEED_ID, answer, article

ARTICLE = (
    "date 2025-03-14 Foreign Minister Ilse Varga said on Thursday that Kadria was ready to "
    'sign a border framework. "We are ready to sign," Varga told reporters in Hallby, "but '
    'not at any price."\n\n'
    "A senior official in Varnis said the talks would resume next Tuesday. The foreign "
    'ministry said in a statement that the proposal was "a dead end".\n\n'
    "Opposition leader Matthis Oren called the framework a betrayal and demanded a vote."
)

LEAN: dict[str, Any] = {
    "headline": "Kadria ready to sign border framework, minister says",
    "summary": "Ilse Varga said Kadria was ready to sign a framework; talks resume next week.",
    "speakers": [
        {"name": "Ilse Varga", "aliases": ["Varga"], "role": "foreign minister"},
        {"name": "A senior official in Varnis", "kind": "anonymous"},
        {"name": "The foreign ministry", "kind": "organisation"},
        {"name": "Matthis Oren", "role": "opposition leader"},
    ],
    "quotes": [
        {"by": "Ilse Varga", "text": "We are ready to sign, but not at any price."},
        {
            "by": "A senior official in Varnis",
            "kind": "indirect",
            "text": "A senior official ... resume next Tuesday",
        },
        {
            "by": "The foreign ministry",
            "kind": "mixed",
            "text": 'The foreign ministry ... "a dead end"',
        },
        {
            "by": "Matthis Oren",
            "kind": "indirect",
            "text": "Opposition leader Matthis ... demanded a vote",
        },
    ],
    "stances": [
        {
            "holder": "Ilse Varga",
            "target": "the border framework",
            "polarity": "support",
            "quote": 0,
        },
        {
            "holder": "Matthis Oren",
            "target": "the border framework",
            "polarity": "oppose",
            "position": "a betrayal that needs a vote",
            "quote": 3,
        },
    ],
    "meetings": [
        {
            "who": ["Kadria", "Osterlund"],
            "status": "scheduled",
            "when": "next Tuesday",
            "from": "2025-03-18",
            "evidence": ["the talks would resume next Tuesday"],
        }
    ],
}


def validate(data: dict[str, Any]) -> LeanSummary:
    return LeanSummary.model_validate(data, context={"article": ARTICLE})


def test_the_request_schema_offers_speaker_and_quote_kinds() -> None:
    body = Summarizer(prompt_version="v2").request_body(ARTICLE)
    defs = body["tools"][0]["function"]["parameters"]["$defs"]
    assert defs["Source"]["properties"]["kind"]["enum"] == [
        "person",
        "organisation",
        "group",
        "anonymous",
    ]
    assert defs["Quote"]["properties"]["kind"]["enum"] == ["direct", "indirect", "mixed"]
    assert "null" not in json.dumps(body["tools"])  # no nulls offered: absent fields are left out


def test_v1_still_sends_its_released_schema() -> None:
    body = Summarizer(prompt_version="v1").request_body(ARTICLE)
    assert (
        body["tools"][0]["function"]["parameters"]["properties"].keys()
        == (load_prompt("v1").schema or {})["properties"].keys()
    )
    assert "kind" not in json.dumps(body["tools"][0]["function"]["parameters"]["$defs"]["Speaker"])


def test_pointers_expand_into_the_articles_own_words() -> None:
    summary = validate(copy.deepcopy(LEAN)).to_summary()
    official = summary.quotes[1]
    assert (
        official.evidence == "A senior official in Varnis said the talks would resume next Tuesday"
    )
    assert official.text == official.evidence  # an English article: the passage is the text
    assert [p.slice(ARTICLE) for p in summary.quotes[2].pieces] == ["a dead end"]
    oren = summary.stances[1]
    assert oren.evidence == summary.quotes[3].evidence  # evidence by reference to quote 3
    assert [p.position for p in summary.positions] == ["a betrayal that needs a vote"]
    assert {s.name: s.kind for s in summary.speakers}["The foreign ministry"] == "organisation"
    assert summary.proposed_meetings[0].participants == ["Kadria", "Osterlund"]


def test_problems_name_the_fields_the_model_wrote() -> None:
    data = copy.deepcopy(LEAN)
    data["meetings"][0]["evidence"] = ["a summit in Vienna was agreed"]
    data["quotes"][1]["text"] = "An official said the talks are over"
    data["stances"][0]["quote"] = 9
    with pytest.raises(ValueError, match=r"stances\[0\]\.quote: there is no quotes\[9\]"):
        validate(data)
    data["stances"][0]["quote"] = 0
    with pytest.raises(ValueError, match="problem") as caught:
        validate(data)
    message = str(caught.value)
    assert "meetings[0].evidence[0] is not in the article" in message
    assert "quotes[1].text is not in the article" in message
    assert "proposed_meetings" not in message


@pytest.mark.parametrize(
    ("text", "unknown"),
    [
        ("Zorblax Quintavian met officials in Hallby.", ["Zorblax Quintavian"]),
        ("President Zorblax met Varga.", ["President Zorblax"]),
        ("Ilse Varga met Matthis Oren.", []),
        ("The Foreign Ministry of Kadria said so.", []),  # common words, a known place
        ("Kadrian officials met on Monday.", []),  # an inflection of Kadria
        ("Returned Kadrian soldiers were welcomed.", []),  # title case, a known word
        ("Officials said talks would resume.", []),  # a sentence start is not a name
        ("Minister Varga-Oren spoke.", []),  # hyphenated parts that are known
    ],
)
def test_names_in_free_text_must_come_from_the_article(text: str, unknown: list[str]) -> None:
    assert unknown_names(text, ARTICLE, ["Ilse Varga", "Varga"]) == unknown


def test_name_mentions_are_runs_of_name_words() -> None:
    assert name_mentions("Then Zorblax Quintavian and Mr Oren left Hallby.") == [
        "Zorblax Quintavian",
        "Mr Oren",
    ]


def invented(data: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    changed["headline"] = "Zorblax Quintavian says Kadria is ready to sign"
    return changed


def test_an_invented_name_in_the_headline_is_reasked_then_corrected() -> None:
    endpoint = ScriptedEndpoint([answer(invented(LEAN), "invented"), answer(LEAN, "fixed")])
    summary = Summarizer(client=endpoint.client(), prompt_version="v2").summarize(ARTICLE)
    assert summary.meta is not None and summary.meta.reasks == 1
    reask = json.dumps(endpoint.requests[1]["messages"][-1])
    assert "headline names 'Zorblax Quintavian', which is not in the article" in reask


def test_an_invented_name_on_every_answer_is_an_extraction_error() -> None:
    endpoint = ScriptedEndpoint([answer(invented(LEAN), f"invented-{i}") for i in range(3)])
    with pytest.raises(ExtractionError, match="Zorblax Quintavian") as caught:
        Summarizer(client=endpoint.client(), prompt_version="v2").summarize(ARTICLE)
    assert caught.value.kind == "invalid" and caught.value.attempts == 3


def test_anonymous_sources_and_organisations_never_merge_into_a_person() -> None:
    people = [["Anna Brandt", "Brandt"], ["Brandt"], ["Brandt Industries"], ["a Brandt aide"]]
    kinds = ["person", "organisation", "organisation", "anonymous"]
    assert cluster(people, kinds) == [0, 1, 2, 3]
    assert cluster(people) == [0, 0, 2, 3]  # without kinds, the surname would join them
    assert resolve("Brandt", people, kinds) == 1  # the organisation, by its own form only
    assert resolve("Ms Brandt", people, kinds) == 0  # the person, by the identity rules
    assert resolve("Anna Brandt", people[2:], kinds[2:]) is None


def test_the_seed_reads_the_same_under_both_versions() -> None:
    """The curated v2 answer (the gold, written as v2 asks) grounds like the v1 one."""
    from tests.scenarios import gold, lean_from_gold

    text = article(SEED_ID)
    v2 = LeanSummary.model_validate(lean_from_gold(gold(SEED_ID)), context={"article": text})
    summary = v2.to_summary()
    assert [q.location for q in summary.quotes] == [
        q.location
        for q in Summarizer(prompt_version="v1")
        .pipeline.template.answer_model.model_validate(gold(SEED_ID), context={"article": text})
        .quotes  # type: ignore[attr-defined]
    ]
