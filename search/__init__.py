"""Search: text units, embeddings, BM25, hybrid ranking, overlaps."""
