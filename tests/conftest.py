"""Shared fixtures: a fresh, migrated database on SQLite and on PostgreSQL for every test.

The PostgreSQL leg skips loudly on a laptop without a server, but fails when
TRAINER_REQUIRE_POSTGRES=1 (as .ci/run sets it): CI must never skip it silently.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from trainer.content import QuestionBank, load_bank
from trainer.db import migrate
from trainer.db.engine import make_engine
from trainer.settings import PROJECT_ROOT

PG_ADMIN_URL = os.environ.get(
    "TRAINER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("TRAINER_REQUIRE_POSTGRES") == "1"
BACKENDS = ["sqlite", "postgres"]


def _pg_reachable() -> str | None:
    try:
        eng = create_engine(PG_ADMIN_URL)
        with eng.connect() as conn:
            conn.execute(text("select 1"))
        eng.dispose()
        return None
    except Exception as exc:  # any failure to connect means "no server here"
        return f"{type(exc).__name__}: {exc}".splitlines()[0]


def require_postgres() -> None:
    problem = _pg_reachable()
    if problem is None:
        return
    message = f"PostgreSQL at {PG_ADMIN_URL} is not reachable ({problem})"
    if REQUIRE_POSTGRES:
        pytest.fail(message + " and TRAINER_REQUIRE_POSTGRES=1", pytrace=False)
    pytest.skip("SKIPPING THE POSTGRESQL LEG: " + message)


def create_pg_database() -> str:
    name = f"trainer_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    name = make_url(url).database
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def bank() -> QuestionBank:
    return load_bank(PROJECT_ROOT / "quizzes")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once, copy per test: a fresh database costs a file copy, not a migration run."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_session_url() -> Iterator[str]:
    require_postgres()
    url = create_pg_database()
    migrate.upgrade(url)
    yield url
    drop_pg_database(url)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "trainer.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_session_url")
    eng = create_engine(url)
    with eng.begin() as conn:
        tables = [r[0] for r in conn.execute(text(
            "select tablename from pg_tables where schemaname='public' "
            "and tablename <> 'alembic_version'"))]
        if tables:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    eng.dispose()
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture(params=BACKENDS)
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all, for migration tests."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    require_postgres()
    url = create_pg_database()
    yield url
    drop_pg_database(url)


@pytest.fixture(scope="session")
def mini_bank_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One item of every type, with the real body-region vocabulary."""
    root = tmp_path_factory.mktemp("mini") / "quizzes"
    (root / "body").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "quizzes" / "body" / "regions.yaml", root / "body" / "regions.yaml")
    shutil.copy(Path(__file__).parent / "fixtures" / "mini_bank.yaml", root / "mini.yaml")
    return root


@pytest.fixture(scope="session")
def review_bank_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Hand-written cards and quiz items (fixtures/review_bank.yaml) plus the real neck atlas,
    so flashcard tests know which cards they meet and atlas items link to atlas cards."""
    root = tmp_path_factory.mktemp("review") / "quizzes"
    (root / "body").mkdir(parents=True)
    (root / "atlas").mkdir()
    shutil.copy(PROJECT_ROOT / "quizzes" / "body" / "regions.yaml", root / "body" / "regions.yaml")
    shutil.copy(PROJECT_ROOT / "quizzes" / "atlas" / "neck.yaml", root / "atlas")
    shutil.copy(Path(__file__).parent / "fixtures" / "review_bank.yaml", root / "basics.yaml")
    return root


@pytest.fixture(scope="session")
def mini_bank(mini_bank_dir: Path) -> QuestionBank:
    return load_bank(mini_bank_dir)


@pytest.fixture
def make_user(engine: Engine):
    """Create a learner (or other role) and return its CurrentUser."""
    from trainer.db.engine import session_scope
    from trainer.services.auth import create_user

    def _make(username: str = "learner1", role: str = "learner", password: str = "correct-horse"):
        with session_scope(engine) as session:
            return create_user(session=session, username=username, password=password, role=role)

    return _make


@pytest.fixture
def content_dir(mini_bank_dir: Path) -> Path:
    """The bank the app runs with in page tests; a test module may override it."""
    return mini_bank_dir


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch, db_url: str, content_dir: Path) -> Iterator[None]:
    """Point the app (as AppTest runs it) at this test's database and bank, with fresh caches."""
    import streamlit as st

    from trainer.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("CONTENT_DIR", str(content_dir))
    get_settings.cache_clear()
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()
    get_settings.cache_clear()


@pytest.fixture
def sign_in(app_env: None, engine: Engine, monkeypatch: pytest.MonkeyPatch):
    """Sign a user in for AppTest runs: AppTest has no cookies, so the cookie reader is patched
    to return a real session token made by the auth service."""
    from trainer.db.engine import session_scope
    from trainer.services.auth import start_session

    def _sign_in(user) -> str:
        with session_scope(engine) as s:
            token = start_session(session=s, user_id=user.id, ttl_seconds=3600)
        monkeypatch.setattr("trainer.ui.session.read_session_token", lambda: token)
        return token

    return _sign_in
