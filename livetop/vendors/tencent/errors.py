"""Where a Tencent Cloud error body keeps its code and message (the catalog itself is errors.toml).

Tencent answers HTTP 200 with `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}` for every API
error (tencentcloud-sdk-python-common 3.1.195, `abstract_client.py` `_check_error`). The request id, which a
support ticket needs, sits in `Response.RequestId`; it is returned for the decoder to quote (after redaction,
which would mask it: it looks like a key).
"""

from __future__ import annotations


def read_error(doc: object) -> tuple[str, str, str] | None:
    """(code, message, request id) of a Tencent error answer, or None when `doc` carries no
    `Response.Error.Code`. The decoder checks the request id's shape before quoting it."""
    if not isinstance(doc, dict):
        return None
    response = doc.get("Response")
    if not isinstance(response, dict):
        return None
    error = response.get("Error")
    if not isinstance(error, dict):
        return None
    code = error.get("Code")
    if not isinstance(code, str) or not code.strip():
        return None
    message = error.get("Message")
    message = message if isinstance(message, str) else ""
    rid = response.get("RequestId")
    return code.strip(), message, rid if isinstance(rid, str) else ""
