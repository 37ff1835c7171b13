"""Identity rules: real name variants, table-tested (summarizer._identity)."""

from __future__ import annotations

import time

import pytest

from summarizer._identity import (
    cluster,
    evidence,
    fold_token,
    forms_match,
    link,
    name_tokens,
    resolve,
    same_person,
    speaker_id,
)


@pytest.mark.parametrize(
    ("name", "tokens"),
    [
        ("Vladimir Putin", ("vladimir", "putin")),
        ("President Putin", ("putin",)),
        ("President-elect Trump", ("trump",)),
        ("Putin's", ("putin",)),
        ("Putin’s", ("putin",)),  # typographic apostrophe
        ("Enrique Peña Nieto", ("enrique", "pena", "nieto")),
        ("Chancellor Maren Holt", ("maren", "holt")),
        ("Bürgermeisterin Jana Roth", ("jana", "roth")),
        ("Dr. Anthony Fauci", ("anthony", "fauci")),
        ("Mr Starmer", ("starmer",)),
        ("the Russian president", ("russian",)),
        ("President", ()),
        ("Jean-Luc Mélenchon", ("jean-luc", "melenchon")),
    ],
)
def test_name_tokens(name: str, tokens: tuple[str, ...]) -> None:
    assert name_tokens(name) == tokens


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("zelensky", "zelenskyy"),
        ("zelenskiy", "zelensky"),
        ("zelenskii", "zelensky"),
        ("dmitriy", "dmitry"),
        ("yevgeny", "evgeny"),
        ("sergei", "sergey"),
        ("aleksei", "alexey"),
        ("zhanna", "janna"),
        ("navalnyi", "navalny"),
    ],
)
def test_transliteration_variants_fold_together(a: str, b: str) -> None:
    assert fold_token(a) == fold_token(b)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Vladimir Putin", "Putin", True),
        ("Vladimir Putin", "President Putin", True),
        ("Vladimir Putin", "Putin's", True),
        ("Volodymyr Zelensky", "Volodymyr Zelenskyy", True),
        ("Zelenskiy", "Volodymyr Zelenskyy", True),
        ("Enrique Peña Nieto", "Enrique Pena Nieto", True),
        ("Tomás Ibarra", "President Tomas Ibarra", True),
        ("Yevgeny Prigozhin", "Evgeny Prigozhin", True),
        ("Dmitry Peskov", "Dmitriy Peskov", True),
        ("Alexei Navalny", "Aleksei Navalnyi", True),
        ("Donald J. Trump", "Donald Trump", True),  # a middle initial given on one side
        ("George W. Bush", "George Walker Bush", True),  # an initial stands for the name
        ("John F. Kennedy", "John Fitzgerald Kennedy", True),
        ("George H. W. Bush", "George W. Bush", False),  # both give middles: they differ
        ("George Herbert Walker Bush", "George Walker Bush", False),
        ("John F. Kennedy", "John Fitzgerald Kennedy Jr", False),
        ("King Charles", "Ray Charles", False),  # a king's name is no surname
        ("Pope Francis", "Francis Collins", False),
        ("King Charles", "Charles", True),  # pairwise, one word still matches
        ("Donald Trump", "Ivanka Trump", False),  # same surname, different first name
        ("Donald Trump", "Vladimir Putin", False),
        ("the Russian president", "Vladimir Putin", False),  # title-only: not by rules
        ("the Kremlin leader", "Vladimir Putin", False),
        ("President", "Vladimir Putin", False),  # a bare title names nobody
        ("", "Vladimir Putin", False),
    ],
)
def test_forms_match(a: str, b: str, same: bool) -> None:
    assert forms_match(a, b) is same
    assert forms_match(b, a) is same


def test_same_person_compares_every_form() -> None:
    assert same_person(["Vladimir Putin", "Putin"], ["the Kremlin leader", "President Putin"])
    assert not same_person(["Vladimir Putin"], ["the Kremlin leader"])


JOHNSONS = [["Boris Johnson", "Johnson"], ["Mike Johnson"]]


@pytest.mark.parametrize(
    ("name", "people", "index"),
    [
        ("Putin", [["Dmitry Peskov"], ["Vladimir Putin"]], 1),
        ("President Zelenskiy", [["Volodymyr Zelenskyy"]], 0),
        ("Pena Nieto", [["Enrique Peña Nieto"]], None),  # two words, first name differs
        ("Peña", [["Enrique Peña Nieto"]], None),  # not the last word: no surname match
        ("Johnson", JOHNSONS, 0),  # Boris Johnson's listed alias decides
        ("Mr Johnson", [["Boris Johnson"], ["Mike Johnson"]], None),  # ambiguous surname
        ("the Russian president", [["Vladimir Putin"]], None),  # title-only
        ("the Russian president", [["Vladimir Putin", "the Russian president"]], 0),  # alias
        ("Trump", [["Donald Trump", "Trump"], ["Ivanka Trump", "Trump"]], None),
        ("George W. Bush", [["George H. W. Bush"], ["George W. Bush"]], 1),
        ("George Bush", [["George H. W. Bush"], ["George W. Bush"]], None),
        ("King Charles", [["Ray Charles"]], None),
        ("Charles", [["King Charles"], ["Ray Charles"]], None),
        ("Charles", [["King Charles III", "King Charles"]], 0),
        ("Russia", [["Vladimir Putin", "The President of Russia"]], None),  # an office's place
        ("Wales", [["Prince William", "Prince of Wales"]], None),
    ],
)
def test_resolve(name: str, people: list[list[str]], index: int | None) -> None:
    assert resolve(name, people) == index


@pytest.mark.parametrize(
    ("people", "groups"),
    [
        (
            [["Vladimir Putin", "Putin"], ["Putin", "President Putin"], ["Donald Trump"]],
            [0, 0, 2],
        ),
        ([["Volodymyr Zelenskyy"], ["Zelensky"], ["Volodymyr Zelensky"]], [0, 0, 0]),
        ([["Tomás Ibarra"], ["Ibarra"], ["Maren Holt"], ["Holt"]], [0, 0, 2, 2]),
        # Two Johnsons: a bare "Johnson" stays apart; full names never merge on surname.
        ([["Boris Johnson", "Johnson"], ["Mike Johnson", "Johnson"], ["Johnson"]], [0, 1, 2]),
        ([["Donald Trump"], ["Ivanka Trump"]], [0, 1]),
        # Title-only references stay separate unless a speaker lists them.
        ([["Vladimir Putin"], ["the Russian president"]], [0, 1]),
        # Middle names that differ are two people; one without them is ambiguous between.
        (
            [["George H. W. Bush"], ["George W. Bush"], ["George Bush"], ["George Walker Bush"]],
            [0, 1, 2, 1],
        ),
        ([["George H. W. Bush", "Bush"], ["George W. Bush"], ["Bush"]], [0, 1, 2]),
        ([["Donald J. Trump", "Trump"], ["Donald Trump"], ["Trump"]], [0, 0, 0]),
        # An initial agreeing with two names that disagree joins neither.
        (
            [["Ann Herbert Lee"], ["Ann H. Lee"], ["Ann Hope Lee"], ["Ann Herbert Lee"]],
            [0, 1, 2, 0],
        ),
        # A king's name is no surname.
        ([["King Charles"], ["Ray Charles"], ["Charles"]], [0, 1, 2]),
        ([["King Charles"], ["Charles"], ["Queen Camilla"]], [0, 0, 2]),
    ],
)
def test_cluster(people: list[list[str]], groups: list[int]) -> None:
    assert cluster(people) == groups


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Vladimir Putin", "vladimir-putin"),
        ("President Tomás Ibarra", "tomas-ibarra"),
        ("Enrique Peña Nieto", "enrique-pena-nieto"),
        ("Jean-Luc Mélenchon", "jean-luc-melenchon"),
        ("Владимир Путин", "владимир-путин"),
        ("President", "president"),
        ("???", "unnamed"),
    ],
)
def test_speaker_id(name: str, slug: str) -> None:
    assert speaker_id(name) == slug
    assert speaker_id(name) == speaker_id(name)  # deterministic


def test_cluster_grows_with_the_forms_not_their_square() -> None:
    """400 chunks of eight speakers with three forms each: 3,200 sources, 9,600 forms.

    Comparing every pair of sources and forms took minutes here; looking names up in tables
    takes a fraction of a second. The bound is loose on purpose.
    """
    names = ["Vladimir Putin", "Donald J. Trump", "Dmitry Peskov", "Volodymyr Zelenskyy"]
    names += ["Sergei Lavrov", "Emmanuel Macron", "Olaf Scholz", "Keir Starmer", "Xi Jinping"]
    people = []
    for chunk in range(400):
        for name in names[chunk % 2 : chunk % 2 + 8]:
            surname = name.split()[-1]
            people.append([name, surname, f"President {surname}"])
    started = time.perf_counter()
    groups = cluster(people)
    elapsed = time.perf_counter() - started
    assert len(set(groups)) == len(names)
    assert elapsed < 5, f"cluster took {elapsed:.1f}s for 3,200 sources"


# -- namesakes: what the article gives decides ---------------------------------------------

BARACK = ["Barack Obama", "President Barack Obama"]
MICHELLE = ["Michelle Obama", "Mrs. Obama"]


@pytest.mark.parametrize(
    ("people", "roles", "groups", "rule"),
    [
        # A title only one namesake holds, from her role or his other forms.
        ([BARACK, MICHELLE, ["President Obama"]], None, [0, 1, 0], "title"),
        (
            [["Barack Obama"], ["Michelle Obama"], ["Obama"]],
            [["President"], ["First Lady"], ["President of the United States"]],
            [0, 1, 0],
            "title",
        ),
        # "Mr." fits the one namesake not called "Mrs." nor a First Lady.
        ([BARACK, MICHELLE, ["Mr. Obama"]], None, [0, 1, 0], "honorific"),
        (
            [["Barack Obama"], ["Michelle Obama"], ["Mr. Obama"]],
            [[], ["First Lady"], []],
            [0, 1, 0],
            "honorific",
        ),
        (
            [["Former President Bill Clinton"], ["Hillary Clinton"], ["President Clinton"]],
            [[], ["Secretary of State"], []],
            [0, 1, 0],
            "title",
        ),
        # One namesake in the corpus: the surname alone is enough, as before.
        ([["Sir Peter Westmacott"], ["Westmacott"]], None, [0, 0], "surname"),
    ],
)
def test_a_title_or_honorific_that_fits_one_namesake_joins_it(
    people: list[list[str]], roles: list[list[str]] | None, groups: list[int], rule: str
) -> None:
    found = link(people, roles=roles)
    assert found.groups == groups
    assert [link.rule for link in found.links] == [rule]
    assert found.apart == []


@pytest.mark.parametrize(
    ("people", "roles", "why"),
    [
        # Nothing but the surname.
        (
            [["Bill Clinton"], ["Hillary Clinton"], ["Clinton"]],
            None,
            "no title, role or honorific says which",
        ),
        # "Mr." with no namesake marked as a woman: unsure, so apart.
        ([["Barack Obama"], ["Michelle Obama"], ["Mr. Obama"]], None, "fits more than one"),
        # Both were president.
        (
            [["George H. W. Bush"], ["George W. Bush"], ["President Bush"]],
            [["President"], ["President"], []],
            "fits more than one",
        ),
        # A title neither is known by.
        (
            [["Bill Clinton"], ["Hillary Clinton"], ["Senator Clinton"]],
            None,
            "fits none of them",
        ),
    ],
)
def test_a_bare_surname_that_nothing_decides_stays_apart_and_says_why(
    people: list[list[str]], roles: list[list[str]] | None, why: str
) -> None:
    found = link(people, roles=roles)
    assert found.groups == [0, 1, 2]
    assert [(a.source, a.candidates) for a in found.apart] == [(2, (0, 1))]
    assert why in found.apart[0].reason


@pytest.mark.parametrize(
    ("forms", "roles", "offices", "genders"),
    [
        (["President Obama"], [], {"president"}, set()),
        (["Mr. Obama"], [], set(), {"male"}),
        (["Former President Bill Clinton"], [], {"president"}, set()),
        (["Michelle Obama"], ["First Lady of the United States"], {"first lady"}, {"female"}),
        (["Joe Biden"], ["Vice President"], {"vice president"}, set()),
        (["Sir Peter Westmacott"], ["Ambassador to the United States"], {"ambassador"}, {"male"}),
        (["Obama"], [], set(), set()),
    ],
)
def test_evidence_reads_titles_honorifics_and_roles(
    forms: list[str], roles: list[str], offices: set[str], genders: set[str]
) -> None:
    found = evidence(forms, roles)
    assert (set(found.offices), set(found.genders)) == (offices, genders)
