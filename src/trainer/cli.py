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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trainer", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    validate = sub.add_parser("validate", help="check the question bank and print a summary")
    validate.add_argument("path", nargs="?", help="content directory (default: settings)")
    validate.add_argument("--json", action="store_true", help="print one JSON object")
    validate.set_defaults(func=_cmd_validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
