"""A sample's fields as short lines of text, for hover cards and captions.

Each value is written as its column's type shows it (``id 100017``, ``is_outlier true``,
``taken 2025-01-03``), long text shortened; empty cells are left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from latent_explorer.core.datasets.columns import ColumnData, as_column

MAX_FIELDS = 6
MAX_CHARS = 48


def row_fields(columns: Mapping[str, ColumnData], row: int, skip: Iterable[str] = (),
               limit: int = MAX_FIELDS) -> list[tuple[str, str]]:
    """``(column, value)`` of the first ``limit`` columns (not in ``skip``) that have a value
    in ``row``, each value as its type reads (whole numbers without ``.0``, ``true``, dates),
    text cut at :data:`MAX_CHARS` characters."""
    left_out = set(skip)
    found: list[tuple[str, str]] = []
    for name, values in columns.items():
        if name in left_out:
            continue
        text = as_column(values).text(row)
        if not text:
            continue
        if len(text) > MAX_CHARS:
            text = text[: MAX_CHARS - 1] + "…"
        found.append((name, text))
        if len(found) >= limit:
            break
    return found
