"""Scoring against gold annotations: the matching rules, tricky cases, and the eval command."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarizer import ArticleSummary, Span
from summarizer._article import header_date
from summarizer.cli import app
from summarizer.evaluation import (
    Counts,
    GoldArticle,
    content_differences,
    gold_record,
    load_gold,
    same_person,
    score_article,
    score_set,
    span_iou,
    targets_match,
)
from tests.scenarios import GERMAN_ID, SEED_ID, VISIT_ID, article, gold, lean_from_gold

ROOT = Path(__file__).resolve().parent.parent
GOLD_SET = ROOT / "seeds" / "gold.jsonl"
REPLAY = [
    ROOT / "cassettes" / f"{n}.yaml"
    for n in ("seed_article", "scheduled_visit", "non_english_article")
]


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (["Vladimir Putin"], ["Putin"], True),  # surname only
        (["President Putin"], ["Vladimir Putin", "Putin"], True),  # title dropped
        (["Putin's"], ["Vladimir Putin"], True),  # possessive
        (["Tomas Ibarra"], ["Tomás Ibarra"], True),  # diacritics
        (["Chancellor Holt"], ["Maren Holt"], True),
        (["Bürgermeisterin Jana Roth"], ["Jana Roth"], True),
        (["Donald Trump"], ["Vladimir Putin"], False),
        (["Dmitry Peskov"], ["Donald Trump", "Trump"], False),
        (["President"], ["Vladimir Putin"], False),  # a bare title names nobody
        (["Zelensky"], ["Volodymyr Zelenskyy"], True),  # transliteration (issue 5 rules)
        (["Donald Trump"], ["Ivanka Trump"], False),  # two full names: first names differ
    ],
)
def test_same_person(a: list[str], b: list[str], same: bool) -> None:
    assert same_person(a, b) is same
    assert same_person(b, a) is same


@pytest.mark.parametrize(
    ("a", "b", "match"),
    [
        ("a meeting with Donald Trump", "meeting with Trump", True),
        ("the war against Ukraine", "the Russian war against Ukraine", True),
        ("Ibarra's invitation", "the invitation from Ibarra", True),
        ("tram line 7", "the war against Ukraine", False),
        ("", "the war", False),
    ],
)
def test_targets_match(a: str, b: str, match: bool) -> None:
    assert targets_match(a, b) is match


def test_span_iou() -> None:
    assert span_iou(Span(start=0, end=10), Span(start=0, end=10)) == 1.0
    assert span_iou(Span(start=0, end=10), Span(start=5, end=15)) == pytest.approx(5 / 15)
    assert span_iou(Span(start=0, end=10), Span(start=10, end=20)) == 0.0


def test_counts() -> None:
    counts = Counts(tp=3, fp=1, fn=2)
    assert counts.precision == 0.75 and counts.recall == 0.6
    assert counts.f1 == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    assert Counts().f1 is None and (Counts(fn=2).precision, Counts(fn=2).recall) == (None, 0.0)


def gold_article(seed_id: str) -> GoldArticle:
    text = article(seed_id)
    published = header_date(text)
    record = gold_record(seed_id, text, published.isoformat() if published else None, gold(seed_id))
    return GoldArticle(record["id"], record["text"], record["published"], record["gold"])


def prediction(seed_id: str, edit: Any = None) -> ArticleSummary:
    data = copy.deepcopy(gold(seed_id))
    if edit is not None:
        edit(data)
    return ArticleSummary.model_validate(data)  # no article context: spans come from scoring


def test_the_gold_answer_scores_perfectly() -> None:
    score = score_article(gold_article(SEED_ID), prediction(SEED_ID))
    assert all(c.f1 == 1.0 for c in score.counts.values())
    assert score.accuracy["meeting_status"].value == 1.0
    assert score.grounding.value == 1.0


def test_surname_only_and_typographic_quotes_still_match() -> None:
    def edit(data: dict[str, Any]) -> None:
        data["speakers"][1]["name"] = "Putin"
        data["speakers"][1]["aliases"] = []
        data["quotes"][1]["text"] = "“There have been no real impulses so far.”"

    score = score_article(gold_article(SEED_ID), prediction(SEED_ID, edit))
    assert score.counts["speakers"].f1 == 1.0
    assert score.counts["quotes_direct"].f1 == 1.0


def test_partial_span_counts_only_above_the_threshold() -> None:
    long_quote = gold(SEED_ID)["quotes"][5]["text"]

    def keep(fraction: float) -> Any:
        def edit(data: dict[str, Any]) -> None:
            data["quotes"][5]["text"] = long_quote[: int(len(long_quote) * fraction)].rsplit(
                " ", 1
            )[0]

        return edit

    most = score_article(gold_article(SEED_ID), prediction(SEED_ID, keep(0.8)))
    little = score_article(gold_article(SEED_ID), prediction(SEED_ID, keep(0.3)))
    assert most.counts["quotes_direct"].tp == 3
    assert little.counts["quotes_direct"].tp == 2 and little.counts["quotes_direct"].fp == 1


def test_hallucinated_speaker_is_a_false_positive() -> None:
    edit = lambda d: d["speakers"].append({"name": "Sergei Lavrov", "aliases": []})  # noqa: E731
    score = score_article(gold_article(SEED_ID), prediction(SEED_ID, edit))
    assert (score.counts["speakers"].tp, score.counts["speakers"].fp) == (3, 1)


def test_missed_meeting_and_wrong_status() -> None:
    def edit(data: dict[str, Any]) -> None:
        data["proposed_meetings"] = data["proposed_meetings"][:1]
        data["proposed_meetings"][0]["status"] = "agreed"

    score = score_article(gold_article(VISIT_ID), prediction(VISIT_ID, edit))
    assert (score.counts["meetings"].tp, score.counts["meetings"].fn) == (1, 1)
    assert score.accuracy["meeting_status"].value == 0.0


def test_wrong_polarity_and_fabricated_evidence_are_counted() -> None:
    def edit(data: dict[str, Any]) -> None:
        data["stances"][2]["polarity"] = "support"
        data["stances"][0]["evidence"] = "Putin said he trusts Trump completely"

    score = score_article(gold_article(SEED_ID), prediction(SEED_ID, edit))
    assert score.counts["stances"].tp == 4
    assert score.accuracy["stance_polarity"].correct == 3
    assert score.grounding.correct == score.grounding.total - 1


def test_a_failed_run_misses_everything_and_absent_fields_are_not_scored() -> None:
    base = gold_article(GERMAN_ID)
    partial = GoldArticle(base.id, base.text, base.published, {"speakers": base.gold["speakers"]})
    score = score_article(partial, None)
    assert score.failed and set(score.counts) == {"speakers"}
    assert score.counts["speakers"].fn == 2 and score.counts["speakers"].recall == 0.0


def test_the_committed_gold_set_is_the_seed_annotations() -> None:
    """seeds/gold.jsonl cannot drift from seeds/*.gold.json."""
    assert [a.id for a in load_gold(GOLD_SET)] == [SEED_ID, VISIT_ID, GERMAN_ID]
    for line, seed_id in zip(
        GOLD_SET.read_text().splitlines(), [SEED_ID, VISIT_ID, GERMAN_ID], strict=True
    ):
        expected = gold_article(seed_id)
        assert json.loads(line) == {
            "id": expected.id,
            "text": expected.text,
            "published": expected.published,
            "gold": expected.gold,
        }


def test_eval_replays_recorded_answers_offline() -> None:
    args = ["eval", str(GOLD_SET), "--json", "--prompt-version=v1"]
    args += [f"--replay={p}" for p in REPLAY]
    result = CliRunner().invoke(app, args, env={})
    assert result.exit_code == 0, result.output
    [config] = json.loads(result.stdout)["configs"]
    assert config["failed"] == 0 and config["articles"] == 3
    for name in ("speakers", "quotes_direct", "quotes_indirect", "meetings", "stances"):
        assert set(config[name]) >= {"precision", "recall", "f1", "tp", "fp", "fn"}
        assert config[name]["f1"] == 1.0  # the recorded answers are the curated gold
    assert config["tokens"]["input"] > 0 and config["cost_usd"] > 0


def test_eval_without_a_recording_reports_failures_not_a_crash() -> None:
    result = CliRunner().invoke(
        app,
        ["eval", str(GOLD_SET), "--json", "--prompt-version=v1", f"--replay={REPLAY[0]}"],
        env={},
    )
    assert result.exit_code == 0, result.output
    [config] = json.loads(result.stdout)["configs"]
    assert config["failed"] == 2  # the visit and the German article have no answer here
    assert config["speakers"]["recall"] < 1.0


def test_eval_scores_a_predictions_file_and_compares_side_by_side(tmp_path: Path) -> None:
    results = tmp_path / "results.jsonl"
    lines = [
        {"id": SEED_ID, "status": "ok", "summary": gold(SEED_ID)},
        {"id": VISIT_ID, "status": "error", "summary": None, "error": {"type": "ProviderError"}},
    ]
    results.write_text("".join(json.dumps(line) + "\n" for line in lines))
    out = CliRunner().invoke(app, ["eval", str(GOLD_SET), "--predictions", str(results), "--json"])
    [config] = json.loads(out.stdout)["configs"]
    assert config["failed"] == 2  # one error line, one id missing
    assert config["per_article"][0]["speakers"]["f1"] == 1.0
    table = CliRunner().invoke(app, ["eval", str(GOLD_SET), "--predictions", str(results)])
    assert table.exit_code == 0 and "speakers F1" in table.output
    markdown = CliRunner().invoke(
        app, ["eval", str(GOLD_SET), "--predictions", str(results), "--markdown"]
    )
    assert markdown.stdout.startswith("| metric (micro) |")


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("not json at all", "line 2 is not JSON"),
        ('{"status": "ok", "summary": {}}', "line 2: not a results line"),
        ('{"id": "x", "status": "ok"}', "line 2 (id x): status is ok but there is no summary"),
        ('{"id": "x", "status": "ok", "summary": {"headline": 3}}', "line 2 (id x): not a valid"),
    ],
    ids=["not-json", "no-id", "no-summary", "invalid-summary"],
)
def test_eval_names_a_malformed_predictions_line_and_exits_2(
    tmp_path: Path, bad_line: str, message: str
) -> None:
    """The results file's one reader: a bad line is named, never a traceback."""
    results = tmp_path / "results.jsonl"
    good = json.dumps({"id": SEED_ID, "status": "ok", "summary": gold(SEED_ID)})
    results.write_text(f"{good}\n{bad_line}\n", encoding="utf-8")
    out = CliRunner().invoke(app, ["eval", str(GOLD_SET), "--predictions", str(results)])
    assert out.exit_code == 2, out.output
    assert out.exception is None or isinstance(out.exception, SystemExit)
    assert "InputError" in out.output and message in " ".join(out.output.split())
    assert "Traceback" not in out.output


def test_eval_keeps_a_torn_last_line_out_and_scores_the_rest(tmp_path: Path) -> None:
    results = tmp_path / "results.jsonl"
    good = json.dumps({"id": SEED_ID, "status": "ok", "summary": gold(SEED_ID)})
    results.write_text(f"{good}\n{good[:40]}", encoding="utf-8")  # a crash mid-write
    out = CliRunner().invoke(app, ["eval", str(GOLD_SET), "--predictions", str(results), "--json"])
    assert out.exit_code == 0, out.output
    [config] = json.loads(out.stdout)["configs"]
    assert config["per_article"][0]["speakers"]["f1"] == 1.0


# -- quote coverage, quote and speaker kinds ------------------------------------------------

COVERAGE_TEXT = (
    '"We are ready to sign," Varga said, "but not at any price." Officials said talks would '
    'resume. The ministry called it "a dead end".'
)


def _summary(quotes: list[dict[str, Any]], speakers: list[dict[str, Any]]) -> ArticleSummary:
    return ArticleSummary.model_validate(
        {"headline": "h", "summary": "s", "speakers": speakers, "quotes": quotes},
        context={"article": COVERAGE_TEXT},
    )


COVERAGE_GOLD = GoldArticle(
    id="c",
    text=COVERAGE_TEXT,
    published=None,
    gold={
        "speakers": [
            {"name": "Varga"},
            {"name": "Officials", "kind": "group"},
            {"name": "The ministry", "kind": "organisation"},
        ],
        "quotes": [
            {
                "speaker": "Varga",
                "kind": "direct",
                "text": "We are ready to sign, ... but not at any price.",
            },
            {
                "speaker": "Officials",
                "kind": "indirect",
                "text": "Officials said talks would resume",
            },
            {
                "speaker": "The ministry",
                "kind": "mixed",
                "text": 'The ministry called it "a dead end"',
            },
        ],
    },
)


def test_a_split_quote_given_as_two_quotes_is_not_double_counted_by_coverage() -> None:
    summary = _summary(
        [
            {"speaker": "Varga", "kind": "direct", "text": "We are ready to sign"},
            {"speaker": "Varga", "kind": "direct", "text": "but not at any price."},
        ],
        [{"name": "Varga"}],
    )
    score = score_article(COVERAGE_GOLD, summary)
    coverage = score.coverage
    assert coverage is not None
    assert coverage.precision == 1.0  # every predicted character is in the gold quote
    gold_direct = len("We are ready to sign,") + len("but not at any price.")
    direct_chars = len("We are ready to sign") + len("but not at any price.")
    assert coverage.overlap == direct_chars and coverage.gold > gold_direct  # + the others
    # The one-to-one match sees two quotes where the gold has one.
    assert score.counts["quotes_direct"].tp <= 1


def test_coverage_needs_the_same_person() -> None:
    summary = _summary(
        [
            {
                "speaker": "Varga",
                "kind": "indirect",
                "text": "talks resume",
                "evidence": "Officials said talks would resume",
            }
        ],
        [{"name": "Varga"}],
    )
    coverage = score_article(COVERAGE_GOLD, summary).coverage
    assert coverage is not None and coverage.overlap == 0 and coverage.predicted > 0


def test_f1_is_zero_not_null_when_gold_exists_and_nothing_matched() -> None:
    score = score_article(COVERAGE_GOLD, _summary([], []))
    assert score.counts["speakers"].f1 == 0.0
    assert score.counts["quotes_mixed"].f1 == 0.0
    assert Counts().f1 is None  # nothing to find, nothing found
    report = score_set([COVERAGE_GOLD], {"c": None})
    assert report.as_dict()["quotes_mixed"]["f1"] == 0.0


def test_mixed_quotes_and_speaker_kinds_are_scored() -> None:
    summary = _summary(
        [
            {
                "speaker": "The ministry",
                "kind": "mixed",
                "text": "called the plan a dead end",
                "evidence": 'The ministry called it "a dead end"',
            }
        ],
        [{"name": "The ministry", "kind": "organisation"}, {"name": "Officials", "kind": "person"}],
    )
    score = score_article(COVERAGE_GOLD, summary)
    assert score.counts["quotes_mixed"].tp == 1
    assert score.kinds["organisation"].tp == 1
    assert score.kinds["group"].fn == 1 and score.kinds["person"].fp == 1  # wrong kind
    kinds = score_set([COVERAGE_GOLD], {"c": summary}).as_dict()["speaker_kinds"]
    assert kinds["organisation"] == {**kinds["organisation"], "predicted": 1, "gold": 1}


def v3_prediction(seed_id: str) -> ArticleSummary:
    """The gold written as prompt v3 asks, grounded: contents, cues and source mentions."""
    from summarizer._lean_v3 import LeanSummaryV3

    data = lean_from_gold(gold(seed_id), v3=True)
    answer = LeanSummaryV3.model_validate(data, context={"article": article(seed_id)})
    return answer.to_summary()


def test_cue_and_source_mention_accuracy_on_matched_quotes() -> None:
    base = gold_article(VISIT_ID)
    predicted = v3_prediction(VISIT_ID)
    score = score_article(base, predicted)
    assert score.accuracy["quote_cue"].as_dict() == {"accuracy": 1.0, "correct": 6, "total": 6}
    assert "quote_source" not in score.accuracy  # the gold names no source mention
    with_source = copy.deepcopy(dict(base.gold))
    with_source["quotes"] = [dict(q) for q in base.gold["quotes"]]
    with_source["quotes"][1]["source"] = "Holt"  # "Holt said she welcomed the invitation"
    with_source["quotes"][5]["source_span"] = {"start": 0, "end": 4}  # a wrong gold place
    annotated = GoldArticle(base.id, base.text, base.published, with_source)
    assert score_article(annotated, predicted).accuracy["quote_source"].correct == 1
    assert score_article(annotated, predicted).accuracy["quote_source"].total == 2
    moved = predicted.model_copy(deep=True)
    moved.quotes[1].cue_span = Span(start=0, end=4)
    assert score_article(base, moved).accuracy["quote_cue"].correct == 5
    report = score_set([base], {base.id: predicted}).as_dict()
    assert report["quote_cue"]["accuracy"] == 1.0


def test_coverage_counts_reported_content_not_the_whole_passage() -> None:
    """A v3 answer's content is what was said; a v2 answer claims the reporting passage."""
    base = gold_article(VISIT_ID)
    content = score_article(base, v3_prediction(VISIT_ID)).coverage
    v1 = ArticleSummary.model_validate(gold(VISIT_ID), context={"article": base.text})
    passage = score_article(base, v1).coverage
    assert content is not None and passage is not None
    assert content.precision == content.recall == 1.0
    assert passage.precision is not None and passage.precision < 1.0  # source and cue too
    assert passage.recall == 1.0


# -- attributed content (gold ``attribution`` spans, as in seeds/real/) ----------------------

ATTRIBUTION_TEXT = (
    'Varga said that talks would resume. "We are ready to sign," the ministry said. '
    '"I think Moxon lied," Rathbun wrote.'
)


def _at(phrase: str, after: int = 0) -> dict[str, Any]:
    start = ATTRIBUTION_TEXT.index(phrase, after)
    return {"start": start, "end": start + len(phrase), "text": phrase}


def _statement(speaker: str, source: str, cue: str, content: str) -> dict[str, Any]:
    return {
        "speaker": speaker,
        "source": [_at(source)],
        "cue": [_at(cue, ATTRIBUTION_TEXT.index(source))] if cue else [],
        "content": [_at(content)],
    }


ATTRIBUTION_GOLD = GoldArticle(
    id="a",
    text=ATTRIBUTION_TEXT,
    published=None,
    gold={
        "speakers": [
            {"name": "Laszlo Varga", "aliases": ["Varga"]},
            {"name": "the ministry", "kind": "organisation"},
            {"name": "Mark Rathbun", "aliases": ["Rathbun"]},
        ],
        "attribution": [
            _statement("Laszlo Varga", "Varga", "said", "that talks would resume"),
            _statement("the ministry", "the ministry", "said", '"We are ready to sign,"'),
            _statement("Mark Rathbun", "Rathbun", "wrote", '"I think Moxon lied,"'),
            # Inside Rathbun's quotation: its speaker is no listed speaker, nor is "I" a name.
            _statement("Mark Rathbun", "I", "think", 'Moxon lied,"'),
        ],
    },
)


def _span(phrase: str, after: int = 0) -> dict[str, int]:
    found = _at(phrase, after)
    return {"start": found["start"], "end": found["end"]}


def _attributed(quotes: list[dict[str, Any]], speakers: list[dict[str, Any]]) -> ArticleSummary:
    return ArticleSummary.model_validate(
        {"headline": "h", "summary": "s", "speakers": speakers, "quotes": quotes}
    )


VARGA_QUOTE = {
    "speaker": "Varga",
    "kind": "indirect",
    "text": "talks will resume",
    "evidence": "Varga said that talks would resume",
    "span": _span("talks would resume"),
    "cue_span": _span("said"),
    "source_span": _span("Varga"),
}


def test_attributed_content_as_annotated_counts_every_gold_character() -> None:
    """As annotated: content without its "that" is covered but for those characters; a quote
    of the wrong speaker covers nothing and its characters are wrong."""
    summary = _attributed(
        [
            VARGA_QUOTE,
            {  # the ministry's words, given to Varga
                "speaker": "Varga",
                "kind": "direct",
                "text": "We are ready to sign,",
                "pieces": [_span("We are ready to sign,")],
            },
        ],
        [{"name": "Varga"}],
    )
    content = score_article(ATTRIBUTION_GOLD, summary).content_as_annotated
    assert content is not None
    gold = (
        len("that talks would resume")
        + len('"We are ready to sign,"')
        + len('"I think Moxon lied,"')
    )
    assert content.gold == gold  # Rathbun's inner statement lies in his quotation: once
    assert content.covered == len("talks would resume")
    assert content.predicted == len("talks would resume") + len("We are ready to sign,")
    assert content.correct == len("talks would resume")
    assert content.recall == pytest.approx(len("talks would resume") / gold)
    report = score_set([ATTRIBUTION_GOLD], {"a": summary}).as_dict()
    assert report["content_coverage_as_annotated"]["covered_chars"] == len("talks would resume")
    assert report["per_article"][0]["content_coverage_as_annotated"]["gold_chars"] == gold


def _letters(*phrases: str) -> int:
    return sum(ch.isalnum() for phrase in phrases for ch in phrase)


def test_attributed_content_under_the_reading_rules_counts_the_words_said() -> None:
    """Word characters only, and no linking "that": the library's definition of content."""
    summary = _attributed([VARGA_QUOTE], [{"name": "Varga"}])
    content = score_article(ATTRIBUTION_GOLD, summary).content
    assert content is not None
    gold = _letters("talks would resume", "We are ready to sign", "I think Moxon lied")
    assert (content.gold, content.covered) == (gold, _letters("talks would resume"))
    assert content.precision == 1.0
    that = {**ATTRIBUTION_GOLD.gold, "attribution": ATTRIBUTION_GOLD.gold["attribution"][:1]}
    only_varga = GoldArticle("v", ATTRIBUTION_TEXT, None, that)
    content = score_article(only_varga, summary).content
    assert content is not None and content.recall == 1.0  # as annotated: 18 / 23


def _gold(text: str, statements: list[dict[str, Any]], url: str | None = None) -> GoldArticle:
    def at(phrase: str, after: int = 0) -> dict[str, Any]:
        start = text.index(phrase, after)
        return {"start": start, "end": start + len(phrase), "text": phrase}

    attribution = [
        {
            "speaker": s["speaker"],
            "source": [at(s["source"])],
            "cue": [],
            "content": [at(s["content"], s.get("after", 0))],
        }
        for s in statements
    ]
    return GoldArticle("r", text, None, {"attribution": attribution}, url=url)


def _said(text: str, speaker: str, phrase: str, after: int = 0) -> dict[str, Any]:
    start = text.index(phrase, after)
    piece = {"start": start, "end": start + len(phrase)}
    return {"speaker": speaker, "kind": "direct", "text": phrase, "pieces": [piece]}


def test_the_outlets_own_narration_is_optional() -> None:
    text = "Wikinews has learned that the site was down. Ingram said the site was slow."
    gold = _gold(
        text,
        [
            {"speaker": "Wikinews", "source": "Wikinews", "content": "the site was down"},
            {"speaker": "Ingram", "source": "Ingram", "content": "the site was slow"},
        ],
        url="https://en.wikinews.org/wiki/Example",
    )
    summary = _attributed([_said(text, "Ingram", "the site was slow")], [{"name": "Ingram"}])
    content = score_article(gold, summary).content
    assert content is not None and content.recall == 1.0
    assert content.gold == _letters("the site was slow")
    elsewhere = GoldArticle(gold.id, text, None, gold.gold, url="https://example.org/a")
    content = score_article(elsewhere, summary).content
    assert content is not None and content.recall == 0.5  # another outlet's narration counts
    differences = content_differences(gold, summary)
    assert [(d.side, d.speaker, d.reason) for d in differences] == [
        ("optional", "Wikinews", "publisher")
    ]


def test_a_report_inside_another_speakers_content_is_theirs() -> None:
    text = 'Rathbun wrote that "Moxon told me the drives were never returned" last week.'
    gold = _gold(
        text,
        [
            {
                "speaker": "Rathbun",
                "source": "Rathbun",
                "content": '"Moxon told me the drives were never returned"',
            },
            {"speaker": "Moxon", "source": "Moxon", "content": "the drives were never returned"},
        ],
    )
    quote = _said(text, "Rathbun", "Moxon told me the drives were never returned")
    content = score_article(gold, _attributed([quote], [{"name": "Rathbun"}])).content
    assert content is not None and content.recall == content.precision == 1.0
    inner = _said(text, "Moxon", "the drives were never returned")  # neither wrong
    both = _attributed([quote, inner], [{"name": "Rathbun"}, {"name": "Moxon"}])
    content = score_article(gold, both).content
    assert content is not None and content.recall == content.precision == 1.0
    as_annotated = score_article(gold, _attributed([quote], [{"name": "Rathbun"}]))
    assert as_annotated.content_as_annotated is not None
    assert as_annotated.content_as_annotated.recall is not None
    assert as_annotated.content_as_annotated.recall < 1.0


HEADLINE_TEXT = (
    "Paris says church held her for twelve years\n\n"
    "Valeska Paris says the church held her for twelve years on a ship."
)


def test_a_headline_repeating_a_statement_is_one_statement() -> None:
    gold = _gold(
        HEADLINE_TEXT,
        [
            {
                "speaker": "Valeska Paris",
                "source": "Paris",
                "content": "church held her for twelve years",
            },
            {
                "speaker": "Valeska Paris",
                "source": "Valeska Paris",
                "content": "the church held her for twelve years on a ship",
            },
        ],
    )
    body = _said(
        HEADLINE_TEXT, "Valeska Paris", "the church held her for twelve years on a ship", 10
    )
    content = score_article(gold, _attributed([body], [{"name": "Valeska Paris"}])).content
    assert content is not None and content.recall == 1.0
    short = {**gold.gold, "attribution": [dict(s) for s in gold.gold["attribution"]]}
    short["attribution"][0]["content"][0] = {"start": 10, "end": 30, "text": "church held her for"}
    too_few = GoldArticle("r", HEADLINE_TEXT, None, short)  # four words: not a repeat
    content = score_article(too_few, _attributed([body], [{"name": "Valeska Paris"}])).content
    assert content is not None and content.recall is not None and content.recall < 1.0


CAPTION_TEXT = (
    '"This was a very difficult decision." Charles Bolden\n\n'
    'Bolden said: "We thank every city. This was a very difficult decision."'
)


def test_a_caption_counts_at_the_printing_the_summary_gives() -> None:
    """GUM annotates the caption, not the body's printing: either printing covers it."""
    gold = _gold(
        CAPTION_TEXT,
        [
            {
                "speaker": "Charles Bolden",
                "source": "Charles Bolden",
                "content": '"This was a very difficult decision."',
            },
            {
                "speaker": "Charles Bolden",
                "source": "Bolden said",
                "content": "We thank every city.",
            },
        ],
    )
    speakers = [{"name": "Charles Bolden"}]
    body = _said(
        CAPTION_TEXT, "Charles Bolden", "We thank every city. This was a very difficult decision."
    )
    content = score_article(gold, _attributed([body], speakers)).content
    assert content is not None and content.recall == content.precision == 1.0
    caption = _said(CAPTION_TEXT, "Charles Bolden", "This was a very difficult decision.")
    thanks = _said(CAPTION_TEXT, "Charles Bolden", "We thank every city.")
    content = score_article(gold, _attributed([caption, thanks], speakers)).content
    assert content is not None and content.recall == content.precision == 1.0
    content = score_article(gold, _attributed([thanks], speakers)).content
    assert content is not None and content.recall is not None and content.recall < 1.0


SECUNIA_TEXT = (
    "The Internet security firm Secunia.com said IE6 has 277 vulnerabilities. "
    "Israeli officials said talks would go on."
)


@pytest.mark.parametrize(
    ("predicted", "gold_speaker", "matched"),
    [
        ("Secunia.com", "The Internet security firm Secunia.com", True),  # a description
        ("firm", "The Internet security firm Secunia.com", False),  # one word is too little
        ("Secunia", "The Internet security firm Secunia.com", False),
    ],
)
def test_a_source_named_by_the_others_words_plus_a_description_is_the_same(
    predicted: str, gold_speaker: str, matched: bool
) -> None:
    content_phrase = "IE6 has 277 vulnerabilities"
    gold = _gold(
        SECUNIA_TEXT,
        [{"speaker": gold_speaker, "source": gold_speaker, "content": content_phrase}],
    )
    quote = {**_said(SECUNIA_TEXT, predicted, content_phrase), "kind": "indirect"}
    quote["span"] = quote.pop("pieces")[0]
    summary = _attributed([quote], [{"name": predicted, "kind": "organisation"}])
    content = score_article(gold, summary).content
    assert content is not None and content.recall == (1.0 if matched else 0.0)


def test_a_source_is_the_same_when_the_quote_points_at_its_mention() -> None:
    """Named in other words, but the quote's source mention is the statement's own."""
    gold = _gold(
        SECUNIA_TEXT,
        [
            {
                "speaker": "a security company",
                "source": "The Internet security firm Secunia.com",
                "content": "IE6 has 277 vulnerabilities",
            }
        ],
    )
    quote = {**_said(SECUNIA_TEXT, "Secunia", "IE6 has 277 vulnerabilities"), "kind": "indirect"}
    quote["span"] = quote.pop("pieces")[0]
    summary = _attributed([quote], [{"name": "Secunia", "kind": "organisation"}])
    assert score_article(gold, summary).content.recall == 0.0  # type: ignore[union-attr]
    quote["source_span"] = _span_in(SECUNIA_TEXT, "Secunia.com")
    summary = _attributed([quote], [{"name": "Secunia", "kind": "organisation"}])
    assert score_article(gold, summary).content.recall == 1.0  # type: ignore[union-attr]


def _span_in(text: str, phrase: str) -> dict[str, int]:
    start = text.index(phrase)
    return {"start": start, "end": start + len(phrase)}


def test_a_statement_inside_a_quotation_is_matched_by_its_source_mention() -> None:
    """'Moxon' speaks in no gold speaker list; the statement's source mention names him."""
    moxon = {
        "speaker": "Kendrick Moxon",
        "source": [_at("Moxon")],
        "cue": [_at("lied")],
        "content": [_at("I think")],  # a made-up statement, to test the identity only
    }
    gold = GoldArticle("m", ATTRIBUTION_TEXT, None, {"attribution": [moxon]})
    quote = {"speaker": "Moxon", "kind": "direct", "text": "I think", "pieces": [_span("I think")]}
    content = score_article(gold, _attributed([quote], [{"name": "Moxon"}])).content
    assert content is not None and content.covered == content.gold == _letters("I think")
    pronoun = {**moxon, "speaker": "someone", "source": [_at("I")]}
    gold = GoldArticle("i", ATTRIBUTION_TEXT, None, {"attribution": [pronoun]})
    quote["speaker"] = "I"  # a pronoun names nobody: no credit
    content = score_article(gold, _attributed([quote], [{"name": "I"}])).content
    assert content is not None and content.covered == 0


def test_attribution_cue_and_source_accuracy() -> None:
    wrong_cue = {**VARGA_QUOTE, "cue_span": _span("said", ATTRIBUTION_TEXT.index("ministry"))}
    minister = {
        "speaker": "The ministry",
        "kind": "direct",
        "text": "We are ready to sign,",
        "pieces": [_span("We are ready to sign,")],
        "cue_span": _span("said", ATTRIBUTION_TEXT.index("ministry")),
        "source_span": None,
    }
    speakers = [{"name": "Varga"}, {"name": "The ministry"}]
    score = score_article(ATTRIBUTION_GOLD, _attributed([wrong_cue, minister], speakers))
    assert score.accuracy["attribution_cue"].as_dict() == {
        "accuracy": 0.5,
        "correct": 1,
        "total": 2,
    }  # Rathbun's two statements have no quote: not counted here, missed in content
    assert (
        score.accuracy["attribution_source"].correct,
        score.accuracy["attribution_source"].total,
    ) == (1, 2)


def test_content_differences_list_what_each_side_alone_claims() -> None:
    summary = _attributed(
        [
            VARGA_QUOTE,
            {
                "speaker": "Rathbun",
                "kind": "direct",
                "text": "Moxon lied, Rathbun wrote",
                "pieces": [_span('Moxon lied," Rathbun wrote')],
            },
        ],
        [{"name": "Varga"}, {"name": "Rathbun"}],
    )
    found = [
        (d.side, d.speaker, d.text(ATTRIBUTION_TEXT), d.chars)
        for d in content_differences(ATTRIBUTION_GOLD, summary, as_annotated=True)
    ]
    assert found == [
        ("missed", "Laszlo Varga", "that ", 5),
        ("missed", "the ministry", '"We are ready to sign,"', 23),
        ("missed", "Mark Rathbun", '"I think ', 9),
        ("extra", "Rathbun", " Rathbun wrote", 14),
    ]
    content = score_article(ATTRIBUTION_GOLD, summary).content_as_annotated
    assert content is not None
    assert content.gold - content.covered == sum(c for side, *_, c in found if side == "missed")
    assert content.predicted - content.correct == 14
    read = [(d.side, d.speaker, d.chars) for d in content_differences(ATTRIBUTION_GOLD, summary)]
    assert read == [
        ("missed", "the ministry", _letters("We are ready to sign")),
        ("missed", "Mark Rathbun", _letters("I think")),
        ("extra", "Rathbun", _letters("Rathbun wrote")),
    ]
    assert content_differences(COVERAGE_GOLD, summary) == []  # no attribution in that gold


def test_eval_shows_attribution_rows_only_when_the_gold_gives_attribution(tmp_path: Path) -> None:
    gold_path = tmp_path / "gold.jsonl"
    record = {"id": "a", "text": ATTRIBUTION_TEXT, "gold": dict(ATTRIBUTION_GOLD.gold)}
    gold_path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    summary = _attributed([VARGA_QUOTE], [{"name": "Varga"}])
    results = tmp_path / "results.jsonl"
    line = {"id": "a", "status": "ok", "summary": summary.model_dump(mode="json")}
    results.write_text(json.dumps(line) + "\n", encoding="utf-8")
    table = CliRunner().invoke(
        app, ["eval", str(gold_path), "--predictions", str(results), "--markdown"]
    )
    assert table.exit_code == 0, table.output
    assert "| attributed content P / R (chars) | 1.00 / 0.34 (F1 0.51) |" in table.stdout
    assert "| attributed content as annotated P / R | 1.00 / 0.27 (F1 0.42) |" in table.stdout
    assert "| attribution cue accuracy | 1.00 (1/1) |" in table.stdout
    assert "| attribution source accuracy | 1.00 (1/1) |" in table.stdout
    data = CliRunner().invoke(
        app, ["eval", str(gold_path), "--predictions", str(results), "--json"]
    )
    [config] = json.loads(data.stdout)["configs"]
    assert config["content_coverage"]["correct_chars"] == _letters("talks would resume")
    assert config["content_coverage_as_annotated"]["correct_chars"] == len("talks would resume")
    assert config["attribution_cue"] == {"accuracy": 1.0, "correct": 1, "total": 1}
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text(json.dumps({"id": SEED_ID, "status": "ok", "summary": gold(SEED_ID)}) + "\n")
    plain = CliRunner().invoke(
        app, ["eval", str(GOLD_SET), "--predictions", str(seeds), "--markdown"]
    )
    assert "attributed content" not in plain.stdout and "attribution cue" not in plain.stdout


def test_a_leading_that_of_reported_content_counts_on_neither_side() -> None:
    """ "estimates that number is …": a determiner or a linking word, the scorer cannot tell."""
    text = "The church estimates that number is closer to 40,000."
    gold = _gold(
        text,
        [{"speaker": "The church", "source": "The church", "content": "that number is closer"}],
    )
    for words in ("that number is closer", "number is closer"):
        quote = {**_said(text, "The church", words), "kind": "indirect"}
        quote["span"] = quote.pop("pieces")[0]
        summary = _attributed([quote], [{"name": "The church", "kind": "organisation"}])
        content = score_article(gold, summary).content
        assert content is not None and content.recall == content.precision == 1.0, words
