"""The home page in a real browser: the app starts and shows what the bank holds."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from trainer.content import load_bank
from trainer.settings import PROJECT_ROOT

from .helpers import nav_link


def test_home_page_shows_the_bank_counts(real_app, page) -> None:
    total = load_bank(PROJECT_ROOT / "quizzes").summary()["total"]
    page.goto(real_app.url)
    expect(page.get_by_role("heading", name="NMT Trainer")).to_be_visible()
    metric = page.get_by_test_id("stMetric").filter(has_text="Questions and cards")
    expect(metric).to_contain_text(str(total))
    expect(page.get_by_text(re.compile(r"\d+ hand-written items and \d+ generated"))).to_be_visible()
    expect(nav_link(page, "Sign in")).to_be_visible()
    page.screenshot(path=str(PROJECT_ROOT / "artifacts" / "home.png"), full_page=True)
    expect(page.get_by_test_id("stException")).to_have_count(0)
