"""Hostile text end to end, fuzzed: summarize → results JSONL → report → eval.

Articles, ids and model answers carry lone surrogates, control characters and escape
sequences, line separators, rich markup, template syntax, HTML and very long text. Whatever
comes in: no traceback, every id exactly once (and again after a rerun), every span of a
summary slices to words the article holds, terminal output without control characters, and
the API key (not ``sk-`` shaped) in no output, even when the server echoes it.
"""

from __future__ import annotations

import copy
import json
import re
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings, strategies as st
from typer.testing import CliRunner, Result

from summarizer import locate_pieces
from summarizer._escape import paired_surrogates
from summarizer._runs._results import read_results
from summarizer.cli import app
from tests.fault_server import FaultServer
from tests.scenarios import SEED_ID, answer, article, error, fabricated_seed, gold, sent_article

KEY = "local-fuzz-key-9c1d42"
SEED = article(SEED_ID)
OPENING = "\n\nDmitry Peskov added: “"
CLOSING = "”"
ECHO, FABRICATED = "(server echoes the key)", "(fabricated)"
PIECES = [
    "\ud800",
    "\udfff",
    "\x00",
    "\x07",
    "\x1b",
    "\x1b]0;title\x07",
    "\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\",
    "\x1b[8m",
    "\x1b[2J",
    "\x9b31m",
    "\x85",
    "\u2028",
    "\u2029",
    "\r\n",
    "\t",
    "\x0b",
    "[/b]",
    "[the chancellor]",
    "[bold red]",
    "{{ article }}",
    "{% raw %}",
    "<script>alert(1)</script>",
    "&amp;",
    "“",
    "”",
    '"',
    "\\",
    "é",
    "😀",
    "Berlin",
    " ",
    "meet",
]
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

hostile = st.lists(st.sampled_from(PIECES) | st.text(max_size=4), max_size=25).map("".join)
records = st.fixed_dictionaries(
    {
        "id": hostile,
        "quote": hostile,
        "headline": hostile,
        "fate": st.sampled_from(["answer", "answer", FABRICATED, ECHO]),
        "long": st.booleans(),
    }
)


def article_of(record: dict[str, Any]) -> str:
    filler = "A long report continues here. " * 3000 if record["long"] else ""
    marker = "" if record["fate"] == "answer" else f"\n\n{record['fate']}"
    return f"{SEED}{filler}{OPENING}{record['quote']}{CLOSING}{marker}"


def sent_text(request: dict[str, Any]) -> str:
    """The article of a request (a reask's last message is the list of problems)."""
    for message in request["messages"]:
        content = message.get("content")
        if isinstance(content, str) and "<article>\n" in content:
            return sent_article({"messages": [message]})
    raise AssertionError("no article in the request")


def reply(request: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
    """A model that quotes the article's last quote and repeats its noise in the headline."""
    text = sent_text(request)
    if ECHO in text:
        return error(400, f"Incorrect API key provided: {KEY}", "invalid_request_error")(request)
    data = fabricated_seed() if FABRICATED in text else copy.deepcopy(gold(SEED_ID))
    quote = text[text.rindex(OPENING) + len(OPENING) : text.rindex(CLOSING)]
    data["headline"] = f"Kremlin: no meeting yet {quote[:40]}"
    data["quotes"].append(
        {
            "speaker": "Dmitry Peskov",
            "kind": "direct",
            "text": quote,
            "evidence": None,
            "cue": "added",
            "said_on": None,
        }
    )
    return answer(data, "fuzz")(request)


def invoke(args: list[str], env: dict[str, str], stdin: bytes | None = None) -> Result:
    """Run a command: never a traceback, never the key, never a control character."""
    result = CliRunner().invoke(app, args, env=env, input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert KEY not in result.output
    assert not CONTROL.search(result.output), repr(CONTROL.findall(result.output))
    return result


def check_results(path: Path, texts: dict[str, str]) -> dict[str, bool]:
    """Every id once; every span of every summary slices to the words it locates."""
    data = path.read_bytes()
    assert KEY.encode() not in data
    read = read_results(path)
    ids = [r.id for r in read.records]
    # An id's surrogate pair is the character it encodes (as every JSON reader reads it).
    assert sorted(ids) == sorted(paired_surrogates(i) for i in texts) and not read.torn
    outcome = {}
    for record in read.records:
        outcome[record.id] = record.ok
        if record.summary is None:
            continue
        text = {paired_surrogates(i): t for i, t in texts.items()}[record.id]
        assert record.summary.article_text == text
        for quote in record.summary.quotes:
            location = quote.location
            assert location is not None
            assert 0 <= location.start < location.end <= len(text)
            if quote.kind == "direct":  # at an occurrence of its words (the one by its cue)
                here = locate_pieces(quote.text, text[location.start :])
                assert here and here[0].start == 0
    return outcome


def test_hostile_text_through_summarize_results_report_and_eval() -> None:
    with FaultServer([reply], repeat_last=True) as server:
        env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url}

        @settings(
            max_examples=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(st.lists(records, min_size=1, max_size=4))
        @example(  # found on a fresh clone: an id holding a surrogate pair as two code points
            [
                {"id": "", "quote": "", "headline": "", "fate": "answer", "long": False},
                {
                    "id": "\ud800\udfff",
                    "quote": "",
                    "headline": "",
                    "fate": "answer",
                    "long": False,
                },
            ]
        )
        @example(  # and a quote whose words stand twice: it is located where its cue stands
            [{"id": "", "quote": "0'", "headline": "", "fate": "answer", "long": False}]
        )
        def run(items: list[dict[str, Any]]) -> None:
            texts = {f"{n}-{r['id']}": article_of(r) for n, r in enumerate(items)}
            with tempfile.TemporaryDirectory() as folder:
                tmp = Path(folder)
                source = tmp / "in.jsonl"
                source.write_text(
                    "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in texts.items())
                )
                output = tmp / "out.jsonl"
                batch = ["batch", str(source), "-o", str(output), "--no-cache"]
                first = invoke([*batch, "--model", "fuzz-model"], env)
                assert first.exit_code in (0, 1), first.output
                outcome = check_results(output, texts)
                sent = len(server.requests)
                again = invoke([*batch, "--model", "fuzz-model"], env)
                assert again.exit_code == 0, again.output
                assert len(server.requests) == sent  # resumed: nothing twice
                assert check_results(output, texts) == outcome

                report = invoke(["report", str(output), "-o", str(tmp / "r.html")], env)
                assert report.exit_code == 0, report.output
                assert KEY not in (tmp / "r.html").read_text(encoding="utf-8")

                gold_file = tmp / "gold.jsonl"
                gold_file.write_text(
                    "".join(
                        json.dumps({"id": i, "text": t, "gold": gold(SEED_ID)}) + "\n"
                        for i, t in texts.items()
                    )
                )
                scored = invoke(["eval", str(gold_file), "--predictions", str(output)], env)
                assert scored.exit_code == 0, scored.output
                as_json = invoke(
                    ["eval", str(gold_file), "--predictions", str(output), "--json"], env
                )
                [config] = json.loads(as_json.stdout)["configs"]
                assert len(config["per_article"]) == len(texts)
                assert config["failed"] == sum(1 for ok in outcome.values() if not ok)
                assert config["grounding"]["accuracy"] in (None, 1.0)

                one = next(iter(texts.values())).encode("utf-8", "surrogatepass")
                piped = invoke(["summarize", "-", "--model", "fuzz-model"], env, stdin=one)
                assert piped.exit_code in (0, 1, 2), piped.output  # 2: not UTF-8

        run()
