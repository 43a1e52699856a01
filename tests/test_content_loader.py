"""The loader accepts a valid bank and names file, item and field for every kind of mistake."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from trainer.cli import main as cli_main
from trainer.content import ContentInvalid, load_bank
from trainer.settings import PROJECT_ROOT

GOOD_ITEM = """
  - id: palp.pincer
    type: single_choice
    difficulty: easy
    tags: [pincer]
    prompt: Which palpation grasps the muscle between thumb and fingers?
    options: [Flat palpation, Pincer palpation, Snapping palpation, Skin rolling]
    answer: B
    explanation: Pincer palpation lifts the belly; flat palpation presses it against bone.
    source: Simons, Travell & Simons, Vol. 1, 1999.
"""


def make_bank(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "quizzes"
    (root / "body").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "quizzes" / "body" / "regions.yaml", root / "body" / "regions.yaml")
    for name, body in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body), encoding="utf-8")
    return root


def topic_file(items: str, topic: str = "palpation") -> str:
    return f"topic: {topic}\ntitle: Palpation\nitems:\n{items}"


def errors_of(root: Path) -> list[str]:
    with pytest.raises(ContentInvalid) as info:
        load_bank(root)
    return [str(e) for e in info.value.errors]


def test_valid_bank_is_indexed_by_id_topic_and_tag(tmp_path: Path) -> None:
    bank = load_bank(make_bank(tmp_path, {"palpation.yaml": topic_file(GOOD_ITEM)}))
    item = bank.by_id["palp.pincer"]
    assert item.topic == "palpation"
    assert bank.by_topic["palpation"] == (item,)
    assert bank.by_tag["pincer"] == (item,)
    assert bank.topic_title("palpation") == "Palpation"
    assert bank.summary()["by_type"] == {"single_choice": 1}


def test_wrong_answer_key_names_file_item_and_field(tmp_path: Path) -> None:
    root = make_bank(tmp_path, {"palpation.yaml": topic_file(GOOD_ITEM.replace("answer: B", "answer: E"))})
    assert errors_of(root) == [
        "quizzes/palpation.yaml: item 'palp.pincer' field 'answer': 'E' is not one of the options A-D"
    ]


def test_duplicate_id_across_files_is_an_error(tmp_path: Path) -> None:
    root = make_bank(tmp_path, {
        "a.yaml": topic_file(GOOD_ITEM, "alpha"), "b.yaml": topic_file(GOOD_ITEM, "beta")})
    assert errors_of(root) == [
        "quizzes/b.yaml: item 'palp.pincer' field 'id': duplicate id (first defined in quizzes/a.yaml)"
    ]


def test_missing_explanation_is_named(tmp_path: Path) -> None:
    item = "\n".join(line for line in GOOD_ITEM.splitlines() if "explanation" not in line)
    errors = errors_of(make_bank(tmp_path, {"palpation.yaml": topic_file(item)}))
    assert errors == ["quizzes/palpation.yaml: item 'palp.pincer' field 'explanation': is required"]


def test_item_without_id_is_named_by_position(tmp_path: Path) -> None:
    item = "  - type: true_false\n    statement: x\n    answer: true\n    explanation: e\n    source: s\n"
    errors = errors_of(make_bank(tmp_path, {"palpation.yaml": topic_file(GOOD_ITEM + item)}))
    assert errors == ["quizzes/palpation.yaml: item #2 field 'id': is required"]


@pytest.mark.parametrize(
    ("item", "field", "message"),
    [
        ("  - id: x.hot\n    type: hotspot\n    prompt: p\n    regions: {essential: [templ]}\n",
         "regions.essential", "unknown body region(s) 'templ'"),
        ("  - id: x.ms\n    type: multiple_select\n    prompt: p\n    options: [a, b]\n"
         "    answers: [A, B]\n", "answers", "every option is correct"),
        ("  - id: x.opt\n    type: single_choice\n    prompt: p\n    options: [a, A]\n    answer: A\n",
         "options", "option 'A' is repeated"),
        ("  - id: x.typ\n    type: essay\n    prompt: p\n", "type", "unknown or missing type"),
        ("  - id: x.m\n    type: matching\n    prompt: p\n    pairs: [{left: a, right: b}]\n",
         "pairs", "at least 3"),
        ("  - id: x.sa\n    type: short_answer\n    prompt: p\n    accepted: [LTR, ' ltr ']\n",
         "accepted", "the same once case and spacing are ignored"),
        ("  - id: x.tf\n    type: true_false\n    statment: p\n    answer: true\n",
         "statment", "not a known field"),
    ],
)
def test_each_kind_of_item_error_is_reported(tmp_path: Path, item: str, field: str, message: str) -> None:
    item += "    explanation: e\n    source: s\n"
    errors = errors_of(make_bank(tmp_path, {"t.yaml": topic_file(item)}))
    assert any(f"field '{field}'" in e and message in e for e in errors), errors
    assert all(e.startswith("quizzes/t.yaml: item 'x.") for e in errors), errors


def test_broken_yaml_names_file_and_line(tmp_path: Path) -> None:
    errors = errors_of(make_bank(tmp_path, {"t.yaml": "topic: t\ntitle: T\nitems:\n  - id: [unclosed\n"}))
    assert len(errors) == 1 and errors[0].startswith("quizzes/t.yaml: not valid YAML (line")


def test_all_errors_are_collected_in_one_pass(tmp_path: Path) -> None:
    bad = GOOD_ITEM.replace("answer: B", "answer: Z")
    root = make_bank(tmp_path, {"a.yaml": topic_file(bad, "alpha"),
                                "b.yaml": topic_file(bad.replace("palp.pincer", "palp.other"), "beta")})
    assert len(errors_of(root)) == 2


def test_atlas_entry_generates_items_linked_to_the_muscle(tmp_path: Path) -> None:
    shutil.copytree(PROJECT_ROOT / "quizzes" / "atlas", tmp_path / "src-atlas")
    root = make_bank(tmp_path, {})
    shutil.copytree(tmp_path / "src-atlas", root / "atlas")
    bank = load_bank(root)
    assert bank.muscles, "the shipped atlas has muscles"
    muscle = next(iter(bank.muscles.values()))
    hotspot = bank.by_id[f"tp.{muscle.id}.referral-map"]
    assert hotspot.regions.essential == muscle.referral.essential
    assert all(i.concept == f"muscle:{muscle.id}" for i in bank.items if muscle.id in i.tags)
    # deterministic: loading twice yields identical items
    assert load_bank(root).items == bank.items


def test_cli_validate_exit_codes_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = make_bank(tmp_path / "g", {"palpation.yaml": topic_file(GOOD_ITEM)})
    assert cli_main(["validate", "--json", str(good)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["total"] == 1 and summary["by_topic"] == {"palpation": 1}
    assert set(summary) >= {"total", "by_topic", "by_type", "muscles", "handwritten", "generated",
                            "vignettes", "flashcards"}
    wrong_key = GOOD_ITEM.replace("answer: B", "answer: E")
    bad = make_bank(tmp_path / "b", {"palpation.yaml": topic_file(wrong_key)})
    assert cli_main(["validate", str(bad)]) == 1
    assert "item 'palp.pincer' field 'answer'" in capsys.readouterr().err


def test_duplicate_muscle_across_atlas_files_is_an_error(tmp_path: Path) -> None:
    entry = (PROJECT_ROOT / "quizzes" / "atlas" / "neck.yaml").read_text(encoding="utf-8")
    root = make_bank(tmp_path, {"atlas/a.yaml": entry, "atlas/b.yaml": entry})
    errors = errors_of(root)
    assert errors and all(e.startswith("quizzes/atlas/b.yaml: item '") for e in errors)
    assert all("field 'id': duplicate muscle id (first defined in quizzes/atlas/a.yaml)" in e
               for e in errors)
