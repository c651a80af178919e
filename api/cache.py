"""Responses computed from one store generation, kept until the generation changes.

The data only change when a new generation is swapped in (build, import, inferred
links), so anything derived from it can be reused until then. Bounded (LRU), and
shared by the threads that serve requests.
"""

import threading
from collections import OrderedDict


class GenerationCache:
    def __init__(self, maxsize: int = 512):
        self.maxsize = maxsize
        self._gen: str | None = None
        self._values: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, gen: str, key, compute):
        """The cached value for `key` in generation `gen`, computing it (outside the lock) if missing."""
        with self._lock:
            if gen != self._gen:
                self._gen, self._values = gen, OrderedDict()
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = compute()
        with self._lock:
            if gen == self._gen:
                self._values[key] = value
                while len(self._values) > self.maxsize:
                    self._values.popitem(last=False)
        return value


def app_cache(app, name: str, maxsize: int = 512) -> GenerationCache:
    """The app's cache called `name`, created on first use."""
    cache = getattr(app.state, name, None)
    if cache is None:
        cache = GenerationCache(maxsize)
        setattr(app.state, name, cache)
    return cache
