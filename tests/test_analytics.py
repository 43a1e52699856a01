"""Every dashboard metric against a small cohort whose numbers are worked out by hand below.

The cohort: five learners (L1..L5) of one teacher, a sixth learner in another cohort and the
teacher's own answers (neither may count), a bank of six items (tests/fixtures written below),
a fixed clock. Answers to assignment A1 (first attempts; 1 = right, fractions = partial credit):

        single  tf  short  multi      multi answer   single answer
    L1    1     0     1     1         A,B,D          B
    L2    1     0     1     1         A,B,D          B
    L3    1     1     0     2/3       A,B            B
    L4    0     1     0     1/3       A              C
    L5    0     1     0     0         C              C

Everything else (the body-map item, retries, flashcards) is described where it is set up.
"""

from __future__ import annotations

import csv
import io
import math
import random
import shutil
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Card, Scheduler, State
from sqlalchemy import delete, select

from trainer.content import QuestionBank, load_bank
from trainer.db.engine import session_scope
from trainer.db.models import Attempt, ReviewCard, ReviewLog, User
from trainer.services import analytics as an
from trainer.services import attempts as att
from trainer.services import cohorts as co
from trainer.services import export, mastery
from trainer.settings import PROJECT_ROOT

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
A1_ITEMS = ("a.single", "a.tf", "a.short", "a.multi")

BANK_YAML = """
topic: ana
title: Analytics topic
items:
  - {id: a.single, type: single_choice, prompt: Which one?, options: [Aa, Bb, Cc, Dd],
     answer: B, explanation: B., source: S.}
  - {id: a.tf, type: true_false, statement: Latent points hurt at rest., answer: false,
     explanation: No., source: S.}
  - {id: a.short, type: short_answer, prompt: Twitch?, accepted: [LTR],
     explanation: LTR., source: S.}
  - {id: a.multi, type: multiple_select, prompt: Which three?, options: [Ww, Xx, Yy, Zz],
     answers: [A, B, D], explanation: A B D., source: S.}
"""
MAPS_YAML = """
topic: maps
title: Maps topic
items:
  - id: a.map
    type: hotspot
    prompt: Where does the soleus refer?
    regions: {essential: [heel], spillover: [calf]}
    explanation: Heel.
    source: S.
  - id: a.card
    type: flashcard
    front: Soleus?
    back: Heel.
    regions: {essential: [heel]}
    explanation: Heel.
    source: S.
"""


@pytest.fixture(scope="session")
def ana_bank(tmp_path_factory) -> QuestionBank:
    root = tmp_path_factory.mktemp("ana") / "quizzes"
    (root / "body").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "quizzes" / "body" / "regions.yaml", root / "body" / "regions.yaml")
    (root / "ana.yaml").write_text(BANK_YAML)
    (root / "maps.yaml").write_text(MAPS_YAML)
    return load_bank(root)


@dataclass
class World:
    engine: object
    bank: QuestionBank
    teacher: object
    learners: list
    outsider: object
    cohort: object
    a1: object
    a2: object


def _take(s, bank, user, answers, when, *, assignment=None, item_ids=None):
    if assignment is not None:
        attempt = co.start_assignment(session=s, bank=bank, user_id=user.id,
                                      assignment_id=assignment.id, now=when)
    else:
        attempt = att.start_attempt(session=s, bank=bank, user_id=user.id, now=when,
                                    spec=att.QuizSpec(item_ids=tuple(item_ids or answers)))
    for n, (item_id, answer) in enumerate(answers.items()):
        att.record_answer(session=s, bank=bank, user_id=user.id, attempt_id=attempt.id,
                          item_id=item_id, answer=answer, time_ms=10_000 * (n + 1),
                          now=when + timedelta(seconds=n))
    att.finish_attempt(session=s, user_id=user.id, attempt_id=attempt.id,
                       now=when + timedelta(minutes=5))
    return attempt


def _card(s, user, last_review, stability=10.0):
    card = Card(card_id=1, state=State.Review, stability=stability, difficulty=5.0,
                due=last_review + timedelta(days=stability), last_review=last_review)
    s.add(ReviewCard(user_id=user.id, card_id="a.card", topic="maps", card=card.to_dict(),
                     due=card.due, state=int(State.Review), stability=stability, difficulty=5.0,
                     last_review=last_review, reps=3, version=3))


@pytest.fixture
def world(engine, make_user, ana_bank) -> World:
    bank = ana_bank
    teacher, other_teacher = make_user("teacher", "instructor"), make_user("other", "instructor")
    learners = [make_user(f"learner{n}") for n in range(1, 6)]
    outsider = make_user("outsider")
    with session_scope(engine) as s:
        cohort = co.create_cohort(session=s, user_id=teacher.id, name="Level 1")
        elsewhere = co.create_cohort(session=s, user_id=other_teacher.id, name="Elsewhere")
        for learner in learners:
            co.join_cohort(session=s, user_id=learner.id, code=cohort.join_code)
        co.join_cohort(session=s, user_id=outsider.id, code=elsewhere.join_code)
        a1 = co.create_assignment(session=s, bank=bank, user_id=teacher.id, cohort_id=cohort.id,
                                  title="A1", due_at=NOW - timedelta(days=1), item_ids=A1_ITEMS,
                                  attempts_allowed=2, pass_mark=0.7)
        a2 = co.create_assignment(session=s, bank=bank, user_id=teacher.id, cohort_id=cohort.id,
                                  title="A2", due_at=NOW - timedelta(hours=2),
                                  item_ids=("a.map",), pass_mark=0.7)
    l1, l2, l3, l4, l5 = learners
    a1_answers = {
        l1: {"a.single": 1, "a.tf": True, "a.short": "LTR", "a.multi": [0, 1, 3]},
        l2: {"a.single": 1, "a.tf": True, "a.short": "ltr", "a.multi": [0, 1, 3]},
        l3: {"a.single": 1, "a.tf": False, "a.short": "no idea", "a.multi": [0, 1]},
        l4: {"a.single": 2, "a.tf": False, "a.short": "x", "a.multi": [0]},
        l5: {"a.single": 2, "a.tf": False, "a.short": "x", "a.multi": [2]},
    }
    with session_scope(engine) as s:
        for learner, answers in a1_answers.items():
            when = NOW - timedelta(days=9 if learner is l5 else 2)
            _take(s, bank, learner, answers, when, assignment=a1)
        # A2 (the body map): L1 right with the spill-over (1), L2 and L4 the essential zone only
        # (weighted overlap 1/1.5 = 2/3), L3 late and only the spill-over (0.5/1.5 = 1/3);
        # L5 never hands it in but answered the item in their own practice nine days ago (1).
        _take(s, bank, l1, {"a.map": ["heel", "calf"]}, NOW - timedelta(hours=5), assignment=a2)
        _take(s, bank, l2, {"a.map": ["heel"]}, NOW - timedelta(hours=5), assignment=a2)
        _take(s, bank, l4, {"a.map": ["heel"]}, NOW - timedelta(hours=4), assignment=a2)
        _take(s, bank, l3, {"a.map": ["calf"]}, NOW - timedelta(hours=1), assignment=a2)
        _take(s, bank, l5, {"a.map": ["heel", "calf"]}, NOW - timedelta(days=9))
        # L2 retries the A1 questions in their own practice a day later, all right: their
        # *latest* answers (mastery, accuracy) change, their *first* answers (item analysis) not.
        _take(s, bank, l2, {"a.single": 1, "a.tf": False, "a.short": "LTR",
                            "a.multi": [0, 1, 3]}, NOW - timedelta(days=1))
        # Noise that must not count: the outsider and the teacher answer everything wrongly.
        for stranger in (outsider, teacher):
            _take(s, bank, stranger, {"a.single": 0, "a.tf": True, "a.short": "?",
                                      "a.multi": [2], "a.map": ["sole"]}, NOW - timedelta(days=3))
        # Flashcard a.card (zone: heel), studied by all five: stability 10 days, last review
        # five days ago (L5: eight days ago). Review logs: L1 twice in the last 7 days (one
        # distinct card), L2 eight days ago, L3 only through a quiz.
        for learner in learners:
            _card(s, learner, NOW - timedelta(days=8 if learner is l5 else 5))
        _card(s, outsider, NOW - timedelta(days=60), stability=1.0)
        for learner, days, source in ((l1, 6, "review"), (l1, 5, "review"), (l2, 8, "review"),
                                      (l3, 4, "quiz")):
            s.add(ReviewLog(user_id=learner.id, card_id="a.card", rating=3,
                            reviewed_at=NOW - timedelta(days=days), source=source))
    return World(engine, bank, teacher, learners, outsider, cohort, a1, a2)


def approx(value, rel=1e-3, abs=1e-4):
    return pytest.approx(value, rel=rel, abs=abs)


# --- retrievability ------------------------------------------------------------------------------

def test_fsrs_retrievability_in_sql_matches_fsrs(engine, make_user) -> None:
    """R = (1 + F·t/S)^D, D = -0.1542, F = 0.9^(1/D) - 1 = 0.98040 (fsrs 6 defaults).
    S = 10, t = 5 days: (1 + 0.98040 × 0.5)^-0.1542 = 1.49020^-0.1542 = 0.94034."""
    user = make_user()
    with session_scope(engine) as s:
        for days, stability in ((5, 10.0), (8, 10.0), (0, 3.0), (40, 2.5)):
            s.add(ReviewCard(user_id=user.id, card_id=f"c{days}", topic="t", card={},
                             due=NOW, stability=stability, last_review=NOW - timedelta(
                                 days=days, hours=3)))
    scheduler = Scheduler()
    with session_scope(engine) as s:
        rows = s.execute(select(ReviewCard.card_id, ReviewCard.stability, ReviewCard.last_review,
                                an.retrievability_sql(s, NOW))).all()
    by_id = {card_id: r for card_id, *_, r in rows}
    assert by_id["c5"] == approx(0.94034)
    assert by_id["c8"] == approx(0.91459)  # 1.78432^-0.1542
    for card_id, stability, last, r in rows:
        expected = scheduler.get_card_retrievability(
            Card(card_id=1, state=State.Review, stability=stability, last_review=last), NOW)
        assert r == pytest.approx(expected, abs=1e-9), card_id


# --- roster, assignments, topics -------------------------------------------------------------------

def test_roster_by_hand(world) -> None:
    with session_scope(world.engine) as s:
        data = an.overview(session=s, bank=world.bank, user_id=world.teacher.id,
                           cohort_id=world.cohort.id, now=NOW)
    rows = {r.username: r for r in data.roster}
    assert set(rows) == {f"learner{n}" for n in range(1, 6)}  # no outsider, no teacher
    l1, l2, l3, l4, l5 = (rows[f"learner{n}"] for n in range(1, 6))
    # A1 scores: L1, L2 3/4 (passed); L3 (1+1+0+2/3)/4 = 2/3, L4 (0+1+0+1/3)/4 = 1/3,
    # L5 (0+1+0+0)/4 = 1/4 (failed). A2: L1 1 (passed), L2 and L4 2/3 (failed), L3 1/3 late.
    assert (l1.done, l1.late, l1.missing, l1.failed) == (2, 0, 0, 0)
    assert (l2.done, l2.late, l2.missing, l2.failed) == (2, 0, 0, 1)
    assert (l3.done, l3.late, l3.missing, l3.failed) == (1, 1, 0, 1)
    assert (l5.done, l5.late, l5.missing, l5.failed) == (1, 0, 1, 1)
    assert l1.average_score == approx((0.75 + 1) / 2)
    assert l2.average_score == approx((0.75 + 2 / 3) / 2)
    assert l3.average_score == approx((2 / 3 + 1 / 3) / 2)
    assert l4.average_score == approx((1 / 3 + 2 / 3) / 2)
    assert l5.average_score == approx(0.25)
    # accuracy: latest score of each question answered (flashcards excluded), averaged
    assert l1.accuracy == approx((1 + 0 + 1 + 1 + 1) / 5)
    assert l2.accuracy == approx((1 + 1 + 1 + 1 + 2 / 3) / 5)  # the retry counts
    assert l5.accuracy == approx((0 + 1 + 0 + 0 + 1) / 5)
    assert (l1.answers, l2.answers, l5.answers) == (5, 9, 5)
    assert [r.cards_reviewed_7d for r in (l1, l2, l3, l4, l5)] == [1, 0, 0, 0, 0]
    # last active: the latest answer or card review; L5: the card eight days ago
    assert l1.last_active == NOW - timedelta(hours=5) + timedelta(seconds=0)
    assert l5.last_active == NOW - timedelta(days=8)
    # at risk: L3 and L4 average 50%, L5 missing, 25% and inactive
    assert l1.reasons == () and l2.reasons == ()
    assert l3.reasons == ("average 50%",) and l4.reasons == ("average 50%",)
    assert l5.reasons == ("1 missing", "average 25%", "inactive 8 days")


def test_assignment_reports_by_hand(world) -> None:
    with session_scope(world.engine) as s:
        data = an.overview(session=s, bank=world.bank, user_id=world.teacher.id,
                           cohort_id=world.cohort.id, now=NOW)
    a1, a2 = data.assignments
    assert (a1.title, a1.learners, a1.submitted, a1.completion) == ("A1", 5, 5, 1.0)
    assert (a1.statuses["passed"], a1.statuses["failed"]) == (2, 3)
    assert a1.scores == approx([0.25, 1 / 3, 2 / 3, 0.75, 0.75])
    assert a1.histogram == (0, 0, 1, 1, 0, 0, 1, 2, 0, 0)
    assert a1.mean == approx(2.75 / 5) and a1.median == approx(2 / 3)
    assert {k: a2.statuses[k] for k in ("passed", "failed", "late", "missing")} == {
        "passed": 1, "failed": 2, "late": 1, "missing": 1}
    assert a2.completion == approx(4 / 5)
    assert a2.scores == approx([1 / 3, 2 / 3, 2 / 3, 1.0])
    assert an.histogram([0.0, 0.999, 1.0, 0.1]) == (1, 1, 0, 0, 0, 0, 0, 0, 0, 2)


def test_topic_mastery_by_hand_and_as_the_progress_page_computes_it(world) -> None:
    with session_scope(world.engine) as s:
        data = an.overview(session=s, bank=world.bank, user_id=world.teacher.id,
                           cohort_id=world.cohort.id, now=NOW)
        cells = {(c.user_id, c.topic): c for c in data.cells}
        l1 = world.learners[0]
        # L1, topic "ana": 4 questions, latest scores 1+0+1+1 = 3 → 3/4
        assert cells[(l1.id, "ana")].mastery == approx(0.75)
        # topic "maps": the body-map question (1) + the card's recall now (0.94034), over 2
        assert cells[(l1.id, "maps")].mastery == approx((1 + 0.94034) / 2)
        assert cells[(l1.id, "maps")].accuracy == approx((1 + 0.94034) / 2)
        # the progress page's own computation (trainer.services.mastery) gives the same numbers
        for learner in world.learners:
            theirs = {m.topic: m for m in mastery.topic_mastery(session=s, bank=world.bank,
                                                                user_id=learner.id, now=NOW)}
            for topic in ("ana", "maps"):
                mine = cells[(learner.id, topic)]
                assert mine.mastery == pytest.approx(theirs[topic].mastery, abs=1e-9)
                assert (mine.answered, mine.studied) == (theirs[topic].answered,
                                                         theirs[topic].studied)
    ana = next(t for t in data.topics if t.topic == "ana")
    # accuracy of "ana" per learner: .75, 1 (after the retry), 2/3, 1/3, 1/4 → mean 0.6
    assert ana.accuracy == approx(0.6) and ana.tried == 5 and ana.struggling == 2


# --- item analysis -----------------------------------------------------------------------------------

def test_item_analysis_of_the_assignment_by_hand(world) -> None:
    """Rest score y = the learner's mean on the other three A1 items.

    tf: x = [0,0,1,1,1], y = [1, 1, 5/9, 1/9, 0]; mean y = 8/15.
      Σdx·dy = -42/45, Σdx² = 1.2, Σdy² = 1820/2025 → r = -0.9333/√(1.2×0.89877) = -0.8987.
      Check with the point-biserial formula: (M1 - M0)/s·√(pq) = (2/9 - 1)/0.42397 × √0.24
      = -0.8987. Flag: n = 5, upper end of the 90% interval tanh(atanh(-0.8987) + 1.645/√2)
      = tanh(-0.3013) = -0.2925 < 0 → "negative discrimination: check the key".
    single: x = [1,1,1,0,0], y = [2/3, 2/3, 5/9, 4/9, 1/3] → Σdxdy = 13/45, Σdy² = 170/2025,
      r = 0.28889/√(1.2×0.083951) = 0.9102.
    short: x = [1,1,0,0,0], y = [2/3, 2/3, 8/9, 4/9, 1/3] → Σdxdy = 6/45, Σdy² = 380/2025,
      r = 0.13333/√(1.2×0.187654) = 0.2810 (upper end 0.896: no flag).
    multi: x = [1, 1, 2/3, 1/3, 0], y = [2/3, 2/3, 2/3, 1/3, 1/3] → r = 0.9102.
    """
    with session_scope(world.engine) as s:
        items = {i.item_id: i for i in an.item_analysis(
            session=s, bank=world.bank, user_id=world.teacher.id, cohort_id=world.cohort.id,
            assignment_id=world.a1.id, now=NOW)}
    assert set(items) == set(A1_ITEMS)
    expected = {"a.single": (0.6, 0.9102, 0.6), "a.tf": (0.6, -0.8987, 0.6),
                "a.short": (0.4, 0.2810, 0.4), "a.multi": (0.6, 0.9102, 0.4)}
    for item_id, (facility, r, fully) in expected.items():
        stat = items[item_id]
        assert stat.respondents == 5 and stat.answers == 5
        assert stat.facility == approx(facility), item_id
        assert stat.discrimination == approx(r), item_id
        assert stat.fully_correct == approx(fully), item_id
    assert items["a.tf"].flags == ("negative discrimination: check the key",)
    assert all(items[i].flags == () for i in ("a.single", "a.short", "a.multi"))
    # distractors: single B (key) 3, C 2; multi A 4, B 3, C 1, D 2 of 5 answers
    assert [(o.letter, o.picks, o.correct) for o in items["a.single"].options] == [
        ("A", 0, False), ("B", 3, True), ("C", 2, False), ("D", 0, False)]
    assert [o.share for o in items["a.multi"].options] == approx([0.8, 0.6, 0.2, 0.4])
    # mean time: the n-th answer of an attempt took n × 10 s
    assert items["a.single"].mean_seconds == approx(10) and items["a.multi"].mean_seconds == approx(40)
    # the flagged item sorts first
    with session_scope(world.engine) as s:
        ordered = an.item_analysis(session=s, bank=world.bank, user_id=world.teacher.id,
                                   cohort_id=world.cohort.id, assignment_id=world.a1.id, now=NOW)
    assert ordered[0].item_id == "a.tf"


def test_item_analysis_of_the_cohort_uses_first_answers(world) -> None:
    """Cohort scope: each learner's first answer per item, the body-map item included.

    map: x = [1, 2/3, 1/3, 2/3, 1] → facility 11/15 = 0.7333; y = the learner's mean first
    score on the four A1 items = [3/4, 3/4, 2/3, 1/3, 1/4] → r = -0.0722/√(0.3111×0.2306)
    = -0.2697. tf: first answers as in A1 (facility 0.6) but all answers include L2's right
    retry: 4 points in 6 answers = 0.6667.
    """
    with session_scope(world.engine) as s:
        items = {i.item_id: i for i in an.item_analysis(
            session=s, bank=world.bank, user_id=world.teacher.id, cohort_id=world.cohort.id)}
        data = an.overview(session=s, bank=world.bank, user_id=world.teacher.id,
                           cohort_id=world.cohort.id, now=NOW)
        again = {i.item_id: i for i in an.item_analysis(
            session=s, bank=world.bank, user_id=world.teacher.id, cohort_id=world.cohort.id,
            unit_totals=data.unit_totals)}
    assert set(items) == {*A1_ITEMS, "a.map"}  # the flashcard is not a test question
    assert items["a.map"].facility == approx(11 / 15)
    assert items["a.map"].discrimination == approx(-0.2697)
    assert items["a.map"].flags == ()  # weak evidence with five learners: no flag
    assert items["a.tf"].facility == approx(0.6) and items["a.tf"].answers == 6
    assert items["a.tf"].all_answers_score == approx(4 / 6)
    assert items == again  # the totals passed from the overview give the same result


def test_item_flags_rules() -> None:
    right = an.OptionStat("A", "a", True, 4, 0.4)
    wrong = an.OptionStat("B", "b", False, 6, 0.6)
    assert an.item_flags(respondents=4, facility=0.1, discrimination=-0.9) == ()
    assert an.item_flags(respondents=5, facility=0.95, discrimination=None) == ("too easy",)
    assert an.item_flags(respondents=5, facility=0.2, discrimination=None) == ("too hard",)
    assert an.item_flags(respondents=10, facility=0.5, discrimination=None,
                         options=[right, wrong]) == ("a distractor beats the key",)
    # discrimination needs clear evidence: the top of the 90% interval under the limit
    assert an.item_flags(respondents=8, facility=0.5, discrimination=0.1) == ()
    assert an.discrimination_upper(0.1, 300) == approx(math.tanh(math.atanh(0.1)
                                                                 + 1.645 / math.sqrt(297)))
    assert an.item_flags(respondents=300, facility=0.5, discrimination=0.1) == (
        "poor discrimination",)
    assert an.item_flags(respondents=300, facility=0.5, discrimination=0.15) == ()
    assert an.item_flags(respondents=300, facility=0.5, discrimination=-0.2) == (
        "negative discrimination: check the key",)
    assert an.pearson(3, 0, 0, 0, 0, 0) is None  # no spread: undefined, not zero


# --- body map ---------------------------------------------------------------------------------------

def test_region_knowledge_by_hand(world) -> None:
    """heel: body-map facility 11/15 = 0.7333 over 5 learners; card recall (4 × 0.94034 +
    0.91459)/5 = 0.93519 over 5 studied cards → knowledge = the lower = 0.7333 → shaky.
    calf is only the spill-over of the item: no data."""
    with session_scope(world.engine) as s:
        regions = {r.region: r for r in an.region_knowledge(
            session=s, bank=world.bank, user_id=world.teacher.id, cohort_id=world.cohort.id,
            now=NOW)}
    heel = regions["heel"]
    assert (heel.hotspot_items, heel.hotspot_respondents, heel.cards) == (1, 5, 5)
    assert heel.facility == approx(11 / 15)
    assert heel.retrievability == approx((4 * 0.94034 + 0.91459) / 5)
    assert heel.knowledge == approx(11 / 15) and heel.band == "shaky"
    assert regions["calf"].knowledge is None and regions["calf"].band == "none"
    thin = an.RegionStat("x", "X", 1, 4, 0.1, 2, 0.2)
    assert thin.knowledge is None  # fewer than 5 answers / cards: too thin to shade


# --- learner drill-down ----------------------------------------------------------------------------

def test_learner_detail(world) -> None:
    l2 = world.learners[1]
    with session_scope(world.engine) as s:
        detail = an.learner_detail(session=s, bank=world.bank, user_id=world.teacher.id,
                                   cohort_id=world.cohort.id, learner_id=l2.id, now=NOW)
        answers = an.attempt_answers(session=s, bank=world.bank, user_id=world.teacher.id,
                                     cohort_id=world.cohort.id, attempt_id=detail.attempts[-1].id)
    assert [a.title for a in detail.attempts][-1] == "A1" and len(detail.attempts) == 3
    assert detail.attempts[-1].score == approx(0.75)
    assert [(t, str(st), sc) for t, st, sc in detail.assignments] == [
        ("A1", "passed", approx(0.75)), ("A2", "failed", approx(2 / 3))]
    assert [(a.item_id, a.correct) for a in answers] == [
        ("a.single", True), ("a.tf", False), ("a.short", True), ("a.multi", True)]


# --- the summary table always equals a recomputation -------------------------------------------------

def test_summary_table_agrees_with_a_recomputation_after_every_kind_of_write(
        engine, make_user, ana_bank) -> None:
    """A seeded random walk of answers (out of time order too), changed exam answers, deleted
    attempts and a deleted learner; after each step the trigger-kept table must equal the
    recomputation from the raw responses."""
    rng = random.Random(6)
    users = [make_user(f"walker{n}") for n in range(3)]
    items = [*A1_ITEMS, "a.map"]
    answers = {"a.single": [0, 1, 2], "a.tf": [True, False], "a.short": ["LTR", "no"],
               "a.multi": [[0, 1, 3], [2], [0]], "a.map": [["heel"], ["calf"], ["sole"]]}
    open_exams: list[tuple[int, int]] = []
    for step in range(60):
        user = rng.choice(users)
        when = NOW - timedelta(minutes=rng.randint(0, 10_000))  # not in time order
        with session_scope(engine) as s:
            roll = rng.random()
            if roll < 0.55 or not open_exams:
                mode = rng.choice(["practice", "exam"])
                chosen = tuple(rng.sample(items, rng.randint(1, 4)))
                attempt = att.start_attempt(session=s, bank=ana_bank, user_id=user.id, now=when,
                                            spec=att.QuizSpec(item_ids=chosen, mode=mode,
                                                              minutes=10_000))
                for item_id in chosen:
                    att.record_answer(session=s, bank=ana_bank, user_id=user.id,
                                      attempt_id=attempt.id, item_id=item_id,
                                      answer=rng.choice(answers[item_id]),
                                      time_ms=rng.choice([None, 5000]), now=when)
                if mode == "exam":
                    open_exams.append((user.id, attempt.id))
            elif roll < 0.85:  # change an exam answer: an UPDATE of the response
                user_id, attempt_id = rng.choice(open_exams)
                attempt = s.get(Attempt, attempt_id)
                item_id = rng.choice(attempt.item_ids)
                att.record_answer(session=s, bank=ana_bank, user_id=user_id,
                                  attempt_id=attempt_id, item_id=item_id,
                                  answer=rng.choice(answers[item_id]),
                                  now=when + timedelta(days=rng.randint(-3, 3)))
            else:  # delete an attempt: its responses go by cascade
                user_id, attempt_id = open_exams.pop(rng.randrange(len(open_exams)))
                s.execute(delete(Attempt).where(Attempt.id == attempt_id))
        with session_scope(engine) as s:
            assert an.stored_item_stats(s) == an.recompute_item_stats(s), f"step {step}"
    with session_scope(engine) as s:
        s.execute(delete(User).where(User.id == users[0].id))  # a learner deleted: all cascades
    with session_scope(engine) as s:
        stored = an.stored_item_stats(s)
        assert stored == an.recompute_item_stats(s)
        assert stored and all(u != users[0].id for u, _ in stored)


def test_concurrent_answers_to_one_item_both_count(engine, make_user, ana_bank) -> None:
    """Two tabs answer the same item in two attempts at the same moment: neither is lost."""
    user = make_user()
    with session_scope(engine) as s:
        ids = [att.start_attempt(session=s, bank=ana_bank, user_id=user.id,
                                 spec=att.QuizSpec(item_ids=("a.single",))).id for _ in range(2)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def answer(attempt_id: int, choice: int) -> None:
        try:
            with session_scope(engine) as s:
                att.get_attempt(session=s, user_id=user.id, attempt_id=attempt_id)
                barrier.wait(timeout=10)
                att.record_answer(session=s, bank=ana_bank, user_id=user.id,
                                  attempt_id=attempt_id, item_id="a.single", answer=choice)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=answer, args=(i, c)) for i, c in zip(ids, (1, 0),
                                                                           strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors and engine.dialect.name == "sqlite":
        pytest.skip(f"SQLite refused the concurrent write: {errors[0]}")  # one writer at a time
    assert not errors, errors
    with session_scope(engine) as s:
        stats = an.stored_item_stats(s)
        assert stats == an.recompute_item_stats(s)
        assert stats[(user.id, "a.single")][1] == 2  # answers


# --- export -------------------------------------------------------------------------------------------

def test_roster_csv_is_spreadsheet_safe(world) -> None:
    with session_scope(world.engine) as s:
        s.get(User, world.learners[0].id).display_name = "=HYPERLINK(\"http://x\")"
        s.get(User, world.learners[1].id).display_name = "Zoë Ilıcak"
    with session_scope(world.engine) as s:
        raw = export.roster_csv(session=s, bank=world.bank, user_id=world.teacher.id,
                                cohort_id=world.cohort.id, now=NOW)
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0]) == list(export.ROSTER_COLUMNS)
    by_user = {r["username"]: r for r in rows}
    assert by_user["learner1"]["display_name"] == "'=HYPERLINK(\"http://x\")"
    assert by_user["learner2"]["display_name"] == "Zoë Ilıcak"
    assert by_user["learner5"]["at_risk"] == "yes"
    assert by_user["learner5"]["at_risk_reasons"] == "1 missing; average 25%; inactive 8 days"
    assert by_user["learner1"]["average_assignment_score_pct"] == "87.5"
    assert b"\r\n" in raw


def test_responses_csv_one_row_per_response(world) -> None:
    with session_scope(world.engine) as s:
        everything = export.responses_csv(session=s, bank=world.bank, user_id=world.teacher.id,
                                          cohort_id=world.cohort.id)
        a1 = export.responses_csv(session=s, bank=world.bank, user_id=world.teacher.id,
                                  cohort_id=world.cohort.id, assignment_id=world.a1.id)
    rows = list(csv.DictReader(io.StringIO(everything.decode("utf-8-sig"))))
    assert list(rows[0]) == list(export.RESPONSE_COLUMNS)
    # 5 × 4 (A1) + 4 (A2) + 1 (L5's practice) + 4 (L2's retry); no outsider, no teacher
    assert len(rows) == 29
    assert {r["username"] for r in rows} == {f"learner{n}" for n in range(1, 6)}
    a1_rows = list(csv.DictReader(io.StringIO(a1.decode("utf-8-sig"))))
    assert len(a1_rows) == 20 and {r["assignment_title"] for r in a1_rows} == {"A1"}
    short = next(r for r in a1_rows if r["username"] == "learner4" and r["item_id"] == "a.multi")
    assert (short["answer"], short["correct"], short["score"]) == ("A. Ww", "0", "0.3333")
    assert short["answer_raw"] == "[0]" and short["current_wording"] == "yes"
    assert short["answered_at_utc"] == (NOW - timedelta(days=2, seconds=-3)).strftime(
        "%Y-%m-%d %H:%M:%S")
    typed = next(r for r in a1_rows if r["username"] == "learner5" and r["item_id"] == "a.short")
    assert typed["answer"] == "x" and typed["time_seconds"] == "30.0"


def test_formula_prefixes_are_quoted() -> None:
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert export.safe_cell(text) == "'" + text
    assert export.safe_cell("plain") == "plain" and export.safe_cell(-1.5) == -1.5


def test_exports_are_refused_to_other_teachers(world, make_user) -> None:
    stranger = make_user("stranger", "instructor")
    with session_scope(world.engine) as s:
        with pytest.raises(co.NotAllowed):
            export.roster_csv(session=s, bank=world.bank, user_id=stranger.id,
                              cohort_id=world.cohort.id)
        with pytest.raises(co.NotAllowed):
            export.responses_csv(session=s, bank=world.bank, user_id=stranger.id,
                                 cohort_id=world.cohort.id)


def test_recompute_is_not_trivially_equal(engine, make_user, ana_bank) -> None:
    """The agreement test can fail: tamper with the summary and the two differ."""
    user = make_user()
    with session_scope(engine) as s:
        _take(s, ana_bank, user, {"a.single": 1}, NOW)
    with session_scope(engine) as s:
        from sqlalchemy import update

        from trainer.db.models import LearnerItemStats
        s.execute(update(LearnerItemStats).values(answers=LearnerItemStats.answers + 1))
    with session_scope(engine) as s:
        assert an.stored_item_stats(s) != an.recompute_item_stats(s)


def test_item_analysis_when_every_learner_answered_one_question(engine, make_user,
                                                                 ana_bank) -> None:
    """No learner has a rest score: facility still counts, discrimination is undefined (and
    PostgreSQL must not mistake the all-NULL totals for text)."""
    teacher = make_user("teacher", "instructor")
    with session_scope(engine) as s:
        cohort = co.create_cohort(session=s, user_id=teacher.id, name="Tiny")
    for n, answer in enumerate((1, 1, 0)):
        learner = make_user(f"solo{n}")
        with session_scope(engine) as s:
            co.join_cohort(session=s, user_id=learner.id, code=cohort.join_code)
            _take(s, ana_bank, learner, {"a.single": answer}, NOW)
    with session_scope(engine) as s:
        (stat,) = an.item_analysis(session=s, bank=ana_bank, user_id=teacher.id,
                                   cohort_id=cohort.id)
    assert stat.facility == approx(2 / 3) and stat.discrimination is None
    assert [o.picks for o in stat.options] == [1, 2, 0, 0]


def test_upgrading_a_database_with_answers_backfills_the_summary(empty_db_url) -> None:
    """Migration 0003 summarises the answers already stored (its own SQL, not the triggers)."""
    from sqlalchemy import insert

    from trainer.db import migrate
    from trainer.db.engine import make_engine
    from trainer.db.models import Response

    migrate.upgrade(empty_db_url, "0002")
    engine = make_engine(empty_db_url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(User), [{"id": n, "username": f"old{n}", "display_name": "Old",
                                         "password_hash": "x", "role": "learner",
                                         "created_at": NOW, "failed_logins": 0}
                                        for n in (1, 2)])
            conn.execute(insert(Attempt), [{"id": n, "user_id": 1 + n % 2, "mode": "practice",
                                            "status": "submitted", "title": "t",
                                            "item_ids": ["a.single", "a.tf"], "settings": {},
                                            "flagged": [], "position": 0, "started_at": NOW}
                                           for n in range(1, 5)])
            conn.execute(insert(Response), [
                {"attempt_id": a, "user_id": 1 + a % 2, "item_id": item, "content_hash": "h",
                 "topic": "ana", "answer": ans, "correct": ok, "score": float(ok),
                 "time_ms": t, "answered_at": NOW - timedelta(minutes=10 * a)}
                for a, item, ans, ok, t in ((1, "a.single", 1, True, 900), (2, "a.single", 0,
                                            False, None), (3, "a.single", 2, False, 500),
                                            (3, "a.tf", True, False, 700), (4, "a.tf", False,
                                                                            True, None))])
        migrate.upgrade(empty_db_url)
        with session_scope(engine) as s:
            stored = an.stored_item_stats(s)
            assert stored == an.recompute_item_stats(s) and len(stored) == 4
            # user 2 answered a.single in attempts 1 (NOW-10 min, right) and 3 (NOW-30 min):
            # first = attempt 3's answer 2, latest = attempt 1's right answer
            values = dict(zip(an.STATS_COLUMNS, stored[(2, "a.single")], strict=True))
            assert (values["answers"], values["first_answer"], values["last_score"]) == (
                2, 2, 1.0)
            assert (values["time_ms_sum"], values["time_ms_count"]) == (1400, 2)
    finally:
        engine.dispose()
