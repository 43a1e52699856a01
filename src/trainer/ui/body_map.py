"""The clickable body map: pick regions on a front and a back figure, and see feedback on it.

Regions are drawn from ``quizzes/body/regions.yaml`` as GeoJSON polygons rendered by Altair
(``mark_geoshape`` with an identity projection), the approach that worked in headless Chromium
(see FINDINGS.md, "Body map"). Scoring never looks at pixels: a click yields a region *name*,
and the picker returns a sorted list of names.

Sync between the charts and the fallback multiselect: the picked names live in session state;
a click toggles one name there (and copies the list into the multiselect); a multiselect change
re-keys the charts, because a chart's selection ``value`` only applies when it is first mounted.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from functools import partial
from typing import Any

import altair as alt
import streamlit as st

from trainer.content.regions import REGION_GROUPS, Canvas, Region

VIEWS: tuple[str, ...] = ("front", "back")
VIEW_TITLES: Mapping[str, str] = {"front": "Front", "back": "Back"}
DEFAULT_CANVAS = Canvas(width=200, height=440)
SELECTION = "regions"
PLACEHOLDER = "-"  # a selection value that names no region (see body_map_chart)

# Okabe–Ito colours, distinguishable with the common colour-vision deficiencies. Orange and sky
# blue mean the same zone in the answer and in the reference ("essential", "spill-over").
STATUS_COLOURS: Mapping[str, str] = {
    "none": "#ECE7E1",
    "picked": "#0072B2",
    "hit": "#009E73",
    "wrong": "#D55E00",
    "missed": "#E69F00",
    "essential": "#E69F00",
    "spillover": "#56B4E9",
}
STATUS_LABELS: Mapping[str, str] = {
    "none": "",
    "picked": "Marked",
    "hit": "Marked, correct",
    "wrong": "Marked, outside the zone",
    "missed": "Missed (essential)",
    "essential": "Essential zone",
    "spillover": "Spill-over zone (optional)",
}
STATUSES: tuple[str, ...] = tuple(STATUS_COLOURS)
OUTLINE = "#8A8580"
HOVER_OUTLINE = "#1A1A1A"
PICKER_HEIGHT = 560  # px: tall enough that small regions (TMJ, web of the thumb) take a finger
FEEDBACK_HEIGHT = 420  # four figures in a row: about as tall as their narrow columns allow
REFERENCE_HEIGHT = 440


def _canvas(canvas: Canvas | None) -> Canvas:
    """The bank may have no canvas (no regions file); fall back to the default figure size."""
    return canvas if canvas is not None else DEFAULT_CANVAS


def _ring(points: Sequence[tuple[float, float]]) -> list[list[float]]:
    """A closed, counter-clockwise GeoJSON ring with y pointing up (so charts use reflectY)."""
    ring = [[float(x), -float(y)] for x, y in points]
    nxt = ring[1:] + ring[:1]
    area2 = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, nxt, strict=True))
    if area2 < 0:
        ring.reverse()
    if ring[0] != ring[-1]:
        ring.append(list(ring[0]))
    return ring


def regions_geojson(
    regions: Mapping[str, Region], view: str, status: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """One GeoJSON feature per shape of ``view``; left and right shapes share a region name.

    ``status`` maps region names to one of ``STATUSES``; regions not in it are "none". Pure, so
    the geometry and the colouring can be tested without Streamlit.
    """
    status = status or {}
    features: list[dict[str, Any]] = []
    for name, region in regions.items():
        for shape in region.shapes:
            if shape.view != view:
                continue
            features.append({
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [_ring(shape.points)]},
                "properties": {
                    "region": name,
                    "label": region.label,
                    "status": status.get(name, "none"),
                },
            })
    return {"type": "FeatureCollection", "features": features}


def _frame(canvas: Canvas) -> dict[str, Any]:
    """The whole canvas as a feature: the projection fits it, so every view has one scale."""
    w, h = canvas.width, canvas.height
    return {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "Polygon",
                     "coordinates": [[[0, 0], [w, 0], [w, -h], [0, -h], [0, 0]]]},
    }


def body_map_chart(
    regions: Mapping[str, Region],
    canvas: Canvas | None,
    view: str,
    *,
    status: Mapping[str, str] | None = None,
    selectable: bool = True,
    title: str | None = None,
    height: int = 440,
    legend: bool = False,
) -> alt.Chart:
    """One view of the figure, each region coloured by its status.

    When ``selectable``, a click toggles a region (both sides, since they share the name) and the
    colour follows the live selection, so the learner sees the pick before Python reruns; the
    regions whose status is "picked" seed the selection. The colour scale is fixed over all
    statuses, so a status always has the same colour; ``legend`` lists those in use.
    """
    canvas = _canvas(canvas)
    # A plain dict, not alt.Data: Altair would validate every coordinate pair at construction.
    # Streamlit keeps a FeatureCollection in the spec as GeoJSON (no Arrow conversion).
    data = {"values": regions_geojson(regions, view, status),
            "format": {"type": "json", "property": "features"}}
    base = (
        alt.Chart(data, **({"title": title} if title else {}))
        .transform_calculate(
            region="datum.properties.region",
            label="datum.properties.label",
            status="datum.properties.status",
            status_text="{" + ",".join(f"'{k}':'{v}'" for k, v in STATUS_LABELS.items())
            + "}[datum.properties.status]",
        )
        .mark_geoshape(stroke=OUTLINE, strokeWidth=0.6, strokeJoin="round")
        .project(type="identity", reflectY=True, fit=_frame(canvas))
        .properties(height=height)
    )
    used = [s for s in STATUSES if s != "none" and s in set((status or {}).values())]
    scale = alt.Scale(domain=list(STATUSES), range=[STATUS_COLOURS[s] for s in STATUSES])
    colour_legend = (
        alt.Legend(title=None, orient="bottom", direction="vertical", values=used,
                   labelExpr="{" + ",".join(f"'{k}':'{v}'" for k, v in STATUS_LABELS.items())
                   + "}[datum.value]")
        if legend and used else None
    )
    if not selectable:
        return base.encode(
            color=alt.Color("status:N", scale=scale, legend=colour_legend),
            tooltip=[alt.Tooltip("label:N", title="Region"),
                     alt.Tooltip("status_text:N", title="Status")],
        )
    # The placeholder keeps the selection from ever being empty: Streamlit sends no event when a
    # freshly mounted chart's selection becomes empty, so un-marking the only pick would be lost.
    seeded = [{"region": n} for n, s in (status or {}).items()
              if s == "picked" and n in regions and view in regions[n].views]
    pick = alt.selection_point(
        fields=["region"], toggle="true", clear=False, empty=False, name=SELECTION,
        value=[{"region": PLACEHOLDER}, *seeded],
    )
    # Outline the region under the pointer (both sides): shows what a click would mark.
    hover = alt.selection_point(
        fields=["region"], on="pointerover", clear="pointerout", empty=False, name="hover"
    )
    return (
        base.mark_geoshape(strokeJoin="round", cursor="pointer")
        .encode(
            color=alt.condition(pick, alt.value(STATUS_COLOURS["picked"]),
                                alt.value(STATUS_COLOURS["none"])),
            stroke=alt.condition(hover, alt.value(HOVER_OUTLINE), alt.value(OUTLINE)),
            strokeWidth=alt.condition(hover, alt.value(2.0), alt.value(0.6)),
            tooltip=[alt.Tooltip("label:N", title="Region")],
        )
        .add_params(pick, hover)
    )


# A re-keyed chart is a new element; Streamlit keeps the old one, faded, until the script run
# ends, so for a moment a column would show two figures. Hide an old chart once its successor
# (which Streamlit places before it) is in.
_HIDE_REPLACED_CHARTS = """<style>
[class*="st-key-body-map-"]
  [data-testid="stElementContainer"][data-stale="false"]:has([data-testid="stVegaLiteChart"])
  ~ [data-testid="stElementContainer"][data-stale="true"]:has([data-testid="stVegaLiteChart"]) {
  display: none;
}
</style>"""


def _names_on(regions: Mapping[str, Region], view: str) -> frozenset[str]:
    return frozenset(n for n, r in regions.items() if view in r.views)


def _group_order(regions: Mapping[str, Region]) -> list[str]:
    """Names in the vocabulary's group order (head to foot), then by label, for the list."""
    rank = {g: i for i, g in enumerate(REGION_GROUPS)}
    return sorted(regions, key=lambda n: (rank.get(regions[n].group, 99), regions[n].label))


def body_map_picker(
    regions: Mapping[str, Region],
    canvas: Canvas | None,
    *,
    key: str,
    label: str,
    initial: Sequence[str] = (),
) -> list[str]:
    """Front and back figures to click, plus a multiselect of the same regions, kept in sync.

    The multiselect is there for keyboard and touch users and screen readers. Session state
    under ``key`` holds: ``.picked`` (the truth), ``.list`` (the multiselect), ``.mount`` (per
    view, a version and the picks a chart was mounted with: its spec must not change while it
    is mounted, or its selection would be lost). Like a widget's default, ``initial`` applies
    only the first time ``key`` is seen in the session. Returns the picked names, sorted.
    """
    picked_key, list_key, mount_key = f"{key}.picked", f"{key}.list", f"{key}.mount"
    state = st.session_state
    if picked_key not in state:
        start = sorted({n for n in initial if n in regions})
        state[picked_key] = start
        state[list_key] = list(start)
        state[mount_key] = {v: (0, tuple(start)) for v in VIEWS}
    on_view = {v: _names_on(regions, v) for v in VIEWS}

    def remount(views: Collection[str]) -> None:
        picks = tuple(state[picked_key])
        mounts = dict(state[mount_key])
        for v in views:
            mounts[v] = (mounts[v][0] + 1, picks)
        state[mount_key] = mounts

    def chart_key(view: str) -> str:
        return f"{key}.{view}.{state[mount_key][view][0]}"

    def on_click(view: str, this_key: str) -> None:
        event = state.get(this_key)
        rows = (event or {}).get("selection", {}).get(SELECTION, [])
        shown = {r["region"] for r in rows if isinstance(r, dict) and r.get("region") in regions}
        before = set(state[picked_key])
        toggled = shown ^ (before & on_view[view])
        if not toggled:
            return
        after = sorted(before ^ toggled)
        state[picked_key] = after
        state[list_key] = list(after)
        others = [v for v in VIEWS if v != view and toggled & on_view[v]]
        if others:
            remount(others)

    def on_list() -> None:
        chosen = sorted(n for n in state[list_key] if n in regions)
        if chosen != state[picked_key]:
            state[picked_key] = chosen
            remount(VIEWS)

    st.markdown(f"**{label}**")
    st.caption("Click regions on the figure (click again to unmark), or choose them in the list.")
    st.html(_HIDE_REPLACED_CHARTS)
    columns = st.container(key=f"body-map-{key}").columns(len(VIEWS))
    for column, view in zip(columns, VIEWS, strict=True):
        mounted = state[mount_key][view][1]
        this_key = chart_key(view)
        chart = body_map_chart(
            regions, canvas, view, status=dict.fromkeys(mounted, "picked"),
            selectable=True, title=VIEW_TITLES[view], height=PICKER_HEIGHT,
        )
        with column:
            st.altair_chart(
                chart, width="stretch", key=this_key, selection_mode=SELECTION,
                on_select=partial(on_click, view, this_key),
            )
    st.multiselect(
        label, _group_order(regions), format_func=lambda n: regions[n].label, key=list_key,
        on_change=on_list, placeholder="Choose regions…",
        # Substring matching, and no "Select N matches" entry: with the defaults, typing "heel"
        # and pressing Enter marked seven regions (fuzzy matches such as "Front of the elbow").
        filter_mode="contains", select_all=False,
    )
    return list(state[picked_key])


def feedback_status(
    picked: Collection[str], essential: Collection[str], spillover: Collection[str]
) -> dict[str, str]:
    """Each region's status in the learner's answer: hit, wrong, missed, or missed spill-over."""
    picked_set, ess, spill = set(picked), set(essential), set(spillover) - set(essential)
    status = dict.fromkeys(spill - picked_set, "spillover")
    status.update(dict.fromkeys(ess - picked_set, "missed"))
    status.update(dict.fromkeys(picked_set & (ess | spill), "hit"))
    status.update(dict.fromkeys(picked_set - ess - spill, "wrong"))
    return status


def reference_status(essential: Collection[str], spillover: Collection[str]) -> dict[str, str]:
    """Each region's status in the reference zone: essential wins over spill-over."""
    status = dict.fromkeys(spillover, "spillover")
    status.update(dict.fromkeys(essential, "essential"))
    return status


def _legend(statuses: Sequence[str]) -> str:
    """A short text legend with colour swatches: the words carry the meaning, not the colour."""
    items = [
        f'<span style="display:inline-block;width:0.9em;height:0.9em;border:1px solid {OUTLINE};'
        f'background:{STATUS_COLOURS[s]};vertical-align:-0.1em;margin-right:0.3em"></span>'
        f"{STATUS_LABELS[s]}"
        for s in statuses
    ]
    return '<div style="font-size:0.85em;line-height:1.8">' + " &nbsp; ".join(items) + "</div>"


def _views_row(
    regions: Mapping[str, Region], canvas: Canvas | None, status: Mapping[str, str], caption: str,
    height: int,
) -> None:
    st.markdown(f"**{caption}**")
    for column, view in zip(st.columns(len(VIEWS)), VIEWS, strict=True):
        with column:
            st.altair_chart(
                body_map_chart(regions, canvas, view, status=status, selectable=False,
                               title=VIEW_TITLES[view], height=height),
                width="stretch",
            )


def body_map_feedback(
    regions: Mapping[str, Region],
    canvas: Canvas | None,
    picked: Collection[str],
    essential: Collection[str],
    spillover: Collection[str],
) -> None:
    """The learner's marks beside the reference zone, front and back, colour coded and legended.

    Not selectable: feedback is read, and a click must not look like a new answer.
    """
    spill = ("spillover",) if set(spillover) - set(essential) else ()
    answer, reference = st.columns(2)
    with answer:
        _views_row(regions, canvas, feedback_status(picked, essential, spillover),
                   "Your answer", height=FEEDBACK_HEIGHT)
        st.markdown(_legend(("hit", "wrong", "missed", *spill)), unsafe_allow_html=True)
    with reference:
        _views_row(regions, canvas, reference_status(essential, spillover), "Reference zone",
                   height=FEEDBACK_HEIGHT)
        st.markdown(_legend(("essential", *spill)), unsafe_allow_html=True)


def body_map_reference(
    regions: Mapping[str, Region],
    canvas: Canvas | None,
    essential: Collection[str],
    spillover: Collection[str],
) -> None:
    """Just the reference zone (flashcard backs), front and back."""
    _views_row(regions, canvas, reference_status(essential, spillover), "Reference zone",
               height=REFERENCE_HEIGHT)
    legend = ("essential", "spillover") if set(spillover) - set(essential) else ("essential",)
    st.markdown(_legend(legend), unsafe_allow_html=True)
