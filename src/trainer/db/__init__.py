"""Persistence: SQLModel tables, the engine factory and Alembic migrations."""

from trainer.db.engine import get_engine, make_engine, session_scope
from trainer.db.models import Attempt, AttemptMode, AttemptStatus, AuthSession, Response, Role, User

__all__ = [
    "Attempt", "AttemptMode", "AttemptStatus", "AuthSession", "Response", "Role", "User",
    "get_engine", "make_engine", "session_scope",
]
