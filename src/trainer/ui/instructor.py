"""The instructor's pages: managing cohorts and assignments, and the cohort dashboard.

Pages call ``require_role("instructor", "admin")`` first; everything here then goes through
trainer.services.cohorts / analytics / export, which check again that the instructor teaches the
cohort (a cohort id typed into the URL is refused there, not just hidden here).

The dashboard answers three questions before anything else — who is behind, which topics the
class has not got, which questions are broken — and keeps the detail in tabs that render only
when opened (``st.tabs`` bound to the URL, so a link can open a tab, a learner or a question).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import altair as alt
import streamlit as st

from trainer.content import QuestionBank
from trainer.content.schema import DIFFICULTIES
from trainer.db.engine import session_scope
from trainer.db.models import AttemptMode, utcnow
from trainer.services import analytics, export
from trainer.services import attempts as attempts_svc
from trainer.services import cohorts as svc
from trainer.services.auth import CurrentUser
from trainer.ui.cohort_map import cohort_body_map
from trainer.ui.items import escape_markdown, key_text
from trainer.ui.resources import get_engine

TABS = ("Roster", "Topics", "Assignments", "Questions", "Body map", "Learner", "Export")
STATUS_ORDER = ("passed", "late", "failed", "in progress", "not started", "missing")
STATUS_COLOURS = {"passed": "#009E73", "late": "#56B4E9", "failed": "#E69F00",
                  "in progress": "#0072B2", "not started": "#CFCAC4", "missing": "#D55E00"}
FLAG_ICON = "⚠"
FLAG_SHORT = {"negative discrimination: check the key": "check the key",
              "a distractor beats the key": "distractor beats key",
              "poor discrimination": "poor discrimination", "too hard": "too hard",
              "too easy": "too easy"}


# --- small helpers ---------------------------------------------------------------------------

def local_tz() -> tzinfo:
    """The browser's time zone (due dates are set and shown in it); UTC when unknown."""
    try:
        name = st.context.timezone
        return ZoneInfo(name) if isinstance(name, str) and name else UTC
    except Exception:  # no browser context, or an unknown zone name
        return UTC


def tz_name(tz: tzinfo) -> str:
    return getattr(tz, "key", None) or "UTC"


def fmt_when(when: datetime | None, tz: tzinfo | None = None) -> str:
    if when is None:
        return "never"
    return when.astimezone(tz or local_tz()).strftime("%a %d %b %Y, %H:%M")


def fmt_relative(when: datetime | None, now: datetime) -> str:
    """"in 3 days", "2 hours ago": how a due date or last activity is read at a glance."""
    if when is None:
        return "never"
    seconds = (when - now).total_seconds()
    future, seconds = seconds > 0, abs(seconds)
    if seconds < 3600:
        amount = f"{max(1, int(seconds // 60))} min"
    elif seconds < 2 * 86400:
        amount = f"{int(seconds // 3600)} h"
    else:
        amount = f"{int(seconds // 86400)} days"
    return f"in {amount}" if future else f"{amount} ago"


def pct(value: float | None) -> float | None:
    """0–1 share → 0–100 number for a dataframe column (None stays empty)."""
    return None if value is None else round(100 * value, 1)


def shorten(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _rows_height(rows: int, cap: int = 16) -> int:
    """A dataframe height showing every row up to ``cap`` (then it scrolls)."""
    return 35 * (min(rows, cap) + 1) + 3


def _error_box(exc: Exception) -> None:
    st.error(str(exc))


# --- cohorts and assignments (pages/cohorts.py) -------------------------------------------------

def cohorts_page(user: CurrentUser, bank: QuestionBank) -> None:
    with session_scope(get_engine()) as s:
        taught = svc.cohorts_taught(session=s, user_id=user.id)
    _create_cohort_form(user, expanded=not taught)
    if not taught:
        st.info("You teach no cohort yet. Create one above; learners join it with its code.")
        return
    cohort = _pick_cohort(taught, key="cohorts.pick")
    st.page_link("pages/dashboard.py", label=f"Open the dashboard of {cohort.name}",
                 icon=":material/monitoring:", query_params={"cohort": str(cohort.id)})
    tz = local_tz()
    code_col, info_col = st.columns([1, 2])
    with code_col, st.container(border=True):
        st.caption("Join code (learners enter it on *Join a class*)")
        st.markdown(f"## `{cohort.join_code}`")
        with st.popover("Rotate the code"):
            st.write("The current code stops working at once; learners already in the cohort "
                     "stay in it.")
            if st.button("Rotate now", key=f"cohorts.rotate.{cohort.id}", type="primary"):
                with session_scope(get_engine()) as s:
                    code = svc.rotate_join_code(session=s, user_id=user.id, cohort_id=cohort.id)
                st.session_state["cohorts.flash"] = f"New join code: {code}"
                st.rerun()
    with info_col:
        st.markdown(f"**{escape_markdown(cohort.name)}**"
                    + (f" · {escape_markdown(cohort.term)}" if cohort.term else ""))
        st.caption(f"{cohort.learners} learner(s) · {cohort.assignments} assignment(s) · "
                   f"taught by {escape_markdown(', '.join(cohort.instructors))}")
        if flash := st.session_state.pop("cohorts.flash", None):
            st.success(flash)
    assignments_tab, people_tab = st.tabs(["Assignments", "People"])
    with assignments_tab:
        _assignments_section(user, bank, cohort, tz)
    with people_tab:
        _people_section(user, cohort)


def _create_cohort_form(user: CurrentUser, *, expanded: bool) -> None:
    with st.expander("Create a cohort", expanded=expanded), \
            st.form("cohorts.create", clear_on_submit=True):
        name = st.text_input("Name", placeholder="NMT Level 1", max_chars=120,
                             key="cohorts.new.name")
        term = st.text_input("Term (optional)", placeholder="Spring 2026", max_chars=60,
                             key="cohorts.new.term")
        if st.form_submit_button("Create cohort", type="primary", key="cohorts.new.create"):
            try:
                with session_scope(get_engine()) as s:
                    cohort = svc.create_cohort(session=s, user_id=user.id, name=name, term=term)
                    cohort_id, code = cohort.id, svc.format_join_code(cohort.join_code)
            except svc.CohortError as exc:
                _error_box(exc)
                return
            st.session_state["cohorts.pick"] = cohort_id
            st.session_state["cohorts.flash"] = (f"Cohort created. Give your learners the join "
                                                 f"code {code}.")
            st.rerun()


def _pick_cohort(taught: Sequence[svc.CohortSummary], *, key: str) -> svc.CohortSummary:
    by_id = {c.id: c for c in taught}
    if st.session_state.get(key) not in by_id:
        wanted = st.query_params.get("cohort")
        st.session_state[key] = int(wanted) if wanted and wanted.isdigit() \
            and int(wanted) in by_id else taught[0].id
    chosen = st.selectbox(
        "Cohort", list(by_id), key=key,
        format_func=lambda i: f"{by_id[i].name}" + (f" · {by_id[i].term}" if by_id[i].term else "")
        + f" ({by_id[i].learners} learner{'' if by_id[i].learners == 1 else 's'})")
    st.query_params["cohort"] = str(chosen)
    return by_id[chosen]


def _people_section(user: CurrentUser, cohort: svc.CohortSummary) -> None:
    with session_scope(get_engine()) as s:
        people = svc.members(session=s, user_id=user.id, cohort_id=cohort.id)
    st.dataframe([{"Name": p.display_name, "Username": p.username, "Role": p.role,
                   "Joined": p.joined_at} for p in people], hide_index=True, width="stretch",
                 column_config={"Joined": st.column_config.DatetimeColumn(format="D MMM YYYY")})
    learners = [p for p in people if p.role == svc.MEMBER_LEARNER]
    remove_col, add_col = st.columns(2)
    with remove_col:
        st.markdown("**Remove someone**")
        who = st.selectbox("Person", [p.user_id for p in people], index=None,
                           format_func=lambda i: next(f"{p.display_name} ({p.username}, {p.role})"
                                                      for p in people if p.user_id == i),
                           key=f"people.remove.{cohort.id}", placeholder="Choose…")
        if who is not None and st.button("Remove from the cohort",
                                          key=f"people.remove.go.{cohort.id}"):
            try:
                with session_scope(get_engine()) as s:
                    svc.remove_member(session=s, user_id=user.id, cohort_id=cohort.id,
                                      member_id=who)
            except svc.CohortError as exc:
                _error_box(exc)
            else:
                st.session_state["cohorts.flash"] = "Removed. Their own history is kept."
                st.rerun()
        st.caption(f"{len(learners)} learner(s). Removing someone hides them from this cohort's "
                   "dashboard; their answers stay theirs.")
    with add_col:
        st.markdown("**Add a co-instructor**")
        username = st.text_input("Instructor's username", key=f"people.add.{cohort.id}")
        if st.button("Add co-instructor", key=f"people.add.go.{cohort.id}",
                     disabled=not username.strip()):
            try:
                with session_scope(get_engine()) as s:
                    added = svc.add_co_instructor(session=s, user_id=user.id,
                                                  cohort_id=cohort.id, username=username)
            except svc.CohortError as exc:
                _error_box(exc)
            else:
                st.session_state["cohorts.flash"] = f"{added.display_name} now co-teaches it."
                st.rerun()


def _assignments_section(user: CurrentUser, bank: QuestionBank, cohort: svc.CohortSummary,
                         tz: tzinfo) -> None:
    now = utcnow()
    with session_scope(get_engine()) as s:
        tasks = svc.assignments_of(session=s, user_id=user.id, cohort_id=cohort.id)
    if tasks:
        st.dataframe([{
            "Title": a.title, "Mode": a.mode, "Questions": svc.describe_spec(bank, a.spec),
            "Due": a.due_at.astimezone(tz), "Due in": fmt_relative(a.due_at, now),
            "Attempts": a.attempts_allowed, "Pass mark %": round(100 * a.pass_mark),
        } for a in tasks], hide_index=True, width="stretch", column_config={
            "Due": st.column_config.DatetimeColumn(format="ddd D MMM YYYY, HH:mm")})
        _edit_assignment(user, tasks, tz)
    else:
        st.info("No assignments yet: create the first one below.")
    with st.expander("New assignment", expanded=not tasks):
        _new_assignment_form(user, bank, cohort, tz)


def _edit_assignment(user: CurrentUser, tasks: Sequence[Any], tz: tzinfo) -> None:
    with st.expander("Change or delete an assignment"):
        by_id = {a.id: a for a in tasks}
        chosen = st.selectbox("Assignment", list(by_id), format_func=lambda i: by_id[i].title,
                              key="assign.edit.pick")
        task = by_id[chosen]
        local_due = task.due_at.astimezone(tz)
        cols = st.columns(4)
        day = cols[0].date_input("Due date", local_due.date(), key=f"assign.edit.day.{chosen}")
        hour = cols[1].time_input("Due time", local_due.time(), key=f"assign.edit.time.{chosen}")
        tries = cols[2].number_input("Attempts allowed", 1, svc.MAX_ATTEMPTS_ALLOWED,
                                     task.attempts_allowed, key=f"assign.edit.tries.{chosen}")
        mark = cols[3].number_input("Pass mark %", 0, 100, round(100 * task.pass_mark),
                                    key=f"assign.edit.mark.{chosen}")
        st.caption(f"Times are in {tz_name(tz)}.")
        save, delete = st.columns(2)
        if save.button("Save changes", key=f"assign.edit.save.{chosen}", type="primary"):
            try:
                with session_scope(get_engine()) as s:
                    svc.update_assignment(
                        session=s, user_id=user.id, assignment_id=chosen,
                        due_at=datetime.combine(day, hour, tz).astimezone(UTC),
                        attempts_allowed=int(tries), pass_mark=int(mark) / 100)
            except svc.CohortError as exc:
                _error_box(exc)
            else:
                st.session_state["cohorts.flash"] = f"“{task.title}” updated."
                st.rerun()
        with delete.popover("Delete"):
            st.write("Learners' attempts stay in their histories but no longer count for this "
                     "cohort.")
            if st.button("Delete the assignment", key=f"assign.edit.delete.{chosen}"):
                with session_scope(get_engine()) as s:
                    svc.delete_assignment(session=s, user_id=user.id, assignment_id=chosen)
                st.session_state["cohorts.flash"] = f"“{task.title}” deleted."
                st.rerun()


SOURCES = {
    "draw": "Drawn for each learner from the filters",
    "same": "The same questions for everyone (drawn once, now, from the filters)",
    "pick": "Questions I pick",
}


def _new_assignment_form(user: CurrentUser, bank: QuestionBank, cohort: svc.CohortSummary,
                         tz: tzinfo) -> None:
    k = f"assign.new.{cohort.id}"
    title = st.text_input("Title", key=f"{k}.title", max_chars=200,
                          placeholder="Week 3: neck and shoulder trigger points")
    mode = st.radio("Mode", list(svc.ASSIGNMENT_MODES), horizontal=True, key=f"{k}.mode",
                    format_func=lambda m: {"practice": "Practice (feedback after each question)",
                                           "exam": "Exam (timed, feedback at the end)"}[m])
    source = st.radio("Questions", list(SOURCES), format_func=SOURCES.__getitem__,
                      key=f"{k}.source")
    topics: list[str] = []
    tags: list[str] = []
    difficulties: list[str] = []
    picked: list[str] = []
    count = 10
    if source == "pick":
        questions = [i for i in bank.items if i.type != "flashcard"]
        labels = {i.id: f"{bank.topic_title(i.topic)} · {shorten(analytics.prompt_of(i), 80)}"
                  for i in questions}
        picked = st.multiselect("Questions (type to search)", list(labels),
                                format_func=labels.__getitem__, key=f"{k}.items",
                                filter_mode="contains")
    else:
        topics = st.multiselect("Topics (none = all)", sorted(bank.by_topic, key=bank.topic_title),
                                format_func=bank.topic_title, key=f"{k}.topics")
        cols = st.columns(3)
        tags = cols[0].multiselect("Tags (optional)", sorted(bank.by_tag), key=f"{k}.tags")
        difficulties = cols[1].multiselect("Difficulty (none = all)", list(DIFFICULTIES),
                                           key=f"{k}.difficulty")
        count = int(cols[2].number_input("Number of questions", 1, svc.MAX_ASSIGNMENT_ITEMS, 10,
                                         key=f"{k}.count"))
        spec = attempts_svc.QuizSpec(topics=tuple(topics), tags=tuple(tags),
                                     difficulties=tuple(difficulties), count=count)
        available = len(attempts_svc.matching_items(bank, spec))
        st.caption(f"{available} questions match; each attempt uses {min(available, count)}.")
    cols = st.columns(4)
    default_due = (datetime.now(tz) + timedelta(days=7)).date()
    day = cols[0].date_input("Due date", default_due, key=f"{k}.day")
    hour = cols[1].time_input("Due time", time(23, 59), key=f"{k}.time")
    tries = cols[2].number_input("Attempts allowed", 1, svc.MAX_ATTEMPTS_ALLOWED,
                                 1 if mode == AttemptMode.exam else 2, key=f"{k}.tries")
    mark = cols[3].number_input("Pass mark %", 0, 100, 70, key=f"{k}.mark")
    minutes = None
    if mode == AttemptMode.exam:
        minutes = int(st.number_input(
            "Time limit (minutes)", 1, 600,
            max(1, round((len(picked) or count) * attempts_svc.EXAM_PRESET_MINUTES
                         / attempts_svc.EXAM_PRESET_ITEMS)), key=f"{k}.minutes"))
    st.caption(f"Due at {hour:%H:%M} {tz_name(tz)}. Work handed in later is accepted and "
               "marked late.")
    if st.button("Create assignment", type="primary", key=f"{k}.create",
                 disabled=not title.strip() or (source == "pick" and not picked)):
        try:
            with session_scope(get_engine()) as s:
                created = svc.create_assignment(
                    session=s, bank=bank, user_id=user.id, cohort_id=cohort.id, title=title,
                    due_at=datetime.combine(day, hour, tz).astimezone(UTC), topics=topics,
                    tags=tags, difficulties=difficulties, count=count, item_ids=picked,
                    same_for_everyone=source == "same", mode=mode,
                    attempts_allowed=int(tries), pass_mark=int(mark) / 100, minutes=minutes)
                name = created.title
        except svc.CohortError as exc:
            _error_box(exc)
            return
        for suffix in ("title", "items", "topics", "tags", "difficulty"):
            st.session_state.pop(f"{k}.{suffix}", None)
        st.session_state["cohorts.flash"] = f"“{name}” assigned to {cohort.name}."
        st.rerun()


# --- the dashboard (pages/dashboard.py) ------------------------------------------------------

def dashboard_page(user: CurrentUser, bank: QuestionBank) -> None:
    with session_scope(get_engine()) as s:
        taught = svc.cohorts_taught(session=s, user_id=user.id)
    wanted = st.query_params.get("cohort")
    if wanted is not None and (not wanted.isdigit()
                               or int(wanted) not in {c.id for c in taught}):
        st.error(svc.NOT_ALLOWED)  # the service would refuse too; say it plainly, show nothing
        return
    if not taught:
        st.info("You teach no cohort yet.")
        st.page_link("pages/cohorts.py", label="Create a cohort", icon=":material/groups:")
        return
    cohort = _pick_cohort(taught, key="dash.cohort")
    now = utcnow()
    try:
        data, items, regions = load_dashboard(user.id, bank, cohort.id, now)
    except svc.NotAllowed as exc:
        st.error(str(exc))
        return
    if not data.roster:
        st.info(f"No learner has joined {cohort.name} yet. Give them the join code "
                f"**{cohort.join_code}** (they enter it on *Join a class*).")
        st.page_link("pages/cohorts.py", label="Manage the cohort", icon=":material/groups:")
        return
    _headline(data, items)
    _at_a_glance(cohort, data, items, regions, now)
    tabs = st.tabs(list(TABS), key="tab", bind="query-params")
    renderers = {
        "Roster": lambda: _roster_tab(cohort, data, now),
        "Topics": lambda: _topics_tab(data),
        "Assignments": lambda: _assignments_tab(cohort, data, now),
        "Questions": lambda: _questions_tab(user, bank, cohort, data, items),
        "Body map": lambda: _body_map_tab(bank, regions),
        "Learner": lambda: _learner_tab(user, bank, cohort, data, now),
        "Export": lambda: _export_tab(user, bank, cohort, data),
    }
    for name, tab in zip(TABS, tabs, strict=True):
        if tab.open:
            with tab:
                renderers[name]()


def load_dashboard(
    user_id: int, bank: QuestionBank, cohort_id: int, now: datetime
) -> tuple[analytics.Overview, list[analytics.ItemStat], list[analytics.RegionStat]]:
    """The overview and the item analysis (with the body map built on it), queried at the same
    time on two connections: they read different summaries and neither waits for the other.
    Both services check access; a refusal comes back as NotAllowed."""
    engine = get_engine()

    def overview() -> analytics.Overview:
        with session_scope(engine) as s:
            return analytics.overview(session=s, bank=bank, user_id=user_id,
                                      cohort_id=cohort_id, now=now)

    def questions() -> tuple[list[analytics.ItemStat], list[analytics.RegionStat]]:
        with session_scope(engine) as s:
            items = analytics.item_analysis(session=s, bank=bank, user_id=user_id,
                                            cohort_id=cohort_id, now=now)
            return items, analytics.region_knowledge(session=s, bank=bank, user_id=user_id,
                                                     cohort_id=cohort_id, items=items, now=now)

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.submit(overview), pool.submit(questions)
        data = first.result()
        items, regions = second.result()
    return data, items, regions


def _headline(data: analytics.Overview, items: Sequence[analytics.ItemStat]) -> None:
    roster = data.roster
    at_risk = sum(1 for r in roster if r.at_risk)
    due = [a for a in data.assignments if a.statuses.get("missing", 0) or a.submitted]
    completion = (sum(a.submitted for a in due) / sum(a.learners for a in due)) if due else None
    tried = [t.accuracy for t in data.topics if t.accuracy is not None]
    cols = st.columns(4)
    cols[0].metric("Learners", len(roster))
    cols[1].metric("At risk", f"{at_risk} of {len(roster)}", help=analytics.AT_RISK_RULE)
    cols[2].metric("Assignments handed in", "–" if completion is None else f"{completion:.0%}",
                   help="Share of (learner, assignment) pairs submitted, over assignments "
                        "that are due or have submissions.")
    cols[3].metric("Questions flagged", sum(1 for i in items if i.flags),
                   help=analytics.ITEM_RULES)
    if tried:
        st.caption(f"Accuracy across topics tried: {min(tried):.0%} to {max(tried):.0%}.")


def _link(label: str, cohort: svc.CohortSummary, **params: str) -> None:
    st.page_link("pages/dashboard.py", label=label,
                 query_params={"cohort": str(cohort.id), **params})


def _at_a_glance(cohort: svc.CohortSummary, data: analytics.Overview,
                 items: Sequence[analytics.ItemStat], regions: Sequence[analytics.RegionStat],
                 now: datetime) -> None:
    behind_col, topics_col, items_col = st.columns(3)
    with behind_col, st.container(border=True):
        st.markdown("#### Who is behind")
        behind = sorted((r for r in data.roster if r.at_risk),
                        key=lambda r: (-r.missing, -r.failed, r.last_active or datetime.min.replace(
                            tzinfo=UTC), r.display_name.lower()))
        if not behind:
            st.success("Nobody is at risk.")
        for r in behind[:6]:
            st.markdown(f"- **{escape_markdown(r.display_name)}**: "
                        f"{escape_markdown(', '.join(r.reasons))}")
        if len(behind) > 6:
            st.caption(f"…and {len(behind) - 6} more in the Roster tab.")
        st.caption(analytics.AT_RISK_RULE)
    with topics_col, st.container(border=True):
        st.markdown("#### Topics the class has not got")
        learners = len(data.roster)
        most = max(1, math.ceil(learners / 2))
        weak = [t for t in data.topics if t.accuracy is not None and t.tried >= most
                and t.accuracy < 0.7][:4]
        for t in weak:
            st.markdown(f"- **{escape_markdown(t.title)}**: {t.accuracy:.0%} right when tried; "
                        f"{t.struggling} of {t.tried} learners under 50%")
        if not weak:
            st.success("No topic under 70% among those most of the class has tried.")
        thin = [t.title for t in sorted(data.topics, key=lambda t: (t.tried, t.title))
                if t.tried < most]
        if thin:
            st.caption("Not yet tried by half the class: " + ", ".join(thin[:6])
                       + ("…" if len(thin) > 6 else ""))
        revisit = sorted((r for r in regions if r.band in ("weak", "shaky")),
                         key=lambda r: (r.knowledge or 0.0, r.label))
        if revisit:
            st.markdown("**Body regions to revisit:** " + ", ".join(
                f"{escape_markdown(r.label)} ({r.knowledge:.0%})" for r in revisit[:4]))
    with items_col, st.container(border=True):
        st.markdown("#### Questions to check")
        flagged = [i for i in items if i.flags and i.flags[0] in analytics.FLAG_ORDER[:4]]
        if not flagged:
            st.success("No question looks broken or misleading so far.")
        for stat in flagged[:5]:
            st.markdown(escape_markdown(shorten(stat.prompt, 110)))
            _link(f"{FLAG_ICON} {FLAG_SHORT.get(stat.flags[0], stat.flags[0])} · "
                  f"{stat.facility:.0%} · {stat.respondents} learners", cohort,
                  tab="Questions", item=stat.item_id)
        easy = sum(1 for i in items if i.flags == ("too easy",))
        more = f"{len(flagged) - 5} more, " if len(flagged) > 5 else ""
        st.caption(f"{more}{easy} only too easy. Rules and all questions in the Questions tab."
                   if flagged or easy else "Rules in the Questions tab.")


def _roster_tab(cohort: svc.CohortSummary, data: analytics.Overview, now: datetime) -> None:
    tz = local_tz()
    rows = sorted(data.roster, key=lambda r: (not r.at_risk, -r.missing, -r.failed,
                                               r.display_name.lower()))
    version = st.session_state.get("dash.roster.v", 0)
    key = f"dash.roster.{version}"
    uids = [r.user_id for r in rows]

    def open_learner() -> None:
        picked = st.session_state[key].selection.rows
        if picked:
            st.session_state["dash.learner"] = uids[picked[0]]
            st.session_state["tab"] = "Learner"
            st.session_state["dash.roster.v"] = version + 1  # a fresh table, nothing selected

    st.dataframe([{
        "Learner": r.display_name,
        "At risk": ", ".join(r.reasons) if r.at_risk else "",
        "Last active": r.last_active.astimezone(tz) if r.last_active else None,
        "Done": r.done, "Late": r.late, "Missing": r.missing,
        "Assignments": pct(r.average_score),
        "Accuracy": pct(r.accuracy),
        "Cards 7 d": r.cards_reviewed_7d,
    } for r in rows], hide_index=True, width="stretch", height=_rows_height(len(rows)),
        key=key, on_select=open_learner, selection_mode="single-row",
        column_config={
        "Learner": st.column_config.TextColumn(width=150, pinned=True),
        "At risk": st.column_config.TextColumn(width=180, help=analytics.AT_RISK_RULE),
        "Last active": st.column_config.DatetimeColumn(format="D MMM, HH:mm", width=105),
        "Done": st.column_config.NumberColumn(
            width=58, help="Assignments submitted by the due date"),
        "Late": st.column_config.NumberColumn(width=52, help="Submitted after the due date"),
        "Missing": st.column_config.NumberColumn(width=68, help="Past due, nothing submitted"),
        "Assignments": st.column_config.ProgressColumn(
            min_value=0, max_value=100, format="%.0f%%", width=105,
            help="Average assignment score: the best submitted score of each, averaged"),
        "Accuracy": st.column_config.ProgressColumn(
            min_value=0, max_value=100, format="%.0f%%", width=100,
            help="Latest score on each question answered, averaged"),
        "Cards 7 d": st.column_config.NumberColumn(
            width=78, help="Distinct flashcards reviewed in the last 7 days"),
    })
    st.caption(f"{analytics.AT_RISK_RULE} Click a row to open the learner's history; click a "
               "column header to sort.")


def _topics_tab(data: analytics.Overview) -> None:
    names = {r.user_id: r.display_name for r in data.roster}
    measure = st.radio("Colour by", ["accuracy", "mastery"], horizontal=True, key="dash.measure",
                       format_func={"accuracy": "Accuracy (of what they tried)",
                                    "mastery": "Mastery (as on their progress page)"}.get)
    titles = {t.topic: t.title for t in data.topics}
    order_topics = [t.title for t in data.topics]
    overall: dict[int, list[float]] = {}
    cells = []
    for c in data.cells:
        value = c.accuracy if measure == "accuracy" else c.mastery
        if value is not None:
            overall.setdefault(c.user_id, []).append(value)
        cells.append({"Learner": names.get(c.user_id, "?"), "Topic": titles.get(c.topic, c.topic),
                      "value": None if value is None else round(100 * value),
                      "tried": f"{c.answered}/{c.questions} questions, "
                               f"{c.studied}/{c.cards} cards"})
    order_people = [names[u] for u in sorted(
        names, key=lambda u: (sum(overall.get(u, [0])) / max(1, len(overall.get(u, [0]))),
                              names[u].lower()))]
    chart = alt.Chart(alt.Data(values=cells)).mark_rect(stroke="white", strokeWidth=1).encode(
        x=alt.X("Topic:N", sort=order_topics, title=None,
                axis=alt.Axis(labelAngle=-40, labelLimit=200, labelOverlap=False, orient="top")),
        y=alt.Y("Learner:N", sort=order_people, title=None,
                axis=alt.Axis(labelLimit=180, labelOverlap=False)),
        color=alt.Color("value:Q", title="%", scale=alt.Scale(
            domain=[0, 50, 100], range=["#D55E00", "#F0E442", "#009E73"]),
            legend=alt.Legend(orient="right", gradientLength=140)),
        tooltip=["Learner:N", "Topic:N", alt.Tooltip("value:Q", title="%"),
                 alt.Tooltip("tried:N", title="Tried")],
    ).properties(height=alt.Step(24))
    if len(order_people) > 25:
        with st.container(height=720, border=False):
            st.altair_chart(chart, width="stretch")
    else:
        st.altair_chart(chart, width="stretch")
    st.caption("Weakest learners at the top, weakest topics on the left; blank = nothing tried. "
               + analytics.MASTERY_RULE)
    st.dataframe([{
        "Topic": t.title, "Accuracy %": pct(t.accuracy), "Coverage %": pct(t.coverage),
        "Mastery %": pct(t.mastery), "Tried by": f"{t.tried} of {t.learners}",
        "Under 50%": t.struggling,
    } for t in data.topics], hide_index=True, width="stretch",
        height=_rows_height(len(data.topics)), column_config={
        c: st.column_config.ProgressColumn(min_value=0, max_value=100, format="%.0f%%")
        for c in ("Accuracy %", "Coverage %", "Mastery %")})


def _assignments_tab(cohort: svc.CohortSummary, data: analytics.Overview, now: datetime) -> None:
    if not data.assignments:
        st.info("No assignments yet.")
        st.page_link("pages/cohorts.py", label="Create one", icon=":material/assignment_add:")
        return
    tz = local_tz()
    status_rows = []
    for a in data.assignments:
        for status in STATUS_ORDER:
            if a.statuses.get(status):
                status_rows.append({"Assignment": a.title, "Status": status,
                                    "Learners": a.statuses[status]})
    titles = [a.title for a in data.assignments]
    st.altair_chart(alt.Chart(alt.Data(values=status_rows)).mark_bar().encode(
        y=alt.Y("Assignment:N", sort=titles, title=None, axis=alt.Axis(labelLimit=220)),
        x=alt.X("Learners:Q", stack="normalize", title="Share of learners",
                axis=alt.Axis(format="%")),
        color=alt.Color("Status:N", sort=list(STATUS_ORDER), scale=alt.Scale(
            domain=list(STATUS_ORDER), range=[STATUS_COLOURS[s] for s in STATUS_ORDER]),
            legend=alt.Legend(orient="bottom", title=None)),
        order=alt.Order("order:Q"),
        tooltip=["Assignment:N", "Status:N", "Learners:Q"],
    ).transform_calculate(order="indexof(" + str(list(STATUS_ORDER)) + ", datum.Status)")
        .properties(height=alt.Step(30)), width="stretch")
    st.dataframe([{
        "Assignment": a.title, "Due": a.due_at.astimezone(tz), "Mode": a.mode,
        "Handed in": round(100 * a.completion), "Passed": a.statuses.get("passed", 0),
        "Late": a.statuses.get("late", 0), "Missing": a.statuses.get("missing", 0),
        "Mean": pct(a.mean), "Median": pct(a.median), "Pass mark": round(100 * a.pass_mark),
    } for a in data.assignments], hide_index=True, width="stretch",
        height=_rows_height(len(data.assignments)), column_config={
        "Assignment": st.column_config.TextColumn(width=220),
        "Due": st.column_config.DatetimeColumn(format="D MMM, HH:mm", width=105),
        "Mode": st.column_config.TextColumn(width=70),
        "Handed in": st.column_config.ProgressColumn(min_value=0, max_value=100,
                                                     format="%.0f%%", width=100),
        **{c: st.column_config.NumberColumn(width=62) for c in ("Passed", "Late", "Missing")},
        **{c: st.column_config.NumberColumn(format="%.0f%%", width=70)
           for c in ("Mean", "Median", "Pass mark")}})
    by_id = {a.id: a for a in data.assignments}
    chosen = st.selectbox("Score distribution of", list(by_id), key="dash.assignment",
                          format_func=lambda i: by_id[i].title,
                          index=len(by_id) - 1 - next(
                              (n for n, a in enumerate(reversed(data.assignments))
                               if a.scores), 0))
    report = by_id[chosen]
    if not report.scores:
        st.info("Nobody has submitted it yet.")
    else:
        bins = [{"range": f"{10 * n}–{10 * (n + 1)}%", "from": 10 * n, "Learners": c}
                for n, c in enumerate(report.histogram)]
        bars = alt.Chart(alt.Data(values=bins)).mark_bar(color="#0072B2").encode(
            x=alt.X("from:Q", bin="binned", title="Score %", scale=alt.Scale(domain=[0, 100])),
            x2="to:Q", y=alt.Y("Learners:Q", title="Learners", axis=alt.Axis(tickMinStep=1)),
            tooltip=["range:N", "Learners:Q"],
        ).transform_calculate(to="datum.from + 10")
        rule = alt.Chart(alt.Data(values=[{"mark": 100 * report.pass_mark}])).mark_rule(
            color="#D55E00", strokeDash=[4, 3], size=2).encode(x="mark:Q")
        st.altair_chart((bars + rule).properties(height=220), width="stretch")
        st.caption(f"Best submitted score of each of the {len(report.scores)} learner(s) who "
                   f"handed it in; dashed line: pass mark {report.pass_mark:.0%}. Mean "
                   f"{report.mean:.0%}, median {report.median:.0%}.")
    _link("Analyse its questions", cohort, tab="Questions", scope=str(chosen))


def _questions_tab(user: CurrentUser, bank: QuestionBank, cohort: svc.CohortSummary,
                   data: analytics.Overview, cohort_items: Sequence[analytics.ItemStat]) -> None:
    scopes: dict[str, str] = {"all": "All the cohort's work (first answer of each learner)"}
    scopes.update({str(a.id): f"Assignment: {a.title} (first attempts)" for a in data.assignments})
    wanted = st.query_params.get("scope")
    if st.session_state.get("dash.scope") not in scopes:
        st.session_state["dash.scope"] = wanted if wanted in scopes else "all"
    scope = st.selectbox("Answers analysed", list(scopes), format_func=scopes.__getitem__,
                         key="dash.scope")
    items = list(cohort_items)
    if scope != "all":
        with session_scope(get_engine()) as s:
            items = analytics.item_analysis(session=s, bank=bank, user_id=user.id,
                                            cohort_id=cohort.id, assignment_id=int(scope))
    if not items:
        st.info("No answers to analyse yet.")
        return
    flagged_only = st.toggle("Only flagged questions", value=any(i.flags for i in items),
                             key="dash.flagged")
    shown = [i for i in items if i.flags] if flagged_only else items
    st.dataframe([{
        "Question": shorten(i.prompt, 120), "Flags": ", ".join(i.flags),
        "Facility": pct(i.facility),
        "Discrimination": None if i.discrimination is None else round(i.discrimination, 2),
        "Learners": i.respondents,
        "Topic": bank.topic_title(i.topic),
        "Time (s)": None if i.mean_seconds is None else round(i.mean_seconds),
        "Open": f"dashboard?cohort={cohort.id}&tab=Questions&item={i.item_id}"
                + (f"&scope={scope}" if scope != "all" else ""),
    } for i in shown], hide_index=True, width="stretch", height=_rows_height(len(shown)),
        column_config={
        "Question": st.column_config.TextColumn(width=280),
        "Flags": st.column_config.TextColumn(width=175),
        "Facility": st.column_config.ProgressColumn(min_value=0, max_value=100,
                                                    format="%.0f%%", width=90),
        "Discrimination": st.column_config.NumberColumn(format="%.2f", width=105),
        "Learners": st.column_config.NumberColumn(width=70),
        "Topic": st.column_config.TextColumn(width=110),
        "Time (s)": st.column_config.NumberColumn(width=65, help="Mean time to answer"),
        "Open": st.column_config.LinkColumn(display_text="open", width=55),
    })
    st.caption(analytics.ITEM_RULES)
    by_id = {i.item_id: i for i in items}
    want = st.query_params.get("item")
    default = want if want in by_id else (shown[0].item_id if shown else items[0].item_id)
    if st.session_state.get("dash.item") not in by_id:
        st.session_state["dash.item"] = default
    chosen = st.selectbox("Look at a question", list(by_id), key="dash.item",
                          format_func=lambda i: (f"{FLAG_ICON} " if by_id[i].flags else "")
                          + shorten(by_id[i].prompt, 100))
    _item_detail(bank, by_id[chosen])


def _item_detail(bank: QuestionBank, stat: analytics.ItemStat) -> None:
    item = bank.by_id[stat.item_id]
    with st.container(border=True):
        st.markdown(f"**{stat.prompt}**")  # bank content: authored, shown as on the quiz
        st.caption(f"{stat.item_id} · {bank.topic_title(stat.topic)} · "
                   f"{stat.type.replace('_', ' ')} · difficulty {item.difficulty}")
        cols = st.columns(4)
        cols[0].metric("Facility", f"{stat.facility:.0%}", help="Mean first-answer score")
        cols[1].metric("Discrimination", "–" if stat.discrimination is None
                       else f"{stat.discrimination:.2f}",
                       help="Correlation with the learner's score on the other questions")
        cols[2].metric("Learners", stat.respondents)
        cols[3].metric("All answers", f"{stat.all_answers_score:.0%}",
                       help=f"Mean score over all {stat.answers} answers, repeats included: "
                            "above the facility when learners improve on retries")
        for flag in stat.flags:
            st.warning(f"{flag}: {FLAG_ADVICE.get(flag, '')}")
        if stat.options:
            rows = [{"Option": f"{o.letter}. {shorten(o.text, 60)}", "Picked": o.picks,
                     "Share": o.share, "Key": "right answer" if o.correct else "distractor"}
                    for o in stat.options]
            st.altair_chart(alt.Chart(alt.Data(values=rows)).mark_bar().encode(
                y=alt.Y("Option:N", sort=None, title=None, axis=alt.Axis(labelLimit=320)),
                x=alt.X("Share:Q", axis=alt.Axis(format="%"), title="Share of first answers"),
                color=alt.Color("Key:N", scale=alt.Scale(
                    domain=["right answer", "distractor"], range=["#009E73", "#999999"]),
                    legend=alt.Legend(orient="bottom", title=None)),
                tooltip=["Option:N", "Picked:Q", alt.Tooltip("Share:Q", format=".0%")],
            ).properties(height=alt.Step(30)), width="stretch")
            unused = [o.letter for o in stat.options if not o.correct and o.picks == 0]
            if unused and stat.respondents >= analytics.MIN_RESPONDENTS:
                st.caption(f"Nobody picked {', '.join(unused)}: a distractor nobody chooses "
                           "does no work; consider a more plausible one.")
        st.markdown(f"**Right answer:** {key_text(item, bank)}")
        st.markdown(f"**Explanation:** {item.explanation}")
        st.caption(f"Source: {item.source}")


FLAG_ADVICE = {
    "negative discrimination: check the key": (
        "learners who do well elsewhere get this one wrong more often than weaker learners. "
        "The key may be wrong, or the wording may mislead those who know more."),
    "a distractor beats the key": (
        "a wrong option was picked more often than the right one: check the key and whether "
        "that option is defensible or the question ambiguous."),
    "too hard": "fewer than 30% score on it: check the key, the wording, and whether it was "
                "taught.",
    "poor discrimination": "it hardly separates learners who know the material from those "
                           "who do not (correlation under 0.2).",
    "too easy": "over 90% get it right: it measures little, though it may still be worth "
                "keeping as a confidence builder.",
}


def _body_map_tab(bank: QuestionBank, regions: Sequence[analytics.RegionStat]) -> None:
    with_data = [r for r in regions if r.knowledge is not None]
    if not with_data:
        st.info("No body-map answers or flashcard reviews yet.")
        return
    cohort_body_map(bank.regions, bank.canvas, regions)
    st.caption(analytics.REGION_RULE)
    st.dataframe([{
        "Region": r.label, "Knowledge %": pct(r.knowledge), "Band": r.band,
        "Body-map facility %": pct(r.facility), "Questions": r.hotspot_items,
        "Answers": r.hotspot_respondents, "Card recall %": pct(r.retrievability),
        "Studied cards": r.cards,
    } for r in sorted(with_data, key=lambda r: (r.knowledge, r.label))],  # type: ignore[arg-type, return-value]
        hide_index=True, width="stretch", column_config={
        "Knowledge %": st.column_config.ProgressColumn(min_value=0, max_value=100,
                                                       format="%.0f%%")})


def _learner_tab(user: CurrentUser, bank: QuestionBank, cohort: svc.CohortSummary,
                 data: analytics.Overview, now: datetime) -> None:
    people = {r.user_id: r for r in data.roster}
    wanted = st.query_params.get("learner")
    if st.session_state.get("dash.learner") not in people:
        first_risk = next((r.user_id for r in sorted(
            data.roster, key=lambda r: (not r.at_risk, -r.missing)) if r.at_risk), None)
        st.session_state["dash.learner"] = int(wanted) if wanted and wanted.isdigit() \
            and int(wanted) in people else first_risk or data.roster[0].user_id
    learner_id = st.selectbox("Learner", list(people), key="dash.learner",
                              format_func=lambda u: people[u].display_name
                              + (f" ({FLAG_ICON} at risk)" if people[u].at_risk else ""))
    try:
        with session_scope(get_engine()) as s:
            detail = analytics.learner_detail(session=s, bank=bank, user_id=user.id,
                                              cohort_id=cohort.id, learner_id=learner_id,
                                              now=now)
    except svc.NotAllowed as exc:
        st.error(str(exc))
        return
    row = people[learner_id]
    tz = local_tz()
    st.caption(f"{escape_markdown(detail.username)} · joined {fmt_when(row.joined_at, tz)} · "
               f"last active {fmt_relative(row.last_active, now)}"
               + (f" · at risk: {', '.join(row.reasons)}" if row.at_risk else ""))
    cols = st.columns(4)
    cols[0].metric("Answers", row.answers)
    cols[1].metric("Accuracy", "–" if row.accuracy is None else f"{row.accuracy:.0%}")
    cols[2].metric("Avg assignment", "–" if row.average_score is None
                   else f"{row.average_score:.0%}")
    cols[3].metric("Cards reviewed (7 d)", row.cards_reviewed_7d)
    left, right = st.columns(2)
    with left:
        st.markdown("**Assignments**")
        st.dataframe([{"Assignment": t, "Status": str(s), "Score": pct(sc)}
                      for t, s, sc in detail.assignments], hide_index=True, width="stretch",
                     column_config={"Score": st.column_config.NumberColumn(
                         format="%.0f%%", width="small")})
        st.markdown("**Topics**")
        st.dataframe([{"Topic": bank.topic_title(c.topic), "Accuracy": pct(c.accuracy),
                       "Mastery": pct(c.mastery)}
                      for c in detail.topics if c.answered or c.studied],
                     hide_index=True, width="stretch", column_config={
            "Topic": st.column_config.TextColumn(width="medium"),
            **{c: st.column_config.ProgressColumn(min_value=0, max_value=100, format="%.0f%%",
                                                  width="small")
               for c in ("Accuracy", "Mastery")}})
    with right:
        finished = [a for a in detail.attempts if a.finished_at and a.score is not None]
        if finished:
            st.markdown("**Scores over time**")
            st.altair_chart(alt.Chart(alt.Data(values=[
                {"finished": a.finished_at.isoformat(), "Score": round(100 * a.score),  # type: ignore[union-attr, operator]
                 "Quiz": a.title, "kind": "assignment" if a.assignment_id else "own practice"}
                for a in finished])).mark_circle(size=60).encode(
                x=alt.X("finished:T", title=None),
                y=alt.Y("Score:Q", scale=alt.Scale(domain=[0, 100]), title="Score %"),
                color=alt.Color("kind:N", title=None, legend=alt.Legend(orient="bottom")),
                tooltip=["Quiz:N", "Score:Q", "finished:T"]).properties(height=220),
                width="stretch")
        if detail.reviews_by_day:
            st.markdown("**Flashcard reviews, last 28 days**")
            st.altair_chart(alt.Chart(alt.Data(values=[
                {"day": d, "Reviews": n} for d, n in detail.reviews_by_day])).mark_bar().encode(
                x=alt.X("yearmonthdate(day):T", title=None,
                        scale=alt.Scale(domain=[(now - timedelta(days=28)).date().isoformat(),
                                                now.date().isoformat()]),
                        axis=alt.Axis(format="%d %b", tickCount=7)),
                y=alt.Y("Reviews:Q"), tooltip=[alt.Tooltip("day:T", format="%a %d %b"),
                                               "Reviews:Q"]).properties(height=160),
                width="stretch")
    st.markdown("**Quizzes**")
    st.dataframe([{
        "Started": a.started_at.astimezone(tz), "Quiz": a.title, "Mode": a.mode,
        "Status": a.status.replace("_", " "), "Answered": f"{a.answered}/{a.questions}",
        "Score": pct(a.score),
    } for a in detail.attempts], hide_index=True, width="stretch", column_config={
        "Started": st.column_config.DatetimeColumn(format="ddd D MMM, HH:mm"),
        "Score": st.column_config.NumberColumn(format="%.0f%%")})
    if detail.attempts:
        by_id = {a.id: a for a in detail.attempts}
        chosen = st.selectbox("Answers of", list(by_id), key=f"dash.attempt.{learner_id}",
                              format_func=lambda i: f"{fmt_when(by_id[i].started_at, tz)} · "
                                                    f"{by_id[i].title}")
        with session_scope(get_engine()) as s:
            answers = analytics.attempt_answers(session=s, bank=bank, user_id=user.id,
                                                cohort_id=cohort.id, attempt_id=chosen)
        st.dataframe([{
            "#": n, "Result": "right" if a.correct else "partly" if a.score > 0 else "wrong",
            "Question": shorten(a.prompt, 120),
            "Answer": export.describe_answer_text(bank.by_id.get(a.item_id), a.answer, bank)
            if a.answer is not None else "(not answered)",
            "Score": pct(a.score), "Time (s)": None if a.time_ms is None
            else round(a.time_ms / 1000),
        } for n, a in enumerate(answers, start=1)], hide_index=True, width="stretch",
            height=_rows_height(len(answers), cap=25), column_config={
            "#": st.column_config.NumberColumn(width="small"),
            "Result": st.column_config.TextColumn(width="small"),
            "Question": st.column_config.TextColumn(width="large"),
            "Answer": st.column_config.TextColumn(width="medium"),
            "Score": st.column_config.NumberColumn(format="%.0f%%", width="small"),
            "Time (s)": st.column_config.NumberColumn(width="small")})


def _export_tab(user: CurrentUser, bank: QuestionBank, cohort: svc.CohortSummary,
                data: analytics.Overview) -> None:
    """Download buttons whose files are built only when clicked (a callable ``data``)."""
    engine = get_engine()
    user_id, cohort_id = user.id, cohort.id

    def roster() -> bytes:
        with session_scope(engine) as s:
            return export.roster_csv(session=s, bank=bank, user_id=user_id, cohort_id=cohort_id)

    def responses(assignment_id: int | None = None) -> Any:
        def build() -> bytes:
            with session_scope(engine) as s:
                return export.responses_csv(session=s, bank=bank, user_id=user_id,
                                            cohort_id=cohort_id, assignment_id=assignment_id)
        return build

    with session_scope(engine) as s:
        names = {what: export.export_file_name(session=s, cohort_id=cohort_id, what=what)
                 for what in ("roster", "responses")}
    st.markdown("Spreadsheet files (CSV, UTF-8): Excel, LibreOffice and Google Sheets open "
                "them directly. Cells that would run as formulas are quoted.")
    cols = st.columns(2)
    cols[0].download_button("Roster (one row per learner)", roster, file_name=names["roster"],
                            mime="text/csv", icon=":material/download:", key="export.roster",
                            on_click="ignore")
    cols[1].download_button("All responses (one row per answer)", responses(),
                            file_name=names["responses"], mime="text/csv",
                            icon=":material/download:", key="export.responses",
                            on_click="ignore")
    if data.assignments:
        by_id = {a.id: a for a in data.assignments}
        chosen = st.selectbox("Responses of one assignment", list(by_id),
                              format_func=lambda i: by_id[i].title, key="export.assignment")
        st.download_button(f"Responses to “{by_id[chosen].title}”", responses(chosen),
                           file_name=names["responses"].replace(
                               "-responses-", f"-assignment-{chosen}-responses-"),
                           mime="text/csv", icon=":material/download:",
                           key=f"export.assignment.{chosen}", on_click="ignore")
    with st.expander("Columns of the roster file"):
        st.table([{"column": k, "meaning": v} for k, v in export.ROSTER_COLUMNS.items()])
    with st.expander("Columns of the responses files"):
        st.table([{"column": k, "meaning": v} for k, v in export.RESPONSE_COLUMNS.items()])
