"""JD opencdn body signature: lowercase hex MD5(yyyymmdd + username + SecretKey), date in Beijing time."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")


def beijing_date(now: datetime) -> str:
    return now.astimezone(BEIJING).strftime("%Y%m%d")


def md5_signature(date_yyyymmdd: str, username: str, secret_key: str) -> str:
    return hashlib.md5(f"{date_yyyymmdd}{username}{secret_key}".encode("utf-8")).hexdigest()
