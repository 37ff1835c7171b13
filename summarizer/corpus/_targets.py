"""Stance-target identity: when two stances are about the same thing.

One rule, called by the corpus's stance threads (:mod:`summarizer.corpus._stance_threads`: across
articles) and by the evaluation (:mod:`summarizer.evaluation`: a prediction against the
gold). What differs between them is only who the people are, so the caller says it:

**A person.** A target that is a person (the caller resolves it: the corpus's identities,
the gold's speakers) is that person: two targets that are persons are the same when they are
the same person, and a person is never the same target as something that is not one.

**Anything else** is compared by its words (case, possessives and articles aside) once
*version words* are set aside: ``revised``, ``new``, ``amended``, ``updated``, ``old``,
``previous``, ``original``, ``draft``, ``proposed`` and the like (:data:`VERSION_WORDS`).
Two targets are the same when they have the same head word (the last word before any
``of``, ``with``, ``on``, ``for``, ... phrase: "summit" in "summit with Arkady Belozarsky")
and the words of one are all among the other's: "the customs pact", "the revised customs
pact" and "the Lestria-Koravia customs pact" are one target; "Koravia" and "Koravia's levy"
are two (heads "koravia", "levy"), and so are "sanctions on Lestria" and "sanctions on
Koravia" (neither's words are within the other's).

**Two wordings of one article's target** (``loose``: the evaluation, where an annotator and
a model word the same target independently) need less: the same people rule, then at least
half the words of the shorter target among the other's (:data:`LOOSE_SHARE`): "cuts to rail
subsidies" and "rail subsidy cuts", "the pipeline deal" and "pipeline agreement". Across
articles that would join a country's "warning shots" and its "navy"; within one article's
reading it only pairs a prediction with the gold it most likely means.
"""

from __future__ import annotations

from dataclasses import dataclass

from summarizer._identity import plain_words

__all__ = [
    "LOOSE_SHARE",
    "VERSION_WORDS",
    "TargetKey",
    "same_target",
    "target_key",
    "target_words",
]

_PAST = frozenset({"old", "previous", "original", "former", "earlier", "existing", "first"})
_NEW = frozenset({"revised", "new", "amended", "updated", "latest", "reworked", "redrafted"})
_ANY = frozenset({"draft", "proposed", "planned", "planed", "suggested"})
VERSION_WORDS = _PAST | _NEW | _ANY
"""Words that name a version of a target, not another target."""
LOOSE_SHARE = 0.5
"""The loose rule: the share of the shorter target's words the other must have."""
_SKIP = frozenset({"the", "a", "an", "this", "that", "its", "his", "her", "their", "our", "s"})
_LINKS = frozenset(
    {"of", "with", "in", "on", "for", "to", "against", "over", "about", "between", "from", "by"}
)


@dataclass(frozen=True)
class TargetKey:
    """What a target is compared by: its words, its head word and the version it names."""

    words: frozenset[str]
    head: str
    version: int
    """0: an old version, 1: unqualified, 2: a new version."""
    named: tuple[str, ...]
    """Its words in order, version words and articles aside (for ids)."""

    def same(self, other: TargetKey, *, loose: bool = False) -> bool:
        """The word rule (see the module docstring); ``loose``: half the words shared."""
        if loose:
            shorter = min(len(self.words), len(other.words))
            return bool(shorter) and len(self.words & other.words) / shorter >= LOOSE_SHARE
        return (
            bool(self.head)
            and self.head == other.head
            and (self.words <= other.words or other.words <= self.words)
        )


def target_key(target: str) -> TargetKey:
    """A target's compared words, head word and version (see the module docstring)."""
    words = [w for w in plain_words(target) if w not in _SKIP]
    version = 2 if any(w in _NEW for w in words) else 0 if any(w in _PAST for w in words) else 1
    words = [w for w in words if w not in VERSION_WORDS]
    head_part = words
    for i, word in enumerate(words):
        if word in _LINKS and i:
            head_part = words[:i]
            break
    head = head_part[-1] if head_part else ""
    return TargetKey(frozenset(w for w in words if w not in _LINKS), head, version, tuple(words))


def target_words(target: str) -> tuple[frozenset[str], str, int]:
    """A target's compared words, its head word and its version."""
    key = target_key(target)
    return key.words, key.head, key.version


def same_target(
    a: str | TargetKey,
    b: str | TargetKey,
    person_a: object = None,
    person_b: object = None,
    *,
    loose: bool = False,
) -> bool:
    """Whether two stance targets are the same (see the module docstring).

    Args:
        a: One target as written (or its :func:`target_key`, computed once by the caller).
        b: The other.
        person_a: The person ``a`` is in the caller's context (an id, an index), or None
            when it is no person.
        person_b: The same for ``b``.
        loose: Compare two readers' wordings of one article's target (the evaluation),
            not two articles' targets (see the module docstring).
    """
    if person_a is not None or person_b is not None:
        return person_a is not None and person_a == person_b
    key_a = a if isinstance(a, TargetKey) else target_key(a)
    return key_a.same(b if isinstance(b, TargetKey) else target_key(b), loose=loose)
