"""Who is one person, and one organisation, across real outlets' coverage (corpus._people).

Small corpora with real names, as outlets write them: one outlet never gives the first
name, another writes "President Obama" or "Mr. Obama", a namesake is in the same story;
organisations with and without "the", "US", "United States", the long and the short form.
"""

from __future__ import annotations

from typing import Any

from summarizer.corpus import Corpus, CorpusArticle
from tests.test_corpus import article

OBAMA = {"name": "Barack Obama", "aliases": ["Obama"], "role": "President"}
MICHELLE = {"name": "Michelle Obama", "aliases": ["Mrs. Obama"], "role": "First Lady"}


def people(*articles: CorpusArticle) -> dict[str, dict[str, Any]]:
    """The corpus's entries as ``--json`` gives them, by name (``name`` + ``#n`` if repeated)."""
    found: dict[str, dict[str, Any]] = {}
    for entry in Corpus.from_results(list(articles)).as_json()["people"]:
        name, n = entry["name"], 1
        while name in found:
            n += 1
            name = f"{entry['name']}#{n}"
        found[name] = entry
    return found


def with_text(item: CorpusArticle, text: str) -> CorpusArticle:
    return CorpusArticle(item.id, item.summary.model_copy(update={"article_text": text}))


def test_president_obama_and_mr_obama_join_barack_obama_beside_michelle_obama() -> None:
    found = people(
        article("1", "2016-03-01", speakers=[OBAMA]),
        article("2", "2016-03-02", speakers=[{"name": "Obama", "aliases": ["President Obama"]}]),
        article("3", "2016-03-03", speakers=[{"name": "Obama", "aliases": ["Mr. Obama"]}]),
        article("4", "2016-03-04", speakers=[MICHELLE]),
        article("5", "2016-03-05", speakers=[{"name": "President Obama"}]),
    )
    assert {n: (p["kind"], p["articles"]) for n, p in found.items()} == {
        "Barack Obama": ("person", ["1", "2", "3", "5"]),
        "Michelle Obama": ("person", ["4"]),
    }
    joins = {(j["article_id"], j["form"], j["rule"]) for j in found["Barack Obama"]["joins"]}
    assert joins == {
        ("2", "Obama", "title"),
        ("3", "Obama", "honorific"),
        ("5", "President Obama", "title"),
    }
    assert found["Michelle Obama"]["joins"] == []


def test_a_bare_surname_takes_the_full_name_its_own_article_gives() -> None:
    found = people(
        article("1", "2016-03-01", speakers=[OBAMA]),
        article("2", "2016-03-02", speakers=[MICHELLE]),
        article(
            "3",
            "2016-03-03",
            speakers=["Obama", "Justin Trudeau"],
            meetings=[{"participants": ["Barack Obama", "Justin Trudeau"], "status": "held"}],
        ),
    )
    assert found["Barack Obama"]["articles"] == ["1", "3"]
    assert {"article_id": "3", "form": "Obama", "joined": "Barack Obama",
            "rule": "article's full name"} in found["Barack Obama"]["joins"]  # fmt: skip
    assert found["Michelle Obama"]["articles"] == ["2"]


def test_the_clintons_stay_apart_and_a_bare_clinton_is_not_joined_on_the_name_alone() -> None:
    found = people(
        article("1", "2016-03-01", speakers=[{"name": "Bill Clinton", "role": "former president"}]),
        article(
            "2", "2016-03-02", speakers=[{"name": "Hillary Clinton", "role": "Secretary of State"}]
        ),
        article("3", "2016-03-03", speakers=["Clinton"]),
        article("4", "2016-03-04", speakers=["Clinton"]),
        article("5", "2016-03-05", speakers=["Former President Bill Clinton"]),
        article("6", "2016-03-06", speakers=["President Clinton"]),
    )
    assert {n: p["articles"] for n, p in found.items()} == {
        "Bill Clinton": ["1", "5", "6"],
        "Hillary Clinton": ["2"],
        "Clinton": ["3"],
        "Clinton#2": ["4"],  # not joined across articles either
    }
    for name in ("Clinton", "Clinton#2"):
        (apart,) = found[name]["kept_apart"]
        assert apart["candidates"] == ["bill-clinton", "hillary-clinton"]
        assert "no title, role or honorific says which" in apart["reason"]
    assert [j["rule"] for j in found["Bill Clinton"]["joins"]] == ["title"]


def test_the_two_george_bushes_stay_apart_and_president_bush_is_either() -> None:
    found = people(
        article("1", "2004-03-01", speakers=[{"name": "George H. W. Bush", "role": "President"}]),
        article("2", "2004-03-02", speakers=[{"name": "George W. Bush", "role": "President"}]),
        article("3", "2004-03-03", speakers=["President Bush"]),
        article("4", "2004-03-04", speakers=["George Walker Bush"]),
    )
    assert {n: p["articles"] for n, p in found.items()} == {
        "George H. W. Bush": ["1"],
        "George W. Bush": ["2", "4"],
        "President Bush": ["3"],
    }
    assert "fits more than one" in found["President Bush"]["kept_apart"][0]["reason"]


def org(name: str, *aliases: str) -> dict[str, Any]:
    return {"name": name, "aliases": list(aliases), "kind": "organisation"}


def test_the_state_department_as_outlets_write_it_is_one_and_defense_another() -> None:
    found = people(
        article("1", "2017-08-01", speakers=[org("the State Department")]),
        article("2", "2017-08-02", speakers=[org("US State Department")]),
        article("3", "2017-08-03", speakers=[org("U.S. State Department")]),
        article("4", "2017-08-04", speakers=[org("United States Department of State")]),
        article("5", "2017-08-05", speakers=[org("the Defense Department")]),
        article("6", "2017-08-06", speakers=[org("Russia's central bank"), org("Russia")]),
    )
    assert {n: p["articles"] for n, p in found.items()} == {
        "the State Department": ["1", "2", "3", "4"],
        "the Defense Department": ["5"],
        "Russia's central bank": ["6"],
        "Russia": ["6"],
    }
    joins = {(j["form"], j["joined"], j["rule"]) for j in found["the State Department"]["joins"]}
    assert joins == {
        ("U.S. State Department", "US State Department", "country"),
        ("United States Department of State", "US State Department", "country; word order"),
        ("the State Department", "US State Department", "leading article; country"),
    }


def test_yonhap_joins_yonhap_news_agency_and_kcna_its_long_form_when_defined() -> None:
    defines = "Pyongyang's official Korean Central News Agency (KCNA) said on Tuesday ..."
    found = people(
        article("1", "2017-08-01", speakers=[org("Yonhap News Agency")]),
        article("2", "2017-08-02", speakers=[org("Yonhap"), org("KCNA")]),
        with_text(
            article("3", "2017-08-03", speakers=[org("Korean Central News Agency")]), defines
        ),
    )
    assert {n: p["articles"] for n, p in found.items()} == {
        "Yonhap News Agency": ["1", "2"],
        "Korean Central News Agency": ["2", "3"],  # the long form names it
    }
    assert [j["rule"] for j in found["Yonhap News Agency"]["joins"]] == ["agency"]
    (join,) = found["Korean Central News Agency"]["joins"]
    assert (join["form"], join["joined"], join["rule"]) == (
        "Korean Central News Agency",
        "KCNA",
        "abbreviation",
    )


def test_an_abbreviation_no_article_defines_stays_apart() -> None:
    found = people(
        article("1", "2017-08-01", speakers=[org("KCNA")]),
        article("2", "2017-08-02", speakers=[org("Korean Central News Agency")]),
    )
    assert {n: p["articles"] for n, p in found.items()} == {
        "KCNA": ["1"],
        "Korean Central News Agency": ["2"],
    }
