"""The loaded, immutable question bank with the indexes the services query.

Built once per process (the app caches it with ``st.cache_resource``), so lookups by id, topic
and tag are dictionary reads rather than scans.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from trainer.content.atlas import Muscle
from trainer.content.regions import Canvas, Region
from trainer.content.schema import AnyItem


@dataclass(frozen=True)
class Topic:
    slug: str
    title: str
    description: str
    file: str


@dataclass(frozen=True)
class QuestionBank:
    items: tuple[AnyItem, ...]
    topics: Mapping[str, Topic]
    muscles: Mapping[str, Muscle]
    regions: Mapping[str, Region]
    canvas: Canvas | None
    by_id: Mapping[str, AnyItem] = field(repr=False)
    by_topic: Mapping[str, tuple[AnyItem, ...]] = field(repr=False)
    by_tag: Mapping[str, tuple[AnyItem, ...]] = field(repr=False)

    @classmethod
    def build(
        cls,
        *,
        items: list[AnyItem],
        topics: list[Topic],
        muscles: list[Muscle],
        regions: tuple[Region, ...] | list[Region],
        canvas: Canvas | None,
    ) -> QuestionBank:
        by_topic: dict[str, list[AnyItem]] = {}
        by_tag: dict[str, list[AnyItem]] = {}
        for item in items:
            by_topic.setdefault(item.topic, []).append(item)
            for tag in item.tags:
                by_tag.setdefault(tag, []).append(item)
        topic_map = {t.slug: t for t in topics}
        if "atlas" in by_topic and "atlas" not in topic_map:
            topic_map["atlas"] = Topic(
                "atlas", "Trigger-point atlas",
                "Items generated from the atlas: referral zones, palpation, matching sets.",
                "atlas/")
        return cls(
            items=tuple(items),
            topics=MappingProxyType(topic_map),
            muscles=MappingProxyType({m.id: m for m in muscles}),
            regions=MappingProxyType({r.name: r for r in regions}),
            canvas=canvas,
            by_id=MappingProxyType({i.id: i for i in items}),
            by_topic=MappingProxyType({k: tuple(v) for k, v in by_topic.items()}),
            by_tag=MappingProxyType({k: tuple(v) for k, v in by_tag.items()}),
        )

    def __len__(self) -> int:
        return len(self.items)

    def topic_title(self, slug: str) -> str:
        topic = self.topics.get(slug)
        return topic.title if topic else slug

    def summary(self) -> dict[str, Any]:
        """Counts an author, a script or the home page wants at a glance."""
        by_topic = Counter(i.topic for i in self.items)
        by_type = Counter(i.type for i in self.items)
        by_difficulty = Counter(i.difficulty for i in self.items)
        generated = sum(1 for i in self.items if i.generated)
        return {
            "total": len(self.items),
            "by_topic": dict(sorted(by_topic.items())),
            "by_type": dict(sorted(by_type.items())),
            "by_difficulty": dict(sorted(by_difficulty.items())),
            "muscles": len(self.muscles),
            "regions": len(self.regions),
            "handwritten": len(self.items) - generated,
            "generated": generated,
            "vignettes": sum(1 for i in self.items if i.vignette),
            "flashcards": by_type.get("flashcard", 0),
        }
