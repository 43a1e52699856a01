"""Steps the browser scenarios share: signing up, in and out, and following a sidebar link."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

PASSWORD = "practice-pass-1"


def main(page: Page) -> Locator:
    return page.get_by_test_id("stMain")


def nav_link(page: Page, name: str) -> Locator:
    """A link of the sidebar navigation (pages may link to the same page in their body)."""
    return page.get_by_test_id("stSidebar").get_by_role("link", name=name, exact=True)


def sign_up(page: Page, url: str, username: str, display_name: str) -> None:
    page.goto(f"{url}/signup")
    page.get_by_label("Display name").fill(display_name)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password (8 characters or more)").fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Signed in as")).to_be_visible()


def sign_in(page: Page, url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{url}/signin")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as")).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(nav_link(page, "Sign in")).to_be_visible()


def choose_tag_and_count(page: Page, tag: str, count: int) -> None:
    """Fill the Tags and Number of questions fields (quiz set-up, assignment form)."""
    body = main(page)
    body.get_by_test_id("stMultiSelect").filter(has_text="Tags").click()
    page.keyboard.type(tag)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    field = body.get_by_label("Number of questions")
    field.fill(str(count))
    field.press("Enter")
    expect(body.get_by_text(f"{count} questions match")).to_be_visible()
