"""The cohort body map: the front and back figures shaded by how well the class knows each region.

Regions come from the same vocabulary and GeoJSON as the learner's body map
(``trainer.ui.body_map.regions_geojson``); only the colouring differs. Knowledge is shown in
three bands plus "no data", with the words in the legend and the exact figures in the tooltip,
so the picture reads at a glance and nothing depends on colour alone. Colours are from the
Okabe–Ito palette (safe with the common colour-vision deficiencies).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import streamlit as st

from trainer.content.regions import Canvas, Region
from trainer.services.analytics import RegionStat
from trainer.ui.body_map import DEFAULT_CANVAS, OUTLINE, VIEW_TITLES, VIEWS, regions_geojson

BANDS: tuple[str, ...] = ("weak", "shaky", "solid", "none")
BAND_COLOURS: Mapping[str, str] = {
    "weak": "#D55E00",  # vermillion: teach again
    "shaky": "#E69F00",  # orange
    "solid": "#009E73",  # bluish green
    "none": "#ECE7E1",  # the unmarked fill of the learner's map
}
BAND_LABELS: Mapping[str, str] = {
    "weak": "Weak (under 50%)", "shaky": "Shaky (50–75%)", "solid": "Solid (75% or more)",
    "none": "No answers or cards yet",
}


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def _features(regions: Mapping[str, Region], view: str, stats: Mapping[str, RegionStat]
              ) -> list[dict[str, Any]]:
    collection = regions_geojson(regions, view, {n: s.band for n, s in stats.items()})
    for feature in collection["features"]:
        props = feature["properties"]
        stat = stats.get(props["region"])
        props.update({
            "band_text": BAND_LABELS[props["status"]],
            "knowledge": _pct(stat.knowledge if stat else None),
            "facility": (f"{_pct(stat.facility)} ({stat.hotspot_respondents} answers to "
                         f"{stat.hotspot_items} question(s))") if stat and stat.hotspot_items
            else "no body-map question answered",
            "recall": (f"{_pct(stat.retrievability)} ({stat.cards} studied card(s))")
            if stat and stat.cards else "no studied flashcard",
        })
    return collection["features"]


def cohort_map_chart(
    regions: Mapping[str, Region], canvas: Canvas | None, view: str,
    stats: Mapping[str, RegionStat], *, height: int = 420,
) -> alt.Chart:
    """One view, each region filled by its knowledge band; the tooltip gives the numbers."""
    canvas = canvas or DEFAULT_CANVAS
    w, h = canvas.width, canvas.height
    frame = {"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon", "coordinates": [[[0, 0], [w, 0], [w, -h], [0, -h], [0, 0]]]}}
    scale = alt.Scale(domain=list(BANDS), range=[BAND_COLOURS[b] for b in BANDS])
    return (
        alt.Chart(alt.Data(values=_features(regions, view, stats)), title=VIEW_TITLES[view])
        .transform_calculate(
            label="datum.properties.label", band="datum.properties.status",
            band_text="datum.properties.band_text", knowledge="datum.properties.knowledge",
            facility="datum.properties.facility", recall="datum.properties.recall")
        .mark_geoshape(stroke=OUTLINE, strokeWidth=0.6, strokeJoin="round")
        .project(type="identity", reflectY=True, fit=frame)
        .encode(
            color=alt.Color("band:N", scale=scale, legend=None),
            tooltip=[alt.Tooltip("label:N", title="Region"),
                     alt.Tooltip("band_text:N", title="Class"),
                     alt.Tooltip("knowledge:N", title="Knowledge"),
                     alt.Tooltip("facility:N", title="Body-map questions"),
                     alt.Tooltip("recall:N", title="Flashcard recall")])
        .properties(height=height)
    )


def _legend() -> str:
    swatch = ('<span style="display:inline-block;width:0.9em;height:0.9em;border:1px solid '
              f'{OUTLINE};background:{{}};vertical-align:-0.1em;margin-right:0.3em"></span>')
    return ('<div style="font-size:0.85em;line-height:1.8">' + " &nbsp; ".join(
        swatch.format(BAND_COLOURS[b]) + BAND_LABELS[b] for b in BANDS) + "</div>")


def cohort_body_map(
    regions: Mapping[str, Region], canvas: Canvas | None, stats: Sequence[RegionStat]
) -> None:
    """Front and back side by side with a worded legend (fixed text: safe as HTML)."""
    by_name = {s.region: s for s in stats}
    for column, view in zip(st.columns(len(VIEWS)), VIEWS, strict=True):
        with column:
            st.altair_chart(cohort_map_chart(regions, canvas, view, by_name), width="stretch")
    st.markdown(_legend(), unsafe_allow_html=True)
