"""Groups of proposals that all say roughly the same: cliques of accepted pairs.

Greedy complete linkage: pairs are taken best first, and two groups are merged only if
every member of one is paired (as a duplicate or overlap that passed the filters) with
every member of the other. Plain connected components would chain A~B~C into one group
although A and C have nothing in common; a clique keeps the promise that all members say
roughly the same. A cluster is "duplicate" when all its pairs are duplicates; `cohesion`
is its weakest pair.
"""

from __future__ import annotations


def clusters(pairs: list[dict]) -> list[dict]:
    """Pairs as printed by `duplicates` (best first) -> clusters, biggest and strongest first."""
    nodes: dict[str, dict] = {}
    edges: dict[frozenset, dict] = {}
    for p in pairs:
        nodes[p["a"]["id"]] = p["a"]
        nodes[p["b"]["id"]] = p["b"]
        edges.setdefault(frozenset((p["a"]["id"], p["b"]["id"])), p)
    group_of: dict[str, int] = {}
    groups: dict[int, set[str]] = {}
    for p in sorted(edges.values(), key=lambda p: -p["score"]):
        a, b = p["a"]["id"], p["b"]["id"]
        ga, gb = group_of.get(a), group_of.get(b)
        if ga is not None and ga == gb:
            continue
        left = groups[ga] if ga is not None else {a}
        right = groups[gb] if gb is not None else {b}
        if not all(frozenset((x, y)) in edges for x in left for y in right):
            continue
        merged = left | right
        gid = min(x for x in (ga, gb) if x is not None) if (ga is not None or gb is not None) else len(groups)
        while gid in groups and groups[gid] is not left and groups[gid] is not right:
            gid += 1
        for g in (ga, gb):
            if g is not None:
                groups.pop(g, None)
        groups[gid] = merged
        for x in merged:
            group_of[x] = gid
    out = []
    for members in groups.values():
        ids = sorted(members)
        inner = [edges[frozenset((x, y))] for i, x in enumerate(ids) for y in ids[i + 1:]]
        degree = {i: sum(e["score"] for e in inner if i in (e["a"]["id"], e["b"]["id"])) for i in ids}
        central = max(ids, key=lambda i: (degree[i], i))
        scores = [e["score"] for e in inner]
        out.append({
            "size": len(ids),
            "kind": "duplicate" if all(e["kind"] == "duplicate" for e in inner) else "overlap",
            "label": nodes[central]["label"],
            "score": round(max(scores), 4),
            "cohesion": round(min(scores), 4),
            "actors": sorted({nodes[i].get("actor") or "" for i in ids} - {""}),
            "members": [nodes[i] for i in sorted(ids, key=lambda i: (-degree[i], i))],
            "pairs": [{"a": e["a"]["id"], "b": e["b"]["id"], "score": e["score"], "kind": e["kind"]}
                      for e in sorted(inner, key=lambda e: -e["score"])],
        })
    out.sort(key=lambda c: (-c["size"], -c["score"], c["members"][0]["id"]))
    for n, c in enumerate(out, start=1):
        c["id"] = n
    return out
