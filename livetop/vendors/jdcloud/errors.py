"""Where a JD Cloud error body keeps its code and message (the error catalog itself is errors.toml)."""

from __future__ import annotations

import re


def read_error(doc: object) -> tuple[str, str] | None:
    """JD OpenAPI `{"error": {"code", "status", "message"}}` or opencdn `{"status": n, "msg": ..}`."""
    if not isinstance(doc, dict):
        return None
    err = doc.get("error")
    if isinstance(err, dict):
        status, code = err.get("status"), err.get("code")
        message = str(err.get("message") or err.get("msg") or "")
        if isinstance(status, str) and status.strip():
            return status.strip().upper(), message
        if isinstance(code, str) and code.strip():
            return code.strip(), message
        if isinstance(code, int) and not isinstance(code, bool):
            return f"HTTP.{code}", message
    status = doc.get("status")
    if isinstance(status, str) and re.fullmatch(r"-?\d+", status.strip()):
        status = int(status)
    if isinstance(status, int) and not isinstance(status, bool) and status != 0:
        return f"JD.STATUS.{status}", str(doc.get("msg") or doc.get("message") or "")
    return None
