"""Browser fixtures: the real app (`streamlit run serve.py`) on a free port, headless Chromium.

Debian's chromium is driven by Playwright (never a downloaded browser). Without it the tests
skip loudly on a laptop and fail in CI (TRAINER_REQUIRE_BROWSER=1).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from trainer.db import migrate
from trainer.db.engine import make_engine, session_scope
from trainer.services.demo import seed_demo
from trainer.settings import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
REQUIRE_BROWSER = os.environ.get("TRAINER_REQUIRE_BROWSER") == "1"
ARTIFACTS = PROJECT_ROOT / "artifacts"


def _require_browser() -> None:
    problem = None
    if not Path(CHROMIUM).exists():
        problem = f"{CHROMIUM} is missing (apt-get install chromium)"
    else:
        try:
            import playwright  # noqa: F401
        except ImportError:
            problem = "the playwright package is not installed"
    if problem:
        if REQUIRE_BROWSER:
            pytest.fail(f"browser tests required but {problem}", pytrace=False)
        pytest.skip(f"SKIPPING BROWSER TESTS: {problem}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningApp:
    url: str
    db_url: str
    log: Path


def start_app(tmp: Path, content_dir: Path | None = None) -> tuple[subprocess.Popen, RunningApp]:
    db_url = f"sqlite:///{tmp / 'browser.db'}"
    migrate.upgrade(db_url)
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        seed_demo(session=session)
    engine.dispose()
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": db_url,
           "CONTENT_DIR": str(content_dir or PROJECT_ROOT / "quizzes")}
    log = tmp / "streamlit.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--browser.gatherUsageStats", "false"],
        cwd=PROJECT_ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return proc, RunningApp(url, db_url, log)
        except OSError:
            time.sleep(0.2)
        if proc.poll() is not None:
            break
    proc.kill()
    raise RuntimeError(f"the app did not start:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _app_fixture(tmp_path_factory, content_dir: Path | None) -> Iterator[RunningApp]:
    _require_browser()
    proc, app = start_app(tmp_path_factory.mktemp("app"), content_dir)
    yield app
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def real_app(tmp_path_factory) -> Iterator[RunningApp]:
    """The app with the real question bank."""
    yield from _app_fixture(tmp_path_factory, None)


@pytest.fixture(scope="session")
def mini_app(tmp_path_factory, mini_bank_dir) -> Iterator[RunningApp]:
    """The app with the mini bank, so a scenario knows which items it will meet."""
    yield from _app_fixture(tmp_path_factory, mini_bank_dir)


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


