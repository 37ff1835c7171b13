"""A story: a folder of articles in, one corpus page (HTML) and its JSON out.

    python examples/story.py                                # seeds/story: 8 articles
    python examples/story.py my-articles/ -o story/         # your .txt files

The articles are linked into one story: each person once across articles, one thread per
real-world meeting (proposed → scheduled → held or called off), stance changes; every event
leads back to its article's words. A ``date YYYY-MM-DD`` first line gives an article's date.
Live with OPENAI_API_KEY=... (the default prompt); without a key it replays
cassettes/story_v2.yaml offline, answers written for prompt v2, so offline runs use v2.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _offline import SEEDS, live, replay_client

from summarizer import Article, summarize_articles
from summarizer.corpus import Corpus, CorpusArticle


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=SEEDS / "story")
    parser.add_argument("-o", "--output", type=Path, default=Path("story-out"))
    args = parser.parse_args()
    files = sorted(args.folder.glob("*.txt"))
    articles = [Article(id=f.stem, text=f.read_text(encoding="utf-8")) for f in files]
    client = None if live() else replay_client("story_v2")
    version = None if live() else "v2"  # the prompt the recorded answers were written for
    summarized = []
    results = summarize_articles(articles, concurrency=8, client=client, prompt_version=version)
    for result in results:
        if result.summary is None:
            print(f"{result.id}: {type(result.error).__name__}: {result.error}")
        else:
            summarized.append(CorpusArticle(result.id, result.summary))
    corpus = Corpus.from_results(summarized)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "corpus.html").write_text(corpus.to_html(title="The story"), encoding="utf-8")
    (args.output / "corpus.json").write_text(corpus.to_json(), encoding="utf-8")
    print(f"{len(corpus.articles)} articles, {len(corpus.people)} people")
    for thread in corpus.meetings:
        print(f"meeting of {' and '.join(thread.participants)}: {' → '.join(thread.statuses)}")
    for stance in corpus.stances:
        if stance.changed:
            print(f"{stance.holder} on {stance.target}: {' → '.join(stance.polarities)}")
    print(f"wrote {args.output / 'corpus.html'} and {args.output / 'corpus.json'}")
    return 0 if len(corpus.articles) == len(articles) else 1


if __name__ == "__main__":
    raise SystemExit(main())
