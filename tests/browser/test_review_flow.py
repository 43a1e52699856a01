"""Flashcards in a real browser (issue: FSRS flashcards): review five cards, refresh, the due
count has fallen and stays fallen.

A new learner opens the Flashcards page of the real bank ("All due": 20 new cards today),
reviews five cards (three with the mouse, two with Anki's keys: Space, then 4 for Easy), reloads
the page, and finds 15 left, the sixth card's front up, and exactly five reviews stored.
"""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from trainer.db.engine import make_engine, session_scope
from trainer.db.models import ReviewLog, User

from .helpers import nav_link, sign_up


def left_today(page: Page):
    return page.get_by_test_id("stMetric").filter(has_text="Left today")


def test_review_five_cards_refresh_and_the_due_count_falls(real_app, page: Page) -> None:
    username = f"cards-{uuid.uuid4().hex[:6]}"
    sign_up(page, real_app.url, username, "Card Learner")

    nav_link(page, "Flashcards").click()
    body = page.get_by_test_id("stMain")
    expect(left_today(page)).to_contain_text("20")
    fronts = []
    for n in range(5):
        show = body.get_by_role("button", name="Show answer")
        expect(show).to_be_visible()
        fronts.append(body.get_by_role("heading", level=4).inner_text())
        easy = body.get_by_role("button", name="Easy ·")
        if n in (2, 3):  # Anki's keys
            page.keyboard.press("Space")
            expect(easy).to_be_visible()
            page.keyboard.press("4")
        else:
            show.click()
            expect(easy).to_be_visible()
            easy.click()
        expect(left_today(page)).to_contain_text(str(19 - n))
    assert len(set(fronts)) == 5

    page.reload()
    expect(left_today(page)).to_contain_text("15")
    expect(body.get_by_role("button", name="Show answer")).to_be_visible()
    expect(body.get_by_role("heading", level=4)).not_to_have_text(fronts[-1])
    expect(page.get_by_test_id("stException")).to_have_count(0)

    engine = make_engine(real_app.db_url)
    with session_scope(engine) as s:
        user_id = s.scalar(select(User.id).where(User.username == username))
        reviews = s.scalar(select(func.count()).select_from(ReviewLog)
                           .where(ReviewLog.user_id == user_id))
    engine.dispose()
    assert reviews == 5
