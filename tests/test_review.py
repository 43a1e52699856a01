"""Flashcards on SQLite and PostgreSQL: decks, the due queue, daily limits, FSRS state, quiz link.

The clock is passed in (``now=``), so "come back tomorrow" is a test, and every interval is
compared with an in-memory run of py-fsrs itself (fuzzing off), never with numbers of ours.
"""

from __future__ import annotations

import importlib.util
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fsrs import Card, Rating, Scheduler, State
from fsrs import ReviewLog as FsrsLog
from sqlalchemy import func, select

from trainer import cli
from trainer.content import QuestionBank, load_bank
from trainer.db.engine import session_scope
from trainer.db.models import ReviewCard, ReviewLog
from trainer.services import attempts
from trainer.services import review as svc
from trainer.settings import PROJECT_ROOT

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 09:00 UTC
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def review_bank_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six hand-written cards and quiz items (tests/fixtures/review_bank.yaml) plus the real
    neck and head-jaw atlas files, so atlas cards, areas and concepts are the real ones."""
    root = tmp_path_factory.mktemp("review") / "quizzes"
    (root / "body").mkdir(parents=True)
    (root / "atlas").mkdir()
    shutil.copy(PROJECT_ROOT / "quizzes" / "body" / "regions.yaml", root / "body" / "regions.yaml")
    for area in ("neck", "head-jaw"):
        shutil.copy(PROJECT_ROOT / "quizzes" / "atlas" / f"{area}.yaml", root / "atlas")
    shutil.copy(FIXTURES / "review_bank.yaml", root / "basics.yaml")
    return root


@pytest.fixture(scope="session")
def rbank(review_bank_dir: Path) -> QuestionBank:
    return load_bank(review_bank_dir)


HAND = ["basics.card1", "basics.card2", "basics.card3", "basics.card4", "basics.card5",
        "basics.levator-card"]


def build(engine, bank, user, deck="all", now=T0) -> svc.DueQueue:
    with session_scope(engine) as s:
        return svc.build_queue(session=s, bank=bank, user_id=user.id, deck_id=deck, now=now)


def version_of(engine, user, card_id) -> int:
    with session_scope(engine) as s:
        v = s.scalar(select(ReviewCard.version).where(ReviewCard.user_id == user.id,
                                                      ReviewCard.card_id == card_id))
    return v or 0


def rate(engine, bank, user, card_id, rating, now, version=None) -> svc.Reviewed | None:
    version = version_of(engine, user, card_id) if version is None else version
    with session_scope(engine) as s:
        return svc.answer_card(session=s, bank=bank, user_id=user.id, card_id=card_id,
                               rating=rating, version=version, now=now, fuzz=False)


def set_limits(engine, user, **kw) -> None:
    with session_scope(engine) as s:
        svc.update_study_settings(session=s, user_id=user.id, **kw)


def logs(engine, user, card_id=None, source=None) -> list[ReviewLog]:
    with session_scope(engine) as s:
        q = select(ReviewLog).where(ReviewLog.user_id == user.id)
        if card_id:
            q = q.where(ReviewLog.card_id == card_id)
        if source:
            q = q.where(ReviewLog.source == source)
        return list(s.scalars(q.order_by(ReviewLog.id)))


# --- decks -----------------------------------------------------------------------------------

def test_decks_cover_topics_areas_and_tags_in_bank_order(rbank) -> None:
    decks = {d.id: d for d in svc.decks(rbank)}
    neck = [f"tp.{m}.card" for m in (
        "upper-trapezius", "sternocleidomastoid-sternal", "sternocleidomastoid-clavicular",
        "splenius-capitis", "splenius-cervicis", "suboccipitals", "semispinalis-capitis",
        "levator-scapulae", "scalenes")]
    assert next(iter(decks)) == "all"
    assert len(decks["all"].card_ids) == 6 + 9 + 6  # every flashcard, nothing else
    assert list(decks["topic:basics"].card_ids) == HAND
    assert len(decks["topic:atlas"].card_ids) == 15
    assert list(decks["area:neck"].card_ids) == neck
    assert decks["area:neck"].title == "Body region: Neck muscles"
    assert decks["area:head-jaw"].label == "Head and jaw muscles"
    assert "area:thigh" not in decks  # no cards, no deck
    assert decks["tag:alpha"].card_ids == ("basics.card1", "basics.card2", "basics.card5")
    assert decks["tag:beta"].card_ids == ("basics.card2", "basics.card3")
    assert decks["tag:upper-trapezius"].card_ids == ("tp.upper-trapezius.card",)
    # the tag "atlas" holds the same cards as the topic: listed once; areas are not tags
    assert "tag:atlas" not in decks and "tag:neck" not in decks
    assert all(i.type == "flashcard" for d in decks.values() for i in map(rbank.by_id.get, d.card_ids))
    with pytest.raises(svc.ReviewError):
        svc.get_deck(rbank, "topic:nope")


def test_new_cards_come_in_bank_order_per_deck(engine, rbank, make_user) -> None:
    user = make_user()
    assert build(engine, rbank, user, "tag:beta").current.card_id == "basics.card2"
    assert build(engine, rbank, user, "area:neck").current.card_id == "tp.upper-trapezius.card"
    rate(engine, rbank, user, "basics.card1", Rating.Easy, T0)
    q = build(engine, rbank, user, "topic:basics", T0 + timedelta(seconds=5))
    assert q.current.card_id == "basics.card2" and q.current.kind == "new"
    assert q.new == 5 and q.seen == 1 and q.deck_size == 6


# --- daily limits ----------------------------------------------------------------------------

def test_new_cards_per_day_limit_resets_at_utc_midnight(engine, rbank, make_user) -> None:
    user = make_user()
    set_limits(engine, user, new_cards_per_day=2)
    q = build(engine, rbank, user)
    assert (q.new, q.learning, q.review, q.total) == (2, 0, 0, 2)
    now = T0
    for _ in range(2):
        q = build(engine, rbank, user, now=now)
        assert q.current.kind == "new"
        rate(engine, rbank, user, q.current.card_id, Rating.Easy, now)
        now += timedelta(seconds=30)
    q = build(engine, rbank, user, now=now)
    assert q.new == 0 and q.current is None and q.new_today == 2 and q.new_waiting == 19
    # other decks share the learner's daily limit
    assert build(engine, rbank, user, "area:neck", now).new == 0
    # 23:59:59 is still today; 00:00 UTC is a new day with two more new cards
    last_second = T0.replace(hour=23, minute=59, second=59)
    assert build(engine, rbank, user, now=last_second).new == 0
    tomorrow = (T0 + timedelta(days=1)).replace(hour=0, minute=0, second=0)
    q = build(engine, rbank, user, now=tomorrow)
    assert q.new == 2 and q.current.card_id == "basics.card3"


def test_max_reviews_per_day_holds_back_the_rest(engine, rbank, make_user) -> None:
    user = make_user()
    for card in HAND[:3]:
        rate(engine, rbank, user, card, Rating.Easy, T0)
    set_limits(engine, user, max_reviews_per_day=2, new_cards_per_day=0)
    later = T0 + timedelta(days=40)  # all three long due
    q = build(engine, rbank, user, now=later)
    assert (q.new, q.review, q.review_backlog) == (0, 2, 1)
    assert q.current.kind == "review" and q.current.card_id == "basics.card1"
    rate(engine, rbank, user, q.current.card_id, Rating.Good, later)
    q = build(engine, rbank, user, now=later + timedelta(minutes=1))
    assert (q.review, q.reviews_today) == (1, 1)
    rate(engine, rbank, user, q.current.card_id, Rating.Good, later + timedelta(minutes=1))
    q = build(engine, rbank, user, now=later + timedelta(minutes=2))
    assert q.current is None and q.review == 0 and q.review_backlog == 1
    q = build(engine, rbank, user, now=later + timedelta(days=1))
    assert q.current.card_id == "basics.card3" and q.review == 1


def test_again_and_learning_steps_come_back_in_the_same_session(engine, rbank, make_user) -> None:
    user = make_user()
    q = build(engine, rbank, user, "topic:basics")
    assert q.current.card_id == "basics.card1"
    rate(engine, rbank, user, "basics.card1", Rating.Again, T0)
    # still new cards to show: the Again card waits for its step (1 minute) ...
    q = build(engine, rbank, user, "topic:basics", T0 + timedelta(seconds=10))
    assert q.current.card_id == "basics.card2" and q.learning == 1
    # ... and comes first as soon as it is due, before any new card
    q = build(engine, rbank, user, "topic:basics", T0 + timedelta(minutes=2))
    assert q.current.card_id == "basics.card1" and q.current.kind == "learning"
    rate(engine, rbank, user, "basics.card1", Rating.Good, T0 + timedelta(minutes=2))
    # Good moves it to the 10-minute step; with nothing else left it is shown early (learn
    # ahead, 20 minutes), so the session does not end with a card stranded in its steps
    set_limits(engine, user, new_cards_per_day=1)
    q = build(engine, rbank, user, "topic:basics", T0 + timedelta(minutes=3))
    assert q.current.card_id == "basics.card1" and (q.new, q.learning) == (0, 1)
    rate(engine, rbank, user, "basics.card1", Rating.Good, T0 + timedelta(minutes=3))
    q = build(engine, rbank, user, "topic:basics", T0 + timedelta(minutes=4))
    assert q.current is None and q.total == 0  # graduated: due on another day
    # learning steps never count against the review limit
    assert q.reviews_today == 0 and q.new_today == 1


def test_a_step_beyond_the_learn_ahead_limit_waits_for_later(engine, rbank, make_user,
                                                              monkeypatch) -> None:
    user = make_user()
    set_limits(engine, user, new_cards_per_day=1)
    rate(engine, rbank, user, "basics.card1", Rating.Good, T0)  # next step in 10 minutes
    q = build(engine, rbank, user, now=T0 + timedelta(seconds=5))
    assert q.current.card_id == "basics.card1" and q.learning == 1  # learn ahead (20 min)
    monkeypatch.setattr(svc, "LEARN_AHEAD", timedelta(minutes=5))
    q = build(engine, rbank, user, now=T0 + timedelta(seconds=5))
    assert q.current is None and q.total == 0
    assert q.later_today == 1 and q.next_at == T0 + timedelta(minutes=10)


# --- FSRS state round trip -------------------------------------------------------------------

def test_stored_state_round_trips_through_fsrs_unchanged(engine, rbank, make_user) -> None:
    """Review, store, reload, review again == the same reviews run in memory."""
    user = make_user()
    card_id = "basics.card2"
    steps = [(Rating.Good, T0), (Rating.Good, T0 + timedelta(minutes=10)),
             (Rating.Again, T0 + timedelta(days=3, hours=2)),
             (Rating.Hard, T0 + timedelta(days=3, hours=2, minutes=11)),
             (Rating.Good, T0 + timedelta(days=9)), (Rating.Easy, T0 + timedelta(days=30))]
    scheduler = Scheduler(enable_fuzzing=False)
    memory = Card(card_id=svc.fsrs_card_id(card_id), due=T0)
    for n, (rating, when) in enumerate(steps, start=1):
        memory, memory_log = scheduler.review_card(memory, rating, review_datetime=when)
        stored = rate(engine, rbank, user, card_id, rating, when)
        assert stored is not None
        with session_scope(engine) as s:
            row = s.scalar(select(ReviewCard).where(ReviewCard.user_id == user.id))
            log = s.scalar(select(ReviewLog).where(ReviewLog.user_id == user.id)
                           .order_by(ReviewLog.id.desc()))
            reloaded = svc.card_state(session=s, user_id=user.id, card_id=card_id)
        assert reloaded == memory  # every field: state, step, stability, difficulty, due, ...
        assert FsrsLog.from_dict(log.log) == memory_log
        assert (row.due, row.state, row.stability, row.difficulty, row.last_review) == (
            memory.due, int(memory.state), memory.stability, memory.difficulty,
            memory.last_review)
        assert (row.version, row.reps, log.rating, log.was_new) == (n, n, int(rating), n == 1)
    assert row.lapses == 1 and memory.state == State.Review


def test_button_labels_are_the_intervals_given_even_with_fuzz(engine, rbank, make_user) -> None:
    """Fuzz is seeded per card and review count, so "Good · 12d" is what Good gives."""
    user = make_user()
    for card_id in HAND:
        rate(engine, rbank, user, card_id, Rating.Easy, T0)
    later = T0 + timedelta(days=20)
    fuzzed = 0
    for card_id, rating in zip(HAND, [Rating.Good, Rating.Easy, Rating.Hard] * 2, strict=True):
        q = build(engine, rbank, user, "topic:basics", later)
        assert q.current.card_id == card_id
        shown = svc.next_intervals(q, user_id=user.id, now=later)
        plain = svc.next_intervals(q, user_id=user.id, now=later, fuzz=False)
        fuzzed += shown[rating] != plain[rating]
        with session_scope(engine) as s:
            done = svc.answer_card(session=s, bank=rbank, user_id=user.id, card_id=card_id,
                                   rating=rating, version=q.current.version, now=later)
        assert done.card.due - later == shown[rating]
    assert fuzzed  # the fuzz really was on


def test_come_back_tomorrow_the_right_cards_are_due(engine, bank, make_user) -> None:
    """A new learner reviews twenty cards of a deck until nothing is left today; the next
    morning exactly the cards FSRS scheduled for that day are due, with FSRS's intervals."""
    user = make_user()
    scheduler = Scheduler(enable_fuzzing=False)
    memory: dict[str, Card] = {}
    first_ratings = [Rating.Again, Rating.Hard, Rating.Good, Rating.Easy]
    now = T0
    shown = 0
    while (q := build(engine, bank, user, "topic:atlas", now)).current is not None:
        card_id = q.current.card_id
        if card_id not in memory:
            memory[card_id] = Card(card_id=svc.fsrs_card_id(card_id), due=now)
            rating = first_ratings[len(memory) % 4]
        else:
            rating = Rating.Good
        expected = {r: scheduler.review_card(memory[card_id], r, review_datetime=now)[0].due - now
                    for r in Rating}
        assert svc.next_intervals(q, user_id=user.id, now=now, fuzz=False) == expected
        memory[card_id], _ = scheduler.review_card(memory[card_id], rating, review_datetime=now)
        assert rate(engine, bank, user, card_id, rating, now) is not None
        now += timedelta(minutes=1)
        shown += 1
        assert shown < 200
    assert list(memory) == list(svc.get_deck(bank, "topic:atlas").card_ids[:20])
    assert all(c.state == State.Review for c in memory.values())

    tomorrow = (T0 + timedelta(days=1)).replace(hour=8)
    end_of_tomorrow = tomorrow.replace(hour=0) + timedelta(days=1)
    expected_due = {cid for cid, c in memory.items() if c.due < end_of_tomorrow}
    assert expected_due and len(expected_due) < 20
    q = build(engine, bank, user, "topic:atlas", tomorrow)
    assert q.review == len(expected_due) and q.new == 20 and q.learning == 0
    seen_due = set()
    while q.current is not None and q.current.kind == "review":
        card_id = q.current.card_id
        expected = {r: scheduler.review_card(memory[card_id], r, review_datetime=tomorrow)[0].due
                    - tomorrow for r in Rating}
        assert svc.next_intervals(q, user_id=user.id, now=tomorrow, fuzz=False) == expected
        seen_due.add(card_id)
        rate(engine, bank, user, card_id, Rating.Good, tomorrow)
        q = build(engine, bank, user, "topic:atlas", tomorrow)
    assert seen_due == expected_due
    assert q.current is not None and q.current.kind == "new"


# --- refresh-safe, idempotent ----------------------------------------------------------------

def test_a_double_press_stores_one_review(engine, rbank, make_user) -> None:
    user = make_user()
    q = build(engine, rbank, user)
    first = rate(engine, rbank, user, q.current.card_id, Rating.Good, T0, version=0)
    second = rate(engine, rbank, user, q.current.card_id, Rating.Easy, T0, version=0)
    assert first is not None and second is None
    third = rate(engine, rbank, user, "basics.card1", Rating.Good, T0 + timedelta(minutes=10),
                 version=1)
    stale = rate(engine, rbank, user, "basics.card1", Rating.Again, T0 + timedelta(minutes=10),
                 version=1)
    assert third is not None and stale is None
    assert [log.rating for log in logs(engine, user)] == [3, 3]
    assert version_of(engine, user, "basics.card1") == 2
    # the queue is rebuilt from the database: a "refreshed" page shows the next card
    assert build(engine, rbank, user, now=T0 + timedelta(minutes=11)).current.card_id == \
        "basics.card2"


def test_a_learner_never_gets_another_learners_cards(engine, rbank, make_user) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    rate(engine, rbank, alice, "basics.card1", Rating.Easy, T0)
    q = build(engine, rbank, bob, now=T0 + timedelta(days=30))
    assert q.seen == 0 and q.review == 0 and q.current.card_id == "basics.card1"
    assert q.current.kind == "new" and q.current.state is None
    # Bob cannot review Alice's stored card by naming its version
    assert rate(engine, rbank, bob, "basics.card1", Rating.Again, T0, version=1) is None
    with session_scope(engine) as s:
        assert svc.card_state(session=s, user_id=bob.id, card_id="basics.card1") is None
        assert svc.card_state(session=s, user_id=alice.id, card_id="basics.card1") is not None
    assert logs(engine, bob) == [] and len(logs(engine, alice)) == 1
    assert build(engine, rbank, alice, now=T0 + timedelta(days=30)).review == 1


def test_unknown_card_and_settings_out_of_range_are_refused(engine, rbank, make_user) -> None:
    user = make_user()
    with pytest.raises(svc.ReviewError, match="not in the question bank"):
        rate(engine, rbank, user, "basics.plain-quiz", Rating.Good, T0)
    for bad in ({"desired_retention": 0.6}, {"desired_retention": 0.98},
                {"new_cards_per_day": -1}, {"max_reviews_per_day": 10_000}):
        with pytest.raises(svc.ReviewError), session_scope(engine) as s:
            svc.update_study_settings(session=s, user_id=user.id, **bad)
    set_limits(engine, user, desired_retention=0.97)
    with session_scope(engine) as s:
        assert svc.get_study_settings(session=s, user_id=user.id).desired_retention == 0.97


def test_desired_retention_changes_the_intervals_as_fsrs_does(engine, rbank, make_user) -> None:
    user = make_user()
    rate(engine, rbank, user, "basics.card1", Rating.Easy, T0)
    later = T0 + timedelta(days=20)
    for retention in (0.7, 0.95):
        set_limits(engine, user, desired_retention=retention)
        q = build(engine, rbank, user, "topic:basics", later)
        expected = Scheduler(desired_retention=retention, enable_fuzzing=False).review_card(
            q.current.fsrs_card(later), Rating.Good, review_datetime=later)[0].due - later
        assert svc.next_intervals(q, user_id=user.id, now=later, fuzz=False)[Rating.Good] == expected
    assert svc.format_interval(timedelta(seconds=30)) == "<1m"
    assert [svc.format_interval(timedelta(minutes=m)) for m in (10, 90)] == ["10m", "1.5h"]
    assert [svc.format_interval(timedelta(days=d)) for d in (3, 45, 400)] == ["3d", "1.5mo", "1.1y"]


# --- one memory model: quiz answers review the linked cards ----------------------------------

def quiz_answer(engine, bank, user, item_ids, item_id, answer, now, mode="practice"):
    with session_scope(engine) as s:
        attempt = attempts.start_attempt(
            session=s, bank=bank, user_id=user.id, now=now,
            spec=attempts.QuizSpec(item_ids=tuple(item_ids), mode=mode, minutes=30))
        attempts.record_answer(session=s, bank=bank, user_id=user.id, attempt_id=attempt.id,
                               item_id=item_id, answer=answer, now=now)
    return attempt


def test_quiz_answer_reviews_the_linked_card_once_a_day(engine, rbank, make_user) -> None:
    user = make_user()
    card = "tp.upper-trapezius.card"
    attempt = quiz_answer(engine, rbank, user, ["basics.trap-quiz"], "basics.trap-quiz", 0, T0)
    (log,) = logs(engine, user)
    assert (log.card_id, log.rating, log.source, log.was_new) == (card, int(Rating.Good), "quiz",
                                                                  True)
    # a double submit of the same answer stores no second response and no second review
    with session_scope(engine) as s:
        attempts.record_answer(session=s, bank=rbank, user_id=user.id, attempt_id=attempt.id,
                               item_id="basics.trap-quiz", answer=0, now=T0)
    # the same day, another quiz (and the generated atlas items of the same muscle) do not
    # review the card again: the first quiz answer of the day counts
    quiz_answer(engine, rbank, user, ["basics.trap-quiz"], "basics.trap-quiz", 2,
                T0 + timedelta(hours=3))
    quiz_answer(engine, rbank, user, ["tp.upper-trapezius.palpation"],
                "tp.upper-trapezius.palpation", 0, T0 + timedelta(hours=4))
    assert len(logs(engine, user)) == 1
    # the card's FSRS state is the library's own result for a Good at T0
    expected = Scheduler(enable_fuzzing=False).review_card(
        Card(card_id=svc.fsrs_card_id(card), due=T0), Rating.Good, review_datetime=T0)[0]
    with session_scope(engine) as s:
        assert svc.card_state(session=s, user_id=user.id, card_id=card) == expected
    # the next day, a wrong answer is an Again
    quiz_answer(engine, rbank, user, ["basics.trap-quiz"], "basics.trap-quiz", 1,
                T0 + timedelta(days=1))
    assert [(lg.rating, lg.was_new) for lg in logs(engine, user)] == [(3, True), (1, False)]
    # and the flashcard page sees the same state: the card is back in its learning steps
    q = build(engine, rbank, user, "tag:upper-trapezius", T0 + timedelta(days=1, minutes=11))
    assert q.current.card_id == card and q.current.kind == "learning"


def test_quiz_links_every_card_of_the_concept_and_flashcard_items(engine, rbank,
                                                                   make_user) -> None:
    user = make_user()
    quiz_answer(engine, rbank, user, ["basics.levator-quiz"], "basics.levator-quiz", True, T0)
    assert sorted(lg.card_id for lg in logs(engine, user)) == [
        "basics.levator-card", "tp.levator-scapulae.card"]
    # a flashcard answered inside a quiz ("I knew it") reviews that very card
    quiz_answer(engine, rbank, user, ["basics.card3"], "basics.card3", False, T0)
    (log,) = logs(engine, user, card_id="basics.card3")
    assert (log.rating, log.source) == (int(Rating.Again), "quiz")
    # an item with no concept reviews nothing
    quiz_answer(engine, rbank, user, ["basics.plain-quiz"], "basics.plain-quiz", False, T0)
    assert len(logs(engine, user)) == 3
    # quiz-driven reviews do not use up the flashcard page's daily limits
    q = build(engine, rbank, user, now=T0 + timedelta(seconds=1))
    assert (q.new_today, q.reviews_today) == (0, 0) and q.new == 18  # 21 cards, 3 seen


def test_exam_answer_changes_review_only_once(engine, rbank, make_user) -> None:
    user = make_user()
    attempt = quiz_answer(engine, rbank, user, ["basics.trap-quiz", "basics.plain-quiz"],
                          "basics.trap-quiz", 1, T0, mode="exam")
    with session_scope(engine) as s:
        attempts.record_answer(session=s, bank=rbank, user_id=user.id, attempt_id=attempt.id,
                               item_id="basics.trap-quiz", answer=0, now=T0 + timedelta(minutes=1))
        count = s.scalar(select(func.count()).select_from(ReviewLog))
    assert count == 1 and logs(engine, user)[0].rating == int(Rating.Again)


# --- fitting FSRS parameters -----------------------------------------------------------------

@pytest.fixture
def cli_env(monkeypatch, db_url):
    from trainer.db.engine import get_engine
    from trainer.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield
    get_engine.cache_clear()
    get_settings.cache_clear()


def test_optimize_without_the_extra_exits_1_with_a_clear_message(cli_env, engine, rbank, make_user,
                                                                 capsys) -> None:
    if importlib.util.find_spec("torch") is not None:
        pytest.skip("PyTorch is installed here, so the optimizer extra is present")
    user = make_user("alice")
    rate(engine, rbank, user, "basics.card1", Rating.Good, T0)
    assert cli.main(["fsrs", "optimize", "--user", "alice"]) == 1
    err = capsys.readouterr().err
    assert "optimizer is not installed" in err and ".[optimizer]" in err
    assert cli.main(["fsrs", "optimize", "--user", "nobody"]) == 1
    with session_scope(engine) as s:
        assert svc.get_study_settings(session=s, user_id=user.id).fsrs_parameters is None


def test_fitted_parameters_are_stored_and_schedule_from_then_on(cli_env, engine, rbank, make_user,
                                                                monkeypatch, capsys) -> None:
    """The optimizer itself needs PyTorch; here a stand-in returns known parameters, and the
    test checks what is ours: every stored log reaches it as py-fsrs ReviewLogs, the result is
    stored, and the scheduler uses it."""
    import fsrs.optimizer
    from fsrs.scheduler import DEFAULT_PARAMETERS

    fitted = list(DEFAULT_PARAMETERS)
    fitted[3] = 20.0  # initial stability after Easy: 20 days instead of 8.3
    received: list = []

    class FakeOptimizer:
        def __init__(self, review_logs):
            received.extend(review_logs)

        def compute_optimal_parameters(self, verbose=False):
            return fitted

    monkeypatch.setattr(fsrs.optimizer, "Optimizer", FakeOptimizer)
    user = make_user("alice")
    rate(engine, rbank, user, "basics.card1", Rating.Good, T0)
    rate(engine, rbank, user, "basics.card1", Rating.Good, T0 + timedelta(minutes=10))
    assert cli.main(["fsrs", "optimize", "--user", "alice"]) == 0
    assert "fitted FSRS parameters to 2 reviews of 1 cards" in capsys.readouterr().out
    assert [type(r) for r in received] == [FsrsLog, FsrsLog]
    assert {r.card_id for r in received} == {svc.fsrs_card_id("basics.card1")}
    with session_scope(engine) as s:
        assert svc.get_study_settings(session=s, user_id=user.id).fsrs_parameters == tuple(fitted)
    q = build(engine, rbank, user, "topic:basics", T0 + timedelta(hours=1))
    assert q.current.card_id == "basics.card2"
    easy = svc.next_intervals(q, user_id=user.id, now=T0, fuzz=False)[Rating.Easy]
    assert easy == timedelta(days=20)

    # too little history: py-fsrs answers with its defaults, and nothing is overwritten
    fitted[:] = list(DEFAULT_PARAMETERS)
    assert cli.main(["fsrs", "optimize", "--user", "alice"]) == 0
    assert "too few" in capsys.readouterr().out
    with session_scope(engine) as s:
        assert svc.get_study_settings(session=s, user_id=user.id).fsrs_parameters[3] == 20.0
