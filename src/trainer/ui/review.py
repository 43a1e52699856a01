"""The flashcard page: pick a deck, see the front, show the answer, rate Again/Hard/Good/Easy.

Nothing about the review in progress lives only in the browser tab: the queue is rebuilt from
the database on every rerun, so a refresh lands on the same card (front side up, as in Anki).
Session state only remembers whether the answer is shown and since when the card has been on
screen (for the review's duration). Ratings go through button callbacks that carry the card
version the learner saw, so a double press or a stale tab stores one review.
"""

from __future__ import annotations

import re
import time

import streamlit as st

from trainer.content import QuestionBank
from trainer.content.schema import Flashcard
from trainer.db.engine import session_scope
from trainer.services import review as svc
from trainer.services.auth import CurrentUser
from trainer.ui.body_map import body_map_reference
from trainer.ui.resources import get_engine

REVEALED = "review.revealed"  # token of the card whose answer is shown
SHOWN = "review.shown"  # (token, monotonic time the card was first shown)
LAST = "review.last"  # what the previous rating did, for a one-line confirmation
DECK_KEY = "deck"  # also the query parameter (?deck=topic:atlas), so a refresh keeps the deck
DECK_URL = "review.deck_in_url"  # the deck this tab last wrote into the URL
_LABEL = re.compile(r"^([A-Z][A-Za-z -]{1,28}):\s+")
KIND_LABELS = {"new": "New card", "learning": "Learning", "review": "Review"}
RATING_SHORTCUTS = {svc.Rating.Again: "1", svc.Rating.Hard: "2", svc.Rating.Good: "3",
                    svc.Rating.Easy: "4"}
RATING_HELP = {
    svc.Rating.Again: "You did not remember: the card comes back in a few minutes.",
    svc.Rating.Hard: "You remembered, with real effort.",
    svc.Rating.Good: "You remembered after a moment's thought.",
    svc.Rating.Easy: "You remembered at once, effortlessly.",
}


def _token(card: svc.QueueCard) -> str:
    return f"{card.card_id}@{card.version}"


def review_page(user: CurrentUser, bank: QuestionBank) -> None:
    decks = svc.decks(bank)
    titles = {d.id: d.title for d in decks}
    if len(decks) == 1 and not decks[0].card_ids:
        st.info("The question bank has no flashcards yet.")
        return
    _sync_deck_from_url(titles)
    top = st.columns([3, 1], vertical_alignment="bottom")
    deck_id = top[0].selectbox(
        "Deck", list(titles), format_func=titles.__getitem__, key=DECK_KEY,
        help="A topic, a body region of the trigger-point atlas, a tag, or every card "
             "(All due). Type to search.")
    if st.query_params.get(DECK_KEY) != deck_id:
        st.query_params[DECK_KEY] = deck_id
    st.session_state[DECK_URL] = deck_id
    with top[1].popover("Study settings", icon=":material/tune:", width="stretch"):
        settings_form(user)
    with session_scope(get_engine()) as s:
        queue = svc.build_queue(session=s, bank=bank, user_id=user.id,
                                deck_id=deck_id or svc.ALL_DECK)
    counts(queue)
    last = st.session_state.pop(LAST, None)
    if last:
        st.caption(last)
    if queue.current is None:
        finished(queue)
        return
    show_card(user, bank, queue)


def _sync_deck_from_url(titles: dict[str, str]) -> None:
    """Take the deck from ``?deck=`` on a fresh tab (a refresh) or when a link names another
    deck (the progress page links to topic decks); otherwise keep the tab's own choice."""
    wanted = st.query_params.get(DECK_KEY)
    if DECK_KEY not in st.session_state or st.session_state[DECK_KEY] not in titles:
        st.session_state[DECK_KEY] = wanted if wanted in titles else svc.ALL_DECK
    elif wanted in titles and wanted != st.session_state.get(DECK_URL):
        st.session_state[DECK_KEY] = wanted


def counts(queue: svc.DueQueue) -> None:
    cols = st.columns(4)
    cols[0].metric("Left today", queue.total, help="New + learning + review cards still to do "
                   "today in this deck, within your daily limits.")
    cols[1].metric("New", queue.new, help=f"Unseen cards, introduced in bank order: "
                   f"{queue.new_today} of {queue.settings.new_cards_per_day} new cards a day "
                   "used so far (all decks).")
    cols[2].metric("Learning", queue.learning, help="Cards between learning steps today (or "
                   "rated Again): they come back in this session.")
    cols[3].metric("Review", queue.review, help=f"Cards due today: {queue.reviews_today} of "
                   f"{queue.settings.max_reviews_per_day} reviews a day done so far (all decks).")
    st.caption("A study day runs from 00:00 to 24:00 UTC: the daily limits reset and the next "
               "day's cards come due at midnight UTC.")


def finished(queue: svc.DueQueue) -> None:
    st.success("Congratulations! You have finished this deck for now.")
    notes = []
    if queue.later_today and queue.next_at:
        notes.append(f"{queue.later_today} card(s) in their learning steps come back later "
                     f"today, the first at {queue.next_at:%H:%M} UTC.")
    if queue.review_backlog:
        notes.append(f"{queue.review_backlog} more card(s) are due but the limit of "
                     f"{queue.settings.max_reviews_per_day} reviews a day is reached.")
    if queue.new_waiting and queue.settings.new_cards_per_day:
        notes.append(f"{queue.new_waiting} new card(s) wait for the next days "
                     f"({queue.settings.new_cards_per_day} new cards a day).")
    if queue.seen == queue.deck_size and not queue.later_today:
        notes.append("Every card of this deck has been studied; come back when they are due.")
    for note in notes:
        st.write(note)
    st.page_link("pages/progress.py", label="See your progress and the days ahead",
                 icon=":material/insights:")


def _reveal(token: str) -> None:
    st.session_state[REVEALED] = token


def _rate(user_id: int, bank: QuestionBank, card: svc.QueueCard, rating: svc.Rating) -> None:
    """Button callback: store the rating once (the version check ignores a second press)."""
    shown = st.session_state.get(SHOWN)
    duration = (int((time.monotonic() - shown[1]) * 1000)
                if shown and shown[0] == _token(card) else None)
    with session_scope(get_engine()) as s:
        done = svc.answer_card(session=s, bank=bank, user_id=user_id, card_id=card.card_id,
                               rating=rating, version=card.version, duration_ms=duration)
    st.session_state.pop(REVEALED, None)
    if done is not None:
        interval = svc.format_interval(done.card.due - svc.as_utc(None))
        st.session_state[LAST] = (f"Rated {svc.RATING_LABELS[rating]}: that card comes back "
                                  f"in {interval}.")


def _back(item: Flashcard, bank: QuestionBank) -> None:
    # Generated backs put one fact per line ("Refers to: ..."); Markdown needs hard breaks to
    # keep them apart, and the bold labels make the lines scannable.
    lines = [_LABEL.sub(r"**\1:** ", line.strip()) for line in item.back.splitlines()]
    st.markdown("  \n".join(lines))
    if not item.generated:  # a generated card's explanation restates its back from the atlas
        st.markdown(f"**Why:** {item.explanation}")
    st.caption(f"Source: {item.source}")


def show_card(user: CurrentUser, bank: QuestionBank, queue: svc.DueQueue) -> None:
    card = queue.current
    assert card is not None
    item = svc.flashcards(bank)[card.card_id]
    token = _token(card)
    shown = st.session_state.get(SHOWN)
    if not shown or shown[0] != token:
        st.session_state[SHOWN] = (token, time.monotonic())
    revealed = st.session_state.get(REVEALED) == token
    with st.container(border=True, key="review-card"):
        st.caption(f"{KIND_LABELS[card.kind]} · {bank.topic_title(item.topic)}")
        st.markdown(f"#### {item.front}")
        if not revealed:
            st.button("Show answer", type="primary", key="review.show", shortcut="Space",
                      on_click=_reveal, args=(token,))
            return
        st.divider()
        _back(item, bank)
        intervals = svc.next_intervals(queue, user_id=user.id)
        cols = st.columns(4)
        for col, rating in zip(cols, svc.RATINGS, strict=True):
            label = f"{svc.RATING_LABELS[rating]} · {svc.format_interval(intervals[rating])}"
            col.button(label, key=f"review.rate.{int(rating)}", width="stretch",
                       type="primary" if rating == svc.Rating.Good else "secondary",
                       shortcut=RATING_SHORTCUTS[rating], help=RATING_HELP[rating],
                       on_click=_rate, args=(user.id, bank, card, rating))
        if item.regions is not None:
            body_map_reference(bank.regions, bank.canvas, item.regions.essential,
                               item.regions.spillover)


def settings_form(user: CurrentUser) -> None:
    """Desired retention and the daily limits, saved as soon as they change."""
    with session_scope(get_engine()) as s:
        current = svc.get_study_settings(session=s, user_id=user.id)
    # Each widget starts from the stored value (``value=``, not seeded into session state: a
    # widget inside a popover that is mounted later would show its bare default instead).
    keys = {name: f"review.settings.{user.id}.{name}" for name in
            ("desired_retention", "new_cards_per_day", "max_reviews_per_day")}

    def save(name: str) -> None:
        try:
            with session_scope(get_engine()) as s:
                svc.update_study_settings(session=s, user_id=user.id,
                                          **{name: st.session_state[keys[name]]})
        except svc.ReviewError as exc:
            st.session_state["review.settings.error"] = str(exc)

    low, high = svc.DESIRED_RETENTION_RANGE
    st.slider("Desired retention", low, high, value=current.desired_retention, step=0.01,
              key=keys["desired_retention"],
              on_change=save, args=("desired_retention",),
              help="The chance of recalling a card that FSRS aims for when it is next due. "
                   "Higher means shorter intervals and more reviews (0.90 is the usual choice).")
    st.number_input("New cards per day", 0, svc.MAX_DAILY_LIMIT, current.new_cards_per_day, step=5,
                    key=keys["new_cards_per_day"], on_change=save, args=("new_cards_per_day",))
    st.number_input("Maximum reviews per day", 0, svc.MAX_DAILY_LIMIT, current.max_reviews_per_day,
                    step=10,
                    key=keys["max_reviews_per_day"], on_change=save,
                    args=("max_reviews_per_day",))
    error = st.session_state.pop("review.settings.error", None)
    if error:
        st.error(error)
    if current.fsrs_parameters:
        st.caption("Scheduling with FSRS parameters fitted to your own reviews.")
    else:
        st.caption("Scheduling with FSRS's default parameters.")
