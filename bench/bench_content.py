"""Benchmark: load and validate a synthetic bank of 5,000 items (plus the real bank).

Prints the figures; the last line is one JSON object (times in *_ms keys). Not a timed test:
run it by hand or in CI's log to see how content loading scales.

    python bench/bench_content.py [--items 5000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from trainer.content import load_bank  # noqa: E402

TYPES = ("single_choice", "multiple_select", "true_false", "matching", "ordering",
         "short_answer", "hotspot", "flashcard")


def synthetic_item(n: int) -> dict:
    kind = TYPES[n % len(TYPES)]
    base = {"id": f"bench.item-{n}", "type": kind, "difficulty": ("easy", "medium", "hard")[n % 3],
            "tags": [f"tag-{n % 17}"], "explanation": f"Explanation {n}.", "source": "Bench."}
    options = [f"Option {n}-{k}" for k in range(4)]
    extra = {
        "single_choice": {"prompt": f"Q{n}?", "options": options, "answer": "ABCD"[n % 4]},
        "multiple_select": {"prompt": f"Q{n}?", "options": options, "answers": ["A", "C"]},
        "true_false": {"statement": f"S{n}.", "answer": n % 2 == 0},
        "matching": {"prompt": f"M{n}", "pairs": [{"left": f"L{n}-{k}", "right": f"R{n}-{k}"}
                                                  for k in range(4)]},
        "ordering": {"prompt": f"O{n}", "steps": [f"Step {n}-{k}" for k in range(4)]},
        "short_answer": {"prompt": f"S{n}?", "accepted": [f"answer {n}", f"ans {n}"]},
        "hotspot": {"prompt": f"H{n}?", "regions": {"essential": ["temple"],
                                                    "spillover": ["occiput"]}},
        "flashcard": {"front": f"F{n}", "back": f"B{n}"},
    }[kind]
    return {**base, **extra}


def build(root: Path, items: int) -> None:
    (root / "body").mkdir(parents=True)
    shutil.copy(ROOT / "quizzes" / "body" / "regions.yaml", root / "body" / "regions.yaml")
    per_file = 500
    for f in range(0, items, per_file):
        doc = {"topic": f"bench-{f // per_file}", "title": f"Bench {f // per_file}",
               "items": [synthetic_item(n) for n in range(f, min(items, f + per_file))]}
        (root / f"bench-{f // per_file}.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "quizzes"
        build(root, args.items)
        synthetic_ms, bank = timed(lambda: load_bank(root), args.repeat)
    real_ms, real = timed(lambda: load_bank(ROOT / "quizzes"), args.repeat)
    figures = {
        "synthetic_items": len(bank),
        "synthetic_load_ms": round(synthetic_ms, 1),
        "synthetic_per_item_ms": round(synthetic_ms / len(bank), 4),
        "real_items": len(real),
        "real_load_ms": round(real_ms, 1),
    }
    print(f"synthetic bank: {figures['synthetic_items']} items loaded and validated in "
          f"{figures['synthetic_load_ms']} ms (median of {args.repeat})")
    print(f"real bank: {figures['real_items']} items in {figures['real_load_ms']} ms")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
