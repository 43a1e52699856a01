"""The Flashcards and Progress pages under Streamlit's AppTest, on a real database.

The bank is tests/fixtures/review_bank.yaml plus the real neck atlas, so the cards met are
known. As in tests/test_pages.py, the cookie reader is patched to hand over a real session.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from trainer.db.engine import session_scope
from trainer.db.models import LearnerSettings, ReviewCard, ReviewLog
from trainer.settings import PROJECT_ROOT

TIMEOUT = 30


@pytest.fixture
def content_dir(review_bank_dir: Path) -> Path:
    return review_bank_dir


def open_page(page: str, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=TIMEOUT).run()
    if query:
        at.query_params.update(query)
    at.switch_page(str(PROJECT_ROOT / page)).run()
    assert not at.exception, at.exception
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def markdown(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in at.markdown)


def rating_button(at: AppTest, name: str):
    return next(b for b in at.button if b.label.startswith(f"{name} · "))


def test_show_answer_rate_and_the_due_count_falls(sign_in, make_user, engine) -> None:
    user = make_user()
    sign_in(user)
    at = open_page("pages/review.py")
    assert (metric(at, "Left today"), metric(at, "New")) == ("15", "15")
    assert "What is a taut band?" in markdown(at)
    assert "A palpable group" not in markdown(at)
    at.button(key="review.show").click().run()
    assert "A palpable group of tense muscle fibres" in markdown(at)
    assert "**Why:** The band is felt across the fibres" in markdown(at)
    assert any("Source: Simons" in c.value for c in at.caption)
    labels = [b.label for b in at.button if " · " in b.label]
    assert labels[:3] == ["Again · 1m", "Hard · 6m", "Good · 10m"]
    easy = rating_button(at, "Easy")
    days = int(re.fullmatch(r"Easy · (\d+)d", easy.label).group(1))
    easy.click().run()
    assert not at.exception
    assert (metric(at, "Left today"), metric(at, "New")) == ("14", "14")
    assert "What is a local twitch response?" in markdown(at)
    with session_scope(engine) as s:
        row = s.scalar(select(ReviewCard).where(ReviewCard.user_id == user.id))
        log = s.scalar(select(ReviewLog).where(ReviewLog.user_id == user.id))
    # the label was the interval FSRS gave (fuzz and all), and the time on the card was kept
    assert row.card_id == "basics.card1" and row.due - row.last_review == timedelta(days=days)
    assert log.rating == 4 and log.source == "review" and log.duration_ms is not None

    # Again keeps the card in today's session: one new card fewer, one learning card more
    at.button(key="review.show").click().run()
    rating_button(at, "Again").click().run()
    assert (metric(at, "Left today"), metric(at, "New"), metric(at, "Learning")) == ("14", "13", "1")

    # a refresh is a new session: the queue comes back from the database, front side up
    fresh = open_page("pages/review.py")
    assert (metric(fresh, "Left today"), metric(fresh, "Learning")) == ("14", "1")
    assert not any(" · " in b.label for b in fresh.button)


def test_a_stale_second_tab_cannot_store_a_second_review(sign_in, make_user, engine) -> None:
    user = make_user()
    sign_in(user)
    first, second = open_page("pages/review.py"), open_page("pages/review.py")
    for tab in (first, second):
        tab.button(key="review.show").click().run()
    rating_button(first, "Easy").click().run()
    rating_button(second, "Again").click().run()  # pressed on the card the other tab rated
    assert not second.exception
    with session_scope(engine) as s:
        ratings = list(s.scalars(select(ReviewLog.rating).where(ReviewLog.user_id == user.id)))
    assert ratings == [4]
    assert metric(second, "Left today") == "14" and metric(second, "Learning") == "0"


def test_card_back_draws_the_referral_zone(sign_in, make_user) -> None:
    sign_in(make_user())
    at = open_page("pages/review.py", {"deck": "topic:atlas"})
    assert at.selectbox(key="deck").value == "topic:atlas"
    assert "Upper trapezius: where are its trigger points" in markdown(at)
    at.button(key="review.show").click().run()
    text = markdown(at)
    assert "**Reference zone**" in text and "Essential zone" in text
    assert "**Refers to:** Side of the neck" in text  # one fact a line, labels in bold
    assert "**Why:**" not in text  # a generated card's explanation restates its back


def test_deck_choice_is_kept_in_the_url(sign_in, make_user) -> None:
    sign_in(make_user())
    at = open_page("pages/review.py")
    at.selectbox(key="deck").set_value("tag:beta").run()
    assert at.query_params["deck"] == ["tag:beta"] or at.query_params["deck"] == "tag:beta"
    assert metric(at, "Left today") == "2" and "What is a local twitch response?" in markdown(at)
    fresh = open_page("pages/review.py", {"deck": "tag:beta"})
    assert fresh.selectbox(key="deck").value == "tag:beta"
    unknown = open_page("pages/review.py", {"deck": "tag:nope"})
    assert unknown.selectbox(key="deck").value == "all"


def test_study_settings_are_saved_and_applied(sign_in, make_user, engine) -> None:
    user = make_user()
    sign_in(user)
    at = open_page("pages/review.py")
    at.slider(key=f"review.settings.{user.id}.desired_retention").set_value(0.8).run()
    at.number_input(key=f"review.settings.{user.id}.new_cards_per_day").set_value(1).run()
    assert metric(at, "Left today") == "1"
    with session_scope(engine) as s:
        settings = s.get(LearnerSettings, user.id)
        assert (settings.desired_retention, settings.new_cards_per_day) == (0.8, 1)
    at.button(key="review.show").click().run()
    rating_button(at, "Easy").click().run()
    assert metric(at, "Left today") == "0"
    assert any("Congratulations" in s.value for s in at.success)
    assert any("14 new card(s) wait" in m.value for m in at.markdown)


def test_progress_page_shows_mastery_forecast_and_exam_outlook(sign_in, make_user,
                                                                engine) -> None:
    user = make_user()
    sign_in(user)
    at = open_page("pages/review.py")
    for _ in range(2):
        at.button(key="review.show").click().run()
        rating_button(at, "Easy").click().run()
    at = open_page("pages/progress.py")
    assert metric(at, "Cards studied") == "2 / 15"
    assert metric(at, "Review streak") == "1 day"
    assert metric(at, "Cards due today") == "0"
    table = at.dataframe[0].value
    basics = table[table["Topic"] == "Basics"].iloc[0]
    assert basics["Cards studied"] == "2 / 6" and basics["Recall now (studied cards)"] == "100%"
    assert basics["Mastery"] == "22%"  # two cards at full recall of 3 questions + 6 cards
    assert "What to study next" in [h.value for h in at.subheader]
    assert "Mastery of a topic" in markdown(at)
    at.date_input(key=f"progress.exam.{user.id}").set_value(
        at.date_input(key=f"progress.exam.{user.id}").value or _in_days(30)).run()
    assert not at.exception
    assert any("below your target retention" in w.value for w in at.warning)
    outlook = at.dataframe[1].value
    assert set(outlook["Status"]) == {  # the two cards learnt today fade within 30 days
        "9 card(s) never studied", "4 card(s) never studied; 2 studied card(s) fading below target"}
    with session_scope(engine) as s:
        assert s.get(LearnerSettings, user.id).exam_date is not None


def _in_days(days: int):
    from trainer.db.models import utcnow

    return (utcnow() + timedelta(days=days)).date()
