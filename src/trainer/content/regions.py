"""The shared body-region vocabulary: names that atlas entries, hotspot items and the body map share.

Regions are named, not drawn, in content files; this vocabulary gives each name a label, a
group (for decks and the cohort map) and the polygons that draw it on the front and back views.
Scoring a body-map answer is set arithmetic on these names, never pixel geometry.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

View = Literal["front", "back"]
Point = tuple[float, float]
RegionName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]

REGION_GROUPS: tuple[str, ...] = (
    "head-face", "neck", "shoulder-scapula", "arm", "forearm-hand", "chest-abdomen",
    "back", "hip-pelvis", "thigh-knee", "leg-foot",
)


class Shape(BaseModel):
    """One closed polygon of a region on one view (left and right sides are separate shapes)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    view: View
    points: tuple[Point, ...] = Field(min_length=3)


class Region(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: RegionName
    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    group: Literal[REGION_GROUPS]  # type: ignore[valid-type]
    shapes: tuple[Shape, ...] = ()

    @property
    def views(self) -> frozenset[str]:
        return frozenset(s.view for s in self.shapes)


class Canvas(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    width: float = Field(gt=0)
    height: float = Field(gt=0)


class RegionFile(BaseModel):
    """The whole of quizzes/body/regions.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    canvas: Canvas
    regions: tuple[Region, ...] = Field(min_length=1)

    @field_validator("regions")
    @classmethod
    def _names_unique(cls, v: tuple[Region, ...]) -> tuple[Region, ...]:
        seen: set[str] = set()
        for region in v:
            if region.name in seen:
                raise ValueError(f"region {region.name!r} is defined twice")
            seen.add(region.name)
        return v
