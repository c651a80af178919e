"""Reciprocal rank fusion (search/fusion.py): pure functions, no model."""

import pytest

from search.fusion import RRF_K, ranks, rrf


def test_ranks_are_one_based_by_descending_score():
    assert ranks({7: 0.2, 3: 0.9, 5: 0.5}) == {3: 1, 5: 2, 7: 3}


def test_first_in_both_lists_scores_one_and_agreement_beats_one_list():
    fused = rrf({1: 0.9, 2: 0.8, 3: 0.1}, {1: 12.0, 3: 5.0})
    assert fused[1] == pytest.approx(1.0)
    assert fused[3] > fused[2]  # found by both retrievers beats a better dense rank alone


def test_lexical_scores_of_zero_do_not_rank():
    fused = rrf({1: 0.5, 2: 0.4}, {1: 0.0, 2: 0.0})
    assert fused == {1: pytest.approx(1.0), 2: pytest.approx((RRF_K + 1) / (RRF_K + 2))}


def test_empty_inputs():
    assert rrf({}, {}) == {}
