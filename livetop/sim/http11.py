"""The simulator's HTTP server is livetop's one small HTTP/1.1 server (livetop.http11), shared with `serve`."""

from livetop.http11 import (  # noqa: F401 - re-exported for the simulator's modules
    MAX_BODY_BYTES,
    Handler,
    HttpServer,
    Request,
    Response,
    json_response,
)
