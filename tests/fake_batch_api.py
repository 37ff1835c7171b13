"""A curated stand-in for OpenAI's files and batches endpoints, for recording cassettes.

It keeps state like the real service: the uploaded JSONL is stored, the batch goes from
``validating`` to ``in_progress`` to ``completed``, and the output file answers every
request line with a curated chat completion: the gold annotation of the article the
request carries, or the seed's fabricated answer for articles marked "(fabricated)" so the
validation failure path is recorded too. Ids say ``curated`` so nobody mistakes them for a
real job.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx2

from tests.scenarios import (
    GERMAN_ID,
    SEED_ID,
    VISIT_ID,
    answer,
    article,
    fabricated_seed,
    gold,
    gold_for_chunk,
    sent_article,
)

CREATED = 1764000000
BATCH_ID = "batch_curated_1"
INPUT_FILE = "file-curated-input-1"
OUTPUT_FILE = "file-curated-output-1"


def _answer_for(body: dict[str, Any]) -> dict[str, Any]:
    content = body["messages"][-1]["content"]
    if "(fabricated)" in content:
        _, _, completion = answer(fabricated_seed(), "batch-fabricated")(body)
        return completion
    for seed_id in (SEED_ID, VISIT_ID, GERMAN_ID):
        if article(seed_id) in content:
            _, _, completion = answer(gold(seed_id), f"batch-{seed_id}")(body)
            return completion
    # A chunk of a long article: the gold of the seed articles, restricted to the chunk.
    _, _, completion = answer(gold_for_chunk(sent_article(body)), "batch-chunk")(body)
    return completion


class FakeBatchAPI:
    """Files and batches endpoints, in process (an ``httpx2.MockTransport`` handler)."""

    def __init__(self, polls_before_done: int = 1) -> None:
        self.uploaded: list[dict[str, Any]] = []
        self.polls_left = polls_before_done

    def _batch(self, status: str) -> dict[str, Any]:
        total = len(self.uploaded)
        done = total if status == "completed" else 0
        return {
            "id": BATCH_ID,
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "errors": None,
            "input_file_id": INPUT_FILE,
            "completion_window": "24h",
            "status": status,
            "output_file_id": OUTPUT_FILE if status == "completed" else None,
            "error_file_id": None,
            "created_at": CREATED,
            "in_progress_at": CREATED + 5,
            "expires_at": CREATED + 86400,
            "completed_at": CREATED + 600 if status == "completed" else None,
            "request_counts": {"total": total, "completed": done, "failed": 0},
            "metadata": {"created_by": "summarizer"},
        }

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        path = request.url.path
        if request.method == "POST" and path == "/v1/files":
            lines = re.findall(rb'^\{"custom_id".*$', request.content, flags=re.MULTILINE)
            self.uploaded = [json.loads(line) for line in lines]
            return httpx2.Response(
                200,
                json={
                    "id": INPUT_FILE,
                    "object": "file",
                    "bytes": len(request.content),
                    "created_at": CREATED,
                    "filename": "summarizer-batch.jsonl",
                    "purpose": "batch",
                    "status": "processed",
                    "expires_at": None,
                    "status_details": None,
                },
            )
        if request.method == "POST" and path == "/v1/batches":
            return httpx2.Response(200, json=self._batch("validating"))
        if request.method == "GET" and path == f"/v1/batches/{BATCH_ID}":
            if self.polls_left > 0:
                self.polls_left -= 1
                return httpx2.Response(200, json=self._batch("in_progress"))
            return httpx2.Response(200, json=self._batch("completed"))
        if request.method == "GET" and path == f"/v1/files/{OUTPUT_FILE}/content":
            rows = [
                {
                    "id": f"batch_req_curated_{n}",
                    "custom_id": line["custom_id"],
                    "response": {
                        "status_code": 200,
                        "request_id": f"req_curated_{n}",
                        "body": _answer_for(line["body"]),
                    },
                    "error": None,
                }
                for n, line in enumerate(self.uploaded, start=1)
            ]
            text = "".join(json.dumps(row) + "\n" for row in rows)
            return httpx2.Response(
                200, content=text.encode(), headers={"content-type": "application/octet-stream"}
            )
        return httpx2.Response(
            404, json={"error": {"message": f"no route {request.method} {path}"}}
        )


def write_batch_inputs(folder: Any) -> None:
    """The articles of the Batch API cassettes (the same files at record and replay time)."""
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a-seed.txt").write_text(article(SEED_ID), encoding="utf-8")
    (folder / "b-visit.txt").write_text(article(VISIT_ID), encoding="utf-8")
    (folder / "c-german.txt").write_text(article(GERMAN_ID), encoding="utf-8")
    (folder / "d-fabricated.txt").write_text(
        article(SEED_ID) + "\n\n(fabricated)", encoding="utf-8"
    )
