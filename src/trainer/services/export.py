"""CSV exports of a cohort for spreadsheets: the roster, and every response (one row each).

Files are UTF-8 with a byte-order mark (so Excel reads accents and non-Latin names correctly),
comma-separated with CRLF line ends and a header row. Any text cell that a spreadsheet would
run as a formula — starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return — is
prefixed with a single quote (OWASP's advice against CSV injection: a learner could name
themselves ``=HYPERLINK(...)``). Numbers are written as numbers. Times are UTC,
``YYYY-MM-DD HH:MM:SS``, which spreadsheets recognise as dates.

The columns are documented in ``ROSTER_COLUMNS`` and ``RESPONSE_COLUMNS`` (shown on the
dashboard beside the download buttons). Access is checked as for the dashboard: only a teacher
of the cohort may export it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlmodel import Session

from trainer.content import QuestionBank
from trainer.content.schema import (
    LETTERS,
    Hotspot,
    Matching,
    MultipleSelect,
    Ordering,
    SingleChoice,
)
from trainer.db.models import Assignment, Attempt, Cohort, Response, User, utcnow
from trainer.services import analytics
from trainer.services.cohorts import NotAllowed, learner_ids, require_teacher

BOM = "\ufeff"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BATCH = 2000

ROSTER_COLUMNS: dict[str, str] = {
    "username": "sign-in name",
    "display_name": "name shown in the app",
    "joined_at_utc": "when the learner joined the cohort",
    "last_active_utc": "last quiz answer, flashcard review or sign-in",
    "answers": "quiz answers stored, all attempts",
    "accuracy_pct": "mean latest score over the questions answered, 0–100",
    "assignments_done": "assignments submitted by the due date",
    "assignments_late": "assignments submitted only after the due date",
    "assignments_missing": "assignments past due with nothing submitted",
    "assignments_failed": "assignments submitted on time below the pass mark",
    "average_assignment_score_pct": "mean of the best score of each submitted assignment, 0–100",
    "cards_reviewed_7d": "distinct flashcards reviewed in the last 7 days",
    "at_risk": "yes/no, by the rule on the dashboard",
    "at_risk_reasons": "which parts of the rule apply",
}

RESPONSE_COLUMNS: dict[str, str] = {
    "response_id": "unique id of the stored answer",
    "answered_at_utc": "when the answer was stored",
    "username": "sign-in name of the learner",
    "display_name": "name shown in the app",
    "attempt_id": "the quiz run the answer belongs to",
    "attempt_mode": "practice, exam, weak_spots or retry",
    "attempt_status": "in_progress, submitted or timed_out",
    "assignment_id": "the assignment, empty for self-chosen practice",
    "assignment_title": "title of the assignment",
    "item_id": "stable id of the question in the bank",
    "item_type": "single_choice, multiple_select, true_false, matching, ordering, "
                 "short_answer, hotspot or flashcard",
    "topic": "topic of the question",
    "prompt": "the question as the learner saw it (current wording)",
    "current_wording": "yes if answered to the current wording, no if it has changed since",
    "answer": "the answer in words (option letters and texts, regions, typed text)",
    "answer_raw": "the answer exactly as stored (JSON)",
    "correct": "1 when fully right, else 0",
    "score": "points for the answer, 0 to 1 (partial credit)",
    "time_seconds": "time from showing the question to answering, if measured",
}


def safe_cell(value: Any) -> Any:
    """A cell a spreadsheet will show, never execute: formula-like text gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _pct(value: float | None) -> float | str:
    return "" if value is None else round(100 * value, 1)


def _writer() -> tuple[io.StringIO, Any]:
    buffer = io.StringIO()
    return buffer, csv.writer(buffer, lineterminator="\r\n")


def _row(writer: Any, values: list[Any]) -> None:
    writer.writerow([safe_cell(v) for v in values])


def roster_csv(
    *, session: Session, bank: QuestionBank, user_id: int, cohort_id: int,
    now: datetime | None = None,
) -> bytes:
    """One row per learner with the dashboard's roster figures."""
    data = analytics.overview(session=session, bank=bank, user_id=user_id, cohort_id=cohort_id,
                              now=now or utcnow())
    buffer, writer = _writer()
    writer.writerow(list(ROSTER_COLUMNS))
    for r in data.roster:
        _row(writer, [r.username, r.display_name, _when(r.joined_at), _when(r.last_active),
                      r.answers, _pct(r.accuracy), r.done, r.late, r.missing, r.failed,
                      _pct(r.average_score), r.cards_reviewed_7d, "yes" if r.at_risk else "no",
                      "; ".join(r.reasons)])
    return (BOM + buffer.getvalue()).encode("utf-8")


def describe_answer_text(item: Any, answer: Any, bank: QuestionBank) -> str:
    """An answer in words for a spreadsheet reader (plain text, no markdown)."""
    if answer is None:
        return ""
    try:
        match item:
            case SingleChoice():
                return f"{LETTERS[answer]}. {item.options[answer]}"
            case MultipleSelect():
                return "; ".join(f"{LETTERS[i]}. {item.options[i]}" for i in sorted(answer))
            case Matching():
                return "; ".join(f"{left} -> {right}" for left, right in answer.items())
            case Ordering():
                return " -> ".join(answer)
            case Hotspot():
                return ", ".join(bank.regions[r].label if r in bank.regions else r for r in answer)
    except (IndexError, TypeError, AttributeError, KeyError):
        pass  # an answer to an older wording that no longer fits: the raw column has it
    if isinstance(answer, bool):
        return "true" if answer else "false"
    return str(answer)


def iter_responses_csv(
    *, session: Session, bank: QuestionBank, user_id: int, cohort_id: int,
    assignment_id: int | None = None,
) -> Iterator[str]:
    """The responses CSV in chunks (the BOM and header first), streamed from the database.

    Cohort scope: every answer of the cohort's learners (their own practice included, as on the
    dashboard). Assignment scope: the answers in attempts at that assignment.
    """
    require_teacher(session=session, user_id=user_id, cohort_id=cohort_id)
    if assignment_id is not None:
        owner = session.scalar(select(Assignment.cohort_id).where(Assignment.id == assignment_id))
        if owner != cohort_id:
            raise NotAllowed("That assignment is not part of this cohort.")
    query = (
        select(Response.id, Response.answered_at, User.username, User.display_name,
               Response.attempt_id, Attempt.mode, Attempt.status, Attempt.assignment_id,
               Assignment.title, Response.item_id, Response.topic, Response.content_hash,
               Response.answer, Response.correct, Response.score, Response.time_ms)
        .join(User, User.id == Response.user_id)
        .join(Attempt, Attempt.id == Response.attempt_id)
        .outerjoin(Assignment, and_(Assignment.id == Attempt.assignment_id,
                                    Assignment.cohort_id == cohort_id))
        .where(Response.user_id.in_(learner_ids(cohort_id)))
        .order_by(Response.answered_at, Response.id)
        .execution_options(yield_per=BATCH))
    if assignment_id is not None:
        query = query.where(Attempt.assignment_id == assignment_id)
    buffer, writer = _writer()
    buffer.write(BOM)
    writer.writerow(list(RESPONSE_COLUMNS))
    for n, (rid, when, username, name, attempt_id, mode, status, a_id, a_title, item_id,
            topic, content_hash, answer, correct, score, time_ms) in enumerate(
                session.execute(query), start=1):
        item = bank.by_id.get(item_id)
        current = item is not None and item.content_hash == content_hash
        _row(writer, [
            rid, _when(when), username, name, attempt_id, mode, status,
            a_id if a_title is not None else "", a_title or "", item_id,
            item.type if item else "", topic, analytics.prompt_of(item) if item else "",
            "yes" if current else "no",
            describe_answer_text(item, answer, bank) if current else "",
            json.dumps(answer, ensure_ascii=False), 1 if correct else 0, round(float(score), 4),
            round(time_ms / 1000, 1) if time_ms is not None else ""])
        if n % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def responses_csv(
    *, session: Session, bank: QuestionBank, user_id: int, cohort_id: int,
    assignment_id: int | None = None,
) -> bytes:
    return "".join(iter_responses_csv(session=session, bank=bank, user_id=user_id,
                                      cohort_id=cohort_id, assignment_id=assignment_id)
                   ).encode("utf-8")


def export_file_name(*, session: Session, cohort_id: int, what: str, now: datetime | None = None
                     ) -> str:
    """``nmt-level-1-roster-2026-03-01.csv``: what the instructor expects in Downloads."""
    name = session.scalar(select(Cohort.name).where(Cohort.id == cohort_id)) or "cohort"
    slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    while "--" in slug:
        slug = slug.replace("--", "-")
    return f"{slug or 'cohort'}-{what}-{(now or utcnow()):%Y-%m-%d}.csv"
