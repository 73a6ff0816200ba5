"""Where a Tencent Cloud error body keeps its code and message (the catalog itself is errors.toml).

Tencent answers HTTP 200 with `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}` for every API
error (tencentcloud-sdk-python-common 3.1.195, `abstract_client.py` `_check_error`). The request id, which a
support ticket needs, is appended to the message.
"""

from __future__ import annotations

import re

_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$")


def read_error(doc: object) -> tuple[str, str] | None:
    """(code, message) of a Tencent error answer, or None when `doc` carries no `Response.Error.Code`."""
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
    if isinstance(rid, str) and _REQUEST_ID.match(rid.strip()):
        message = f"{message} (request id {rid.strip()})"
    return code.strip(), message
