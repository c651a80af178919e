"""How uvicorn serves the app, so that even its own refusals are JSON like every route's.

uvicorn answers a request it cannot parse itself, before any route or error handler runs,
with a plain-text "400 Invalid HTTP request received.". The one users meet is a long GET
to /sparql: with httptools (uvicorn's parser when it is installed, as here)
`httptools.parse_url` keeps offsets in 16 bits, so a URL over 65 535 bytes is refused; with
h11 the limit is `h11_max_incomplete_event_size`. The protocol classes below send the same
`{"error": "..."}` as the app instead: 414 with a pointer to POST when the URL is what was
too long, else 400.
"""

import json

import uvicorn

MAX_URL = 65_535  # http_parser_url's 16-bit offsets
LONG_URL = (
    "Adressen er for lang (over 65 535 byte), så tjeneren kan ikke lese forespørselen (URI too long). "
    "Send lange SPARQL-spørringer med POST, som skjema (query=...) eller som application/sparql-query."
)
BAD_REQUEST = (
    "Forespørselen er ikke gyldig HTTP, eller en linje i den er for lang (invalid HTTP request). "
    "Send lange SPARQL-spørringer med POST."
)


def _body(message: str) -> bytes:
    return json.dumps({"error": message}, ensure_ascii=False).encode()


def _protocols():
    # Imported here, not at the top: uvicorn's protocol classes are needed only by `serve` (cli/serve.py),
    # and httptools is optional.
    classes = {}
    try:
        from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
    except ImportError:  # httptools not installed
        pass
    else:
        class JsonHttpToolsProtocol(HttpToolsProtocol):
            def send_400_response(self, msg: str) -> None:
                status, message = (414, LONG_URL) if len(self.url) > MAX_URL else (400, BAD_REQUEST)
                body = _body(message)
                content = [STATUS_LINE[status]]
                for name, value in self.server_state.default_headers:
                    content.extend([name, b": ", value, b"\r\n"])
                content.extend([
                    b"content-type: application/json\r\n",
                    b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                    b"connection: close\r\n",
                    b"\r\n",
                    body,
                ])
                self.transport.write(b"".join(content))
                self.transport.close()

        classes["httptools"] = JsonHttpToolsProtocol

    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class JsonH11Protocol(H11Protocol):
        def send_400_response(self, msg: str) -> None:
            body = _body(BAD_REQUEST)
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                       (b"connection", b"close")]
            for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                          h11.Data(data=body), h11.EndOfMessage()):
                self.transport.write(self.conn.send(event))
            self.transport.close()

    classes["h11"] = JsonH11Protocol
    return classes


def http_protocol(name: str = "auto"):
    """uvicorn's `http=` for the app: httptools when installed (as uvicorn's "auto"), else h11."""
    classes = _protocols()
    if name == "auto":
        return classes.get("httptools") or classes["h11"]
    return classes[name]


def config(app, host: str, port: int, **options) -> uvicorn.Config:
    """The uvicorn configuration `regiongraf serve` uses (and the live-server tests)."""
    return uvicorn.Config(app, host=host, port=port, http=http_protocol(options.pop("http", "auto")), **options)
