"""The ``trainer`` command: validate content, manage the database, seed demo data."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from trainer.content import ContentInvalid, load_bank


def _cmd_validate(args: argparse.Namespace) -> int:
    from trainer.settings import get_settings

    path = Path(args.path) if args.path else get_settings().content_dir
    try:
        bank = load_bank(path)
    except ContentInvalid as exc:
        if args.json:
            print(json.dumps({"ok": False, "errors": [str(e) for e in exc.errors]}))
        else:
            for err in exc.errors:
                print(err, file=sys.stderr)
            print(f"{len(exc.errors)} error(s) in {path}", file=sys.stderr)
        return 1
    summary = bank.summary()
    if args.json:
        print(json.dumps({"ok": True, **summary}))
        return 0
    print(f"{path}: {summary['total']} items, no errors")
    print(f"  hand-written {summary['handwritten']}, generated {summary['generated']}, "
          f"vignettes {summary['vignettes']}, flashcards {summary['flashcards']}")
    print(f"  atlas muscles {summary['muscles']}, body regions {summary['regions']}")
    for key in ("by_topic", "by_type", "by_difficulty"):
        print(f"  {key.removeprefix('by_')}:")
        for name, count in summary[key].items():
            print(f"    {name:<28} {count:>5}")
    return 0


def _cmd_db(args: argparse.Namespace) -> int:
    from trainer.db import migrate
    from trainer.db.engine import get_engine
    from trainer.settings import get_settings

    url = get_settings().database_url
    if args.action == "upgrade":
        migrate.upgrade(url, args.revision)
    current = migrate.current_revision(get_engine(url))
    head = migrate.head_revision()
    state = "up to date" if current == head else f"behind head {head}: run `trainer db upgrade`"
    print(f"database revision {current or '(empty)'} ({state})")
    return 0


def _cmd_seed_demo(args: argparse.Namespace) -> int:
    from trainer.db.engine import get_engine, session_scope
    from trainer.services.demo import seed_demo

    with session_scope(get_engine()) as session:
        created = seed_demo(session=session)
    print(f"demo data: created {', '.join(created)}" if created else "demo data: already present")
    return 0


def _cmd_users_create(args: argparse.Namespace) -> int:
    import getpass

    from trainer.db.engine import get_engine, session_scope
    from trainer.services.auth import AuthError, create_user

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != password:
            print("The passwords differ; nothing was created.", file=sys.stderr)
            return 1
    try:
        with session_scope(get_engine()) as session:
            user = create_user(session=session, username=args.username, password=password,
                               display_name=args.display_name or "", email=args.email,
                               role=args.role)
    except AuthError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"created {user.role} {user.username!r}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trainer", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    validate = sub.add_parser("validate", help="check the question bank and print a summary")
    validate.add_argument("path", nargs="?", help="content directory (default: settings)")
    validate.add_argument("--json", action="store_true", help="print one JSON object")
    validate.set_defaults(func=_cmd_validate)

    db = sub.add_parser("db", help="database migrations (Alembic)")
    db_sub = db.add_subparsers(dest="action", required=True)
    up = db_sub.add_parser("upgrade", help="migrate the database to the latest revision")
    up.add_argument("revision", nargs="?", default="head")
    db_sub.add_parser("current", help="print the database's revision")
    db.set_defaults(func=_cmd_db)

    seed = sub.add_parser("seed-demo", help="create the demo accounts (idempotent)")
    seed.set_defaults(func=_cmd_seed_demo)

    users = sub.add_parser("users", help="manage accounts")
    users_sub = users.add_subparsers(dest="action", required=True)
    create = users_sub.add_parser("create", help="create an account of any role")
    create.add_argument("username")
    create.add_argument("--role", choices=["learner", "instructor", "admin"], default="learner")
    create.add_argument("--display-name")
    create.add_argument("--email")
    create.add_argument("--password-stdin", action="store_true",
                        help="read the password from standard input instead of prompting")
    create.set_defaults(func=_cmd_users_create)

    fsrs_cmd = sub.add_parser("fsrs", help="spaced-repetition scheduler (FSRS)")
    fsrs_sub = fsrs_cmd.add_subparsers(dest="action", required=True)
    optimize = fsrs_sub.add_parser(
        "optimize", help="fit a learner's FSRS parameters to their review history "
                         "(needs the optimizer extra: pip install -e '.[optimizer]')")
    optimize.add_argument("--user", required=True, help="username of the learner")
    optimize.set_defaults(func=_cmd_fsrs_optimize)
    return parser


def _cmd_fsrs_optimize(args: argparse.Namespace) -> int:
    """Fit and store FSRS parameters; the scheduler uses them from the learner's next review."""
    from trainer.db.engine import get_engine, session_scope
    from trainer.services.auth import get_user
    from trainer.services.review import ReviewError, optimize_parameters

    try:
        with session_scope(get_engine()) as session:
            user = get_user(session=session, username=args.user)
            if user is None:
                print(f"No user named {args.user!r}.", file=sys.stderr)
                return 1
            result = optimize_parameters(session=session, user_id=user.id)
    except ReviewError as exc:
        print(exc, file=sys.stderr)
        return 1
    if result.parameters is None:
        print(f"{args.user}: {result.reviews} reviews of {result.cards} cards are too few to fit "
              "FSRS (py-fsrs needs about 512 reviews made on a later day than the card's "
              "previous one); the default parameters stay.")
        return 0
    print(f"{args.user}: fitted FSRS parameters to {result.reviews} reviews of {result.cards} "
          "cards; they schedule every review from now on:")
    print(json.dumps([round(p, 4) for p in result.parameters]))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
