"""GLib key files (``[group]`` then ``key=value``), the format DeepStream reads.

DeepStream parses its configs with ``GKeyFile``; lists are ``;``-separated
(``roi-watch=120;380;1800;380;…``). Values here are written bare, never
quoted, so Python's ``configparser`` reads them back unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

Value = str | int | float | bool
Groups = Mapping[str, Mapping[str, Value]]


def value_text(value: Value) -> str:
    """One value as GKeyFile writes it (booleans as 1/0, floats exactly)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def points_text(points_px: Iterable[Sequence[int | float]]) -> str:
    """``[(x1, y1), (x2, y2), …]`` → ``x1;y1;x2;y2;…`` (pixels)."""
    return ";".join(value_text(c) for point in points_px for c in point)


def render(groups: Groups, *, header: str = "") -> str:
    """Key-file text of ``groups`` in order, with an optional ``#`` comment header."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    for name, entries in groups.items():
        if lines:
            lines.append("")
        lines.append(f"[{name}]")
        lines += [f"{key}={value_text(value)}" for key, value in entries.items()]
    return "\n".join(lines) + "\n"
