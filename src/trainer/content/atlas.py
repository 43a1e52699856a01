"""Trigger-point atlas entries: one muscle each, the structured source of generated items.

Referral zones are named in the body-region vocabulary so one entry drives quiz items,
flashcard backs and the body-map picture. Facts an author is unsure of are left out, which is
why most fields are optional lists rather than required prose.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from trainer.content.schema import RegionAnswer, Slug, Text

AREAS: tuple[str, ...] = (
    "head-jaw", "neck", "shoulder-girdle", "arm-forearm", "trunk-back", "hip-pelvis",
    "thigh", "leg-foot",
)
AREA_LABELS: dict[str, str] = {
    "head-jaw": "Head and jaw", "neck": "Neck", "shoulder-girdle": "Shoulder girdle",
    "arm-forearm": "Arm, forearm and hand", "trunk-back": "Trunk and back",
    "hip-pelvis": "Hip and pelvis", "thigh": "Thigh", "leg-foot": "Leg and foot",
}


class Palpation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    method: Literal["flat", "pincer", "flat-or-pincer"]
    position: Text  # client position, e.g. "supine", "side-lying, affected side up"
    notes: Text | None = None


class Muscle(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    name: Text
    area: Literal[AREAS]  # type: ignore[valid-type]
    attachments: Text
    trigger_points: list[Text] = Field(min_length=1)
    referral: RegionAnswer
    complaints: list[Text] = Field(default_factory=list)
    palpation: Palpation
    technique: Text | None = None
    source: Text

    @field_validator("name")
    @classmethod
    def _name_is_title(cls, v: str) -> str:
        if v != v.strip() or not v[0].isupper():
            raise ValueError("start the muscle name with a capital letter, e.g. 'Upper trapezius'")
        return v

    @property
    def concept(self) -> str:
        return f"muscle:{self.id}"


MuscleName = Annotated[str, StringConstraints(min_length=1)]
