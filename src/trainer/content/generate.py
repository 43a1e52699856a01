"""Items generated from the trigger-point atlas by fixed templates.

Generation is deterministic (choices come from a stable hash, never ``random``), so the same
atlas always yields the same ids, options and option order: a learner's history stays attached
to the same item across restarts. Generated items pass through the same validation as
hand-written ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from trainer.content.atlas import AREA_LABELS, AREAS, Muscle
from trainer.content.regions import RegionFile
from trainer.content.schema import (
    ITEM_ADAPTER,
    LETTERS,
    AnyItem,
)

TOPIC = "atlas"
PALPATION_TEXT = {
    "pincer": "Pincer palpation: grasp the muscle belly between thumb and fingers",
    "flat": "Flat palpation: press across the fibres against the underlying bone or tissue",
    "flat-or-pincer": "Either: pincer where the belly can be lifted, flat where it cannot",
}
# Neighbouring areas lend distractors when an area has too few muscles of its own.
NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "head-jaw": ("neck",), "neck": ("head-jaw", "shoulder-girdle"),
    "shoulder-girdle": ("neck", "arm-forearm", "trunk-back"),
    "arm-forearm": ("shoulder-girdle",), "trunk-back": ("hip-pelvis", "shoulder-girdle"),
    "hip-pelvis": ("trunk-back", "thigh"), "thigh": ("hip-pelvis", "leg-foot"),
    "leg-foot": ("thigh",),
}


def _rank(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("|".join(parts).encode()).digest()[:8], "big")


def _labels(names: Sequence[str], region_file: RegionFile | None) -> str:
    labels = {r.name: r.label for r in region_file.regions} if region_file else {}
    return ", ".join(labels.get(n, n).lower() if i else labels.get(n, n) for i, n in enumerate(names))


def _describe(m: Muscle, region_file: RegionFile | None) -> str:
    text = (
        f"{m.name}: trigger points {'; '.join(m.trigger_points)}. "
        f"Referral (essential zone): {_labels(m.referral.essential, region_file)}."
    )
    if m.referral.spillover:
        text += f" Spill-over: {_labels(m.referral.spillover, region_file)}."
    return text


def _place_answer(correct: str, distractors: list[str], seed: str) -> tuple[list[str], str]:
    """Put the correct option at a hash-chosen position so letters stay balanced."""
    position = _rank(seed, "position") % (len(distractors) + 1)
    options = [*distractors]
    options.insert(position, correct)
    return options, LETTERS[position]


def _refers_anywhere(m: Muscle, region: str) -> bool:
    return region in m.referral.all


def _which_muscle(m: Muscle, muscles: Sequence[Muscle], region_file: RegionFile | None) -> dict | None:
    region = m.referral.essential[0]
    pool = [o for o in muscles if o.id != m.id and not _refers_anywhere(o, region)]
    near = [o for o in pool if o.area == m.area]
    for area in NEIGHBOURS.get(m.area, ()):
        if len(near) >= 3:
            break
        near += [o for o in pool if o.area == area]
    if len(near) < 3:
        return None
    picks = sorted(near, key=lambda o: _rank(m.id, o.id))[:3]
    options, answer = _place_answer(m.name, [o.name for o in picks], m.id)
    label = _labels([region], region_file)
    why_not = "; ".join(
        f"{o.name} refers to {_labels(o.referral.essential, region_file).lower()}" for o in picks)
    return {
        "id": f"tp.{m.id}.which-muscle", "type": "single_choice",
        "prompt": f"Of these muscles, which one has trigger points that refer pain to the "
                  f"{label.lower()}?",
        "options": options, "answer": answer,
        "explanation": f"{_describe(m, region_file)} The others do not refer there: {why_not}.",
    }


def _referral_map(m: Muscle, region_file: RegionFile | None) -> dict:
    return {
        "id": f"tp.{m.id}.referral-map", "type": "hotspot",
        "prompt": f"Where do trigger points in {m.name.lower()} refer pain? Mark the zone on the "
                  "body map.",
        "regions": m.referral.model_dump(),
        "explanation": _describe(m, region_file)
        + " Essential zones count more than spill-over zones when the answer is scored.",
    }


def _palpation(m: Muscle) -> dict:
    correct = PALPATION_TEXT[m.palpation.method]
    others = [t for k, t in PALPATION_TEXT.items() if k != m.palpation.method]
    others.sort(key=lambda t: _rank(m.id, t))
    options, answer = _place_answer(correct, others, f"{m.id}.palpation")
    notes = f" {m.palpation.notes}" if m.palpation.notes else ""
    return {
        "id": f"tp.{m.id}.palpation", "type": "single_choice",
        "prompt": f"Which palpation method suits {m.name.lower()}?",
        "options": options, "answer": answer,
        "explanation": f"{m.name} is examined with {m.palpation.method.replace('-', ' or ')} "
                       f"palpation, client {m.palpation.position}.{notes} "
                       f"Attachments: {m.attachments}.",
    }


def _flashcard(m: Muscle, region_file: RegionFile | None) -> dict:
    lines = [
        f"Attachments: {m.attachments}",
        f"Trigger points: {'; '.join(m.trigger_points)}",
        f"Refers to: {_labels(m.referral.essential, region_file)}"
        + (f" (spill-over: {_labels(m.referral.spillover, region_file).lower()})"
           if m.referral.spillover else ""),
        f"Palpation: {m.palpation.method.replace('-', ' or ')}, client {m.palpation.position}",
    ]
    if m.complaints:
        lines.append(f"Typical complaints: {'; '.join(m.complaints)}")
    if m.technique:
        lines.append(f"Technique: {m.technique}")
    return {
        "id": f"tp.{m.id}.card", "type": "flashcard",
        "front": f"{m.name}: where are its trigger points and where do they refer?",
        "back": "\n".join(lines), "regions": m.referral.model_dump(),
        "explanation": _describe(m, region_file),
    }


def _main_zone(m: Muscle, region_file: RegionFile | None) -> str:
    """The first two essential regions: enough to recognise a pattern, short enough to match."""
    return _labels(m.referral.essential[:2], region_file)


def _split_sets(chosen: list[Muscle]) -> list[list[Muscle]]:
    """Balanced groups of 4 to 6 (a 7th of a lone group is left for another set)."""
    n = len(chosen)
    if n < 4:
        return []
    groups = max(1, min(-(-n // 6), n // 4))
    base, extra = divmod(n, groups)
    sets, start = [], 0
    for g in range(groups):
        size = base + (1 if g < extra else 0)
        sets.append(chosen[start:start + min(size, 6)])
        start += size
    return sets


def _matching_sets(muscles: Sequence[Muscle], region_file: RegionFile | None) -> list[dict]:
    """4-6 muscles of one area matched to their essential zone, zones distinct within a set."""
    out = []
    for area in AREAS:
        chosen: list[Muscle] = []
        zones: set[str] = set()
        for m in sorted((m for m in muscles if m.area == area), key=lambda m: m.id):
            zone = _main_zone(m, region_file)
            if zone.casefold() in zones:
                continue
            zones.add(zone.casefold())
            chosen.append(m)
        sets = _split_sets(chosen)
        for n, group in enumerate(sets):
            out.append({
                "id": f"tp.match.{area}.{n + 1}", "type": "matching",
                "prompt": f"{AREA_LABELS[area]}: match each muscle to the main zone of its "
                          "referred pain.",
                "pairs": [{"left": m.name, "right": _main_zone(m, region_file)} for m in group],
                "explanation": " ".join(_describe(m, region_file) for m in group),
                "source": "; ".join(sorted({m.source for m in group})),
                "tags": ["atlas", area, "matching-set"],
                "difficulty": "hard",
            })
    return out


def generate_items(muscles: Sequence[Muscle], region_file: RegionFile | None) -> list[AnyItem]:
    raw: list[dict] = []
    for m in muscles:
        common = {"source": m.source, "tags": ["atlas", m.area, m.id], "concept": m.concept}
        which = _which_muscle(m, muscles, region_file)
        for entry, difficulty in (
            (which, "medium"), (_referral_map(m, region_file), "medium"),
            (_palpation(m), "easy"), (_flashcard(m, region_file), "easy"),
        ):
            if entry is not None:
                raw.append({"difficulty": difficulty, **common, **entry})
    raw.extend(_matching_sets(muscles, region_file))
    context = {"regions": frozenset(r.name for r in region_file.regions) if region_file else None}
    return [
        ITEM_ADAPTER.validate_python({"topic": TOPIC, "generated": True, **entry}, context=context)
        for entry in raw
    ]
