"""graph.formats.parse_accept: media ranges and q values from an Accept header."""

import pytest

from graph.formats import parse_accept


@pytest.mark.parametrize("header, expected", [
    ("text/turtle", [("text/turtle", 1.0)]),
    ("text/turtle;q=0.9, */*;q=0.1", [("text/turtle", 0.9), ("*/*", 0.1)]),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
     [("text/html", 1.0), ("application/xhtml+xml", 1.0), ("application/xml", 0.9), ("*/*", 0.8)]),
    ("TEXT/Turtle", [("text/turtle", 1.0)]),  # media types are case-insensitive
    (" text/turtle ; charset=utf-8 ", [("text/turtle", 1.0)]),  # other parameters are dropped
    ("text/turtle; Q=0.5", [("text/turtle", 0.5)]),
    ('text/turtle;q=0.9;profile="urn:example:profile-1"', [("text/turtle", 0.9)]),
    ("text/html;level=1;q=0.7", [("text/html", 0.7)]),
    ("application/json;q=0.5;ext=1;q=0.9", [("application/json", 0.5)]),  # after q: accept-extensions
    ("text/*;q=0.3, image/*", [("text/*", 0.3), ("image/*", 1.0)]),
    ("text/turtle;q=0", [("text/turtle", 0.0)]),  # q=0: not acceptable, but kept to say so
    ("text/turtle;q=2, text/csv;q=-1", [("text/turtle", 1.0), ("text/csv", 0.0)]),  # kept within [0, 1]
])
def test_parse_accept(header, expected):
    assert parse_accept(header) == expected


@pytest.mark.parametrize("header", [
    "", "   ", ",,", ";q=1", "turtle", "text/", "/turtle", "*/turtle", "text/tur tle", "a/b/c",
    "text/turtle;q=x", "text/turtle;q=", "text/turtle;q=nan", "text/turtle;q=inf",
])
def test_malformed_parts_are_left_out(header):
    assert parse_accept(header) == []


def test_a_malformed_part_does_not_spoil_the_others():
    assert parse_accept("x/y;q=abc, text/turtle;q=0.5, bogus, */*;q=0.1") == [("text/turtle", 0.5), ("*/*", 0.1)]


def test_no_header():
    assert parse_accept(None) == []
