"""Searching the text columns of a table (captions, file names, categories) for words.

A search is case-insensitive and looks for every word of the query (``river dog`` finds
rows whose text holds both, in any column searched); a phrase in quotes is looked for whole
(``"number 17 "``). :class:`TextSearch` keeps each column's text lowercased once, so typing
into the search box over 50,000 captions costs a few milliseconds a key.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from latent_explorer.core.datasets.columns import Column

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class SearchHits:
    """The rows a search found, and where."""

    query: str
    rows: IntArray
    """Matching sample indices, in order."""
    columns: tuple[str, ...]
    """The columns searched."""
    found_in: dict[str, IntArray]
    """For each column searched, the hit rows where that column matches every word."""

    def first_column(self, row: int) -> str | None:
        """The first searched column whose text matches in ``row`` (``None``: the words
        are spread over several columns)."""
        for name in self.columns:
            rows = self.found_in.get(name)
            if rows is not None and len(rows):
                at = int(np.searchsorted(rows, row))
                if at < len(rows) and int(rows[at]) == row:
                    return name
        return None


def search_words(query: str) -> list[str]:
    """The words of ``query`` (quoted phrases kept whole), lowercased."""
    try:
        words = shlex.split(query)
    except ValueError:  # an unclosed quote: read it as plain words
        words = re.split(r"\s+", query.replace('"', " ").replace("'", " "))
    return [w.lower() for w in words if w.strip()]


class TextSearch:
    """Finds rows whose text columns hold every word of a query."""

    def __init__(self, columns: Mapping[str, Column]) -> None:
        """Search ``columns`` (the text ones: categories, free text, image paths)."""
        self.columns = {name: column for name, column in columns.items() if column.searchable}
        self._lowered: dict[str, npt.NDArray[np.str_]] = {}

    @property
    def names(self) -> list[str]:
        """The columns that can be searched."""
        return list(self.columns)

    def search(self, query: str, columns: Sequence[str] | None = None) -> SearchHits:
        """The rows where every word of ``query`` is in one of ``columns`` (default: every
        text column); a word may be in one column and the next in another."""
        names = [n for n in (columns if columns is not None else self.names)
                 if n in self.columns]
        words = search_words(query)
        count = len(next(iter(self.columns.values()))) if self.columns else 0
        if not words or not names:
            return SearchHits(query, np.zeros(0, dtype=np.int64), tuple(names), {})
        every = np.ones(count, dtype=bool)
        per_column = {name: np.ones(count, dtype=bool) for name in names}
        for word in words:
            anywhere = np.zeros(count, dtype=bool)
            for name in names:
                found = np.char.find(self._text(name), word) >= 0
                per_column[name] &= found
                anywhere |= found
            every &= anywhere
        rows = np.flatnonzero(every).astype(np.int64)
        found_in = {name: np.flatnonzero(mask & every).astype(np.int64)
                    for name, mask in per_column.items()}
        return SearchHits(query, rows, tuple(names), found_in)

    def _text(self, name: str) -> npt.NDArray[np.str_]:
        lowered = self._lowered.get(name)
        if lowered is None:
            lowered = np.char.lower(self.columns[name].values.astype(str))
            self._lowered[name] = lowered
        return lowered


def snippet(text: str, query: str, width: int = 60) -> str:
    """``text`` cut to about ``width`` characters around the first word of ``query``."""
    words = search_words(query)
    if len(text) <= width or not words:
        return text if len(text) <= width else text[: width - 1] + "…"
    at = text.lower().find(words[0])
    start = max(0, min(at - width // 3, len(text) - width)) if at >= 0 else 0
    piece = text[start:start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")
