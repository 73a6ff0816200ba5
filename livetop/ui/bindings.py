"""Key bindings as data: the catalogue the help screen and the command palette list, and the `[keys]` check.

Every livetop binding has an id; `[keys]` in the config maps ids to keys and Textual's keymap applies it.
Keys that tmux and terminals keep for themselves are never bound by default and draw a warning when a user
maps one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from textual.binding import Binding, BindingType
from textual.keys import KEY_NAME_REPLACEMENTS, Keys, key_to_character

# tmux's prefixes (C-b, often C-a), flow control (C-s), and C-h/j/k/l (backspace, newline and the usual
# pane-navigation keys of tmux/vim setups).
RESERVED_KEYS = frozenset({"ctrl+a", "ctrl+b", "ctrl+s", "ctrl+h", "ctrl+j", "ctrl+k", "ctrl+l"})

MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
# Names Textual gives keys that are not characters (escape, f5, pagedown...), and its short names for a few
# characters (slash, plus, minus...); other characters go by their Unicode name (question_mark) or as typed.
NAMED_KEYS = frozenset(
    name
    for name in {k.value.rpartition("+")[2] for k in Keys} | set(KEY_NAME_REPLACEMENTS.values())
    if not name.startswith("<")
)


def is_known_key(key: str) -> bool:
    """A key Textual can report: an optional `modifier+` chain, then one printable character or a key name
    (`enter`, `f5`, `question_mark`). Anything else could never be pressed."""
    key = key.strip()
    if len(key) == 1:
        return key.isprintable() and not key.isspace()
    *modifiers, base = key.split("+")
    if not base or any(m not in MODIFIERS for m in modifiers):
        return False
    if len(base) == 1:
        return base.isprintable() and not base.isspace()
    return base in NAMED_KEYS or key_to_character(base) is not None


@dataclass(frozen=True, slots=True)
class BindingInfo:
    """One binding as the help screen shows it."""

    id: str
    keys: tuple[str, ...]  # effective keys (after the keymap), Textual names
    description: str  # short: the footer label
    help: str  # longer: what it does
    action: str


def _bindings(items: Iterable[BindingType]) -> list[Binding]:
    return [b if isinstance(b, Binding) else Binding(*b) for b in items]


def catalogue(
    groups: Iterable[tuple[str, Iterable[BindingType]]], keymap: Mapping[str, str]
) -> list[tuple[str, list[BindingInfo]]]:
    """(group title, bindings with an id) with the keys the keymap gives them."""
    out: list[tuple[str, list[BindingInfo]]] = []
    for title, items in groups:
        infos = []
        for b in _bindings(items):
            if not b.id:
                continue
            keys = keymap.get(b.id, b.key)
            infos.append(
                BindingInfo(
                    id=b.id,
                    keys=tuple(k.strip() for k in keys.split(",") if k.strip()),
                    description=b.description,
                    help=b.tooltip or b.description,
                    action=b.action,
                )
            )
        out.append((title, infos))
    return out


def binding_ids(groups: Iterable[tuple[str, Iterable[BindingType]]]) -> set[str]:
    return {b.id for _, items in groups for b in _bindings(items) if b.id}


def usable_keymap(keymap: Mapping[str, str]) -> dict[str, str]:
    """The `[keys]` table as Textual should get it: keys that could never be pressed are dropped, and an id
    left with none keeps its default keys (check_keymap says why)."""
    usable = {}
    for binding_id, keys in keymap.items():
        if not isinstance(keys, str):
            continue
        known = [k.strip() for k in keys.split(",") if k.strip() and is_known_key(k)]
        if known:
            usable[binding_id] = ",".join(known)
    return usable


def check_keymap(keymap: Mapping[str, str], known_ids: set[str]) -> list[str]:
    """Problems with a `[keys]` table, as sentences for a notification. Unknown ids are ignored by Textual,
    so a typo would silently do nothing: say so, with the ids that exist."""
    problems = []
    for binding_id, keys in keymap.items():
        if binding_id not in known_ids:
            near = sorted(i for i in known_ids if i.split(".")[-1] == binding_id.split(".")[-1])
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            problems.append(f"[keys] {binding_id!r} is not a livetop binding id{hint}; see ? for the list")
            continue
        if not isinstance(keys, str) or not keys.strip():
            problems.append(f'[keys] {binding_id!r} needs one or more keys, e.g. "enter,o"')
            continue
        unknown = [k.strip() for k in keys.split(",") if k.strip() and not is_known_key(k)]
        if unknown:
            shown = ", ".join(repr(k) for k in unknown)
            problems.append(
                f"[keys] {binding_id!r}: {shown} is not a key livetop can receive (use a character or a key "
                'name such as "enter", "f5", "ctrl+r", "question_mark"); it is ignored'
            )
        taken = sorted({k.strip().lower() for k in keys.split(",")} & RESERVED_KEYS)
        if taken:
            problems.append(
                f"[keys] {binding_id!r} uses {', '.join(taken)}, which tmux or the terminal usually keeps; "
                "it may never reach livetop"
            )
    return problems


def resolve_conflicts(
    keymap: Mapping[str, str], scopes: Iterable[Iterable[BindingType]]
) -> tuple[dict[str, str], list[str]]:
    """The usable keymap with keys that would bind two actions at once taken back, and a warning for each.

    `scopes`: groups of bindings active at the same time (a screen's with the app's). Bindings that keep
    their default keys claim them first, then the `[keys]` entries in the order written: an entry asking
    for a key another binding of its scope already has loses that key (the warning names both ids), and an
    entry left with no key keeps its default keys."""
    usable = usable_keymap(keymap)
    problems: list[str] = []
    for scope in scopes:
        bindings = [b for b in _bindings(scope) if b.id]
        claimed: dict[str, str] = {}
        for b in bindings:
            if b.id not in usable:
                for key in b.key.split(","):
                    claimed.setdefault(key.strip(), b.id)
        for binding_id in list(usable):
            if binding_id not in {b.id for b in bindings}:
                continue
            kept = []
            for key in usable[binding_id].split(","):
                owner = claimed.get(key)
                if owner is not None and owner != binding_id:
                    problems.append(
                        f"[keys] {binding_id!r} = {key!r}: {key} already does {owner!r}; "
                        f"{binding_id!r} does not get it"
                    )
                    continue
                claimed[key] = binding_id
                kept.append(key)
            if kept:
                usable[binding_id] = ",".join(kept)
            else:
                del usable[binding_id]
                problems[-1] += " and keeps its default key"
    return usable, problems
