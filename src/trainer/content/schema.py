"""Pydantic models of the question bank's item types.

Items are authored in YAML (see quizzes/README.md). Each model checks what an author can get
wrong (an answer key outside the options, a repeated option, an unknown body region) so that
the loader can name the file, the item and the field at fault. Validators that need to see
other fields are field validators reading ``info.data``: that keeps the failing field in the
error location, which a model-level validator would lose.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationInfo,
    field_validator,
)

LETTERS = string.ascii_uppercase
ID_PATTERN = r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
Difficulty = Literal["easy", "medium", "hard"]
DIFFICULTIES: tuple[str, ...] = ("easy", "medium", "hard")


def letters_for(count: int) -> str:
    """'A-D' for four options: the way an author sees the range in an error message."""
    return f"A-{LETTERS[count - 1]}" if count else "(no options)"


def _known_regions(info: ValidationInfo) -> frozenset[str] | None:
    context = info.context or {}
    return context.get("regions")


def check_region_names(names: list[str], info: ValidationInfo) -> list[str]:
    """Body regions must come from the shared vocabulary, so the map can draw and score them."""
    known = _known_regions(info)
    if len(set(names)) != len(names):
        raise ValueError("a region is listed twice")
    if known is not None:
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ValueError(
                f"unknown body region(s) {', '.join(repr(u) for u in unknown)}; "
                "see quizzes/body/regions.yaml for the vocabulary"
            )
    return names


class RegionAnswer(BaseModel):
    """A referral (or location) zone on the body map: essential zone plus optional spill-over."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    essential: list[str] = Field(min_length=1)
    spillover: list[str] = Field(default_factory=list)

    @field_validator("essential")
    @classmethod
    def _essential_known(cls, v: list[str], info: ValidationInfo) -> list[str]:
        return check_region_names(v, info)

    @field_validator("spillover")
    @classmethod
    def _spillover_known(cls, v: list[str], info: ValidationInfo) -> list[str]:
        check_region_names(v, info)
        overlap = set(v) & set(info.data.get("essential") or [])
        if overlap:
            raise ValueError(f"region(s) {sorted(overlap)} are both essential and spill-over")
        return v

    @property
    def all(self) -> frozenset[str]:
        return frozenset(self.essential) | frozenset(self.spillover)


class ItemBase(BaseModel):
    """Fields every item carries, whatever its type."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, StringConstraints(pattern=ID_PATTERN)]
    topic: Slug
    tags: tuple[Slug, ...] = ()
    difficulty: Difficulty = "medium"
    explanation: Text
    source: Text
    vignette: bool = False
    generated: bool = False
    # Links an item to the flashcard/atlas entry it tests (e.g. "muscle:upper-trapezius"), so
    # that quiz answers and flashcard reviews can feed one memory model.
    concept: str | None = None

    @field_validator("tags")
    @classmethod
    def _tags_unique(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(v)) != len(v):
            raise ValueError("a tag is listed twice")
        return v

    @property
    def content_hash(self) -> str:
        """Hash of what the learner sees and is scored against, stored beside each response.

        Editing an explanation or a tag keeps the hash; changing the prompt or the key changes
        it, so analytics can tell answers to the old wording from answers to the new.
        """
        scored = self.model_dump(
            exclude={"explanation", "source", "tags", "difficulty", "topic", "concept",
                     "vignette", "generated"}
        )
        blob = json.dumps(scored, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def _numbers_as_text(value: object) -> object:
    """YAML reads `options: [10, 100]` as numbers; authors mean the text."""
    if isinstance(value, list):
        return [str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
                for v in value]
    return value


class _ChoiceItem(ItemBase):
    prompt: Text
    options: list[Text] = Field(min_length=2, max_length=8)

    @field_validator("options", mode="before")
    @classmethod
    def _options_text(cls, v: object) -> object:
        return _numbers_as_text(v)

    @field_validator("options")
    @classmethod
    def _options_distinct(cls, v: list[str]) -> list[str]:
        seen: set[str] = set()
        for text in v:
            key = normalise_text(text)
            if key in seen:
                raise ValueError(f"option {text!r} is repeated")
            seen.add(key)
        return v


def _letter_index(letter: str, info: ValidationInfo) -> int:
    options = info.data.get("options")
    if options is None:  # options failed their own validation; that error is reported already
        raise ValueError("cannot check the answer because the options are invalid")
    letter = letter.strip().upper()
    if len(letter) != 1 or letter not in LETTERS[: len(options)]:
        raise ValueError(f"{letter!r} is not one of the options {letters_for(len(options))}")
    return LETTERS.index(letter)


class SingleChoice(_ChoiceItem):
    type: Literal["single_choice"]
    answer: str

    @field_validator("answer")
    @classmethod
    def _answer_in_options(cls, v: str, info: ValidationInfo) -> str:
        _letter_index(v, info)
        return v.strip().upper()

    @property
    def answer_index(self) -> int:
        return LETTERS.index(self.answer)


class MultipleSelect(_ChoiceItem):
    type: Literal["multiple_select"]
    answers: list[str] = Field(min_length=1)

    @field_validator("answers")
    @classmethod
    def _answers_in_options(cls, v: list[str], info: ValidationInfo) -> list[str]:
        letters = [LETTERS[_letter_index(a, info)] for a in v]
        if len(set(letters)) != len(letters):
            raise ValueError("an answer letter is listed twice")
        if len(letters) == len(info.data.get("options") or []):
            raise ValueError("every option is correct; make at least one option wrong")
        return sorted(letters)

    @property
    def answer_indices(self) -> frozenset[int]:
        return frozenset(LETTERS.index(a) for a in self.answers)


class TrueFalse(ItemBase):
    type: Literal["true_false"]
    statement: Text
    answer: bool


class MatchPair(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    left: Text
    right: Text


class Matching(ItemBase):
    type: Literal["matching"]
    prompt: Text
    pairs: list[MatchPair] = Field(min_length=3, max_length=8)

    @field_validator("pairs")
    @classmethod
    def _sides_distinct(cls, v: list[MatchPair]) -> list[MatchPair]:
        for side in ("left", "right"):
            values = [normalise_text(getattr(p, side)) for p in v]
            if len(set(values)) != len(values):
                raise ValueError(f"two pairs share the same {side} side")
        return v


class Ordering(ItemBase):
    type: Literal["ordering"]
    prompt: Text
    steps: list[Text] = Field(min_length=3, max_length=10)

    @field_validator("steps")
    @classmethod
    def _steps_distinct(cls, v: list[str]) -> list[str]:
        if len({normalise_text(s) for s in v}) != len(v):
            raise ValueError("two steps have the same text")
        return v


class ShortAnswer(ItemBase):
    type: Literal["short_answer"]
    prompt: Text
    accepted: list[Text] = Field(min_length=1)

    @field_validator("accepted", mode="before")
    @classmethod
    def _accepted_text(cls, v: object) -> object:
        return _numbers_as_text(v)

    @field_validator("accepted")
    @classmethod
    def _accepted_distinct(cls, v: list[str]) -> list[str]:
        if len({normalise_text(s) for s in v}) != len(v):
            raise ValueError("two accepted answers are the same once case and spacing are ignored")
        return v


class Hotspot(ItemBase):
    """Body-map item: the learner marks regions; scored by overlap with the reference zone."""

    type: Literal["hotspot"]
    prompt: Text
    regions: RegionAnswer


class Flashcard(ItemBase):
    type: Literal["flashcard"]
    front: Text
    back: Text
    regions: RegionAnswer | None = None


Item = Annotated[
    SingleChoice | MultipleSelect | TrueFalse | Matching | Ordering | ShortAnswer | Hotspot | Flashcard,
    Field(discriminator="type"),
]
ITEM_ADAPTER: TypeAdapter[Item] = TypeAdapter(Item)
ITEM_TYPES: tuple[str, ...] = (
    "single_choice", "multiple_select", "true_false", "matching", "ordering", "short_answer",
    "hotspot", "flashcard",
)
AnyItem = (SingleChoice | MultipleSelect | TrueFalse | Matching | Ordering | ShortAnswer | Hotspot
           | Flashcard)

_SPACES = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Case- and spacing-insensitive form used to compare free text and options."""
    return _SPACES.sub(" ", text).strip().casefold()
