"""Scoring of every item type, including the partial-credit rules the UI states."""

from __future__ import annotations

import pytest

from trainer.services.scoring import AnswerInvalid, correct_answer, score_answer, score_regions


def test_single_choice(mini_bank) -> None:
    item = mini_bank.by_id["mini.single"]
    assert score_answer(item, 1).correct and score_answer(item, 1).score == 1.0
    assert score_answer(item, 0).score == 0.0
    with pytest.raises(AnswerInvalid):
        score_answer(item, 4)
    with pytest.raises(AnswerInvalid):
        score_answer(item, True)


def test_multiple_select_partial_credit(mini_bank) -> None:
    item = mini_bank.by_id["mini.multi"]  # right: 0, 1, 3
    assert score_answer(item, [0, 1, 3]).correct
    two_right = score_answer(item, [0, 1])
    assert not two_right.correct and two_right.score == pytest.approx(2 / 3)
    one_wrong = score_answer(item, [0, 1, 2])
    assert one_wrong.score == pytest.approx(1 / 3) and not one_wrong.correct
    assert score_answer(item, [2]).score == 0.0  # never negative
    assert score_answer(item, []).score == 0.0


def test_true_false(mini_bank) -> None:
    item = mini_bank.by_id["mini.tf"]
    assert score_answer(item, False).correct
    assert not score_answer(item, True).correct
    with pytest.raises(AnswerInvalid):
        score_answer(item, "false")


def test_matching_scores_share_of_pairs(mini_bank) -> None:
    item = mini_bank.by_id["mini.match"]
    key = correct_answer(item)
    assert score_answer(item, key).correct
    swapped = {**key, "Upper trapezius": "Heel", "Soleus": "Temple"}
    result = score_answer(item, swapped)
    assert not result.correct and result.score == pytest.approx(1 / 3)


def test_ordering_scores_steps_in_place(mini_bank) -> None:
    item = mini_bank.by_id["mini.order"]
    steps = list(item.steps)
    assert score_answer(item, steps).correct
    assert score_answer(item, [steps[1], steps[0], steps[2]]).score == pytest.approx(1 / 3)
    with pytest.raises(AnswerInvalid):
        score_answer(item, steps[:2])


def test_short_answer_ignores_case_and_spacing(mini_bank) -> None:
    item = mini_bank.by_id["mini.short"]
    assert score_answer(item, "  Local   Twitch RESPONSE ").correct
    assert score_answer(item, "ltr").correct
    assert not score_answer(item, "jump sign").correct


def test_hotspot_weighted_overlap(mini_bank) -> None:
    item = mini_bank.by_id["mini.hotspot"]  # essential heel; spill-over calf, sacroiliac
    assert score_answer(item, ["heel"]).correct
    # all of the zone: full marks
    assert score_answer(item, ["heel", "calf", "sacroiliac"]).score == pytest.approx(1.0)
    # essential only: 1 / (1 + 0.5 + 0.5)
    assert score_answer(item, ["heel"]).score == pytest.approx(0.5)
    # spill-over only: not correct, partial
    calf = score_answer(item, ["calf"])
    assert not calf.correct and calf.score == pytest.approx(0.25)
    # a wrong region costs a full weight and makes it incorrect
    wrong = score_answer(item, ["heel", "temple"])
    assert not wrong.correct and wrong.score == pytest.approx(1 / 3)
    assert score_answer(item, []).score == 0.0


def test_region_scoring_rejects_non_lists() -> None:
    with pytest.raises(AnswerInvalid):
        score_regions("heel", ["heel"])


def test_flashcard_self_grade(mini_bank) -> None:
    item = mini_bank.by_id["mini.card"]
    assert score_answer(item, True).correct
    assert score_answer(item, False).score == 0.0
