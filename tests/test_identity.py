"""Identity rules: real name variants, table-tested (summarizer._identity)."""

from __future__ import annotations

import pytest

from summarizer._identity import (
    cluster,
    fold_token,
    forms_match,
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
        ("Donald J. Trump", "Donald Trump", True),  # a middle initial is ignored
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
