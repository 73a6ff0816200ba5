"""Error catalog files: their schema, validation and loading.

One TOML file per vendor (`livetop/vendors/<vendor>/errors.toml`), loaded once and validated: a malformed
entry is a bug in livetop's own data, caught by the tests that load every catalog.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path



class CatalogError(Exception):
    """A malformed catalog file: a bug in livetop's own data (tests load every catalog)."""


_REQUIRED = {"http": None, "title": str, "meaning": str, "action": str, "retryable": bool}
_OPTIONAL = {"throttled": bool, "token_expired": bool, "variants": list}
_VARIANT_KEYS = {
    "match": str,
    "api": str,
    "title": str,
    "meaning": str,
    "action": str,
    "retryable": bool,
    "token_expired": bool,
}
# Codes start with a letter: Huawei's and JD's are upper case (APIGW.0308, RATE_LIMIT), Alibaba's and
# Tencent's are CamelCase (InvalidStartTime.Malformed, AuthFailure.SignatureExpire).
_CODE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*(\.?\*)?$")
TITLE_MAX_CHARS = 40  # titles go on an overview row next to the code


@dataclass(frozen=True, slots=True)
class Variant:
    """A sub-case of a code told apart by its message (APIGW.0301 covers a dozen different problems)."""

    match: str = ""  # "" = any message
    api: str | None = None  # only for accounts of this vendor API ("v1"); None = any
    title: str | None = None
    meaning: str | None = None
    action: str | None = None
    retryable: bool | None = None
    token_expired: bool | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    code: str
    http: tuple[int, ...]
    title: str
    meaning: str
    action: str
    retryable: bool
    throttled: bool = False
    token_expired: bool = False
    variants: tuple[Variant, ...] = ()

    def resolve(self, message: str, api: str | None = None) -> Entry:
        """The entry as it applies to this vendor message, answered to an account of `api` (first matching
        variant wins)."""
        lowered = message.lower()
        for v in self.variants:
            if v.match.lower() in lowered and (v.api is None or v.api == api):
                return Entry(
                    code=self.code,
                    http=self.http,
                    title=v.title or self.title,
                    meaning=v.meaning or self.meaning,
                    action=v.action or self.action,
                    retryable=self.retryable if v.retryable is None else v.retryable,
                    throttled=self.throttled,
                    token_expired=self.token_expired if v.token_expired is None else v.token_expired,
                )
        return self


@dataclass(frozen=True, slots=True)
class Catalog:
    vendor: str
    entries: Mapping[str, Entry]  # exact codes, and families keyed with their trailing `*`

    def lookup(self, code: str) -> Entry | None:
        entry = self.entries.get(code)
        if entry is not None:
            return entry
        families = [k for k in self.entries if k.endswith("*") and code.startswith(k[:-1])]
        return self.entries[max(families, key=len)] if families else None


def _check(cond: bool, source: str, code: str, problem: str) -> None:
    if not cond:
        raise CatalogError(f"{source}: [{code!r}]: {problem}")


def _check_fields(table: dict, spec: dict, required: Iterable[str], source: str, code: str) -> None:
    for key in table:
        _check(key in spec, source, code, f"unknown key {key!r}")
    for key in required:
        _check(key in table, source, code, f"missing {key!r}")
    for key, kind in spec.items():
        if key in table and kind is not None:
            _check(isinstance(table[key], kind), source, code, f"{key!r} must be {kind.__name__}")
        if kind is str and key in table:
            _check(bool(table[key].strip()), source, code, f"{key!r} is empty")


def parse_catalog(vendor: str, text: str, source: str = "<catalog>") -> Catalog:
    """Parse and validate one catalog file. Raises `CatalogError` naming the code and the problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{source}: not valid TOML: {exc}") from None
    entries: dict[str, Entry] = {}
    for code, table in data.items():
        _check(isinstance(table, dict), source, code, "must be a table")
        _check(bool(_CODE_RE.match(code)), source, code, "not a valid code")
        spec = {**_REQUIRED, **_OPTIONAL}
        _check_fields(table, spec, _REQUIRED, source, code)
        http = table["http"]
        statuses = tuple(http) if isinstance(http, list) else (http,)
        _check(
            bool(statuses) and all(type(s) is int and 100 <= s <= 599 for s in statuses),
            source,
            code,
            "'http' must be an HTTP status or a list of them",
        )
        _check(len(table["title"]) <= TITLE_MAX_CHARS, source, code, f"title longer than {TITLE_MAX_CHARS}")
        variants = []
        for raw in table.get("variants", []):
            _check(isinstance(raw, dict), source, code, "each variant must be a table")
            _check_fields(raw, _VARIANT_KEYS, (), source, code)
            _check("match" in raw or "api" in raw, source, code, "a variant needs a match or an api")
            _check(len(raw.get("title", "")) <= TITLE_MAX_CHARS, source, code, "variant title too long")
            variants.append(Variant(**raw))
        entries[code] = Entry(
            code=code,
            http=statuses,
            title=table["title"],
            meaning=table["meaning"],
            action=table["action"],
            retryable=table["retryable"],
            throttled=table.get("throttled", False),
            token_expired=table.get("token_expired", False),
            variants=tuple(variants),
        )
    _check(bool(entries), source, "*", "catalog is empty")
    return Catalog(vendor, entries)


@cache
def load_catalog(vendor: str) -> Catalog:
    """The catalog file the vendor's spec names, beside its spec module."""
    import importlib

    from livetop.vendors.registry import VENDOR_SPECS, vendor_spec

    if vendor not in VENDOR_SPECS:
        raise ValueError(f"no error catalog for vendor {vendor!r}")
    spec_module = importlib.import_module(VENDOR_SPECS[vendor])
    path = Path(spec_module.__file__).with_name(vendor_spec(vendor).catalog)
    return parse_catalog(vendor, path.read_text(encoding="utf-8"), str(path))
