"""Where a Huawei error body keeps its code and message (the error catalog itself is errors.toml)."""

from __future__ import annotations

_HUAWEI_KEY_PAIRS = (("error_code", "error_msg"), ("errorCode", "errorMsg"), ("code", "message"))


def read_error(doc: object, depth: int = 0) -> tuple[str, str] | None:
    """The Huawei SDK's order: error_code/error_msg, errorCode/errorMsg, code/message, then nested objects
    (IAM's `{"error": {"code": 401, "message": ..}}`)."""
    if not isinstance(doc, dict) or depth > 3:
        return None
    for code_key, msg_key in _HUAWEI_KEY_PAIRS:
        code = doc.get(code_key)
        if code is None or code == "" or isinstance(code, bool | dict | list):
            continue
        message = doc.get(msg_key) or doc.get("error_msg") or doc.get("message") or ""
        # Only IAM's token API answers with a numeric code (the HTTP status) nested under "error".
        code = f"IAM.{code}" if isinstance(code, int | float) else str(code).strip()
        return code, str(message)
    for value in doc.values():
        if isinstance(value, dict) and (found := read_error(value, depth + 1)):
            return found
    return None
