"""The names registry (graph/names.py) on a small in-memory store: lookups, labels, types."""

import pyoxigraph as ox
import pytest

from graph.names import Names, UnknownName, node_type, normalise, type_label, type_plural

RG = "https://data.osloregionen.no/def/regiongraf#"
ID = "https://data.osloregionen.no/id/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _store() -> ox.Store:
    s = ox.Store()
    N, L = ox.NamedNode, ox.Literal  # noqa: N806
    g = N(ID + "graph")
    atp, nav, area = N(ID + "expert-group/atp"), N(ID + "organisation/nav"), N(ID + "focus-area/2025-5.4")
    for t in [
        (atp, N(RDF_TYPE), N(RG + "ExpertGroup")), (atp, N(RDFS_LABEL), L("Faggruppe ATP", language="nb")),
        (atp, N(SKOS + "altLabel"), L("Areal- og transportplanlegging", language="nb")),
        (N(ID + "measure/2025-4.1-1"), N(RG + "proposedBy"), atp),
        (nav, N(RDF_TYPE), N(RG + "Organisation")), (nav, N(RDFS_LABEL), L("NAV", language="nb")),
        (area, N(RDF_TYPE), N(RG + "FocusArea")), (area, N(SKOS + "notation"), L("5.4")),
        (area, N(SKOS + "prefLabel"), L("Miljøtilstanden i Oslofjorden", language="nb")),
    ]:
        s.add(ox.Quad(*t, g))
    return s


@pytest.mark.parametrize("text", ["faggruppe ATP", "Faggruppe  atp", "atp", "ATP", ID + "expert-group/atp",
                                  "areal- og transportplanlegging", "faggruppen atp"])
def test_an_actor_is_found_by_every_name_it_has(text):
    assert Names.read(_store()).actor(text).id == ID + "expert-group/atp"


def test_unknown_names_list_the_known_ones():
    with pytest.raises(UnknownName, match="Kjente aktører: Faggruppe ATP, NAV"):
        Names.read(_store()).actor("Kraftgruppa")
    with pytest.raises(UnknownName, match="5.4 Miljøtilstanden"):
        Names.read(_store()).focus_area("9.9")


def test_focus_areas_by_notation_label_and_key_and_proposers():
    names = Names.read(_store())
    for text in ("5.4", "miljøtilstanden i oslofjorden", "2025-5.4"):
        assert names.focus_area(text).label == "Miljøtilstanden i Oslofjorden"
    assert [a.key for a in names.proposers] == ["atp"]  # NAV proposes nothing here
    assert names.actor_label(ID + "organisation/nav") == "NAV"


def test_normalise_keeps_letters_and_punctuation_that_tell_names_apart():
    assert normalise("  Viken   Fylke ") == "viken fylke"
    assert normalise("Østfold") != normalise("Ostfold") and normalise("A/B") != normalise("A B")


def test_types_by_class_kind_or_norwegian_label():
    allowed = ("Measure", "MeasureGroup", "SubGoal")
    assert node_type("tiltak", allowed) == "Measure" and node_type("measure-group", allowed) == "MeasureGroup"
    assert node_type("Delmål", allowed) == "SubGoal"
    with pytest.raises(UnknownName, match="Kjente typer"):
        node_type("Goal", allowed)
    assert type_label("Measure") == "Tiltak" and type_plural("Strategy") == "Strategier"
