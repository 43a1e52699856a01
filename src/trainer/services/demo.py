"""Demo accounts so that a fresh `make run` can be tried at once (README lists the sign-ins)."""

from __future__ import annotations

from sqlmodel import Session

from trainer.db.models import Role
from trainer.services.auth import create_user, get_user

DEMO_ACCOUNTS: tuple[tuple[str, str, str, str], ...] = (
    # username, password, display name, role
    ("demo-learner", "learner-demo-2026", "Demo Learner", Role.learner),
    ("demo-instructor", "instructor-demo-2026", "Demo Instructor", Role.instructor),
)


def seed_demo(*, session: Session) -> list[str]:
    """Create the demo accounts that are missing; running it twice changes nothing."""
    created = []
    for username, password, display_name, role in DEMO_ACCOUNTS:
        if get_user(session=session, username=username) is None:
            create_user(session=session, username=username, password=password,
                        display_name=display_name, role=role)
            created.append(username)
    return created
