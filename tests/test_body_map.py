"""The body map's pure parts: the drawn vocabulary, its GeoJSON and the feedback colouring.

The browser behaviour (clicks, sync with the multiselect) needs a real Chromium; these tests
guard what can break silently when someone edits quizzes/body/regions.yaml or the widget.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from trainer.content.loader import load_regions
from trainer.content.regions import Region, RegionFile
from trainer.ui.body_map import (
    STATUS_COLOURS,
    STATUSES,
    VIEWS,
    body_map_chart,
    feedback_status,
    reference_status,
    regions_geojson,
)

CONTENT = Path(__file__).resolve().parents[1] / "quizzes"


@pytest.fixture(scope="module")
def region_file() -> RegionFile:
    errors: list = []
    loaded = load_regions(CONTENT, errors)
    assert loaded is not None and not errors, errors
    return loaded


@pytest.fixture(scope="module")
def regions(region_file: RegionFile) -> dict[str, Region]:
    return {r.name: r for r in region_file.regions}


def _inside(x: float, y: float, points: Sequence[tuple[float, float]]) -> bool:
    """Even-odd ray casting; enough for the simple polygons of the body map."""
    hit = False
    for (x0, y0), (x1, y1) in zip(points, [*points[1:], points[0]], strict=True):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            hit = not hit
    return hit


def _regions_at(regions: dict[str, Region], view: str, x: float, y: float) -> list[str]:
    return [name for name, r in regions.items() for s in r.shapes
            if s.view == view and _inside(x, y, s.points)]


def test_every_region_is_drawn(regions: dict[str, Region]) -> None:
    assert [n for n, r in regions.items() if not r.shapes] == []


def test_every_shape_lies_inside_the_canvas(region_file: RegionFile) -> None:
    w, h = region_file.canvas.width, region_file.canvas.height
    outside = [r.name for r in region_file.regions for s in r.shapes
               for x, y in s.points if not (0 <= x <= w and 0 <= y <= h)]
    assert outside == []


def test_front_and_back_together_cover_the_vocabulary(regions: dict[str, Region]) -> None:
    on_views = {v: {n for n, r in regions.items() if v in r.views} for v in VIEWS}
    assert on_views["front"] | on_views["back"] == set(regions)
    # Both views are real figures, not a handful of patches.
    assert min(len(names) for names in on_views.values()) >= 30


def test_a_region_has_at_most_one_shape_per_side(regions: dict[str, Region]) -> None:
    for name, region in regions.items():
        for view in VIEWS:
            assert len([s for s in region.shapes if s.view == view]) <= 2, (name, view)


@pytest.mark.parametrize(
    ("view", "x", "y", "expected"),
    [
        ("front", 100, 12, "forehead"),
        ("front", 100, 120, "sternum"),
        ("front", 100, 165, "upper-abdomen"),
        ("front", 84, 260, "anterior-thigh"),
        ("front", 116, 260, "anterior-thigh"),
        ("back", 100, 30, "occiput"),
        ("back", 75, 125, "scapula"),
        ("back", 100, 210, "sacrum"),
        ("back", 80, 225, "buttock"),
        ("back", 84, 350, "calf"),
    ],
)
def test_landmarks_fall_in_the_expected_region(
    regions: dict[str, Region], view: str, x: float, y: float, expected: str
) -> None:
    assert _regions_at(regions, view, x, y) == [expected]


def test_shapes_do_not_overlap(region_file: RegionFile) -> None:
    """Sample a grid (offset so points avoid the 0.1-unit coordinates of edges)."""
    w, h = region_file.canvas.width, region_file.canvas.height
    for view in VIEWS:
        shapes = []
        for r in region_file.regions:
            for s in r.shapes:
                if s.view == view:
                    xs, ys = [p[0] for p in s.points], [p[1] for p in s.points]
                    shapes.append((r.name, min(xs), max(xs), min(ys), max(ys), s.points))
        covered = doubled = 0
        y = 0.537
        while y < h:
            x = 0.263
            while x < w:
                inside = [n for n, x0, x1, y0, y1, pts in shapes
                          if x0 <= x <= x1 and y0 <= y <= y1 and _inside(x, y, pts)]
                covered += bool(inside)
                doubled += len(inside) > 1
                x += 1.5
            y += 1.5
        assert covered > 5000, view  # a whole figure, not a sketch
        assert doubled / covered < 0.002, (view, doubled, covered)


def test_geojson_has_one_feature_per_shape_with_status(regions: dict[str, Region]) -> None:
    status = {"chest": "hit", "calf": "missed", "lateral-shoulder": "picked"}
    for view in VIEWS:
        collection = regions_geojson(regions, view, status)
        assert collection["type"] == "FeatureCollection"
        features = collection["features"]
        assert len(features) == sum(1 for r in regions.values() for s in r.shapes
                                    if s.view == view)
        for feature in features:
            props = feature["properties"]
            assert props["label"] == regions[props["region"]].label
            assert props["status"] == status.get(props["region"], "none")
            ring = feature["geometry"]["coordinates"][0]
            assert feature["geometry"]["type"] == "Polygon"
            assert ring[0] == ring[-1] and len(ring) >= 4
    front = regions_geojson(regions, "front", status)["features"]
    assert [f["properties"]["status"] for f in front
            if f["properties"]["region"] == "chest"] == ["hit", "hit"]


def test_geojson_without_status_is_all_none(regions: dict[str, Region]) -> None:
    features = regions_geojson(regions, "back")["features"]
    assert {f["properties"]["status"] for f in features} == {"none"}
    assert regions_geojson(regions, "side")["features"] == []


def test_feedback_status_sorts_every_case() -> None:
    status = feedback_status(
        picked=["temple", "jaw", "calf"], essential=["temple", "occiput"],
        spillover=["jaw", "mastoid"])
    assert status == {"temple": "hit", "jaw": "hit", "calf": "wrong", "occiput": "missed",
                      "mastoid": "spillover"}
    assert feedback_status([], [], []) == {}


def test_reference_status() -> None:
    assert reference_status(["temple"], ["jaw"]) == {"temple": "essential", "jaw": "spillover"}


def test_every_status_has_a_colour() -> None:
    assert set(STATUSES) == set(STATUS_COLOURS)


def test_chart_spec(regions: dict[str, Region], region_file: RegionFile) -> None:
    picker = body_map_chart(regions, region_file.canvas, "front",
                            status={"chest": "picked", "calf": "picked"}).to_dict()
    assert picker["mark"]["type"] == "geoshape"
    assert picker["projection"]["type"] == "identity" and picker["projection"]["reflectY"]
    (pick,) = [p for p in picker["params"] if p["name"] == "regions"]
    assert pick["select"]["fields"] == ["region"] and pick["select"]["toggle"] == "true"
    seeded = {v["region"] for v in pick["value"]}
    assert "chest" in seeded and "calf" not in seeded  # calf is not on the front view

    feedback = body_map_chart(regions, region_file.canvas, "back", status={"calf": "missed"},
                              selectable=False).to_dict()
    assert "params" not in feedback
    assert feedback["encoding"]["color"]["scale"]["domain"] == list(STATUSES)
