"""Benchmark: the flashcard due queue for a learner with 5,000 cards and 100,000 review logs.

The learner's history is simulated with py-fsrs itself (20 reviews a card, ratings drawn
10% Again / 10% Hard / 70% Good / 10% Easy, each review at or after the card's due time),
then shifted so that it ends before today (UTC): the learner opens the app in the morning and
about 40% of the cards are due, many overdue, far beyond the daily review limit. A second
learner (the same 5,000 cards, 20,000 logs) shares the tables, so every query must really use
its user filter. The bank is synthetic: 5,200 flashcards in 10 topics (200 still new for the
learner). Statistics are refreshed (ANALYZE) after the bulk load, as autovacuum would.

Timed, each as a fresh session from the pool (what one Streamlit rerun does):
- ``due_queue``: ``review.build_queue`` for the "All due" deck (counts, limits, next card);
- ``deck_queue``: the same for one topic deck (520 cards);
- ``answer``: storing one rating (``review.answer_card``) and committing;
- ``progress``: mastery per topic + 14-day forecast + streak (the progress page's queries).

Runs on a temporary SQLite file and on a fresh PostgreSQL database created next to
TRAINER_TEST_PG_URL's (default postgresql+psycopg://postgres@127.0.0.1:5432/test) and dropped
afterwards. Last line: one JSON object (``*_ms`` are medians).

    python bench/bench_review.py [--cards 5000] [--logs 100000] [--runs 50]
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from fsrs import Card, Rating, Scheduler  # noqa: E402
from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from trainer.content import QuestionBank, Topic  # noqa: E402
from trainer.content.schema import ITEM_ADAPTER  # noqa: E402
from trainer.db import migrate  # noqa: E402
from trainer.db.engine import make_engine, session_scope  # noqa: E402
from trainer.db.models import ReviewCard, ReviewLog, User  # noqa: E402
from trainer.services import mastery, review  # noqa: E402

PG_ADMIN_URL = os.environ.get("TRAINER_TEST_PG_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TOPICS = 10
NEW_CARDS = 200
RATINGS = [Rating.Again] * 10 + [Rating.Hard] * 10 + [Rating.Good] * 70 + [Rating.Easy] * 10


def synthetic_bank(cards: int) -> QuestionBank:
    items = [ITEM_ADAPTER.validate_python({
        "id": f"bench.card{i:05d}", "type": "flashcard", "topic": f"topic{i % TOPICS}",
        "tags": [f"tag{i % 50}"], "front": f"Front {i}", "back": f"Back {i}",
        "explanation": f"Explanation {i}.", "source": "Synthetic."}) for i in range(cards)]
    topics = [Topic(f"topic{t}", f"Topic {t}", "", "bench") for t in range(TOPICS)]
    return QuestionBank.build(items=items, topics=topics, muscles=[], regions=(), canvas=None)


def simulate(card_ids: list[str], logs: int, now: datetime, rng: random.Random):
    """FSRS histories ending today: (card rows, log rows) without user ids."""
    scheduler = Scheduler()
    per_card = [logs // len(card_ids)] * len(card_ids)
    for i in range(logs - sum(per_card)):
        per_card[i] += 1
    start = datetime(2020, 1, 1, 8, tzinfo=UTC)
    today = review.day_start(now)
    cards, log_rows = [], []
    for card_id, reviews in zip(card_ids, per_card, strict=True):
        card = Card(card_id=review.fsrs_card_id(card_id), due=start)
        history = []
        when = start
        for n in range(reviews):
            when = max(card.due, when) + timedelta(minutes=rng.randint(0, 600))
            card, log = scheduler.review_card(card, rng.choice(RATINGS), review_datetime=when)
            history.append((log, n == 0))
        # The learner comes back this morning: the last review was before today (UTC), and a
        # card is due when the time since then reaches its interval (about a third are).
        interval = card.due - card.last_review
        elapsed = max(interval * rng.uniform(0.3, 1.3), now - today + timedelta(minutes=5))
        shift = (now - elapsed) - card.last_review
        card.due += shift
        card.last_review += shift
        cards.append({"card_id": card_id, "topic": "", "card": card.to_dict(), "due": card.due,
                      "state": int(card.state), "stability": card.stability,
                      "difficulty": card.difficulty, "last_review": card.last_review,
                      "reps": reviews, "lapses": 0, "version": reviews, "created_at": start + shift})
        for log, was_new in history:
            log.review_datetime += shift
            log_rows.append({"card_id": card_id, "rating": int(log.rating),
                             "reviewed_at": log.review_datetime, "source": "review",
                             "was_new": was_new, "log": log.to_dict()})
    return cards, log_rows


def load(engine, bank, cards, logs, users: list[tuple[str, int]]) -> list[int]:
    """Insert the learners; the first gets every log, the others the first ``n`` logs."""
    ids = []
    with engine.begin() as conn:
        for name, _ in users:
            ids.append(conn.execute(insert(User).values(
                username=name, display_name=name, password_hash="-", role="learner",
                created_at=datetime.now(UTC), failed_logins=0).returning(User.id)).scalar_one())
    for user_id, (_, n_logs) in zip(ids, users, strict=True):
        with engine.begin() as conn:
            for chunk in range(0, len(cards), 2000):
                conn.execute(insert(ReviewCard), [
                    {**c, "user_id": user_id, "topic": bank.by_id[c["card_id"]].topic}
                    for c in cards[chunk:chunk + 2000]])
            for chunk in range(0, n_logs, 5000):
                conn.execute(insert(ReviewLog), [{**lg, "user_id": user_id}
                                                  for lg in logs[chunk:min(n_logs, chunk + 5000)]])
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    return ids


def timed(fn, runs: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def run_backend(name: str, url: str, bank, cards, logs, runs: int) -> dict[str, float]:
    migrate.upgrade(url)
    engine = make_engine(url)
    load_start = time.perf_counter()
    user_id, _other = load(engine, bank, cards, logs,
                           [(f"bench-{name}", len(logs)), (f"other-{name}", len(logs) // 5)])
    print(f"[{name}] loaded {len(cards)} cards and {len(logs)} logs for the learner "
          f"(+ a second learner) in {time.perf_counter() - load_start:.1f} s")
    topic_deck = "topic:topic3"

    def queue(deck: str = review.ALL_DECK) -> review.DueQueue:
        with session_scope(engine) as s:
            return review.build_queue(session=s, bank=bank, user_id=user_id, deck_id=deck)

    q = queue()
    print(f"[{name}] All due: {q.review} to review (limit {q.settings.max_reviews_per_day}; "
          f"{q.review_backlog} more held back), {q.learning} learning, {q.new} new; "
          f"{q.seen} cards seen of {q.deck_size}")
    all_ms = timed(queue, runs)
    deck_ms = timed(lambda: queue(topic_deck), runs)

    def answer() -> None:
        with session_scope(engine) as s:
            current = review.build_queue(session=s, bank=bank, user_id=user_id).current
        assert current is not None
        start = time.perf_counter()
        with session_scope(engine) as s:
            done = review.answer_card(session=s, bank=bank, user_id=user_id,
                                      card_id=current.card_id, rating=Rating.Good,
                                      version=current.version)
        answer_ms.append((time.perf_counter() - start) * 1000)
        assert done is not None

    answer_ms: list[float] = []
    for _ in range(min(runs, 30)):
        answer()

    def progress() -> None:
        with session_scope(engine) as s:
            mastery.topic_mastery(session=s, bank=bank, user_id=user_id)
            mastery.forecast(session=s, user_id=user_id)
            mastery.review_streak(session=s, user_id=user_id)

    progress_ms = timed(progress, max(5, runs // 5), warmup=1)
    engine.dispose()
    figures = {
        "due_queue": statistics.median(all_ms),
        "due_queue_p95": sorted(all_ms)[int(0.95 * (len(all_ms) - 1))],
        "deck_queue": statistics.median(deck_ms),
        "answer": statistics.median(answer_ms),
        "progress": statistics.median(progress_ms),
    }
    print(f"[{name}] due queue (All due): median {figures['due_queue']:.1f} ms, "
          f"p95 {figures['due_queue_p95']:.1f} ms over {runs} runs")
    print(f"[{name}] due queue (one topic deck, {len(review.get_deck(bank, topic_deck).card_ids)}"
          f" cards): median {figures['deck_queue']:.1f} ms")
    print(f"[{name}] store one rating: median {figures['answer']:.1f} ms")
    print(f"[{name}] progress page queries: median {figures['progress']:.1f} ms")
    return figures


def pg_database() -> str | None:
    name = f"bench_review_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:  # no server: report it, the SQLite figures still stand
        print(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {str(exc).splitlines()[0]}")
        return None
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=5000)
    parser.add_argument("--logs", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    rng = random.Random(42)
    random.seed(42)  # py-fsrs draws its fuzz from the global generator
    bank = synthetic_bank(args.cards + NEW_CARDS)
    card_ids = [i.id for i in bank.items][: args.cards]
    start = time.perf_counter()
    cards, logs = simulate(card_ids, args.logs, datetime.now(UTC), rng)
    print(f"simulated {len(logs)} FSRS reviews of {len(cards)} cards in "
          f"{time.perf_counter() - start:.1f} s")

    results: dict[str, object] = {"cards": len(cards), "logs": len(logs)}
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = run_backend("sqlite", f"sqlite:///{tmp}/bench.db", bank, cards, logs, args.runs)
    pg_url = pg_database()
    postgres = None
    if pg_url:
        try:
            postgres = run_backend("postgres", pg_url, bank, cards, logs, args.runs)
        finally:
            drop_pg_database(pg_url)
    for backend, figures in (("sqlite", sqlite), ("postgres", postgres)):
        for key in ("due_queue", "deck_queue", "answer", "progress"):
            results[f"{key}_{backend}_ms"] = round(figures[key], 2) if figures else None
    target = 50.0
    for backend in ("sqlite", "postgres"):
        value = results[f"due_queue_{backend}_ms"]
        verdict = "n/a" if value is None else ("under" if value < target else "OVER")
        print(f"due queue on {backend}: {value} ms ({verdict} the {target:.0f} ms aim)")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
