"""What a SPARQL worker process needs to read one state of a remote store (picklable)."""

from __future__ import annotations

from dataclasses import dataclass

from graph.remote.endpoint import Endpoint
from graph.remote.reader import State


@dataclass(frozen=True)
class RemoteSpec:
    endpoint: Endpoint
    state: State
    skolem: str

    @property
    def key(self) -> str:
        return f"{self.endpoint.query_url}#{self.state.id}"

    def open(self):
        from graph.remote.endpoint import shared_client
        from graph.remote.reader import RemoteReader
        from graph.remote.terms import Codec

        return RemoteReader(shared_client(self.endpoint), self.state, Codec(self.skolem, self.endpoint.wrap))
