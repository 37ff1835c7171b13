"""Regenerate ``docs/corpus.png``: the development story's corpus page in headless Chromium.

    .venv/bin/python -m tests.corpus_screenshot

The corpus is what ``summarizer batch`` then ``summarizer corpus -o`` give for
``seeds/story/``, replaying ``cassettes/story_v2.yaml`` offline (answers written by a
language model given only the request; see ``cassettes/README.md``). Needs a Chromium
binary (Debian: ``apt-get install chromium``).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from summarizer.corpus import Corpus
from tests.browser import Chromium, find_chromium
from tests.story import run_story_batch

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "docs" / "corpus.png"
SIZE = (1440, 1180)


def main() -> int:
    binary = find_chromium()
    if binary is None:
        print("no Chromium found: apt-get install chromium (or set SUMMARIZER_CHROMIUM)")
        return 1
    with tempfile.TemporaryDirectory() as folder:
        corpus = Corpus.from_results(run_story_batch(Path(folder)))
        page = Path(folder) / "corpus.html"
        page.write_text(corpus.to_html(title="The Lestria–Koravia story"), encoding="utf-8")
        with Chromium(binary, width=SIZE[0], height=SIZE[1]) as browser:
            browser.open(page.as_uri())
            browser.screenshot(SCREENSHOT)
    print(f"wrote {SCREENSHOT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
