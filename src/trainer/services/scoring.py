"""Scoring of one answer to one item, for every item type.

Answers arrive in a JSON-safe shape (they are stored as given in ``responses.answer``):

==================  ==========================================================================
single_choice       option index (int)
multiple_select     list of option indices
true_false          bool
matching            {left text: chosen right text}
ordering            list of step texts in the learner's order
short_answer        text
hotspot             list of region names
flashcard           bool: the learner's own verdict ("I knew it")
==================  ==========================================================================

Partial credit (stated to learners by ``PARTIAL_CREDIT_RULES``): multiple select scores
(right picks - wrong picks) / number of right options, never below 0; matching and ordering
score the share of pairs / steps in the right place; a body-map answer scores a weighted
Jaccard overlap in which essential regions weigh 1 and spill-over regions 0.5.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from trainer.content.schema import (
    AnyItem,
    Flashcard,
    Hotspot,
    Matching,
    MultipleSelect,
    Ordering,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
    normalise_text,
)

ESSENTIAL_WEIGHT = 1.0
SPILLOVER_WEIGHT = 0.5
WRONG_REGION_WEIGHT = 1.0

PARTIAL_CREDIT_RULES: dict[str, str] = {
    "multiple_select": "Partial credit: (right picks − wrong picks) ÷ number of right options, "
                       "never below zero. Full marks only for exactly the right set.",
    "matching": "Partial credit: the share of pairs matched correctly.",
    "ordering": "Partial credit: the share of steps in their correct position.",
    "hotspot": "Scored by overlap with the reference zone: essential regions count fully, "
               "spill-over regions half. Correct when every essential region is marked and "
               "nothing outside the zone is.",
    "short_answer": "Capitals and extra spaces are ignored.",
}


class AnswerInvalid(ValueError):
    """The answer's shape does not fit the item (a bug or a tampered request, never stored)."""


@dataclass(frozen=True)
class Scored:
    correct: bool
    score: float  # 0.0 .. 1.0


def score_answer(item: AnyItem, answer: Any) -> Scored:
    match item:
        case SingleChoice():
            index = _index(answer, len(item.options))
            ok = index == item.answer_index
            return Scored(ok, 1.0 if ok else 0.0)
        case MultipleSelect():
            return _score_multiple(item, answer)
        case TrueFalse():
            if not isinstance(answer, bool):
                raise AnswerInvalid("a true/false answer must be true or false")
            ok = answer == item.answer
            return Scored(ok, 1.0 if ok else 0.0)
        case Matching():
            return _score_matching(item, answer)
        case Ordering():
            return _score_ordering(item, answer)
        case ShortAnswer():
            if not isinstance(answer, str):
                raise AnswerInvalid("a short answer must be text")
            ok = normalise_text(answer) in {normalise_text(a) for a in item.accepted}
            return Scored(ok, 1.0 if ok else 0.0)
        case Hotspot():
            return score_regions(answer, item.regions.essential, item.regions.spillover)
        case Flashcard():
            if not isinstance(answer, bool):
                raise AnswerInvalid("a flashcard verdict must be true or false")
            return Scored(answer, 1.0 if answer else 0.0)
    raise AnswerInvalid(f"cannot score items of type {type(item).__name__}")


def _index(value: Any, count: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < count:
        raise AnswerInvalid(f"an option index must be between 0 and {count - 1}")
    return value


def _score_multiple(item: MultipleSelect, answer: Any) -> Scored:
    if not isinstance(answer, list):
        raise AnswerInvalid("a multiple-select answer must be a list of option indices")
    picked = {_index(a, len(item.options)) for a in answer}
    right = item.answer_indices
    raw = (len(picked & right) - len(picked - right)) / len(right)
    return Scored(picked == right, max(0.0, raw))


def _score_matching(item: Matching, answer: Any) -> Scored:
    if not isinstance(answer, dict):
        raise AnswerInvalid("a matching answer maps each left side to a right side")
    hits = sum(1 for p in item.pairs if answer.get(p.left) == p.right)
    return Scored(hits == len(item.pairs), hits / len(item.pairs))


def _score_ordering(item: Ordering, answer: Any) -> Scored:
    if not isinstance(answer, list) or sorted(map(str, answer)) != sorted(item.steps):
        raise AnswerInvalid("an ordering answer must list every step exactly once")
    hits = sum(1 for given, expected in zip(answer, item.steps, strict=True) if given == expected)
    return Scored(hits == len(item.steps), hits / len(item.steps))


def score_regions(
    picked: Any, essential: Collection[str], spillover: Collection[str] = ()
) -> Scored:
    """Weighted Jaccard overlap of picked regions with the reference zone."""
    if not isinstance(picked, list | tuple | set | frozenset) or not all(
        isinstance(p, str) for p in picked
    ):
        raise AnswerInvalid("a body-map answer must be a list of region names")
    chosen, ess, spill = set(picked), set(essential), set(spillover)
    weight = {r: ESSENTIAL_WEIGHT for r in ess} | {r: SPILLOVER_WEIGHT for r in spill}
    union = chosen | ess | spill
    total = sum(weight.get(r, WRONG_REGION_WEIGHT) for r in union)
    overlap = sum(weight[r] for r in chosen & (ess | spill))
    correct = ess <= chosen and chosen <= ess | spill
    return Scored(correct, overlap / total if total else 0.0)


def correct_answer(item: AnyItem) -> Any:
    """The key in the same shape as an answer, for results pages and tests."""
    match item:
        case SingleChoice():
            return item.answer_index
        case MultipleSelect():
            return sorted(item.answer_indices)
        case TrueFalse():
            return item.answer
        case Matching():
            return {p.left: p.right for p in item.pairs}
        case Ordering():
            return list(item.steps)
        case ShortAnswer():
            return item.accepted[0]
        case Hotspot():
            return sorted(item.regions.essential)
        case Flashcard():
            return True
    raise AnswerInvalid(f"no key for {type(item).__name__}")
