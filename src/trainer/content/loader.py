"""Read quizzes/ into a QuestionBank, collecting every error with file, item and field.

Layout of a content directory:
- ``body/regions.yaml``: the body-region vocabulary (required for hotspot items and the atlas);
- ``atlas/*.yaml``: trigger-point atlas entries (``muscles:``), from which items are generated;
- ``*.yaml`` at the top level: one topic file each (``topic:``, ``title:``, ``items:``).

All errors are gathered before failing so an author fixes a file in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from trainer.content.atlas import Muscle
from trainer.content.bank import QuestionBank, Topic
from trainer.content.generate import generate_items
from trainer.content.regions import RegionFile
from trainer.content.schema import ITEM_ADAPTER, ITEM_TYPES, AnyItem, Slug, Text

REGIONS_FILE = Path("body") / "regions.yaml"
# libyaml's C parser when the wheel has it (several times faster on a large bank).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ATLAS_DIR = "atlas"


@dataclass(frozen=True)
class ContentError:
    """One problem in one place: what an author needs to find and fix it."""

    file: str
    message: str
    item: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.item is not None:
            where += f": item {self.item!r}" if not self.item.startswith("#") else f": item {self.item}"
        if self.field:
            where += f" field {self.field!r}"
        return f"{where}: {self.message}"


class ContentInvalid(Exception):
    """Raised with every error found, so the CLI and the app can list them all."""

    def __init__(self, errors: list[ContentError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class _TopicHeader(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topic: Slug
    title: Text
    description: Text | None = None
    items: list[Any] = Field(default_factory=list)


class _AtlasFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    muscles: list[Any] = Field(min_length=1)


_FileT = TypeVar("_FileT", _TopicHeader, _AtlasFile)
_IdT = TypeVar("_IdT", Muscle, AnyItem)


def _field_path(loc: tuple[Any, ...], skip_tag: bool) -> str:
    parts = list(loc)
    if skip_tag and parts and isinstance(parts[0], str) and parts[0] in ITEM_TYPES:
        parts = parts[1:]
    return ".".join(str(p) for p in parts)


def _pydantic_errors(
    exc: ValidationError, file: str, item: str | None, skip_tag: bool = False
) -> list[ContentError]:
    out = []
    for err in exc.errors(include_url=False):
        msg = err["msg"].removeprefix("Value error, ")
        field = _field_path(err["loc"], skip_tag) or None
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            msg, field = f"unknown or missing type; use one of: {', '.join(ITEM_TYPES)}", "type"
        elif err["type"] == "missing":
            msg = "is required"
        elif err["type"] == "extra_forbidden":
            msg = "is not a known field (check the spelling)"
        out.append(ContentError(file, msg, item, field))
    return out


def _read_yaml(path: Path, label: str, errors: list[ContentError]) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        errors.append(ContentError(label, f"not valid YAML{where}: {getattr(exc, 'problem', exc)}"))
    except (OSError, UnicodeDecodeError) as exc:
        errors.append(ContentError(label, f"cannot be read: {exc}"))
    return None


def _note_empty(label: str, errors: list[ContentError]) -> None:
    """An empty file parses to None; say so unless reading it already failed."""
    if not errors or errors[-1].file != label:
        errors.append(ContentError(label, "file is empty"))


def _item_label(raw: Any, position: int) -> str:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str) and raw["id"].strip():
        return raw["id"]
    return f"#{position + 1}"


def load_regions(root: Path, errors: list[ContentError]) -> RegionFile | None:
    path = root / REGIONS_FILE
    label = _label(root, path)
    if not path.exists():
        errors.append(ContentError(label, "missing: the body-region vocabulary is required"))
        return None
    raw = _read_yaml(path, label, errors)
    if raw is None:
        return None
    try:
        return RegionFile.model_validate(raw)
    except ValidationError as exc:
        errors.extend(_pydantic_errors(exc, label, None))
        return None


def _label(root: Path, path: Path) -> str:
    """Name files as the author typed the directory, e.g. quizzes/palpation.yaml."""
    try:
        return str(Path(root.name if root.name else str(root)) / path.relative_to(root))
    except ValueError:
        return str(path)


def _read_files(
    root: Path, pattern: str, model: type[_FileT], errors: list[ContentError]
) -> Iterator[tuple[str, _FileT]]:
    """Each readable file matching ``pattern`` with its validated header, errors collected."""
    for path in sorted(root.glob(pattern)):
        label = _label(root, path)
        raw = _read_yaml(path, label, errors)
        if raw is None:
            _note_empty(label, errors)
            continue
        try:
            yield label, model.model_validate(raw)
        except ValidationError as exc:
            errors.extend(_pydantic_errors(exc, label, None))


def _load_atlas(
    root: Path, context: dict[str, Any], errors: list[ContentError]
) -> list[Muscle]:
    labelled: list[tuple[str, Muscle]] = []
    for label, atlas in _read_files(root, f"{ATLAS_DIR}/*.yaml", _AtlasFile, errors):
        for pos, entry in enumerate(atlas.muscles):
            try:
                labelled.append((label, Muscle.model_validate(entry, context=context)))
            except ValidationError as exc:
                errors.extend(_pydantic_errors(exc, label, _item_label(entry, pos)))
    return _check_unique(labelled, errors, "muscle id")


def _load_topics(
    root: Path, context: dict[str, Any], errors: list[ContentError]
) -> tuple[list[Topic], list[tuple[str, AnyItem]]]:
    topics: list[Topic] = []
    items: list[tuple[str, AnyItem]] = []
    for label, header in _read_files(root, "*.yaml", _TopicHeader, errors):
        topics.append(Topic(header.topic, header.title, header.description or "", label))
        for pos, entry in enumerate(header.items):
            if isinstance(entry, dict):
                entry = {"topic": header.topic, **entry}
            try:
                items.append((label, ITEM_ADAPTER.validate_python(entry, context=context)))
            except ValidationError as exc:
                errors.extend(_pydantic_errors(exc, label, _item_label(entry, pos), skip_tag=True))
    return topics, items


def _check_unique(
    labelled: Iterable[tuple[str, _IdT]], errors: list[ContentError], what: str = "id"
) -> list[_IdT]:
    first_seen: dict[str, str] = {}
    unique: list[_IdT] = []
    for label, obj in labelled:
        if obj.id in first_seen:
            errors.append(ContentError(
                label, f"duplicate {what} (first defined in {first_seen[obj.id]})", obj.id, "id"))
            continue
        first_seen[obj.id] = label
        unique.append(obj)
    return unique


def load_bank(root: str | Path) -> QuestionBank:
    """Load and validate a content directory; raise ContentInvalid listing every error."""
    root = Path(root)
    errors: list[ContentError] = []
    if not root.is_dir():
        raise ContentInvalid([ContentError(str(root), "is not a directory")])
    region_file = load_regions(root, errors)
    context = {"regions": frozenset(r.name for r in region_file.regions) if region_file else None}
    muscles = _load_atlas(root, context, errors)
    topics, labelled = _load_topics(root, context, errors)
    generated = [("atlas (generated)", item) for item in generate_items(muscles, region_file)]
    items = _check_unique([*labelled, *generated], errors)
    if errors:
        raise ContentInvalid(errors)
    return QuestionBank.build(
        items=items, topics=topics, muscles=muscles,
        regions=region_file.regions if region_file else (),
        canvas=region_file.canvas if region_file else None,
    )
