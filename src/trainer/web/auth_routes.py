"""Sign-in, sign-up and sign-out as plain HTTP routes, so the session cookie can be HttpOnly.

Streamlit 1.67 scripts can read cookies (``st.context.cookies``) but cannot set them. The sign-in
forms on the app's pages are ordinary HTML forms that POST here; these handlers check the
password (in a worker thread: argon2 is deliberately slow), store a session, set an HttpOnly,
SameSite=Lax cookie and redirect back. Errors come back as a short code in the query string,
which the page maps to a fixed message, so no user text is ever echoed into HTML.

These routes sit outside Streamlit's XSRF protection, so a POST whose Origin does not match the
Host is refused, and sign-in attempts are rate-limited per client address as well as per account
(see trainer.services.auth).
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from urllib.parse import urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from trainer.db.engine import get_engine, session_scope
from trainer.services import auth
from trainer.settings import get_settings

COOKIE_NAME = "nmt_session"
RATE_WINDOW_S = 60.0
RATE_MAX_ATTEMPTS = 20
_attempts: dict[str, deque[float]] = defaultdict(deque)


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin:
        return True  # non-browser clients (and old browsers) send neither; the cookie is Lax
    return urlsplit(origin).netloc == request.headers.get("host")


def _rate_limited(client: str) -> bool:
    now = time.monotonic()
    window = _attempts[client]
    while window and now - window[0] > RATE_WINDOW_S:
        window.popleft()
    if len(window) >= RATE_MAX_ATTEMPTS:
        return True
    window.append(now)
    return False


def _back(error: str | None = None, page: str = "signin") -> RedirectResponse:
    query = f"?{urlencode({'auth_error': error})}" if error else ""
    return RedirectResponse(f"/{page}{query}", status_code=303)


def _signed_in(token: str) -> RedirectResponse:
    settings = get_settings()
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        COOKIE_NAME, token, max_age=settings.session_ttl_seconds, httponly=True,
        samesite="lax", secure=settings.cookie_secure, path="/")
    return response


def _login_sync(username: str, password: str) -> str:
    engine = get_engine()
    with session_scope(engine) as session:
        user = auth.authenticate(session=session, username=username, password=password)
    with session_scope(engine) as session:
        return auth.start_session(session=session, user_id=user.id,
                                  ttl_seconds=get_settings().session_ttl_seconds)


def _signup_sync(username: str, password: str, display_name: str, email: str) -> str:
    engine = get_engine()
    with session_scope(engine) as session:
        user = auth.create_user(session=session, username=username, password=password,
                                display_name=display_name, email=email)
    with session_scope(engine) as session:
        return auth.start_session(session=session, user_id=user.id,
                                  ttl_seconds=get_settings().session_ttl_seconds)


async def login(request: Request) -> Response:
    if not _same_origin(request):
        return PlainTextResponse("Cross-site sign-in refused.", status_code=403)
    if _rate_limited(request.client.host if request.client else "?"):
        return _back("rate")
    form = await request.form()
    try:
        token = await run_in_threadpool(
            _login_sync, str(form.get("username", "")), str(form.get("password", "")))
    except auth.AuthError as exc:
        return _back("locked" if "locked" in str(exc) else "credentials")
    return _signed_in(token)


async def signup(request: Request) -> Response:
    if not _same_origin(request):
        return PlainTextResponse("Cross-site sign-up refused.", status_code=403)
    if _rate_limited(request.client.host if request.client else "?"):
        return _back("rate", "signup")
    form = await request.form()
    password = str(form.get("password", ""))
    if password != str(form.get("password2", "")):
        return _back("mismatch", "signup")
    try:
        token = await run_in_threadpool(
            _signup_sync, str(form.get("username", "")), password,
            str(form.get("display_name", "")), str(form.get("email", "")))
    except auth.AuthError as exc:
        message = str(exc)
        code = ("taken" if "taken" in message else "password" if "password" in message
                else "username")
        return _back(code, "signup")
    return _signed_in(token)


async def logout(request: Request) -> Response:
    if not _same_origin(request):
        return PlainTextResponse("Cross-site sign-out refused.", status_code=403)
    token = request.cookies.get(COOKIE_NAME)

    def _end() -> None:
        with session_scope(get_engine()) as session:
            auth.end_session(session=session, token=token)

    await run_in_threadpool(_end)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


# Fixed messages for the codes above: the only auth text a page ever shows.
AUTH_ERRORS: dict[str, str] = {
    "credentials": "Wrong username or password.",
    "locked": "Too many failed sign-ins: this account is locked for 15 minutes. Try again later.",
    "rate": "Too many attempts from this address. Wait a minute and try again.",
    "mismatch": "The two passwords differ.",
    "taken": "That username is taken; choose another.",
    "password": f"Choose a password of at least {auth.MIN_PASSWORD_LENGTH} characters.",
    "username": "Choose a username of 3 to 64 letters, digits or . _ @ + - characters.",
}


def auth_routes() -> list[Route]:
    return [
        Route("/auth/login", login, methods=["POST"]),
        Route("/auth/signup", signup, methods=["POST"]),
        Route("/auth/logout", logout, methods=["POST"]),
    ]
