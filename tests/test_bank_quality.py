"""Content-quality checks on the REAL question bank in quizzes/ (not on fixtures).

The loader already rejects malformed items; these tests hold the bank to the editorial rules in
quizzes/README.md: balanced answer letters, distinct options, explanations that teach, a source
on every item, an atlas whose regions all exist and can be drawn, generated distractors that are
never also right, and the size targets of the issue. Every check collects its offenders and
asserts the list is empty, so a failure names the items to fix.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import pytest

from trainer.cli import main as cli_main
from trainer.content import ContentError, ContentInvalid, QuestionBank, load_bank
from trainer.content.schema import (
    DIFFICULTIES,
    ITEM_TYPES,
    LETTERS,
    AnyItem,
    Flashcard,
    Hotspot,
    Matching,
    MultipleSelect,
    Ordering,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
)
from trainer.settings import PROJECT_ROOT

QUIZZES = PROJECT_ROOT / "quizzes"

MAX_LETTER_SHARE = 0.35
MIN_MUSCLES = 50
MIN_HANDWRITTEN = 300
MIN_HANDWRITTEN_TOPICS = 8
MIN_VIGNETTES = 40
MIN_EXPLANATION_WORDS = 8
GENERATED_PREFIX = "tp."
HANDWRITTEN_PREFIXES = (
    "prin.", "hist.", "palp.", "trp.", "tech.", "assess.", "safety.", "perp.", "self.", "vig.",
)
PLACEHOLDER = re.compile(r"\b(?:todo|tbd|fixme|x{3,}|lorem)\b", re.IGNORECASE)
SUMMARY_KEYS = (
    "total", "by_topic", "by_type", "muscles", "handwritten", "generated", "vignettes", "flashcards",
)


@dataclass(frozen=True)
class Loaded:
    bank: QuestionBank | None
    errors: tuple[ContentError, ...]


@pytest.fixture(scope="module")
def loaded() -> Loaded:
    try:
        return Loaded(load_bank(QUIZZES), ())
    except ContentInvalid as exc:
        return Loaded(None, tuple(exc.errors))


@pytest.fixture(scope="module")
def real_bank(loaded: Loaded) -> QuestionBank:
    if loaded.bank is None:
        pytest.fail(f"{QUIZZES} does not load ({len(loaded.errors)} errors); "
                    "see test_bank_loads_without_errors", pytrace=False)
    return loaded.bank


def handwritten(bank: QuestionBank) -> list[AnyItem]:
    return [i for i in bank.items if not i.generated]


def loose(text: str) -> str:
    """Compare options ignoring case, spacing and trailing punctuation ("Flat." == "flat")."""
    text = re.sub(r"\s+", " ", text).strip().casefold()
    return re.sub(r"[\s.,;:!?]+$", "", text)


def repeats(texts: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    dupes = []
    for text in texts:
        key = loose(text)
        if key in seen:
            dupes.append(f"{seen[key]!r} ~ {text!r}")
        else:
            seen[key] = text
    return dupes


def letter_report(items: list[SingleChoice]) -> tuple[dict[str, float], str]:
    counts = Counter(i.answer for i in items)
    total = len(items)
    shares = {letter: counts[letter] / total for letter in sorted(counts)}
    text = ", ".join(f"{letter}={counts[letter]} ({share:.0%})" for letter, share in shares.items())
    return shares, f"{total} single-choice items: {text}"


def assert_none(offenders: list[str], what: str) -> None:
    """Fail naming every offender (pytest's own diff shows only the first few)."""
    assert not offenders, f"{len(offenders)} {what}:\n  " + "\n  ".join(offenders)


# 1 ---------------------------------------------------------------- loads, ids unique

def test_bank_loads_without_errors(loaded: Loaded) -> None:
    assert_none([str(e) for e in loaded.errors], "loader error(s)")


def test_ids_are_unique(real_bank: QuestionBank) -> None:
    counts = Counter(i.id for i in real_bank.items)
    assert_none(sorted(i for i, n in counts.items() if n > 1), "duplicate id(s)")
    assert len(real_bank.by_id) == len(real_bank.items)


def test_ids_follow_the_prefix_conventions(real_bank: QuestionBank) -> None:
    offenders = [
        i.id for i in real_bank.items
        if (i.id.startswith(GENERATED_PREFIX) != i.generated)
        or (not i.generated and not i.id.startswith(HANDWRITTEN_PREFIXES))
    ]
    assert_none(offenders, "id(s) off the prefix conventions (tp. only for generated items)")


# 2 ---------------------------------------------------------------- answer keys

def key_problem(item: AnyItem) -> str | None:
    match item:
        case SingleChoice():
            if item.answer not in LETTERS[: len(item.options)]:
                return f"answer {item.answer} outside {len(item.options)} options"
        case MultipleSelect():
            valid = LETTERS[: len(item.options)]
            if not item.answers or any(a not in valid for a in item.answers):
                return f"answers {item.answers} outside {len(item.options)} options"
            if len(set(item.answers)) != len(item.answers):
                return f"answers {item.answers} repeat a letter"
            if len(item.answers) >= len(item.options):
                return "every option is marked correct"
        case TrueFalse():
            if not isinstance(item.answer, bool):
                return f"answer {item.answer!r} is not true/false"
        case Matching():
            if not 3 <= len(item.pairs) <= 8:
                return f"{len(item.pairs)} pairs (3-8 expected)"
            for side in ("left", "right"):
                values = [getattr(p, side).strip() for p in item.pairs]
                if not all(values):
                    return f"an empty {side} side"
        case Ordering():
            if not 3 <= len(item.steps) <= 10:
                return f"{len(item.steps)} steps (3-10 expected)"
            if not all(s.strip() for s in item.steps):
                return "an empty step"
        case ShortAnswer():
            if not item.accepted or not all(a.strip() for a in item.accepted):
                return "no accepted answer"
        case Hotspot():
            if not item.regions.essential:
                return "no essential region"
        case Flashcard():
            if not item.front.strip() or not item.back.strip():
                return "an empty side"
    return None


def test_every_answer_key_is_valid(real_bank: QuestionBank) -> None:
    offenders = [f"{i.id}: {p}" for i in real_bank.items if (p := key_problem(i))]
    assert_none(offenders, "invalid answer key(s)")


# 3 ---------------------------------------------------------------- distinct options

def test_options_are_distinct_within_each_item(real_bank: QuestionBank) -> None:
    offenders = []
    for item in real_bank.items:
        match item:
            case SingleChoice() | MultipleSelect():
                groups = {"options": item.options}
            case Matching():
                groups = {"left": [p.left for p in item.pairs], "right": [p.right for p in item.pairs]}
            case Ordering():
                groups = {"steps": item.steps}
            case _:
                continue
        for name, texts in groups.items():
            offenders += [f"{item.id} {name}: {d}" for d in repeats(texts)]
    assert_none(offenders, "repeated option(s)")


def test_single_choice_distractors_differ_from_the_answer(real_bank: QuestionBank) -> None:
    offenders = []
    for item in real_bank.items:
        if isinstance(item, SingleChoice):
            answer = loose(item.options[item.answer_index])
            same = [o for n, o in enumerate(item.options) if n != item.answer_index and loose(o) == answer]
            if same:
                offenders.append(f"{item.id}: distractor(s) {same} equal the answer")
    assert_none(offenders, "distractor(s) equal to the answer")


def test_no_all_or_none_of_the_above(real_bank: QuestionBank) -> None:
    """Such options test elimination, not knowledge, and give the key away when two options are right."""
    above = re.compile(r"\b(?:all|none|both) of the (?:above|below)\b", re.IGNORECASE)
    offenders = [
        f"{i.id}: {o!r}" for i in real_bank.items if isinstance(i, SingleChoice | MultipleSelect)
        for o in i.options if above.search(o)
    ]
    assert_none(offenders, 'option(s) reading "all/none of the above"')


# 4 ---------------------------------------------------------------- balanced answer letters

@pytest.mark.parametrize("subset", ["all", "hand-written", "generated"])
def test_answer_letters_are_balanced(real_bank: QuestionBank, subset: str) -> None:
    items = [
        i for i in real_bank.items
        if isinstance(i, SingleChoice)
        and (subset == "all" or i.generated == (subset == "generated"))
    ]
    assert items, f"no {subset} single-choice items"
    shares, report = letter_report(items)
    over = [f"{letter} {share:.0%}" for letter, share in shares.items() if share > MAX_LETTER_SHARE]
    assert_none(over, f"letter(s) above {MAX_LETTER_SHARE:.0%} among {subset} items ({report})")


# 5 ---------------------------------------------------------------- explanation and source

def test_every_item_has_a_real_explanation_and_source(real_bank: QuestionBank) -> None:
    offenders = []
    for item in real_bank.items:
        for name in ("explanation", "source"):
            text = (getattr(item, name) or "").strip()
            if not text:
                offenders.append(f"{item.id}: no {name}")
            elif match := PLACEHOLDER.search(text):
                offenders.append(f"{item.id}: {name} has placeholder {match.group(0)!r}")
    assert_none(offenders, "missing or placeholder explanation/source")


# 6 ---------------------------------------------------------------- atlas and region vocabulary

def test_atlas_regions_exist_in_the_vocabulary(real_bank: QuestionBank) -> None:
    offenders = [
        f"{m.id}: {region}" for m in real_bank.muscles.values()
        for region in [*m.referral.essential, *m.referral.spillover]
        if region not in real_bank.regions
    ]
    assert_none(offenders, "atlas region(s) not in quizzes/body/regions.yaml")


def test_every_muscle_has_a_referral_region(real_bank: QuestionBank) -> None:
    offenders = [m.id for m in real_bank.muscles.values() if not m.referral.essential]
    assert_none(offenders, "muscle(s) without a referral region")


def test_muscle_names_are_distinct(real_bank: QuestionBank) -> None:
    """Generated options are muscle names; two muscles with one name would be indistinguishable."""
    offenders = repeats(m.name for m in real_bank.muscles.values())
    assert_none(offenders, "repeated muscle name(s)")


def test_every_region_has_a_shape(real_bank: QuestionBank) -> None:
    offenders = [name for name, region in real_bank.regions.items() if not region.shapes]
    assert_none(offenders, "region(s) without a shape on the body map")


# 7 ---------------------------------------------------------------- generated distractors

def test_generated_which_muscle_distractors_are_never_also_correct(real_bank: QuestionBank) -> None:
    by_name: dict[str, list] = {}
    for m in real_bank.muscles.values():
        by_name.setdefault(m.name, []).append(m)
    offenders = []
    checked = 0
    for muscle in real_bank.muscles.values():
        item = real_bank.by_id.get(f"tp.{muscle.id}.which-muscle")
        if item is None:
            continue
        assert isinstance(item, SingleChoice), item.id
        checked += 1
        region = muscle.referral.essential[0]
        if item.options[item.answer_index] != muscle.name:
            offenders.append(f"{item.id}: the keyed answer is not {muscle.name!r}")
        for n, option in enumerate(item.options):
            if n == item.answer_index:
                continue
            others = by_name.get(option)
            if not others:
                offenders.append(f"{item.id}: distractor {option!r} is not an atlas muscle")
            offenders += [
                f"{item.id}: distractor {o.name!r} ({o.id}) also refers to {region}"
                for o in others or () if region in o.referral.all
            ]
    assert checked, "no tp.<muscle>.which-muscle items were generated"
    assert_none(offenders, "generated distractor(s) that are also correct")


# 8 ---------------------------------------------------------------- the targets

def test_bank_meets_the_size_targets(real_bank: QuestionBank) -> None:
    hand = handwritten(real_bank)
    counts = {
        "atlas muscles": (len(real_bank.muscles), MIN_MUSCLES),
        "hand-written items": (len(hand), MIN_HANDWRITTEN),
        "topics of hand-written items": (len({i.topic for i in hand}), MIN_HANDWRITTEN_TOPICS),
        "vignettes": (sum(1 for i in real_bank.items if i.vignette), MIN_VIGNETTES),
    }
    short = [f"{name}: {have} < {need}" for name, (have, need) in counts.items() if have < need]
    assert_none(short, "target(s) missed")


def test_handwritten_items_use_every_type_and_difficulty(real_bank: QuestionBank) -> None:
    hand = handwritten(real_bank)
    missing_types = sorted(set(ITEM_TYPES) - {i.type for i in hand})
    missing_levels = sorted(set(DIFFICULTIES) - {i.difficulty for i in hand})
    assert_none([f"type {t}" for t in missing_types] + [f"difficulty {d}" for d in missing_levels],
                "item type(s)/difficulty level(s) unused by hand-written items")


# 9 ---------------------------------------------------------------- trainer validate --json

def test_validate_json_reports_the_bank(real_bank: QuestionBank, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_main(["validate", "--json", str(QUIZZES)])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["ok"] is True
    assert [k for k in SUMMARY_KEYS if k not in out] == []
    items = real_bank.items
    expected = {
        "total": len(items),
        "by_topic": dict(Counter(i.topic for i in items)),
        "by_type": dict(Counter(i.type for i in items)),
        "muscles": len(real_bank.muscles),
        "handwritten": sum(1 for i in items if not i.generated),
        "generated": sum(1 for i in items if i.generated),
        "vignettes": sum(1 for i in items if i.vignette),
        "flashcards": sum(1 for i in items if isinstance(i, Flashcard)),
    }
    wrong = {k: (out[k], v) for k, v in expected.items() if out[k] != v}
    assert wrong == {}, "printed vs counted"
    assert out["handwritten"] + out["generated"] == out["total"]


# 10 --------------------------------------------------------------- explanations teach

def test_handwritten_explanations_teach(real_bank: QuestionBank) -> None:
    offenders = [
        f"{i.id}: {len(i.explanation.split())} words"
        for i in handwritten(real_bank) if len(i.explanation.split()) < MIN_EXPLANATION_WORDS
    ]
    assert_none(offenders, f"hand-written explanation(s) under {MIN_EXPLANATION_WORDS} words")


# 11 --------------------------------------------------------------- body-map items

def test_region_answers_use_the_vocabulary(real_bank: QuestionBank) -> None:
    offenders = []
    for item in real_bank.items:
        if isinstance(item, Hotspot | Flashcard) and item.regions is not None:
            offenders += [
                f"{item.id}: {r}" for r in [*item.regions.essential, *item.regions.spillover]
                if r not in real_bank.regions
            ]
    assert_none(offenders, "region answer(s) not in the vocabulary")


def test_handwritten_hotspots_have_an_essential_region(real_bank: QuestionBank) -> None:
    hotspots = [i for i in handwritten(real_bank) if isinstance(i, Hotspot)]
    assert hotspots, "no hand-written hotspot items"
    offenders = [i.id for i in hotspots if not i.regions.essential]
    assert_none(offenders, "hand-written hotspot(s) without an essential region")


def test_muscle_concepts_name_atlas_muscles(real_bank: QuestionBank) -> None:
    """`concept: muscle:<id>` links an item to an atlas card; the muscle must exist."""
    offenders = [
        f"{i.id}: {i.concept}" for i in real_bank.items
        if i.concept and i.concept.startswith("muscle:")
        and i.concept.removeprefix("muscle:") not in real_bank.muscles
    ]
    assert_none(offenders, "concept link(s) to a missing muscle")
