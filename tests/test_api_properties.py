"""Property-based: whatever schemathesis throws at the GET routes, the answer is never a 500.

Generated from the app's own OpenAPI spec (valid and invalid parameters, odd strings in
paths and queries). Kept small so it runs in seconds; raise MAX_EXAMPLES locally to dig.
"""

from urllib.parse import quote

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from graph.settings import REPO, Settings
from tests.conftest import make_settings

MAX_EXAMPLES = 15

# The spec does not depend on the data, so the schema is loaded at import time from an app
# whose state is pointed at a built graph (with search indexes) before the first request.
APP = create_app(Settings(home=REPO / ".regiongraf-unused"))
schema = (
    schemathesis.openapi.from_asgi("/openapi.json", APP)
    .include(method="GET")
    .exclude(path_regex=r"^/sparql")  # SPARQL has its own property tests (tests/test_sparql*.py)
)


@pytest.fixture(scope="module", autouse=True)
def _serve_built_graph(tmp_path_factory, embedder):
    from service.application import Application

    settings = make_settings(tmp_path_factory.mktemp("fuzz-home"))
    Application(settings, embedder).build()
    APP.state.settings = settings
    APP.state.application = Application(settings, embedder)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
def test_no_server_errors(case):
    response = case.call()
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code} {response.text}"
    if response.status_code >= 400 and "json" in response.headers.get("content-type", [""])[0]:
        assert "error" in response.json()


# Schemathesis rarely draws the nasty strings; these go straight for them.
NASTY = st.text(st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    ["a b", "<x>", "%00", "\x00", "..", "../../etc/passwd", "2025-5.1.1-7.ttl.ttl", "ü{}|^`\\", "\u200b", ".ttl"])


@given(kind=st.sampled_from(["measure", "focus-area", "scheme", "nope"]), key=NASTY,
       accept=st.sampled_from(["text/html", "text/turtle", "application/json", "*/*", "x/y;q=abc", ""]))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_node_paths_never_500(kind, key, accept):
    c = TestClient(APP, raise_server_exceptions=False)  # no lifespan: the app outlives this test
    for path in (f"/id/{kind}/{quote(key, safe='')}", f"/doc/{kind}/{quote(key, safe='')}",
                 f"/api/nodes/{kind}/{quote(key, safe='')}"):
        r = c.get(path, headers={"Accept": accept}, follow_redirects=False)
        assert r.status_code < 500, (path, accept, r.status_code, r.text[:300])
    r = c.get("/api/node", params={"id": key or "x"})
    assert r.status_code < 500, (key, r.text[:300])
