"""Progress numbers on SQLite and PostgreSQL, against small cases worked out by hand.

Recall is checked with FSRS-6's forgetting curve written out here,
R(t, S) = (1 + F·t/S)^(-w20) with F = 0.9^(-1/w20) - 1 and w20 = 0.1542 (py-fsrs's default),
t in whole days since the last review, so the service's use of py-fsrs is checked against
the published formula, not against itself.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fsrs import Rating
from sqlalchemy import select

from trainer.content import QuestionBank, load_bank
from trainer.db.engine import session_scope
from trainer.db.models import ReviewCard
from trainer.services import attempts, review
from trainer.services import mastery as svc

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
W20 = 0.1542
F = 0.9 ** (-1 / W20) - 1
S_EASY, S_AGAIN = 8.2956, 0.212  # py-fsrs's default initial stabilities (w3, w0)
BASICS_CARDS = ["basics.card1", "basics.card2", "basics.card3", "basics.card4", "basics.card5",
                "basics.levator-card"]


def recall(days: int, stability: float) -> float:
    return (1 + F * days / stability) ** -W20


@pytest.fixture(scope="session")
def rbank(review_bank_dir) -> QuestionBank:
    return load_bank(review_bank_dir)


def answer(engine, bank, user, item_id, value, now) -> None:
    with session_scope(engine) as s:
        attempt = attempts.start_attempt(session=s, bank=bank, user_id=user.id, now=now,
                                         spec=attempts.QuizSpec(item_ids=(item_id,)))
        attempts.record_answer(session=s, bank=bank, user_id=user.id, attempt_id=attempt.id,
                               item_id=item_id, answer=value, now=now)


def rate(engine, bank, user, card_id, rating, now) -> None:
    with session_scope(engine) as s:
        version = s.scalar(select(ReviewCard.version).where(
            ReviewCard.user_id == user.id, ReviewCard.card_id == card_id)) or 0
        assert review.answer_card(session=s, bank=bank, user_id=user.id, card_id=card_id,
                                  rating=rating, version=version, now=now,
                                  fuzz=False) is not None


def by_topic(engine, bank, user, now) -> dict[str, svc.TopicMastery]:
    with session_scope(engine) as s:
        return {m.topic: m for m in svc.topic_mastery(session=s, bank=bank, user_id=user.id,
                                                      now=now)}


def test_mastery_combines_latest_quiz_scores_and_fsrs_recall(engine, rbank, make_user) -> None:
    user = make_user()
    fresh = by_topic(engine, rbank, user, T0)
    assert {m.mastery for m in fresh.values()} == {0.0}
    assert (fresh["basics"].questions, fresh["basics"].cards) == (3, 6)
    atlas_questions = sum(1 for i in rbank.by_topic["atlas"] if i.type != "flashcard")

    answer(engine, rbank, user, "basics.plain-quiz", False, T0)  # right (statement is false)
    answer(engine, rbank, user, "basics.trap-quiz", 1, T0)  # wrong: also Again on the trap card
    rate(engine, rbank, user, "basics.card1", Rating.Easy, T0)
    now = T0 + timedelta(days=5, hours=3)  # five whole days since the reviews
    m = by_topic(engine, rbank, user, now)
    basics, atlas = m["basics"], m["atlas"]
    assert (basics.answered, basics.quiz_points, basics.studied) == (2, 1.0, 1)
    assert basics.mastery == pytest.approx((1 + 0 + recall(5, S_EASY)) / (3 + 6), abs=1e-9)
    assert basics.card_recall == pytest.approx(recall(5, S_EASY), abs=1e-9)
    assert (atlas.answered, atlas.studied) == (0, 1)
    assert atlas.mastery == pytest.approx(recall(5, S_AGAIN) / (atlas_questions + 9), abs=1e-9)

    # the latest answer counts: getting the statement wrong later takes its point away
    answer(engine, rbank, user, "basics.plain-quiz", True, T0 + timedelta(days=1))
    basics = by_topic(engine, rbank, user, now)["basics"]
    assert basics.quiz_points == 0.0 and basics.answered == 2
    assert basics.mastery == pytest.approx(recall(5, S_EASY) / 9, abs=1e-9)
    # recall fades with time: ten more days, lower mastery
    later = by_topic(engine, rbank, user, now + timedelta(days=10))["basics"]
    assert later.mastery == pytest.approx(recall(15, S_EASY) / 9, abs=1e-9)
    assert later.mastery < basics.mastery


def test_weakest_topics_and_what_to_do_next(engine, rbank, make_user) -> None:
    user = make_user()
    for card in BASICS_CARDS:
        rate(engine, rbank, user, card, Rating.Easy, T0)
    for item, value in (("basics.plain-quiz", False), ("basics.trap-quiz", 0),
                        ("basics.levator-quiz", True)):
        answer(engine, rbank, user, item, value, T0)
    with session_scope(engine) as s:
        topics = svc.topic_mastery(session=s, bank=rbank, user_id=user.id, now=T0)
    weakest = svc.weakest_topics(topics, count=2)
    assert [w.topic for w in weakest] == ["atlas", "basics"]
    assert weakest[1].mastery == pytest.approx(1.0)  # all answered right, all just reviewed
    # the two linked atlas cards were reviewed by the quiz (Good: next step in 10 minutes)
    assert weakest[0].studied == 2 and weakest[0].due_cards == 2
    assert svc.next_step(weakest[0]).startswith("Review its 2 due card(s)")
    nothing_due = by_topic(engine, rbank, user, T0 + timedelta(days=1))["basics"]
    assert svc.next_step(nothing_due).startswith("Take a weak-spots quiz")


def test_forecast_counts_cards_per_utc_day(engine, rbank, make_user) -> None:
    user = make_user()
    rate(engine, rbank, user, "basics.card1", Rating.Easy, T0)  # due in 8 days (S = 8.3)
    rate(engine, rbank, user, "basics.card2", Rating.Good, T0)  # next step in 10 minutes
    with session_scope(engine) as s:
        due1 = review.card_state(session=s, user_id=user.id, card_id="basics.card1").due
        days = svc.forecast(session=s, user_id=user.id, now=T0)
        later = svc.forecast(session=s, user_id=user.id, now=T0 + timedelta(days=3))
    assert (due1 - T0).days == 8
    assert len(days) == 14 and days[0].day == date(2026, 3, 2)
    assert [d.due for d in days] == [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]
    # three days on: the overdue learning card is counted today, the other five days ahead
    assert [d.due for d in later][:6] == [1, 0, 0, 0, 0, 1]


def test_streak_counts_utc_days_with_reviews_or_quiz_answers(engine, rbank, make_user) -> None:
    user = make_user()
    rate(engine, rbank, user, "basics.card1", Rating.Good, T0 - timedelta(days=5))
    rate(engine, rbank, user, "basics.card2", Rating.Good, T0)
    answer(engine, rbank, user, "basics.plain-quiz", True, T0 + timedelta(days=1, hours=14))
    rate(engine, rbank, user, "basics.card3", Rating.Good,
         (T0 + timedelta(days=2)).replace(hour=23, minute=59))

    def streak(now):
        with session_scope(engine) as s:
            return svc.review_streak(session=s, user_id=user.id, now=now)

    assert streak(T0 + timedelta(days=2)) == svc.Streak(3, True, 3)
    # a day without study so far does not break the streak before the day is over
    assert streak(T0 + timedelta(days=3)) == svc.Streak(3, False, 3)
    assert streak(T0 + timedelta(days=4)) == svc.Streak(0, False, 3)


def test_exam_outlook_flags_topics_below_target(engine, rbank, make_user) -> None:
    user = make_user()
    for card in BASICS_CARDS:
        rate(engine, rbank, user, card, Rating.Easy, T0)
    exam = (T0 + timedelta(days=10)).date()  # 00:00 UTC on exam day: 9 whole days later

    def outlook(now=T0, exam_date=exam):
        with session_scope(engine) as s:
            return {o.topic: o for o in svc.exam_outlook(session=s, bank=rbank, user_id=user.id,
                                                         exam_date=exam_date, now=now)}

    r9 = recall(9, S_EASY)
    assert 0.85 < r9 < 0.9
    o = outlook()
    assert o["basics"].predicted == pytest.approx(r9, abs=1e-9)
    assert o["basics"].falls_below and o["basics"].below_target_cards == 6
    assert o["basics"].reason == "6 studied card(s) fading below target"
    assert o["atlas"].predicted == 0 and o["atlas"].reason == "9 card(s) never studied"
    # with a lower target the same memory is on track
    with session_scope(engine) as s:
        review.update_study_settings(session=s, user_id=user.id, desired_retention=0.85)
    o = outlook()
    assert not o["basics"].falls_below and o["basics"].below_target_cards == 0
    assert o["atlas"].falls_below
    # an exam today: everything just reviewed is at full recall
    assert outlook(exam_date=T0.date())["basics"].predicted == pytest.approx(1.0)


def test_progress_of_another_learner_is_not_mixed_in(engine, rbank, make_user) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    rate(engine, rbank, alice, "basics.card1", Rating.Easy, T0)
    answer(engine, rbank, alice, "basics.plain-quiz", False, T0)
    assert by_topic(engine, rbank, alice, T0)["basics"].mastery > 0
    assert {m.mastery for m in by_topic(engine, rbank, bob, T0).values()} == {0.0}
    with session_scope(engine) as s:
        assert {d.due for d in svc.forecast(session=s, user_id=bob.id, now=T0)} == {0}
        assert svc.review_streak(session=s, user_id=bob.id, now=T0).current == 0
        assert svc.review_streak(session=s, user_id=alice.id, now=T0).current == 1
