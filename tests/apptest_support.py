"""Running the real app under Streamlit's AppTest, shared by the page tests."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from trainer.settings import PROJECT_ROOT

TIMEOUT = 60


def run_app(page: str | None = None, query: dict | None = None) -> AppTest:
    """The app as a browser would open it, then switched to ``page`` (path from the root)."""
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=TIMEOUT).run()
    if page:
        if query:
            at.query_params.update(query)
        at.switch_page(str(PROJECT_ROOT / page)).run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    """Every text element's value, for "is this shown?" assertions."""
    parts = [m.value for m in at.markdown] + [e.value for e in at.error] + \
            [w.value for w in at.warning] + [i.value for i in at.info] + \
            [s.value for s in at.success] + [h.value for h in at.subheader] + \
            [c.value for c in at.caption]
    return "\n".join(str(p) for p in parts)
