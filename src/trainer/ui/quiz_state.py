"""Session-state keys shared by the quiz runner and the results view.

Only conveniences live here (which attempt this tab is running or has just finished, when an
item was first shown); everything that must survive a refresh is in the database.
"""

ACTIVE = "quiz.active_attempt"
FINISHED = "quiz.finished_attempt"
SHOWN = "quiz.shown_at"
NOTICE = "quiz.notice"  # a message from a button callback, shown once on the next draw
