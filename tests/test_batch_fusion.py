"""Batch fusion (search/batch.py) is search's reciprocal rank fusion (search/fusion.py) on arrays."""

import numpy as np

from search import fusion
from search.batch import _rrf_rows, _top


def test_array_fusion_equals_the_dict_fusion():
    rng = np.random.default_rng(3)
    for _ in range(50):
        n = int(rng.integers(1, 40))
        dense = rng.normal(size=n)
        lexical = np.where(rng.random(n) < 0.4, 0.0, rng.random(n) * 10)
        want = fusion.rrf(dict(enumerate(dense.tolist())), dict(enumerate(lexical.tolist())))
        got = fusion.rrf_arrays(dense, lexical)
        rows = _rrf_rows(dense[None, :], lexical[None, :], np.ones((1, n), dtype=bool))[0]
        assert np.allclose(got, [want[i] for i in range(n)])
        assert np.allclose(rows, got)


def test_top_keeps_the_best_first_and_pads():
    scores = np.array([[0.1, 0.9, 0.0, 0.5], [0.0, 0.0, 0.0, 0.2]])
    assert _top(scores, 3, positive=True).tolist() == [[1, 3, 0], [3, -1, -1]]
    assert _top(np.where(scores > 0, scores, -np.inf), 2, positive=False).tolist() == [[1, 3], [3, -1]]
