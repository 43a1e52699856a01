"""Benchmark: the cohort dashboard on a big cohort, on SQLite and on PostgreSQL.

Builds a cohort of 300 learners with 300,000 quiz responses (6 assignments and about 40
practice quizzes each, spread over ten weeks) and 100,000 flashcard reviews on a fresh database
of each kind (a temporary SQLite file; a new PostgreSQL database like tests/conftest.py makes,
dropped afterwards), bulk-inserted (executemany on SQLite, COPY on PostgreSQL). Then times:

- a bare aggregate scan, ``SELECT item_id, avg(score) FROM responses GROUP BY item_id``;
- each query function the dashboard calls (trainer.services.analytics);
- the whole dashboard page rendered server-side by Streamlit's AppTest (the real app.py and
  pages/dashboard.py, signed in as the cohort's instructor), warm, median of several runs.

Prints the figures; the last line is one JSON object with ``page_sqlite_ms``,
``page_postgres_ms``, ``ratio_sqlite`` and ``ratio_postgres`` (page time ÷ bare scan time) and
the per-query times. Aim: page under 1 s on both, under 5x the bare scan.

    .venv/bin/python bench/bench_dashboard.py [--learners 300] [--responses 300000]
        [--reviews 100000] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import Engine, make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from trainer.content import QuestionBank, load_bank  # noqa: E402
from trainer.db import migrate  # noqa: E402
from trainer.db.engine import make_engine, session_scope  # noqa: E402
from trainer.db.models import (  # noqa: E402
    Assignment,
    Attempt,
    Cohort,
    CohortMember,
    Response,
    ReviewCard,
    ReviewLog,
    User,
    utcnow,
)
from trainer.services import analytics  # noqa: E402
from trainer.services.auth import hash_password, start_session  # noqa: E402
from trainer.services.scoring import correct_answer, score_answer  # noqa: E402

PG_ADMIN_URL = os.environ.get(
    "TRAINER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ASSIGNMENTS = 6
ASSIGNMENT_ITEMS = 20
QUIZ_ITEMS = 25
DAYS = 70


# --- data ------------------------------------------------------------------------------------

def wrong_answer(item: Any, rng: random.Random) -> Any:
    """A plausible wrong answer of the right shape (so exports and distractors are real)."""
    key = correct_answer(item)
    match item.type:
        case "single_choice":
            return rng.choice([i for i in range(len(item.options)) if i != key])
        case "multiple_select":
            return sorted({*key[:-1], rng.randrange(len(item.options))})
        case "true_false":
            return not key
        case "matching":
            rights = [p.right for p in item.pairs]
            rng.shuffle(rights)
            return {p.left: r for p, r in zip(item.pairs, rights, strict=True)}
        case "ordering":
            steps = list(item.steps)
            steps[0], steps[1] = steps[1], steps[0]
            return steps
        case "short_answer":
            return "not sure"
        case "hotspot":
            return [rng.choice(sorted(item.regions.essential))]
    return False


def generate(bank: QuestionBank, learners: int, responses: int, reviews: int, seed: int = 7
             ) -> dict[str, list[dict[str, Any]]]:
    """Rows for every table, with ids assigned here so bulk inserts need no round trips."""
    rng = random.Random(seed)
    now = utcnow()
    start = now - timedelta(days=DAYS)
    questions = [i for i in bank.items if i.type != "flashcard"]
    cards = [i for i in bank.items if i.type == "flashcard"]
    pw = hash_password("bench-password-1")
    answers_cache: dict[tuple[str, bool], tuple[Any, float]] = {}

    def answer_for(item: Any, right: bool) -> tuple[Any, bool, float]:
        if right:
            key = (item.id, True)
            if key not in answers_cache:
                ans = correct_answer(item)
                answers_cache[key] = (ans, score_answer(item, ans).score)
            ans, score = answers_cache[key]
            return ans, True, score
        ans = wrong_answer(item, rng)
        scored = score_answer(item, ans)
        return ans, scored.correct, scored.score

    users = [dict(id=1, username="bench-instructor", display_name="Bench Instructor",
                  password_hash=pw, role="instructor", created_at=start, failed_logins=0)]
    users += [dict(id=i + 2, username=f"learner{i:04d}", display_name=f"Learner {i:04d}",
                   password_hash=pw, role="learner", created_at=start, failed_logins=0)
              for i in range(learners)]
    cohort = [dict(id=1, name="Bench cohort", term="2026", join_code="BENCHBNC", created_by=1,
                   created_at=start)]
    members = [dict(cohort_id=1, user_id=1, role="instructor", joined_at=start)]
    members += [dict(cohort_id=1, user_id=u["id"], role="learner", joined_at=start)
                for u in users[1:]]
    tasks = []
    for n in range(ASSIGNMENTS):
        items = [q.id for q in rng.sample(questions, ASSIGNMENT_ITEMS)]
        tasks.append(dict(id=n + 1, cohort_id=1, title=f"Assignment {n + 1}",
                          spec={"item_ids": items, "count": len(items), "topics": [],
                                "tags": [], "difficulties": [], "minutes": None},
                          mode="practice", due_at=start + timedelta(days=10 * (n + 1)),
                          attempts_allowed=2, pass_mark=0.7, created_by=1, created_at=start))
    ability = {u["id"]: rng.uniform(0.35, 0.95) for u in users[1:]}
    difficulty = {q.id: rng.uniform(-0.25, 0.25) for q in questions}
    per_learner = responses // learners
    attempts: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for u in users[1:]:
        uid, made = u["id"], 0
        plans: list[tuple[int | None, list[str]]] = [
            (t["id"], t["spec"]["item_ids"]) for t in tasks if rng.random() < 0.9]
        while made + sum(len(p[1]) for p in plans) < per_learner:
            plans.append((None, [q.id for q in rng.sample(questions, QUIZ_ITEMS)]))
        for assignment_id, item_ids in plans:
            room = per_learner - made
            if room <= 0:
                break
            item_ids = item_ids[:room]
            when = start + timedelta(seconds=rng.uniform(0, DAYS * 86400 - 7200))
            attempt_id = len(attempts) + 1
            total = 0.0
            for k, item_id in enumerate(item_ids):
                item = bank.by_id[item_id]
                p = min(0.98, max(0.02, ability[uid] - difficulty[item_id]))
                ans, ok, score = answer_for(item, rng.random() < p)
                total += score
                rows.append(dict(id=len(rows) + 1, attempt_id=attempt_id, user_id=uid,
                                 item_id=item_id, content_hash=item.content_hash,
                                 topic=item.topic, answer=ans, correct=ok, score=score,
                                 time_ms=rng.randint(4000, 60000),
                                 answered_at=when + timedelta(seconds=40 * k)))
            made += len(item_ids)
            attempts.append(dict(
                id=attempt_id, user_id=uid, mode="practice", status="submitted",
                title=f"Assignment {assignment_id}" if assignment_id else "Practice",
                item_ids=item_ids, settings={}, flagged=[], position=len(item_ids) - 1,
                started_at=when, finished_at=when + timedelta(seconds=40 * len(item_ids)),
                score=total, max_score=float(len(item_ids)), assignment_id=assignment_id))
    review_cards: list[dict[str, Any]] = []
    logs: list[dict[str, Any]] = []
    per_user_reviews = reviews // learners
    for u in users[1:]:
        uid = u["id"]
        deck = rng.sample(cards, min(len(cards), max(1, per_user_reviews // 5)))
        for n in range(per_user_reviews):
            card = deck[n % len(deck)]
            when = start + timedelta(seconds=rng.uniform(0, DAYS * 86400))
            logs.append(dict(id=len(logs) + 1, user_id=uid, card_id=card.id,
                             rating=rng.choice((1, 3, 3, 3, 4)), reviewed_at=when,
                             duration_ms=rng.randint(2000, 20000), source="review",
                             was_new=n < len(deck), log={}))
        for card in deck:
            last = now - timedelta(days=rng.uniform(0, 30))
            stability = rng.uniform(0.5, 60)
            review_cards.append(dict(
                id=len(review_cards) + 1, user_id=uid, card_id=card.id, topic=card.topic,
                card={"stability": stability}, due=last + timedelta(days=stability), state=2,
                stability=stability, difficulty=rng.uniform(1, 9), last_review=last, reps=5,
                lapses=rng.randint(0, 2), version=5, created_at=start))
    return {"users": users, "cohorts": cohort, "cohort_members": members, "assignments": tasks,
            "attempts": attempts, "responses": rows, "review_cards": review_cards,
            "review_logs": logs}


TABLES = {"users": User, "cohorts": Cohort, "cohort_members": CohortMember,
          "assignments": Assignment, "attempts": Attempt, "responses": Response,
          "review_cards": ReviewCard, "review_logs": ReviewLog}


def load(engine: Engine, data: dict[str, list[dict[str, Any]]]) -> None:
    """Bulk insert: executemany on SQLite, COPY on PostgreSQL (then ANALYZE / VACUUM)."""
    if engine.dialect.name == "postgresql":
        _copy_postgres(engine, data)
        return
    with engine.begin() as conn:
        for name, model in TABLES.items():
            rows = data[name]
            for i in range(0, len(rows), 20_000):
                conn.execute(insert(model.__table__), rows[i:i + 20_000])  # type: ignore[attr-defined]
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")


def _copy_value(value: Any, column: Any) -> Any:
    if value is None:
        return None
    if column.type.__class__.__name__ == "JSON":
        return json.dumps(value)
    return value


def _copy_postgres(engine: Engine, data: dict[str, list[dict[str, Any]]]) -> None:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for name, model in TABLES.items():
            table = model.__table__  # type: ignore[attr-defined]
            columns = [c for c in table.columns if c.name in data[name][0]]
            names = ", ".join(f'"{c.name}"' for c in columns)
            with cur.copy(f'COPY "{name}" ({names}) FROM STDIN') as copy:  # type: ignore[attr-defined]
                for row in data[name]:
                    copy.write_row([_copy_value(row.get(c.name), c) for c in columns])
            if "id" in table.columns and name != "cohort_members":
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                            f"(SELECT max(id) FROM \"{name}\"))")
        raw.commit()
    finally:
        raw.close()
    auto = engine.execution_options(isolation_level="AUTOCOMMIT")
    with auto.connect() as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")


# --- timing ------------------------------------------------------------------------------------

def median_ms(fn: Callable[[], Any], runs: int = 5, warm: int = 1) -> float:
    for _ in range(warm):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def bare_scan_ms(engine: Engine) -> float:
    def scan() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT item_id, avg(score) FROM responses GROUP BY item_id")).all()
    return median_ms(scan, runs=7)


def query_times(engine: Engine, bank: QuestionBank) -> dict[str, float]:
    """Each dashboard query function, warm (median of 5), as the instructor (user 1)."""
    now = utcnow()

    def call(fn: Callable[..., Any], **kw: Any) -> Callable[[], Any]:
        def run() -> Any:
            with session_scope(engine) as s:
                return fn(session=s, bank=bank, user_id=1, cohort_id=1, **kw)
        return run

    with session_scope(engine) as s:
        totals = analytics.overview(session=s, bank=bank, user_id=1, cohort_id=1).unit_totals
        items = analytics.item_analysis(session=s, bank=bank, user_id=1, cohort_id=1,
                                        unit_totals=totals)
    return {
        "overview_ms": median_ms(call(analytics.overview, now=now)),
        "item_analysis_ms": median_ms(call(analytics.item_analysis, unit_totals=totals)),
        "item_analysis_alone_ms": median_ms(call(analytics.item_analysis)),
        "item_analysis_assignment_ms": median_ms(call(analytics.item_analysis, assignment_id=3)),
        "region_knowledge_ms": median_ms(call(analytics.region_knowledge, items=items, now=now)),
        "learner_detail_ms": median_ms(call(analytics.learner_detail, learner_id=2, now=now)),
    }


def page_ms(db_url: str, engine: Engine, runs: int = 5) -> float:
    """The dashboard page, rendered server-side by AppTest (warm), median of ``runs``."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    import trainer.ui.session as ui_session
    from trainer.settings import get_settings

    with session_scope(engine) as s:
        token = start_session(session=s, user_id=1, ttl_seconds=3600)
    os.environ["DATABASE_URL"] = db_url
    os.environ["CONTENT_DIR"] = str(ROOT / "quizzes")
    get_settings.cache_clear()
    st.cache_resource.clear()
    original = ui_session.read_session_token
    ui_session.read_session_token = lambda: token  # AppTest has no cookies
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
        at.switch_page(str(ROOT / "pages" / "dashboard.py"))
        at.query_params["cohort"] = "1"
        at.run()
        if at.exception:
            raise RuntimeError(f"the dashboard failed: {at.exception}")
        if not at.dataframe:
            raise RuntimeError("the dashboard rendered no roster")
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            at.run()
            times.append((time.perf_counter() - t0) * 1000)
        return statistics.median(times)
    finally:
        ui_session.read_session_token = original
        st.cache_resource.clear()
        get_settings.cache_clear()


@contextmanager
def postgres_database() -> Iterator[str]:
    name = f"trainer_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench(label: str, db_url: str, bank: QuestionBank, data: dict[str, list[dict[str, Any]]],
          with_page: bool = True) -> dict[str, float]:
    migrate.upgrade(db_url)
    engine = make_engine(db_url)
    try:
        t0 = time.perf_counter()
        load(engine, data)
        load_s = time.perf_counter() - t0
        with engine.connect() as conn:
            n = conn.execute(select(Response.id).order_by(Response.id.desc()).limit(1)).scalar()
        print(f"[{label}] loaded {n:,} responses, {len(data['review_logs']):,} reviews in "
              f"{load_s:.1f} s")
        scan = bare_scan_ms(engine)
        queries = query_times(engine, bank)
        page = page_ms(db_url, engine) if with_page else float("nan")
    finally:
        engine.dispose()
    print(f"[{label}] bare scan {scan:.1f} ms")
    for key, value in queries.items():
        print(f"[{label}] {key.removesuffix('_ms'):<30} {value:8.1f} ms")
    print(f"[{label}] whole page (AppTest)          {page:8.1f} ms  = {page / scan:.1f}x bare scan")
    return {"scan_ms": scan, "page_ms": page, "ratio": page / scan,
            **{k: v for k, v in queries.items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=300)
    parser.add_argument("--responses", type=int, default=300_000)
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--queries-only", action="store_true", help="do not render the page")
    args = parser.parse_args(argv)

    bank = load_bank(ROOT / "quizzes")
    t0 = time.perf_counter()
    data = generate(bank, args.learners, args.responses, args.reviews)
    print(f"generated {len(data['responses']):,} responses in {len(data['attempts']):,} attempts, "
          f"{len(data['review_logs']):,} reviews of {len(data['review_cards']):,} cards "
          f"for {args.learners} learners in {time.perf_counter() - t0:.1f} s")
    result: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = bench("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", bank, data,
                       not args.queries_only)
    result.update({f"{k.removesuffix('_ms')}_sqlite_ms" if k.endswith("_ms") else
                   f"{k}_sqlite": v for k, v in sqlite.items()})
    if not args.skip_postgres:
        with postgres_database() as url:
            pg = bench("postgres", url, bank, data, not args.queries_only)
        result.update({f"{k.removesuffix('_ms')}_postgres_ms" if k.endswith("_ms") else
                       f"{k}_postgres": v for k, v in pg.items()})
    print(json.dumps({k: round(v, 2) for k, v in result.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
