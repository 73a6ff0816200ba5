"""One vendor request, its answer read at most MAX_BODY_BYTES deep and within a total deadline: every call
livetop makes to a vendor (the API calls of `Provider.send`, Huawei's IAM token call) goes through
`vendor_request`.

No answer at all (timeout, refused connection, TLS failure) is a decoded transport error; an answer past the
cap is the decoded "oversized answer" (livetop.httpread stops reading it; vendors/body.py words it); one that
trickles in so slowly that no single read times out is "answer too slow" once the whole exchange has taken
ANSWER_DEADLINE_TIMEOUTS times the account's timeout (livetop closes the connection); one in an encoding
livetop did not ask for is refused undecoded; an auth flow's own VendorError (a failed token request) passes
as it is.
"""

from __future__ import annotations

import httpx

from livetop.httpread import AnswerTooLarge, AnswerTooSlow, EncodingRefused, send_bounded
from livetop.model import VendorError
from livetop.vendors.body import MAX_BODY_BYTES, oversized_detail
from livetop.vendors.catalog import oversized
from livetop.vendors.transport_errors import (
    ANSWER_DEADLINE_TIMEOUTS,
    too_slow,
    transport_error,
    unasked_encoding,
)


def oversized_error(vendor: str, exc: AnswerTooLarge) -> VendorError:
    """The decoded error of an answer `httpread` refused."""
    detail = oversized_detail(exc.cap, read=exc.read, declared=exc.declared)
    return VendorError(oversized(vendor, exc.status_code, detail, exc.headers))


def answer_deadline(client: httpx.AsyncClient) -> float | None:
    """The total deadline of one answer on `client`: ANSWER_DEADLINE_TIMEOUTS times its read timeout."""
    read = client.timeout.read
    return None if read is None else ANSWER_DEADLINE_TIMEOUTS * read


async def vendor_request(
    client: httpx.AsyncClient, vendor: str, method: str, url: str, **kwargs
) -> httpx.Response:
    """`client.request(method, url, **kwargs)` (auth, content, headers, params as httpx takes them), its
    body read whole only within MAX_BODY_BYTES and `answer_deadline`. Raises VendorError."""
    try:
        return await send_bounded(
            client, method, url, MAX_BODY_BYTES, deadline=answer_deadline(client), **kwargs
        )
    except httpx.HTTPError as exc:
        raise VendorError(transport_error(vendor, exc)) from None
    except AnswerTooLarge as exc:
        raise oversized_error(vendor, exc) from None
    except AnswerTooSlow as exc:
        raise VendorError(too_slow(vendor, exc)) from None
    except EncodingRefused as exc:
        raise VendorError(unasked_encoding(vendor, exc)) from None
