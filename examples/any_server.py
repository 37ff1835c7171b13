"""Any OpenAI-compatible server: vLLM, Ollama, llama.cpp's server, LM Studio, a gateway.

    python examples/any_server.py --base-url http://localhost:11434/v1 --model llama3.1
    python examples/any_server.py article.txt --base-url http://gpu:8000/v1 --model qwen2.5
    python examples/any_server.py --base-url http://gpu:8000/v1 --model M --mode json_schema

The base URL and model come from the arguments; the key from ``--api-key`` or
OPENAI_API_KEY (a local server needing none gets a placeholder). ``--mode`` picks how the
answer is asked for when a server has no tool calling (``json_schema``, ``json``,
``md_json``). Everything else (grounding, reasks, retries) is the same as with OpenAI.
Without --base-url it runs offline: it starts a loopback server on 127.0.0.1 that replays
cassettes/seed_article_v4.yaml (recorded for the default model) and points the same code
at it.
"""

from __future__ import annotations

import argparse
import os
from contextlib import nullcontext
from pathlib import Path

from _offline import KEY, SEEDS, replay_server

from summarizer import DEFAULT_MODEL, MODES, Summarizer, SummarizerError


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("article", nargs="?", type=Path, default=SEEDS / "000_b1ae88a56dec747e.txt")
    parser.add_argument("--base-url", help="e.g. http://localhost:8000/v1 (none: offline replay)")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="the model name the server knows")
    parser.add_argument("--api-key", default=os.environ.get("OPENAI_API_KEY") or "unused")
    parser.add_argument("--mode", choices=sorted(MODES), default="tools")
    args = parser.parse_args()
    server = nullcontext(args.base_url) if args.base_url else replay_server("seed_article_v4")
    key = args.api_key if args.base_url else KEY  # a real key never goes to the replay
    with server as base_url:
        engine = Summarizer(base_url=base_url, model=args.model, api_key=key, mode=args.mode)
        try:
            summary = engine.summarize(args.article.read_text(encoding="utf-8"))
        except SummarizerError as error:  # typed: a refused key, an unreachable server, ...
            print(f"{type(error).__name__}: {error}")
            return 1
        finally:
            engine.close()
    print(summary.headline)
    for quote in summary.quotes:
        words = quote.text if len(quote.text) < 60 else quote.text[:57] + "..."
        print(f"- {quote.speaker} ({quote.kind}, {quote.span}): {words!r}")
    meta = summary.meta
    if meta is not None:
        print(
            f"{meta.model} at {base_url}: {meta.usage.input_tokens} tokens in, "
            f"{meta.usage.output_tokens} out"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
