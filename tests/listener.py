"""A tiny TCP listener on 127.0.0.1 that counts who connects: the witness of a fetch."""

import socket
import threading


class Listener:
    """Accepts connections, counts them, reads the request and closes.

    The count is raised before the connection is closed, so once the client (Oxigraph) has
    seen its request fail, the count already includes it.
    """

    def __init__(self):
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.hits = 0
        self.requests: list[bytes] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with self._lock:
                self.hits += 1
            conn.settimeout(1.0)
            try:
                self.requests.append(conn.recv(4096))
            except OSError:
                pass
            conn.close()

    def close(self) -> None:
        self._sock.close()
