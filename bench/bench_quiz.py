"""Benchmark: server-side time of one quiz interaction against an empty Streamlit rerun.

Both are measured the same way, with Streamlit's in-process AppTest harness: an interaction is
one rerun of the real app (app.py → quiz page) that either stores an answer and renders its
feedback, or moves on and renders the next question; the baseline is a rerun of an empty
script. Runs against a temporary SQLite database (or DATABASE_URL if set) and the real bank.
Last line: one JSON object with interaction_ms, empty_rerun_ms and ratio.

    python bench/bench_quiz.py [--questions 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=20)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.db")
    os.environ.setdefault("CONTENT_DIR", str(ROOT / "quizzes"))

    from streamlit.testing.v1 import AppTest

    import trainer.ui.session as ui_session
    from trainer.content import load_bank
    from trainer.db import migrate
    from trainer.db.engine import make_engine, session_scope
    from trainer.services.attempts import QuizSpec, start_attempt
    from trainer.services.auth import create_user, start_session
    from trainer.settings import get_settings
    from trainer.ui.quiz_state import ACTIVE

    url = get_settings().database_url
    migrate.upgrade(url)
    engine = make_engine(url)
    with session_scope(engine) as s:
        user = create_user(session=s, username=f"bench-{os.getpid()}", password="bench-password")
        token = start_session(session=s, user_id=user.id, ttl_seconds=3600)
    ui_session.read_session_token = lambda: token  # AppTest has no cookies

    bank = load_bank(get_settings().content_dir)
    # single-choice questions keep the widget handling uniform across the run
    singles = [i.id for i in bank.items if i.type == "single_choice"][: args.questions]
    with session_scope(engine) as s:
        attempt = start_attempt(session=s, bank=bank, user_id=user.id,
                                spec=QuizSpec(item_ids=tuple(singles)))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[ACTIVE] = attempt.id  # this tab runs the attempt (no resume prompt)
    at.run()
    at.switch_page(str(ROOT / "pages/quiz.py")).run()
    assert not at.exception, at.exception

    select_ms: list[float] = []
    answer_ms: list[float] = []
    next_ms: list[float] = []
    for position, item_id in enumerate(attempt.item_ids):
        key = f"a{attempt.id}.{item_id}"
        start = time.perf_counter()
        at.radio(key=f"{key}.radio").set_value(0).run()  # choosing an option reruns the page
        select_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        at.button(key=f"{key}.check").click().run()
        answer_ms.append((time.perf_counter() - start) * 1000)
        assert not at.exception, at.exception
        if position < len(attempt.item_ids) - 1:
            start = time.perf_counter()
            at.button(key=f"{key}.next").click().run()
            next_ms.append((time.perf_counter() - start) * 1000)
            assert not at.exception, at.exception

    empty = AppTest.from_string("", default_timeout=60).run()
    empty_ms = []
    for _ in range(max(30, len(select_ms) + len(answer_ms) + len(next_ms))):
        start = time.perf_counter()
        empty.run()
        empty_ms.append((time.perf_counter() - start) * 1000)

    interaction = statistics.median(select_ms + answer_ms + next_ms)
    baseline = statistics.median(empty_ms)
    figures = {
        "answers_timed": len(answer_ms),
        "select_rerun_ms": round(statistics.median(select_ms), 1),
        "answer_rerun_ms": round(statistics.median(answer_ms), 1),
        "next_rerun_ms": round(statistics.median(next_ms), 1),
        "interaction_ms": round(interaction, 1),
        "empty_rerun_ms": round(baseline, 1),
        "ratio": round(interaction / baseline, 2),
        "database": url.split(":", 1)[0],
    }
    print(f"choose an option rerun:  {figures['select_rerun_ms']} ms")
    print(f"answer + feedback rerun: {figures['answer_rerun_ms']} ms (median of {len(answer_ms)})")
    print(f"next question rerun:     {figures['next_rerun_ms']} ms (median of {len(next_ms)})")
    print(f"empty script rerun:      {figures['empty_rerun_ms']} ms")
    print(f"ratio interaction / empty: {figures['ratio']}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
