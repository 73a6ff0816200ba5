"""Where an Alibaba Cloud error body keeps its code and message (the catalog itself is errors.toml).

POP gateway and service errors alike: `{"RequestId": .., "HostId": .., "Code": .., "Message": ..,
"Recommend": ..}`. The official SDK reads `Code` or `code`, `Message` or `message`
(alibabacloud_tea_openapi/client.py `do_request`).
"""

from __future__ import annotations


def read_error(doc: object) -> tuple[str, str] | None:
    if not isinstance(doc, dict):
        return None
    code = doc.get("Code", doc.get("code"))
    if not isinstance(code, str) or not code.strip():
        return None
    message = doc.get("Message", doc.get("message"))
    return code.strip(), message if isinstance(message, str) else ""
