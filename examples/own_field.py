"""Your own field and your own prompt: the claims each speaker makes, verbatim.

    python examples/own_field.py                 # the seed article
    python examples/own_field.py article.txt

``ClaimsSummary`` adds one field to the package's schema, ``claims``, whose ``text`` is
marked ``Verbatim`` and whose ``speaker`` is marked ``Person``: with no other code, each
claim is asked for, located in the article (an invented one is reasked, then refused),
its speaker resolved to the canonical name and id, and it is kept by the cache, the
results file, the report and the export tables. ``examples/prompts/`` is the prompt
folder (``claims/v1.yaml``, locked by ``summarizer prompts lock examples/prompts``).
Live with OPENAI_API_KEY=... ; without a key it replays cassettes/example_claims.yaml
offline (a curated answer, written by the team from the article).
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path
from typing import Annotated

from _offline import SEEDS, live, replay_client
from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from summarizer import ArticleSummary, Span, Summarizer
from summarizer.fields import Person, Verbatim

PROMPTS = Path(__file__).resolve().parent / "prompts"


class Claim(BaseModel):
    """A factual assertion a speaker makes, in the article's words."""

    speaker: Annotated[str, Person(id="speaker_id")] = Field(description="A speakers[].name")
    text: Annotated[str, Verbatim(span="span")] = Field(description="Verbatim from the article")
    span: SkipJsonSchema[Span | None] = None  # filled by the library, never asked
    speaker_id: SkipJsonSchema[str | None] = None


class ClaimsSummary(ArticleSummary):
    claims: list[Claim] = Field(default_factory=list)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("article", nargs="?", type=Path, default=SEEDS / "000_b1ae88a56dec747e.txt")
    args = parser.parse_args()
    client = None if live() else replay_client("example_claims")
    engine = Summarizer(client=client, schema=ClaimsSummary, prompt=PROMPTS)
    summary = engine.summarize(args.article.read_text(encoding="utf-8"))
    assert isinstance(summary, ClaimsSummary)
    names = {s.id: s.name for s in summary.speakers}
    by_speaker: dict[str, list[Claim]] = defaultdict(list)
    for claim in summary.claims:  # by id: the speaker however the answer wrote the name
        by_speaker[names.get(claim.speaker_id, claim.speaker)].append(claim)
    for name, claims in by_speaker.items():
        print(name)
        for claim in claims:
            where = f"{claim.span.start}-{claim.span.end}" if claim.span else "?"
            print(f"  [{where}] {claim.text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
