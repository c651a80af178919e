"""The neighbourhood picture on a node page: a layered SVG laid out here, in Python.

Columns from left to right: challenge, goal, strategy, measure, project/plan/organisation
(graph/views/neighbourhood.py). No external program is needed, so every page that has a
neighbourhood has its picture, offline and on any machine.

    neighbourhood_svg(hood, href, label) -> str | None

Layout: one column per layer; within a column the boxes are ordered by the mean position
of their neighbours in the column before (and then after), which keeps most links from
crossing; each column is centred vertically. Links are curves between the facing sides of
two boxes, with the arrow in the direction of the RDF triple (a measure *gjennomfører* its
strategy: the arrow points from the measure to the strategy); machine-inferred similarity
is a dashed curve without an arrow, drawn as an arc beside the column it stays in; a chain
link only the machine made (an inferred strategy link) is dashed too, with its arrow.

Accessible: the SVG is a group named by its <title>, with a <desc> that says what it
shows; every box except the page's own node is a link (<a href>) whose <title> gives its
type and full label; the same links are listed as text on the page. The node page (and so
the picture) is cached per store generation by api/routes/linked_data.py.
"""

from __future__ import annotations

import html
import textwrap

from graph.names import type_label, type_plural
from graph.views.neighbourhood import (
    IMPLEMENTS,
    MENTIONS,
    MOTIVATES,
    PROPOSED_BY,
    SIMILAR,
    SUPPORTS,
    Neighbourhood,
)

# fill, border, text per type: light fills with dark text (contrast well above 4.5:1)
COLOURS = {
    "Challenge": ("#f6e3e3", "#b86b6b", "#5c1a1a"),
    "Goal": ("#fdebd3", "#c98a2e", "#5a3300"),
    "SubGoal": ("#fdebd3", "#c98a2e", "#5a3300"),
    "Strategy": ("#e4eefb", "#5b8fd0", "#12335e"),
    "Measure": ("#e3f1e6", "#5fa36f", "#173f22"),
    "Initiative": ("#efe6f7", "#9470b8", "#3b1c5c"),
    "Project": ("#e2f3f3", "#4fa3a3", "#0c3f3f"),
    "Plan": ("#e2f3f3", "#4fa3a3", "#0c3f3f"),
    "Organisation": ("#eceff1", "#8a969f", "#263238"),
}
DEFAULT_COLOURS = ("#ffffff", "#888888", "#1d2327")
CENTRE_BORDER = "#0b5394"
EDGE = "#5f6a73"
INFERRED_EDGE = "#8a5a00"
MUTED = "#4a545c"
RELATION = {
    MOTIVATES: "begrunner",
    SUPPORTS: "støtter",
    IMPLEMENTS: "gjennomfører",
    MENTIONS: "nevner",
    PROPOSED_BY: "er foreslått av",
}
LIKE = "ligner på (maskinutledet)"

# Geometry, in CSS pixels at natural size.
BOX_W = 172
GAP_X = 48
GAP_Y = 10
PAD = 8
FONT = 12
LINE = 15
TYPE_FONT = 9.5
WRAP = 24  # characters per line at FONT px in BOX_W
MAX_LINES = 3
MORE_H = 20  # the "+ N til" line under a column
ARC = 34  # how far a lateral (same-column) link bulges out


def _label_lines(text: str) -> list[str]:
    lines = textwrap.wrap(" ".join((text or "").split()), WRAP) or [""]
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES]
        lines[-1] = lines[-1][: WRAP - 1].rstrip(" ,.;:") + "…"
    return lines


def _box_height(lines: list[str]) -> float:
    return 8 + TYPE_FONT + 4 + LINE * len(lines) + 4


def _order(columns: list[list[str]], hood: Neighbourhood) -> list[list[str]]:
    """Barycentre ordering: two sweeps, left to right then right to left."""
    neighbours: dict[str, set[str]] = {n: set() for n in hood.nodes}
    for e in hood.edges:
        if e.predicate not in SIMILAR:
            neighbours[e.left].add(e.right)
            neighbours[e.right].add(e.left)

    def sweep(cols: list[list[str]], order: range) -> None:
        for i in order:
            ref = {n: p for p, n in enumerate(cols[i - 1 if order.step > 0 else i + 1])}

            def key(item: tuple[int, str], ref=ref) -> tuple[float, int]:
                pos, node = item
                seen = [ref[m] for m in neighbours[node] if m in ref]
                return (sum(seen) / len(seen) if seen else float(len(ref)) + pos, pos)

            cols[i] = [n for _, n in sorted(enumerate(cols[i]), key=key)]

    cols = [list(c) for c in columns]
    if len(cols) > 1:
        sweep(cols, range(1, len(cols)))
        sweep(cols, range(len(cols) - 2, -1, -1))
    return cols


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _description(hood: Neighbourhood) -> str:
    counts: dict[str, int] = {}
    for n in hood.nodes.values():
        counts[n["type"]] = counts.get(n["type"], 0) + 1
    parts = [f"{c} {(type_plural(t) if c > 1 else type_label(t)).lower()}" for t, c in counts.items()]
    omitted = sum(hood.omitted.values())
    more = f", og {omitted} til som er utelatt" if omitted else ""
    return (f"{len(hood.nodes)} noder i {len(hood.layers)} kolonner fra utfordring til prosjekt: "
            f"{', '.join(parts)}{more}. Hver boks lenker til sin side.")


def neighbourhood_svg(hood: Neighbourhood | None, href, label: str) -> str | None:
    """Inline SVG of the neighbourhood (`href(iri)` gives each box's link), or None when there is
    nothing to draw (no neighbourhood, or the node alone)."""
    if hood is None or len(hood.nodes) < 2 and not hood.omitted:
        return None
    layers = hood.layers
    columns = _order([[iri for iri, n in hood.nodes.items() if n["layer"] == layer] for layer in layers], hood)
    lines = {iri: _label_lines(n["label"] or iri) for iri, n in hood.nodes.items()}
    heights = {iri: _box_height(lines[iri]) for iri in hood.nodes}
    col_heights = []
    for layer, col in zip(layers, columns, strict=True):
        h = sum(heights[i] for i in col) + GAP_Y * max(0, len(col) - 1)
        col_heights.append(h + (MORE_H if hood.omitted.get(layer) else 0))
    lateral = any(e.predicate in SIMILAR and hood.nodes[e.left]["layer"] == hood.nodes[e.right]["layer"]
                  for e in hood.edges)
    width = PAD * 2 + len(layers) * BOX_W + (len(layers) - 1) * GAP_X + (ARC if lateral else 0)
    height = PAD * 2 + max(col_heights)

    pos: dict[str, tuple[float, float]] = {}  # iri -> (x, y) of the box's top left corner
    for c, (col, col_h) in enumerate(zip(columns, col_heights, strict=True)):
        x = PAD + c * (BOX_W + GAP_X)
        y = PAD + (height - 2 * PAD - col_h) / 2
        for iri in col:
            pos[iri] = (x, y)
            y += heights[iri] + GAP_Y

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="hood" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="group" aria-label="{_esc(label)}" '
        f'font-family="system-ui, -apple-system, \'Segoe UI\', Roboto, \'DejaVu Sans\', sans-serif">',
        f"<title>{_esc(label)}</title>",
        f"<desc>{_esc(_description(hood))}</desc>",
        '<defs><marker id="pil" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{EDGE}"/></marker></defs>',
    ]
    for e in hood.edges:
        out.append(_edge(e, hood, pos, heights))
    for iri, n in hood.nodes.items():
        out.append(_box(iri, n, pos[iri], heights[iri], lines[iri], iri == hood.centre, href))
    for c, layer in enumerate(layers):
        if hood.omitted.get(layer):
            x = PAD + c * (BOX_W + GAP_X)
            last = columns[c][-1]
            y = pos[last][1] + heights[last] + GAP_Y + FONT
            out.append(f'<text x="{x + BOX_W / 2:.1f}" y="{y:.1f}" text-anchor="middle" font-size="{FONT}" '
                       f'fill="{MUTED}">+ {hood.omitted[layer]} til</text>')
    out.append("</svg>")
    return "\n".join(out)


def _edge(e, hood: Neighbourhood, pos: dict, heights: dict) -> str:
    (lx, ly), (rx, ry) = pos[e.left], pos[e.right]
    ly += heights[e.left] / 2
    ry += heights[e.right] / 2
    src, dst = (e.left, e.right) if e.forward else (e.right, e.left)
    if e.predicate in SIMILAR:
        tip = f"{hood.nodes[src]['label']} {LIKE} {hood.nodes[dst]['label']}"
        style = f'stroke="{INFERRED_EDGE}" stroke-dasharray="5 4"'
    else:
        relation = RELATION.get(e.predicate, "lenker til") + (" (maskinutledet)" if e.inferred else "")
        tip = f"{hood.nodes[src]['label']} {relation} {hood.nodes[dst]['label']}"
        style = (f'stroke="{INFERRED_EDGE if e.inferred else EDGE}" '
                 + ('stroke-dasharray="5 4" ' if e.inferred else "")
                 + ('marker-end="url(#pil)"' if e.forward else 'marker-start="url(#pil)"'))
    if lx == rx:  # same column (inferred similarity): an arc on the right-hand side
        x = lx + BOX_W
        d = f"M{x:.1f},{ly:.1f} C{x + ARC:.1f},{ly:.1f} {x + ARC:.1f},{ry:.1f} {x:.1f},{ry:.1f}"
    else:
        x1, x2 = lx + BOX_W, rx
        dx = (x2 - x1) / 2
        d = f"M{x1:.1f},{ly:.1f} C{x1 + dx:.1f},{ly:.1f} {x2 - dx:.1f},{ry:.1f} {x2:.1f},{ry:.1f}"
    return (f'<path d="{d}" fill="none" stroke-width="1.2" {style}><title>{_esc(tip)}</title></path>')


def _box(iri: str, n: dict, at: tuple[float, float], h: float, lines: list[str], centre: bool, href) -> str:
    x, y = at
    fill, border, fg = COLOURS.get(n["type"], DEFAULT_COLOURS)
    kind = type_label(n["type"]) or n["type"] or ""
    stroke = f'stroke="{CENTRE_BORDER}" stroke-width="3"' if centre else f'stroke="{border}" stroke-width="1"'
    text = [f'<text x="{x + 8:.1f}" y="{y + 8 + TYPE_FONT:.1f}" font-size="{TYPE_FONT}" font-weight="600" '
            f'letter-spacing=".04em" fill="{fg}">{_esc(kind.upper())}</text>']
    for i, line in enumerate(lines):
        text.append(f'<text x="{x + 8:.1f}" y="{y + 8 + TYPE_FONT + 4 + LINE * (i + 1) - 3:.1f}" '
                    f'font-size="{FONT}" fill="{fg}">{_esc(line)}</text>')
    title = f"{kind}: {n['label'] or iri}"
    body = (f'<rect x="{x:.1f}" y="{y:.1f}" width="{BOX_W}" height="{h:.1f}" rx="6" fill="{fill}" {stroke}/>'
            + "".join(text))
    link = "" if centre else href(iri)
    if not link:
        suffix = " (denne siden)" if centre else ""
        return f'<g class="box{" centre" if centre else ""}"><title>{_esc(title + suffix)}</title>{body}</g>'
    return f'<a href="{_esc(link)}" class="box"><title>{_esc(title)}</title>{body}</a>'
