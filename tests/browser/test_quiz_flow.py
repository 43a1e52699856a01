"""A learner's whole loop in a real browser (issue: accounts, quiz runner, resume, history).

Sign up, run a five-question practice quiz (one of them answered on the body map), refresh in
the middle and resume, finish, read the results, sign out, sign in again and find the attempt
in the history. Runs against the mini bank so the scenario knows which questions it meets.
"""

from __future__ import annotations

import io
import re
import uuid

from PIL import Image
from playwright.sync_api import Page, expect

from trainer.content.loader import load_regions
from trainer.settings import PROJECT_ROOT
from trainer.ui.body_map import STATUS_COLOURS

from .helpers import choose_tag_and_count, main, nav_link, sign_in, sign_out, sign_up


def answer_current_question(page: Page) -> str:
    """Answer whichever core item is shown, correctly; return which kind it was."""
    body = main(page)
    expect(body.get_by_role("button", name="Check answer")).to_be_visible()
    text = body.inner_text()
    if "Which palpation grasps" in text:
        body.get_by_text("B. Pincer palpation").click()
        kind = "single"
    elif "Which are criteria" in text:
        for option in ("A. Taut band", "B. Spot tenderness", "D. Recognised pain"):
            body.get_by_text(option).click()
        kind = "multi"
    elif "Latent trigger points cause spontaneous pain" in text:
        body.get_by_text("False", exact=True).click()
        kind = "true_false"
    elif "What is the brief contraction" in text:
        box = body.get_by_label("Your answer")
        box.fill("  local twitch  RESPONSE")
        box.press("Enter")
        kind = "short"
    elif "Where does the soleus refer pain?" in text:
        click_region_on_body_map(page, "heel", "Heel")
        kind = "hotspot"
    else:
        raise AssertionError(f"unexpected question: {text[:300]}")
    check = body.get_by_role("button", name="Check answer")
    expect(check).to_be_enabled()
    check.click()
    expect(body.get_by_text(re.compile(r"^Correct"))).to_be_visible()
    return kind


def click_region_on_body_map(page: Page, name: str, label: str) -> None:
    """Mark a region by clicking its place on the back figure; the region list must follow.

    The pixel position is worked out from the region vocabulary: the figure's bounding box in
    canvas units is matched to the bounding box of its unmarked fill colour on screen.
    """
    body = main(page)
    charts = body.get_by_test_id("stVegaLiteChart")
    expect(charts).to_have_count(2)
    back = charts.nth(1)
    back.scroll_into_view_if_needed()
    page.wait_for_timeout(500)  # let Vega finish drawing
    box = back.bounding_box()
    assert box is not None
    image = Image.open(io.BytesIO(back.screenshot())).convert("RGB")
    fill = tuple(int(STATUS_COLOURS["none"][i:i + 2], 16) for i in (1, 3, 5))
    xs, ys = [], []
    width, height = image.size
    pixels = image.load()
    for y in range(0, height, 2):
        for x in range(0, width, 2):
            if sum(abs(a - b) for a, b in zip(pixels[x, y], fill, strict=True)) < 12:
                xs.append(x)
                ys.append(y)
    assert xs, "the back figure was not drawn"
    errors: list = []
    regions = load_regions(PROJECT_ROOT / "quizzes", errors)
    assert regions is not None and not errors
    points = [p for r in regions.regions for sh in r.shapes if sh.view == "back" for p in sh.points]
    ux0, ux1 = min(p[0] for p in points), max(p[0] for p in points)
    uy0, uy1 = min(p[1] for p in points), max(p[1] for p in points)
    target = next(sh for r in regions.regions if r.name == name for sh in r.shapes
                  if sh.view == "back")
    cx = sum(p[0] for p in target.points) / len(target.points)
    cy = sum(p[1] for p in target.points) / len(target.points)
    scale_x = image.size[0] / box["width"]
    px = min(xs) + (cx - ux0) * (max(xs) - min(xs)) / (ux1 - ux0)
    py = min(ys) + (cy - uy0) * (max(ys) - min(ys)) / (uy1 - uy0)
    page.mouse.click(box["x"] + px / scale_x, box["y"] + py / scale_x)
    expect(body.get_by_test_id("stMultiSelect")).to_contain_text(label)


def test_sign_up_quiz_refresh_resume_results_history(mini_app, page: Page) -> None:
    username = f"learner-{uuid.uuid4().hex[:6]}"
    sign_up(page, mini_app.url, username, "Browser Learner")

    nav_link(page, "Quiz").click()
    body = main(page)
    choose_tag_and_count(page, "core", 5)
    body.get_by_role("button", name="Start").click()

    kinds = []
    for n in range(1, 6):
        expect(body.get_by_text(f"Question {n} of 5")).to_be_visible()
        kinds.append(answer_current_question(page))
        if n == 2:
            page.reload()  # mid-quiz refresh: nothing may be lost
            expect(page.get_by_text("You have an unfinished quiz")).to_be_visible()
            expect(page.get_by_text("2 of 5 answered")).to_be_visible()
            page.get_by_role("button", name="Resume where I left off").click()
            expect(body.get_by_text("Question 2 of 5")).to_be_visible()
            expect(body.get_by_text(re.compile(r"^Correct"))).to_be_visible()
        button = "See my results" if n == 5 else "Next question"
        body.get_by_role("button", name=button).click()
    assert sorted(kinds) == ["hotspot", "multi", "short", "single", "true_false"]

    # four items right, the body map right on its essential zone only: 4 + 0.5 of 5 points
    expect(body.get_by_test_id("stMetric").filter(has_text="Score")).to_contain_text("90%")
    expect(body.get_by_test_id("stMetric").filter(has_text="Answered")).to_contain_text("5 / 5")

    sign_out(page)
    page.goto(f"{mini_app.url}/history")  # a typed URL while signed out: asked to sign in
    expect(page.get_by_text("Please sign in to use this page.")).to_be_visible()
    expect(main(page).get_by_role("combobox")).to_have_count(0)

    sign_in(page, mini_app.url, username)
    nav_link(page, "My history").click()
    expect(page.get_by_role("heading", name="My history")).to_be_visible()
    latest = main(page).get_by_role("combobox", name="Open the results of")
    expect(latest).to_have_value(re.compile(r"Practice: All topics · 90%$"))
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_wrong_password_is_refused_plainly(mini_app, page: Page) -> None:
    page.goto(f"{mini_app.url}/signin")
    page.get_by_label("Username").fill("demo-learner")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Wrong username or password.")).to_be_visible()
    expect(page.get_by_text("Signed in as")).to_have_count(0)
    assert "nmt_session" not in {c["name"] for c in page.context.cookies()}


def test_session_cookie_is_httponly_and_survives_reload(mini_app, page: Page) -> None:
    page.goto(f"{mini_app.url}/signin")
    page.get_by_label("Username").fill("demo-learner")
    page.get_by_label("Password").fill("learner-demo-2026")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as")).to_be_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == "nmt_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert "nmt_session" not in page.evaluate("document.cookie")
    page.reload()
    expect(page.get_by_text("Signed in as")).to_be_visible()
