"""``summarizer eval``: score predictions, or run configurations and compare them."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from summarizer._escape import safe_json
from summarizer._meta import Usage
from summarizer._models import estimated_cost
from summarizer._replay import CassetteReplay
from summarizer._runs._batch import Article, summarize_articles
from summarizer._summarizer import Summarizer
from summarizer._views._render import plain
from summarizer.cli._common import JsonOption, MarkdownOption, failures
from summarizer.evaluation import EvalReport, GoldArticle, load_gold, load_predictions, score_set
from summarizer.schema import ArticleSummary

__all__ = ["ConfigResult", "comparison_markdown", "comparison_table", "evaluate", "run_configs"]

ROWS: list[tuple[str, str, str]] = [
    ("speakers F1", "speakers", "f1"),
    ("direct quotes F1", "quotes_direct", "f1"),
    ("indirect quotes F1", "quotes_indirect", "f1"),
    ("mixed quotes F1", "quotes_mixed", "f1"),
    ("quote coverage P / R (chars)", "coverage", "coverage"),
    ("meetings F1", "meetings", "f1"),
    ("meeting status accuracy", "meeting_status", "accuracy"),
    ("stances F1", "stances", "f1"),
    ("stance polarity accuracy", "stance_polarity", "accuracy"),
    ("quote cue accuracy", "quote_cue", "accuracy"),
    ("quote source accuracy", "quote_source", "accuracy"),
    ("grounding rate", "grounding", "accuracy"),
]
ATTRIBUTION_ROWS: list[tuple[str, str, str]] = [
    ("attributed content P / R (chars)", "content", "content"),
    ("attributed content as annotated P / R", "content_as_annotated", "content"),
    ("attribution cue accuracy", "attribution_cue", "accuracy"),
    ("attribution source accuracy", "attribution_source", "accuracy"),
]
"""Shown when the gold gives attribution spans (``seeds/real/``)."""


@dataclass
class ConfigResult:
    """One configuration's report, with what it cost."""

    name: str
    report: EvalReport
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            **self.report.as_dict(),
            "tokens": {"input": self.input_tokens, "output": self.output_tokens},
            "cost_usd": self.cost,
        }


def run_configs(
    gold: list[GoldArticle],
    prompt_versions: list[str | None],
    models: list[str | None],
    replay: CassetteReplay | None,
    concurrency: int = 4,
    passes: list[int | None] | None = None,
) -> list[ConfigResult]:
    """Summarise the gold articles under each prompt version × model × passes; score each run."""
    results = []
    articles = [Article(id=a.id, text=a.text, published=a.published) for a in gold]
    for version, model, count in itertools.product(prompt_versions, models, passes or [None]):
        client = replay.client() if replay is not None else None
        engine = Summarizer(client=client, model=model, prompt_version=version, passes=count)
        predictions: dict[str, ArticleSummary | None] = {}
        usage = Usage()
        for outcome in summarize_articles(articles, concurrency=concurrency, summarizer=engine):
            predictions[outcome.id] = outcome.summary
            if outcome.summary is not None and outcome.summary.meta is not None:
                usage += outcome.summary.meta.usage
        name = f"{engine.prompt.version} · {engine.model}"
        if engine.settings.passes > 1:
            name += f" · {engine.settings.passes} passes"
        cost = estimated_cost(engine.model, usage)
        report = score_set(gold, predictions)
        results.append(ConfigResult(name, report, usage.input_tokens, usage.output_tokens, cost))
        engine.close()
    return results


def _cell(report: EvalReport, key: str, kind: str) -> tuple[float | None, str]:
    if kind in ("coverage", "content"):
        cov = report.coverage if kind == "coverage" else getattr(report, key)
        if cov is None or cov.precision is None or cov.recall is None:
            return None, "—"
        return cov.f1, f"{cov.precision:.2f} / {cov.recall:.2f} (F1 {cov.f1:.2f})"
    if key == "grounding":
        acc = report.grounding
        return acc.value, f"{acc.value:.2f} ({acc.correct}/{acc.total})" if acc.total else "—"
    if kind == "accuracy":
        accuracy = report.accuracy(key)
        if accuracy is None or accuracy.value is None:
            return None, "—"
        return accuracy.value, f"{accuracy.value:.2f} ({accuracy.correct}/{accuracy.total})"
    counts = report.micro(key)
    if counts is None or counts.f1 is None:
        return None, "—"
    return counts.f1, f"{counts.f1:.2f} (tp {counts.tp} fp {counts.fp} fn {counts.fn})"


def _rows(results: list[ConfigResult]) -> list[tuple[str, list[tuple[float | None, str]]]]:
    shown = ROWS + (ATTRIBUTION_ROWS if any(r.report.content for r in results) else [])
    rows = [(label, [_cell(r.report, key, kind) for r in results]) for label, key, kind in shown]
    kinds = [r.report.kinds() for r in results]
    if any(c.tp + c.fp + c.fn for k in kinds for c in k.values()):
        rows.append(
            (
                "speaker kinds found / gold",
                [
                    (
                        None,
                        ", ".join(
                            f"{kind[:4]} {c.tp + c.fp}/{c.tp + c.fn}" for kind, c in k.items()
                        ),
                    )
                    for k in kinds
                ],
            )
        )
    rows.append(("failed articles", [(None, str(r.report.failed)) for r in results]))
    rows.append(
        ("tokens in / out", [(None, f"{r.input_tokens} / {r.output_tokens}") for r in results])
    )
    rows.append(
        (
            "estimated cost",
            [(None, "unknown model" if r.cost is None else f"${r.cost:.4f}") for r in results],
        )
    )
    return rows


def comparison_table(results: list[ConfigResult], title: str) -> Table:
    """Side by side, one column per configuration; the best value of a differing row in bold."""
    table = Table(title=plain(title), title_justify="left")
    table.add_column("metric (micro)", style="bold")
    for result in results:
        table.add_column(plain(result.name), justify="right")
    for label, cells in _rows(results):
        values = [v for v, _ in cells if v is not None]
        best = max(values) if values and len(set(values)) > 1 else None
        table.add_row(
            label,
            *[
                f"[bold green]{text}[/]" if v is not None and v == best else text
                for v, text in cells
            ],
        )
    return table


def comparison_markdown(results: list[ConfigResult]) -> str:
    """The same table as Markdown, for reports."""
    header = "| metric (micro) | " + " | ".join(r.name for r in results) + " |"
    lines = [header, "| --- |" + " ---: |" * len(results)]
    for label, cells in _rows(results):
        lines.append(f"| {label} | " + " | ".join(text for _, text in cells) + " |")
    return "\n".join(lines)


def evaluate(
    gold_path: Annotated[Path, typer.Argument(metavar="GOLD", help="Gold JSONL file.")],
    predictions: Annotated[
        Path | None, typer.Option(help="Score this results JSONL (summarizer batch output).")
    ] = None,
    prompt_version: Annotated[
        list[str] | None, typer.Option(help="Run and compare these prompt versions.")
    ] = None,
    model: Annotated[list[str] | None, typer.Option(help="Run and compare these models.")] = None,
    passes: Annotated[
        list[int] | None, typer.Option(help="Run and compare these numbers of passes (1, 2).")
    ] = None,
    replay: Annotated[
        list[Path] | None,
        typer.Option(help="Answer from these cassette files (or folders), not a live model."),
    ] = None,
    as_json: JsonOption = False,
    markdown: MarkdownOption = False,
) -> None:
    """Score extraction quality against gold annotations, for one or more configurations."""
    with failures():
        gold = load_gold(gold_path)
        if predictions is not None:
            scored = score_set(gold, load_predictions(predictions))
            results = [ConfigResult(f"predictions: {predictions.name}", scored)]
        else:
            results = run_configs(
                gold,
                list(prompt_version) if prompt_version else [None],
                list(model) if model else [None],
                CassetteReplay(replay) if replay else None,
                passes=list(passes) if passes else None,
            )
    if as_json:
        document = json.dumps(
            {"configs": [r.as_dict() for r in results]}, ensure_ascii=False, indent=2
        )
        typer.echo(safe_json(document))
    elif markdown:
        typer.echo(comparison_markdown(results))
    else:
        Console().print(comparison_table(results, f"{gold_path.name}: {len(gold)} article(s)"))
