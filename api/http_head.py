"""HEAD for every GET route (link checkers and linked-data clients use it).

FastAPI routes answer only the methods they declare. This ASGI middleware runs a HEAD
request as a GET and sends the same status and headers (Content-Length included)
without the body, as HTTP requires.
"""


class HeadAsGet:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "HEAD":
            return await self.app(scope, receive, send)

        async def send_without_body(message):
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        return await self.app(dict(scope, method="GET"), receive, send_without_body)
