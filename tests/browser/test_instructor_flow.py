"""An instructor and a learner in a real browser (issue: cohorts, assignments, dashboard, export).

The instructor creates a cohort and an assignment; a new learner joins with the code shown on
the instructor's page and completes the assignment; the instructor sees the result on the
dashboard and downloads the roster and the responses as CSV. A learner who types the
dashboard's address gets nothing. Runs on the mini bank so the questions are known.
"""

from __future__ import annotations

import csv
import io
import re
import uuid

from playwright.sync_api import Page, expect

from .helpers import PASSWORD, choose_tag_and_count, main, nav_link, sign_in, sign_out
from .test_quiz_flow import answer_current_question

CODE = re.compile(r"^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$")


def download(page: Page, button: str) -> list[dict[str, str]]:
    with page.expect_download() as info:
        main(page).get_by_role("button", name=button).click()
    raw = info.value.path().read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "a spreadsheet needs the UTF-8 byte-order mark"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_cohort_assignment_join_complete_dashboard_export(mini_app, page: Page) -> None:
    url, cohort_name = mini_app.url, f"Browser class {uuid.uuid4().hex[:4]}"
    body = main(page)

    # the instructor creates a cohort and an assignment
    sign_in(page, url, "demo-instructor", "instructor-demo-2026")
    nav_link(page, "Cohorts").click()
    body.get_by_text("Create a cohort").click()
    body.get_by_label("Name").fill(cohort_name)
    body.get_by_role("button", name="Create cohort").click()
    expect(body.get_by_text("Give your learners the join code")).to_be_visible()
    code = body.get_by_text(CODE).inner_text().strip()
    body.get_by_label("Title").fill("Browser homework")
    choose_tag_and_count(page, "alpha", 2)
    body.get_by_role("button", name="Create assignment").click()
    expect(body.get_by_text(f"“Browser homework” assigned to {cohort_name}")).to_be_visible()
    sign_out(page)

    # a new learner joins with the code and completes the assignment
    learner = f"joiner-{uuid.uuid4().hex[:6]}"
    page.goto(f"{url}/signup")
    page.get_by_label("Display name").fill("Jo Joiner")
    page.get_by_label("Username").fill(learner)
    page.get_by_label("Password (8 characters or more)").fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Signed in as")).to_be_visible()
    nav_link(page, "Join a class").click()
    body.get_by_label("Join code").fill(code.lower().replace("-", " "))
    body.get_by_role("button", name="Join").click()
    expect(body.get_by_text(f"You joined {cohort_name}")).to_be_visible()
    nav_link(page, "Home").click()
    card = body.locator("[class*='st-key-assignment-']").filter(has_text="Browser homework")
    expect(card).to_contain_text("not started")
    card.get_by_role("button", name="Start").click()
    for n in (1, 2):
        expect(body.get_by_text(f"Question {n} of 2")).to_be_visible()
        assert answer_current_question(page) in ("single", "multi")
        body.get_by_role("button", name="See my results" if n == 2 else "Next question").click()
    expect(body.get_by_test_id("stMetric").filter(has_text="Score")).to_contain_text("100%")
    nav_link(page, "Home").click()
    body.get_by_text("Handed in (1)").click()
    expect(card).to_contain_text("passed")
    expect(card).to_contain_text("best score 100%")

    # a learner who types the dashboard's address gets a plain "not allowed" and no data
    page.goto(f"{url}/dashboard")
    expect(main(page).get_by_text("You are not allowed to see this page.")).to_be_visible()
    expect(main(page).get_by_test_id("stMetric")).to_have_count(0)
    expect(main(page).get_by_test_id("stDataFrame")).to_have_count(0)
    expect(nav_link(page, "Cohort dashboard")).to_have_count(0)
    sign_out(page)

    # the instructor sees the result and downloads the CSV files
    sign_in(page, url, "demo-instructor", "instructor-demo-2026")
    nav_link(page, "Cohort dashboard").click()
    expect(body.get_by_role("combobox", name="Cohort")).to_have_value(
        re.compile(re.escape(cohort_name)))
    expect(body.get_by_test_id("stMetric").filter(has_text="Learners")).to_contain_text("1")
    expect(body.get_by_test_id("stMetric").filter(has_text="At risk")).to_contain_text("0 of 1")
    expect(body.get_by_text("Nobody is at risk.")).to_be_visible()
    body.get_by_role("tab", name="Learner").click()
    expect(body.get_by_test_id("stMetric").filter(has_text="Avg assignment")).to_contain_text(
        "100%")
    body.get_by_role("tab", name="Export").click()
    roster = download(page, "Roster (one row per learner)")
    assert [(r["username"], r["display_name"], r["assignments_done"],
             r["average_assignment_score_pct"]) for r in roster] == [
        (learner, "Jo Joiner", "1", "100.0")]
    responses = download(page, "All responses (one row per answer)")
    assert sorted(r["item_id"] for r in responses) == ["mini.multi", "mini.single"]
    assert {r["assignment_title"] for r in responses} == {"Browser homework"}
    assert all(r["correct"] == "1" for r in responses)
    expect(page.get_by_test_id("stException")).to_have_count(0)
