"""Record the cassettes the examples replay offline that no other recording makes.

    python -m tests.record_examples

``cassettes/example_claims.yaml``: ``examples/own_field.py`` (a schema and a prompt folder
of one's own) on the seed article. The library runs for real with the example's own
schema and prompt, and sends its real request into an in-process transport that answers
with a curated answer: the seed's gold annotation plus the claims below, written by the
team from the article. vcrpy records both sides.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType
from typing import Any

from summarizer import Summarizer
from tests.fakes import ScriptedEndpoint
from tests.recording import CASSETTES, ROOT, make_vcr
from tests.scenarios import SEED_ID, answer, article, gold

CLAIMS_CASSETTE = "example_claims"
EXAMPLE_CASSETTES = (CLAIMS_CASSETTE,)

CLAIMS: list[dict[str, str]] = [
    {"speaker": "Peskov", "text": "There have been no real impulses so far"},
    {
        "speaker": "Dmitry Peskov",
        "text": "there are no specifics or prerequisites for face-to-face contact yet",
    },
    {"speaker": "Vladimir Putin", "text": "I don't know when we will meet with him"},
    {"speaker": "Vladimir Putin", "text": "I have not spoken to him at all in over four years."},
    {
        "speaker": "Trump",
        "text": "President Putin said he wants to meet with me as soon as possible",
    },
    {"speaker": "Donald Trump", "text": "the number of soldiers who are dying is increasing"},
    {
        "speaker": "Donald Trump",
        "text": "if he had been president, this war would never have started",
    },
]
"""Each speaker's factual assertions in the seed article, verbatim (names as written)."""


def own_field_example() -> ModuleType:
    """``examples/own_field.py`` as a module (its schema is what the example sends)."""
    examples = str(ROOT / "examples")
    if examples not in sys.path:
        sys.path.insert(0, examples)  # the example imports its helper, ``_offline``
    spec = importlib.util.spec_from_file_location("own_field", ROOT / "examples" / "own_field.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["own_field"] = module  # pydantic resolves the annotations through it
    spec.loader.exec_module(module)
    return module


def claims_answer() -> dict[str, Any]:
    """The curated answer: the seed's gold annotation and its claims."""
    return {**gold(SEED_ID), "claims": CLAIMS}


def record_claims() -> None:
    example = own_field_example()
    endpoint = ScriptedEndpoint([answer(claims_answer(), "example-claims")])
    (CASSETTES / f"{CLAIMS_CASSETTE}.yaml").unlink(missing_ok=True)
    with make_vcr("all").use_cassette(CLAIMS_CASSETTE):
        engine = Summarizer(
            client=endpoint.client(), schema=example.ClaimsSummary, prompt=example.PROMPTS
        )
        summary = engine.summarize(article(SEED_ID))
    claims = getattr(summary, "claims", None)  # the example's schema: typed Any here
    assert claims is not None and len(claims) == len(CLAIMS), "a curated claim was refused"
    print(f"recorded {CLAIMS_CASSETTE}.yaml: {len(claims)} claims (curated)")


def main() -> int:
    record_claims()
    return 0


if __name__ == "__main__":
    sys.exit(main())
