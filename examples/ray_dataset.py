"""Ray Data: a Dataset of articles in, a Dataset of summaries out (the ``ray`` extra).

    pip install "summarizer[ray]"
    python examples/ray_dataset.py                            # seeds/real, a local cluster
    python examples/ray_dataset.py records.jsonl --address ray://head:10001 --output out/

``summarizer.ray.init()`` starts a local cluster that stays off the network (or joins one
with ``--address``); ``summarize_dataset`` runs the summariser in worker actors, with
``--concurrency`` requests in flight over all of them and ``--rpm`` shared by all. The
output has one row per input row: ``id``, ``status``, ``summary`` (JSON), ``error``, ...
Live with OPENAI_API_KEY=... (the workers get it through Ray's object store); without a
key it runs offline: the workers call a loopback server on 127.0.0.1 that this script
starts, replaying cassettes/real_v4.yaml.
"""

from __future__ import annotations

import argparse
import json
from contextlib import nullcontext
from pathlib import Path

from _offline import KEY, SEEDS, live, replay_server

import summarizer.ray
from summarizer import ArticleSummary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", nargs="?", type=Path, default=SEEDS / "real" / "gold.jsonl")
    parser.add_argument("--address", help="an existing cluster (default: a local one)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rpm", type=int)
    parser.add_argument("--output", type=Path, help="write the summaries as Parquet here")
    args = parser.parse_args()
    lines = args.input.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    summarizer.ray.init(args.address, num_cpus=2)
    summarizer.ray.quiet()  # no Ray Data progress lines
    import ray  # after init(): Ray reads the offline settings init() makes at its import

    try:
        columns = [{k: r.get(k) for k in ("id", "text", "published")} for r in rows]
        dataset = ray.data.from_items(columns, override_num_blocks=4)
        server = nullcontext(None) if live() else replay_server("real_v4")
        with server as base_url:  # None: OPENAI_BASE_URL, else OpenAI's
            key = None if base_url is None else KEY  # None: OPENAI_API_KEY
            out = summarizer.ray.summarize_dataset(
                dataset, concurrency=args.concurrency, rpm=args.rpm, base_url=base_url, api_key=key
            )
            out = out.materialize()  # run it now, while the replay server is up
        for row in sorted(out.iter_rows(), key=lambda r: r["id"]):
            if row["status"] == "ok":
                summary = ArticleSummary.model_validate_json(row["summary"])
                print(f"{row['id']}: {len(summary.quotes)} quotes")
            else:
                print(f"{row['id']}: {json.loads(row['error'])['type']}")
        if args.output is not None:
            out.write_parquet(str(args.output))
        return 0 if all(row["status"] == "ok" for row in out.iter_rows()) else 1
    finally:
        summarizer.ray.shutdown()


if __name__ == "__main__":
    raise SystemExit(main())
