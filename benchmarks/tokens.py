"""Tokens and cost per article: the library's exact requests against a bare-instructor baseline.

    python benchmarks/tokens.py              # tables
    python benchmarks/tokens.py --json       # machine-readable
    python benchmarks/tokens.py --markdown   # the tables as markdown (docs/performance.md)

For every seed article (``seeds/*.txt``) and mode (``tools``, ``json_schema``) the library runs
for real against an in-process endpoint that keeps the request body it built and answers with
the seed's recorded answer; nothing leaves the process. The baseline is the same response
model (``summarizer.ArticleSummary``) passed straight to instructor's
``client.chat.completions.create`` with a one-line system prompt and the article as the user
message. The curated cassettes (``cassettes/*.yaml``) give the reask figures.

Token counts use OpenAI's ``o200k_base`` encoding (gpt-4.1 and gpt-4o models) through the
``bpe-openai`` package, whose wheel ships the encoding file (its sha256 is the one tiktoken
checks), so nothing is downloaded; without that package the counts are an estimate (UTF-8
bytes / 4), and every output says which. A request is counted as OpenAI's cookbook counts chat
messages (3 tokens a message, plus its role and content, plus 3 priming the reply) plus the
compact JSON of ``tools`` or ``response_format``: the provider renders those in its own format,
so billed figures differ somewhat, the same way for the library and the baseline.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import yaml
from _common import (
    CASSETTES,
    COMPARED_PROMPT,
    CaptureEndpoint,
    answer_text,
    article,
    baseline_call,
    baseline_client,
    cell,
    machine,
    markdown_table,
    rich_table,
    seed_ids,
)
from rich.console import Console

from summarizer import DEFAULT_MODEL, ArticleSummary, Summarizer
from summarizer._models import model_info

MODES = ("tools", "json_schema")
PRICE_SOURCE = (
    "OpenAI list price, standard tier, as announced with GPT-4.1 on 2025-04-14 "
    "(not re-checked online from this machine)"
)
CACHE_MIN_TOKENS = 1024
CACHE_INCREMENT = 128
"""OpenAI caches prompts of 1,024 tokens or more, in increments of 128 tokens."""
OVERHEAD_TARGET = 1.3
URL_LINE = re.compile(r"^\s*For further information visit https://errors\.pydantic\.dev/\S+$", re.M)


@dataclass(frozen=True)
class Counter:
    """Counts tokens: exactly with o200k_base when available, else an estimate."""

    name: str
    exact: bool
    count: Callable[[str], int]


def make_counter(estimate: bool = False) -> Counter:
    """o200k_base from the ``bpe-openai`` wheel (bundled, offline), else bytes / 4."""
    if not estimate:
        try:
            import bpe_openai  # type: ignore[import-untyped]
        except ImportError:
            pass
        else:
            encoding = bpe_openai.get_encoding("o200k_base")
            return Counter(
                f"o200k_base (bpe-openai {bpe_openai.__version__}, bundled encoding file)",
                True,
                lambda text: len(encoding.encode_ordinary(text)),
            )
    return Counter(
        "estimate: UTF-8 bytes / 4 (install bpe-openai for exact o200k_base counts)",
        False,
        lambda text: -(-len(text.encode("utf-8")) // 4),
    )


def compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def schema_part(body: dict[str, Any]) -> Any:
    """What the request sends besides its messages that reaches the prompt."""
    if body.get("tools"):
        return body["tools"]
    return body.get("response_format")


def message_tokens(counter: Counter, message: dict[str, Any]) -> int:
    """3 + role + content (+ name), and the name and arguments of any tool call."""
    content = message.get("content")
    text = content if isinstance(content, str) else "" if content is None else compact(content)
    tokens = 3 + counter.count(message["role"]) + counter.count(text)
    if message.get("name"):
        tokens += counter.count(message["name"]) + 1
    for call in message.get("tool_calls") or []:
        tokens += counter.count(call["function"]["name"])
        tokens += counter.count(call["function"]["arguments"])
    return tokens


def input_tokens(counter: Counter, body: dict[str, Any]) -> int:
    """Prompt tokens of one request body (see the module docstring for the method)."""
    messages = sum(message_tokens(counter, m) for m in body["messages"])
    schema = schema_part(body)
    return messages + 3 + (counter.count(compact(schema)) if schema is not None else 0)


def static_prefix(body: dict[str, Any]) -> bytes:
    """Everything but the last (article) message: what must not vary between articles."""
    fixed = {k: v for k, v in body.items() if k != "messages"}
    return compact({**fixed, "messages": body["messages"][:-1]}).encode("utf-8")


def static_prefix_tokens(counter: Counter, body: dict[str, Any]) -> int:
    schema = schema_part(body)
    messages = sum(message_tokens(counter, m) for m in body["messages"][:-1])
    return messages + (counter.count(compact(schema)) if schema is not None else 0)


def cached_tokens(prefix: int) -> int:
    """Tokens of a repeated prefix the provider bills at the cached rate."""
    return 0 if prefix < CACHE_MIN_TOKENS else prefix // CACHE_INCREMENT * CACHE_INCREMENT


def article_after_prefix(body: dict[str, Any], text: str) -> bool:
    """The article is in the last message only, and that message comes after the rest."""
    needle = text.strip()
    *before, last = body["messages"]
    return needle in last["content"] and not any(needle in str(m["content"]) for m in before)


@dataclass(frozen=True)
class Row:
    seed: str
    mode: str
    who: str
    article_tokens: int
    input_tokens: int
    overhead_tokens: int
    static_prefix_tokens: int
    schema_tokens: int
    cached_tokens: int
    output_tokens: int
    usd_per_1000: float
    usd_per_1000_cached: float


def price() -> tuple[float, float, float]:
    info = model_info(DEFAULT_MODEL)
    assert info is not None and info.input_price, f"no list price for {DEFAULT_MODEL}"
    return info.input_price, info.cached_input_price, info.output_price


def cost_per_1000(inputs: int, cached: int, outputs: int) -> float:
    input_price, cached_price, output_price = price()
    per_article = (inputs - cached) * input_price + cached * cached_price
    return round((per_article + outputs * output_price) * 1000 / 1_000_000, 4)


def library_body(seed: str, mode: str) -> tuple[dict[str, Any], ArticleSummary]:
    """The body the library builds for one article, and its (grounded) result."""
    endpoint = CaptureEndpoint(answer_text(seed))
    settings = {"mode": mode, "max_retries": 0, "prompt_version": COMPARED_PROMPT}
    with Summarizer(client=endpoint.client(), **settings) as summarizer:
        summary = summarizer.summarize(article(seed))
    assert len(endpoint.bodies) == 1, "the recorded answer should need no reask"
    return endpoint.last_body(), summary


def baseline_body(seed: str, mode: str) -> dict[str, Any]:
    """The body bare instructor builds for the same article and response model."""
    endpoint = CaptureEndpoint(answer_text(seed))
    baseline_call(baseline_client(endpoint.client(), mode), article(seed))
    assert len(endpoint.bodies) == 1
    return endpoint.last_body()


def request_bodies() -> dict[tuple[str, str, str], dict[str, Any]]:
    """(seed, mode, who) -> the request body, for every seed and mode, library and baseline."""
    bodies: dict[tuple[str, str, str], dict[str, Any]] = {}
    for seed in seed_ids():
        for mode in MODES:
            bodies[seed, mode, "library"] = library_body(seed, mode)[0]
            bodies[seed, mode, "baseline"] = baseline_body(seed, mode)
    return bodies


def token_rows(counter: Counter, bodies: dict[tuple[str, str, str], dict[str, Any]]) -> list[Row]:
    rows = []
    for (seed, mode, who), body in bodies.items():
        article_tokens = counter.count(article(seed))
        total = input_tokens(counter, body)
        prefix = static_prefix_tokens(counter, body)
        output = counter.count(answer_text(seed))
        cached = cached_tokens(prefix)
        schema = schema_part(body)
        rows.append(
            Row(
                seed=seed,
                mode=mode,
                who=who,
                article_tokens=article_tokens,
                input_tokens=total,
                overhead_tokens=total - article_tokens,
                static_prefix_tokens=prefix,
                schema_tokens=counter.count(compact(schema)) if schema is not None else 0,
                cached_tokens=cached,
                output_tokens=output,
                usd_per_1000=cost_per_1000(total, 0, output),
                usd_per_1000_cached=cost_per_1000(total, cached, output),
            )
        )
    return rows


def prefix_checks(bodies: dict[tuple[str, str, str], dict[str, Any]]) -> dict[str, Any]:
    """Per mode and side: is the static prefix byte-identical, and does the article follow it?"""
    checks: dict[str, Any] = {}
    for mode in MODES:
        for who in ("library", "baseline"):
            mine = {seed: b for (seed, m, w), b in bodies.items() if m == mode and w == who}
            prefixes = {static_prefix(b) for b in mine.values()}
            checks[f"{who}/{mode}"] = {
                "static_prefix_identical": len(prefixes) == 1,
                "static_prefix_bytes": min(len(p) for p in prefixes),
                "article_after_prefix": all(
                    article_after_prefix(b, article(seed)) for seed, b in mine.items()
                ),
            }
    return checks


def overhead_summary(rows: list[Row]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for mode in MODES:
        mean: dict[str, float] = {}
        for who in ("library", "baseline"):
            mine = [r.overhead_tokens for r in rows if r.mode == mode and r.who == who]
            mean[who] = sum(mine) / len(mine)
        ratio = mean["library"] / mean["baseline"]
        schema = next(r.schema_tokens for r in rows if r.mode == mode)
        # Both send the same schema; the rest of the overhead is what the library adds. The
        # provider renders the schema in its own format: the ratio holds while that rendering
        # costs at least break_even tokens.
        rest_library, rest_baseline = mean["library"] - schema, mean["baseline"] - schema
        break_even = (rest_library - OVERHEAD_TARGET * rest_baseline) / (OVERHEAD_TARGET - 1)
        summary[mode] = {
            "library_overhead": round(mean["library"], 1),
            "baseline_overhead": round(mean["baseline"], 1),
            "ratio": round(ratio, 3),
            "target": OVERHEAD_TARGET,
            "met": ratio <= OVERHEAD_TARGET,
            "schema_tokens": schema,
            "break_even_schema_tokens": round(break_even),
        }
    return summary


# --- reasks, from the recorded cassettes ----------------------------------------------------


def load_cassette(path: Any) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    interactions: list[dict[str, Any]] = data["interactions"]
    return interactions


def reask_messages(body: dict[str, Any]) -> list[str]:
    """The feedback messages appended after the last assistant answer of a reask request."""
    messages = body["messages"]
    last = max((i for i, m in enumerate(messages) if m["role"] == "assistant"), default=None)
    if last is None:
        return []
    return [str(m.get("content")) for m in messages[last + 1 :]]


def reask_rows(counter: Counter) -> list[dict[str, Any]]:
    rows = []
    for path in sorted(CASSETTES.glob("*.yaml")):
        interactions = [
            i for i in load_cassette(path) if i["request"]["uri"].endswith("/chat/completions")
        ]
        if not interactions:
            continue  # not a chat-completions recording (e.g. the Batch API's)
        bodies = [i["request"].get("body_json") or {} for i in interactions]
        answers = [
            i
            for i in interactions
            if i["response"]["status"]["code"] == 200
            and (i["response"]["body"].get("json") or {}).get("choices")
        ]
        asks = [b for b in bodies if reask_messages(b)]
        feedback = [reask_messages(b)[-1] for b in asks]
        first = input_tokens(counter, bodies[0]) if bodies and bodies[0].get("messages") else 0
        answer_ids = {(i["response"]["body"].get("json") or {}).get("id", "") for i in interactions}
        rows.append(
            {
                "cassette": path.stem,
                "origin": "curated"
                if all("curated" in a or not a for a in answer_ids)
                else "recorded live",
                "requests": len(bodies),
                "answers": len(answers),
                "reasks": len(asks),
                "reask_message_tokens": max((counter.count(f) for f in feedback), default=0),
                "url_lines": max((len(URL_LINE.findall(f)) for f in feedback), default=0),
                "url_line_tokens": max(
                    (sum(counter.count(u) for u in URL_LINE.findall(f)) for f in feedback),
                    default=0,
                ),
                "schema_in_reask": any("$defs" in f or '"properties"' in f for f in feedback),
                "first_request_tokens": first,
                "reask_request_tokens": input_tokens(counter, asks[0]) if asks else 0,
                "feedback": feedback[0] if feedback else None,
            }
        )
    return rows


def reask_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    curated = [r for r in rows if r["origin"] == "curated"]
    calls = len(curated)
    reasks = sum(r["reasks"] for r in curated)
    with_reask = [r for r in curated if r["reasks"]]
    extra = [r["reask_request_tokens"] / r["first_request_tokens"] for r in with_reask]
    return {
        "curated_calls": calls,
        "reasks": reasks,
        "reasks_per_call": round(reasks / calls, 3) if calls else 0.0,
        "calls_with_a_reask": len(with_reask),
        "max_reask_message_tokens": max((r["reask_message_tokens"] for r in rows), default=0),
        "url_line_tokens_per_error": max(
            (r["url_line_tokens"] // r["url_lines"] for r in rows if r["url_lines"]), default=0
        ),
        "reask_request_vs_first": round(sum(extra) / len(extra), 2) if extra else None,
        "schema_in_any_reask": any(r["schema_in_reask"] for r in rows),
        "note": "the curated cassettes are written to exercise reasks: an upper bound for a "
        "capable model, not a forecast",
    }


# --- output ----------------------------------------------------------------------------------


def collect(estimate: bool = False) -> dict[str, Any]:
    counter = make_counter(estimate)
    bodies = request_bodies()
    rows = token_rows(counter, bodies)
    reasks = reask_rows(counter)
    input_price, cached_price, output_price = price()
    return {
        "machine": machine(),
        "model": DEFAULT_MODEL,
        "tokenizer": counter.name,
        "exact_tokens": counter.exact,
        "prices_usd_per_million": {
            "input": input_price,
            "cached_input": cached_price,
            "output": output_price,
            "source": PRICE_SOURCE,
        },
        "caching": f"prefix of >= {CACHE_MIN_TOKENS} tokens, billed cached in "
        f"{CACHE_INCREMENT}-token increments, on every article after the first",
        "rows": [asdict(r) for r in rows],
        "prefix": prefix_checks(bodies),
        "overhead": overhead_summary(rows),
        "reask_cassettes": reasks,
        "reasks": reask_summary(reasks),
    }


TOKEN_COLUMNS = [
    ("seed", "seed"),
    ("mode", "mode"),
    ("who", "request"),
    ("article_tokens", "article"),
    ("input_tokens", "input"),
    ("overhead_tokens", "overhead"),
    ("static_prefix_tokens", "prefix"),
    ("output_tokens", "output"),
    ("usd_per_1000", "$/1k articles"),
    ("usd_per_1000_cached", "$/1k cached"),
]
REASK_COLUMNS = [
    ("cassette", "cassette"),
    ("origin", "origin"),
    ("requests", "requests"),
    ("answers", "answers"),
    ("reasks", "reasks"),
    ("reask_message_tokens", "reask message"),
    ("url_line_tokens", "URL lines"),
    ("reask_request_tokens", "reask input"),
]


def _short_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Seed ids shortened to their number (``000``) for narrow tables."""
    return [{**r, "seed": r["seed"].split("_")[0]} for r in rows]


def notes(data: dict[str, Any]) -> list[str]:
    p = data["prices_usd_per_million"]
    lines = [
        f"Tokens: {data['tokenizer']}.",
        f"Prices ({data['model']}): ${p['input']:.2f} / 1M input, ${p['cached_input']:.2f} / 1M "
        f"cached input, ${p['output']:.2f} / 1M output; {p['source']}.",
        f"Prefix caching: {data['caching']}.",
    ]
    for side, check in data["prefix"].items():
        lines.append(
            f"Static prefix {side}: byte-identical across articles: "
            f"{cell(check['static_prefix_identical'])}; article after it: "
            f"{cell(check['article_after_prefix'])}."
        )
    for mode, o in data["overhead"].items():
        verdict = "met" if o["met"] else "missed"
        if not data["exact_tokens"]:
            verdict += " by the estimate; count exactly (bpe-openai) for the verdict"
        lines.append(
            f"Overhead {mode}: library {o['library_overhead']:.0f} vs baseline "
            f"{o['baseline_overhead']:.0f} tokens = {o['ratio']:.2f}x "
            f"(target <= {o['target']}x: {verdict}); both send the same {o['schema_tokens']}-token "
            f"schema: the target holds while the provider's rendering of it costs >= "
            f"{o['break_even_schema_tokens']} tokens "
            f"({o['break_even_schema_tokens'] / o['schema_tokens']:.0%} of its JSON)."
        )
    r = data["reasks"]
    lines.append(
        f"Reasks on the curated cassettes: {r['reasks']} in {r['curated_calls']} calls "
        f"({r['reasks_per_call']:.2f} a call; {r['calls_with_a_reask']} calls with one or more) "
        f"- {r['note']}. Longest reask message: {r['max_reask_message_tokens']} tokens, of "
        f"which pydantic's URL line: {r['url_line_tokens_per_error']} tokens an error; "
        f"the schema repeated in a reask: {cell(r['schema_in_any_reask'])}. A first reask "
        f"request carries {r['reask_request_vs_first']}x the first request's input tokens "
        "(instructor sends the model's previous answer back with the feedback)."
    )
    return lines


def markdown(data: dict[str, Any]) -> str:
    lines = [*markdown_table(TOKEN_COLUMNS, _short_rows(data["rows"]), digits=3), ""]
    lines += [*markdown_table(REASK_COLUMNS, data["reask_cassettes"], digits=3), ""]
    lines += [f"- {line}" for line in notes(data)]
    return "\n".join(lines)


def render(data: dict[str, Any], console: Console) -> None:
    for title, columns, rows in (
        (f"Tokens per article ({data['model']})", TOKEN_COLUMNS, _short_rows(data["rows"])),
        ("Reasks in the recorded cassettes", REASK_COLUMNS, data["reask_cassettes"]),
    ):
        console.print(rich_table(title, columns, rows, left={"seed", "cassette"}, digits=3))
    for line in notes(data):
        console.print(f"- {line}", highlight=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="machine-readable output")
    output.add_argument("--markdown", action="store_true", help="markdown tables")
    parser.add_argument(
        "--estimate", action="store_true", help="estimate tokens even if bpe-openai is installed"
    )
    args = parser.parse_args(argv)
    data = collect(estimate=args.estimate)
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    elif args.markdown:
        print(markdown(data))
    else:
        render(data, Console(width=None if sys.stdout.isatty() else 140))
    return 0


if __name__ == "__main__":
    sys.exit(main())
