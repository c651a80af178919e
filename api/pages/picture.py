"""The neighbourhood picture on a node page: an SVG laid out by Graphviz (dot), server-side.

Layers from left to right: challenge, goal, strategy, measure, project/plan/organisation
(graph/neighbourhood.py). Every box links to its node page, so the picture is navigable
without JavaScript; the same links are listed as text on the page for screen readers.
Needs the `dot` program (Debian package graphviz); without it the page simply has no
picture. The node page (and so the picture) is cached per
store generation by api/routes/linked_data.py.
"""

from __future__ import annotations

import html
import logging
import re
import textwrap

from graph.names import type_label
from graph.views.neighbourhood import IMPLEMENTS, MENTIONS, MOTIVATES, PROPOSED_BY, SUPPORTS, Neighbourhood

log = logging.getLogger("regiongraf.picture")

FONT = "DejaVu Sans"
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
RELATION = {
    MOTIVATES: "begrunner",
    SUPPORTS: "støtter",
    IMPLEMENTS: "gjennomfører",
    MENTIONS: "nevner",
    PROPOSED_BY: "foreslått av",
}
WRAP = 30
MAX_LINES = 3


def _label_lines(text: str) -> list[str]:
    lines = textwrap.wrap(" ".join((text or "").split()), WRAP) or [""]
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES]
        lines[-1] = lines[-1][: WRAP - 1].rstrip(" ,.;:") + "…"
    return lines


def _html_label(type_name: str, text: str) -> str:
    kind = html.escape(type_label(type_name) or type_name)
    body = '<BR ALIGN="LEFT"/>'.join(html.escape(line) for line in _label_lines(text))
    return f'<<FONT POINT-SIZE="8">{kind.upper()}</FONT><BR ALIGN="LEFT"/>{body}<BR ALIGN="LEFT"/>>'


def dot_source(hood: Neighbourhood, href) -> str:
    """The Graphviz graph (DOT text) for a neighbourhood; `href(iri)` gives each box's link."""
    import graphviz

    g = graphviz.Digraph("nabolag", graph_attr={
        "rankdir": "LR", "bgcolor": "transparent", "nodesep": "0.18", "ranksep": "0.55",
        "fontname": FONT, "pad": "0.1",
    }, node_attr={
        "shape": "box", "style": "rounded,filled", "fontname": FONT, "fontsize": "10", "margin": "0.12,0.06",
        "target": "_top",
    }, edge_attr={"color": "#6b7680", "arrowsize": "0.6", "fontname": FONT, "fontsize": "8"})
    ids = {iri: f"n{i}" for i, iri in enumerate(hood.nodes)}
    layers = hood.layers
    for layer in layers:
        with g.subgraph(name=f"layer{layer}") as s:
            s.attr(rank="same")
            for iri, n in hood.nodes.items():
                if n["layer"] != layer:
                    continue
                fill, border, fg = COLOURS.get(n["type"], ("#ffffff", "#888888", "#1d2327"))
                centre = iri == hood.centre
                s.node(ids[iri], _html_label(n["type"], n["label"] or iri), href=href(iri),
                       tooltip=f"{type_label(n['type'])}: {n['label'] or iri}", fillcolor=fill,
                       color="#0b5394" if centre else border, fontcolor=fg,
                       penwidth="3" if centre else "1")
            if hood.omitted.get(layer):
                s.node(f"more{layer}", f"+ {hood.omitted[layer]} til", shape="plaintext", style="",
                       fontcolor="#4a545c")
    # Keep the columns in order even where no link joins two neighbouring layers.
    for a, b in zip(layers, layers[1:], strict=False):
        first_a = next(ids[i] for i, n in hood.nodes.items() if n["layer"] == a)
        first_b = next(ids[i] for i, n in hood.nodes.items() if n["layer"] == b)
        g.edge(first_a, first_b, style="invis", weight="0")
    for e in hood.edges:
        rel = RELATION.get(e.predicate, "ligner på (maskinutledet)")
        src, dst = (e.left, e.right) if e.forward else (e.right, e.left)
        tip = f"{hood.nodes[src]['label']} {rel} {hood.nodes[dst]['label']}"
        attrs = {"tooltip": tip}
        if e.inferred:
            attrs |= {"style": "dashed", "dir": "none", "constraint": "false", "color": "#8a5a00"}
        elif not e.forward:
            attrs["dir"] = "back"
        g.edge(ids[e.left], ids[e.right], **attrs)
    return g.source


_TITLE = re.compile(r"<title>[^<]*</title>\n?")
_COMMENT = re.compile(r"<!--.*?-->\n?", re.S)


def _tidy(svg: str, label: str) -> str:
    """Inline-ready SVG: no XML prolog, no node-id titles, a real accessible name."""
    svg = svg[svg.index("<svg"):]
    svg = _COMMENT.sub("", _TITLE.sub("", svg))
    svg = re.sub(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"',
                 lambda m: f'<svg width="{float(m[1]) * 4 / 3:.0f}" height="{float(m[2]) * 4 / 3:.0f}"', svg, count=1)
    svg = svg.replace("<svg ", f'<svg role="group" aria-label="{html.escape(label)}" focusable="false" ', 1)
    return svg


def neighbourhood_svg(hood: Neighbourhood | None, href, label: str) -> str | None:
    """Inline SVG of the neighbourhood, or None (no neighbourhood, or Graphviz missing)."""
    if hood is None or len(hood.nodes) < 2 and not hood.omitted:
        return None
    try:
        import graphviz
    except ImportError:
        log.warning("Python-pakken graphviz mangler: ingen nabolagsbilde")
        return None
    try:
        svg = graphviz.Source(dot_source(hood, href)).pipe(format="svg", encoding="utf-8")
    except (graphviz.ExecutableNotFound, graphviz.CalledProcessError) as err:
        log.warning("Graphviz (dot) mangler eller feilet: ingen nabolagsbilde (%s)", err)
        return None
    return _tidy(svg, label)
