"""Typed per-sample columns: numbers (whole or not), true/false, dates and times, categories,
free text and image paths.

A researcher's table keeps what its columns are, from the file to the map and back to an
export: an id stays ``17`` (never ``17.0``), a flag stays ``true``/``false``, a date is a time
(a continuous colour scale, ``date > 2025-01-01``), and a caption with a different text on
every row is text to search, not 50,000 colours. :class:`Column` is that value; it is made

- from pandas (the ``tables`` extra) by :func:`column_from_series`, after the dtype pandas
  (or pyarrow, for parquet) gave the column: nullable ``Int64``/``boolean`` keep their gaps;
- from numpy arrays and Python lists by :func:`column_from_array`;
- from the text cells of a CSV read without pandas by :func:`column_from_text`.

Kinds (:data:`KINDS`) and how each is stored in :attr:`Column.values`:

========== ========================================= =======================================
kind       values                                    missing
========== ========================================= =======================================
number     ``int64`` (whole numbers) or ``float64``  :attr:`~Column.mask` (int) / NaN (float)
boolean    ``bool``                                  :attr:`~Column.mask`
datetime   ``datetime64[us]`` (UTC when zoned)       ``NaT``
category   ``str`` (at most :data:`CATEGORY_MAX`     ``""``
           distinct values)
text       ``str`` (more distinct values)            ``""``
image      ``str`` (an image file's path)            ``""``
========== ========================================= =======================================

A column is also array-like (``len``, ``numpy.asarray``, indexing give the stored values), so
code that only needs the values need not know the kinds.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

Kind = Literal["number", "boolean", "datetime", "category", "text", "image"]
KINDS: tuple[Kind, ...] = ("number", "boolean", "datetime", "category", "text", "image")
CATEGORY_MAX = 200
"""Text with at most this many distinct values is a category (a colour per value); more is
free text (offered to search and filter, not as colours)."""
MISSING_WORDS = frozenset({"", "na", "nan", "n/a", "null", "none", "<na>", "nat"})
"""Cells of a CSV that mean "no value" (any case)."""
TIME_UNIT: Literal["us"] = "us"
_ISO_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?"
    r"(?:Z|[+-]\d{2}:?\d{2})?$")
_WHOLE = re.compile(r"^[-+]?\d+$")
_TRUE, _FALSE = frozenset({"true"}), frozenset({"false"})
_EPOCH = np.datetime64(0, TIME_UNIT)
_TEXT_KINDS = ("category", "text", "image")

ColumnData = Any
"""What :func:`as_column` accepts: a :class:`Column`, a numpy array, a list, a pandas Series."""


@dataclass(frozen=True, eq=False)
class Column:
    """One typed per-sample column (see the module docstring for the kinds)."""

    values: npt.NDArray[Any]
    """The stored values, one per sample (the dtype of the kind; see the module docstring)."""
    kind: Kind
    """What the values are: one of :data:`KINDS`."""
    mask: npt.NDArray[np.bool_] | None = None
    """For whole numbers and true/false: where a value is missing (``None``: none is)."""
    source_dtype: str = ""
    """The dtype the source gave it (``int64``, ``Int64``, ``boolean``, ``category``,
    ``datetime64[ns, UTC]`` ...), so exports write it back as it came."""
    tz: str | None = None
    """A datetime column's time zone in the source (its values are kept in UTC)."""

    def __post_init__(self) -> None:
        if self.values.ndim != 1:
            raise ValueError(f"a column holds one value per sample, not shape "
                             f"{self.values.shape}")
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")
        if self.mask is not None and self.mask.shape != self.values.shape:
            raise ValueError("a column's mask must have one entry per value")

    # --- array-like ------------------------------------------------------------------------
    def __len__(self) -> int:
        return int(self.values.shape[0])

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> npt.NDArray[Any]:
        return self.values if dtype is None else self.values.astype(dtype)

    def __getitem__(self, key: Any) -> Any:
        return self.values[key]

    @property
    def dtype(self) -> np.dtype[Any]:
        """The stored values' numpy dtype."""
        return self.values.dtype

    @property
    def shape(self) -> tuple[int, ...]:
        """``(N,)``."""
        return tuple(self.values.shape)

    def tolist(self) -> list[Any]:
        """The values as Python objects, ``None`` where missing."""
        out = self.values.tolist()
        for i in np.flatnonzero(self.missing).tolist():
            out[i] = None
        return list(out)

    # --- what it is -----------------------------------------------------------------------
    @property
    def is_integer(self) -> bool:
        """Whether it is a column of whole numbers."""
        return self.kind == "number" and self.values.dtype.kind in "iu"

    @property
    def is_text(self) -> bool:
        """Whether it holds text (a category, free text or image paths)."""
        return self.kind in _TEXT_KINDS

    @property
    def colourable(self) -> bool:
        """Whether the map can be coloured by it: numbers, true/false, dates, categories."""
        return self.kind in ("number", "boolean", "datetime", "category")

    @property
    def searchable(self) -> bool:
        """Whether it is text a search box (or ``contains``) looks in."""
        return self.is_text

    @cached_property
    def missing(self) -> npt.NDArray[np.bool_]:
        """Where a value is missing (an empty text, NaN, NaT or a masked cell)."""
        if self.mask is not None:
            return self.mask
        if self.values.dtype.kind == "f":
            return np.asarray(np.isnan(self.values), dtype=bool)
        if self.kind == "datetime":
            return np.asarray(np.isnat(self.values), dtype=bool)
        if self.is_text:
            return np.asarray(self.values == "", dtype=bool)
        return np.zeros(len(self), dtype=bool)

    @cached_property
    def distinct(self) -> int:
        """How many distinct values it holds (missing ones not counted)."""
        kept = self.values[~self.missing]
        return len(np.unique(kept)) if len(kept) else 0

    @cached_property
    def date_only(self) -> bool:
        """Whether every time of a datetime column is midnight (shown as dates)."""
        if self.kind != "datetime":
            return False
        kept = self.values[~self.missing]
        return bool(np.all(kept == kept.astype("datetime64[D]")))

    def describe(self) -> str:
        """The kind in words, for tooltips and messages (``whole numbers``, ``dates`` ...)."""
        if self.kind == "number":
            return "whole numbers" if self.is_integer else "numbers"
        if self.kind == "datetime":
            return "dates" if self.date_only else "dates and times"
        return {"boolean": "true/false", "category": "categories", "text": "free text",
                "image": "image paths"}[self.kind]

    # --- values in other forms ------------------------------------------------------------
    def as_float(self) -> npt.NDArray[np.float64]:
        """Numbers for scales and ramps: numbers, 0/1 for true/false, seconds since 1970 for
        times; NaN where missing (and for text)."""
        if self.kind == "datetime":
            seconds = (self.values - _EPOCH) / np.timedelta64(1, "s")
            out = np.asarray(seconds, dtype=np.float64)
        elif self.kind in ("number", "boolean"):
            out = self.values.astype(np.float64)
        else:
            return np.full(len(self), np.nan)
        if self.mask is not None:
            out = out.copy()
            out[self.mask] = np.nan
        return out

    def take(self, rows: npt.ArrayLike) -> Column:
        """The column at ``rows`` (indices or a boolean mask), of the same kind."""
        index = np.asarray(rows)
        mask = None if self.mask is None else self.mask[index]
        return Column(self.values[index], self.kind, mask, self.source_dtype, self.tz)

    def placed(self, target: npt.NDArray[np.int64], count: int) -> Column:
        """This column's rows put at positions ``target`` of a column of ``count`` rows; the
        other rows are missing (a metadata CSV that lacks some samples)."""
        if self.kind == "datetime":
            values: npt.NDArray[Any] = np.full(count, np.datetime64("NaT", TIME_UNIT))
        elif self.values.dtype.kind == "f":
            values = np.full(count, np.nan)
        elif self.is_text:
            values = np.full(count, "", dtype=self.values.dtype)
        else:
            values = np.zeros(count, dtype=self.values.dtype)
        values[target] = self.values
        mask = None
        if self.mask is not None or self.kind == "boolean" or self.is_integer:
            mask = np.ones(count, dtype=bool)
            mask[target] = self.missing
            if not mask.any():
                mask = None
        return Column(values, self.kind, mask, self.source_dtype, self.tz)

    def text(self, row: int) -> str:
        """Row ``row``'s value as the window shows it (``""`` when missing): ``17``,
        ``true``, ``2025-01-03``, ``0.125``, the text."""
        if self.missing[row]:
            return ""
        return format_value(self.values[row], self.kind, self.date_only)

    def to_numpy(self) -> npt.NDArray[Any]:
        """Values as numpy holds them for a file: the source dtype where numpy has it
        (``int32``, ``float32``, ``bool``, ``datetime64``, unicode text)."""
        source = self.source_dtype
        if self.kind in ("number", "boolean") and source:
            try:
                wanted = np.dtype(source)
            except TypeError:  # a pandas dtype name (Int64, boolean, Float32)
                wanted = np.dtype(source.lower()) if source.lower() in (
                    "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                    "float32", "float64") else self.values.dtype
            if wanted.kind in "biuf" and wanted != self.values.dtype:
                return self.values.astype(wanted)
        if self.is_text:
            return self.values.astype(str)
        return self.values

    def to_pandas(self, name: str) -> Any:
        """A pandas Series of the source's dtype: ``Int64``/``boolean`` where values are
        missing, time-zoned times back in their zone, categories as ``category``."""
        import pandas as pd

        if self.kind == "datetime":
            series = pd.Series(self.values, name=name)
            if self.tz:
                series = series.dt.tz_localize("UTC").dt.tz_convert(self.tz)
            return series
        if self.kind in ("number", "boolean") and self.mask is not None and self.mask.any():
            dtype = "boolean" if self.kind == "boolean" else (
                "Int64" if self.is_integer else "Float64")
            array = pd.array(self.values, dtype=dtype)
            array[self.mask] = pd.NA
            return pd.Series(array, name=name)
        if self.is_text:
            cells = self.values.astype(object)
            cells[self.missing] = None
            series = pd.Series(cells, name=name, dtype=object)
            return series.astype("category") if self.source_dtype == "category" else series
        return pd.Series(self.to_numpy(), name=name)


def format_value(value: Any, kind: str, date_only: bool = False) -> str:
    """One value as the window shows it: whole numbers without ``.0``, ``true``/``false``,
    ISO dates (and times), floats in 6 significant digits."""
    if kind == "boolean":
        return "true" if bool(value) else "false"
    if kind == "datetime":
        text = str(np.datetime64(value, "s" if not date_only else "D"))
        return text.replace("T", " ")
    if kind == "number":
        if isinstance(value, (int, np.integer)):
            return str(int(value))
        number = float(value)
        return "" if math.isnan(number) else f"{number:.6g}"
    return str(value)


# --- making columns ---------------------------------------------------------------------------
def as_column(values: ColumnData) -> Column:
    """``values`` as a :class:`Column`: itself if it is one, else classified by its dtype."""
    if isinstance(values, Column):
        return values
    if _is_series(values):
        return column_from_series(values)
    return column_from_array(values)


def as_columns(columns: Mapping[str, ColumnData]) -> dict[str, Column]:
    """Every column of ``columns`` as a :class:`Column` (in order)."""
    return {str(name): as_column(values) for name, values in columns.items()}


def column_from_array(values: Any) -> Column:
    """A column from a numpy array, a torch tensor or a list, by dtype (and, for objects
    and text, by what the values are)."""
    if hasattr(values, "detach"):  # a torch tensor
        values = values.detach().cpu().numpy()
    array = np.asarray(values)
    if array.ndim != 1:
        array = array.reshape(-1) if array.ndim == 0 else array
    if array.ndim != 1:
        raise ValueError(f"a column holds one value per sample, not shape {array.shape}")
    source = str(array.dtype)
    kind = array.dtype.kind
    if kind == "b":
        return Column(array.astype(bool), "boolean", source_dtype=source)
    if kind in "iu":
        return Column(array.astype(np.int64), "number", source_dtype=source)
    if kind == "f":
        return Column(array.astype(np.float64), "number", source_dtype=source)
    if kind == "M":
        return Column(array.astype(f"datetime64[{TIME_UNIT}]"), "datetime", source_dtype=source)
    if kind == "m":
        return Column(array / np.timedelta64(1, "s"), "number", source_dtype=source)
    if kind in "US":
        return _text_column([str(v) for v in array.tolist()], source)
    return _objects_column(array.tolist(), source)


def column_from_text(cells: Sequence[str]) -> Column:
    """A column from the text cells of a CSV: whole numbers, numbers, ``true``/``false``,
    ISO dates (``2025-01-03``, ``2025-01-03T10:00``, with a zone) or text; empty cells and
    ``NA``, ``NaN``, ``null``, ``None`` are missing."""
    stripped = [cell.strip() for cell in cells]
    present = [i for i, cell in enumerate(stripped) if cell.lower() not in MISSING_WORDS]
    words = [stripped[i] for i in present]
    count = len(stripped)
    if words and all(_WHOLE.match(w) for w in words):
        ints = np.zeros(count, dtype=np.int64)
        try:
            ints[present] = [int(w) for w in words]
        except OverflowError:
            pass
        else:
            return Column(ints, "number", _mask(count, present), "int64")
    if words:
        try:
            numbers = np.full(count, np.nan)
            numbers[present] = [float(w) for w in words]
            return Column(numbers, "number", source_dtype="float64")
        except ValueError:
            pass
        lowered = {w.lower() for w in words}
        if lowered <= (_TRUE | _FALSE):
            flags = np.zeros(count, dtype=bool)
            flags[present] = [w.lower() in _TRUE for w in words]
            return Column(flags, "boolean", _mask(count, present), "bool")
        dates = _parse_dates(words)
        if dates is not None:
            times, zone = dates
            out = np.full(count, np.datetime64("NaT", TIME_UNIT))
            out[present] = times
            return Column(out, "datetime", source_dtype="datetime64[us]", tz=zone)
    text = [""] * count
    for i, w in zip(present, words, strict=True):
        text[i] = w
    return _text_column(text, "str")


def column_from_series(series: Any) -> Column:
    """A column from a pandas Series, after its dtype (pandas or pyarrow's): nullable
    ``Int64``/``boolean`` keep their gaps, times their zone, ``category`` its categories;
    ``object`` columns by what their values are (pandas' ``infer_dtype``)."""
    import pandas as pd
    from pandas.api import types

    dtype = series.dtype
    source = str(dtype)
    missing = np.asarray(series.isna().to_numpy(), dtype=bool)
    if isinstance(dtype, pd.CategoricalDtype):
        cells = series.astype(object).where(~series.isna(), "").astype(str).tolist()
        return _text_column(cells, "category")
    if types.is_bool_dtype(dtype):
        values = series.to_numpy(dtype=bool, na_value=False)
        return Column(values, "boolean", missing if missing.any() else None, source)
    if types.is_integer_dtype(dtype):
        values = series.to_numpy(dtype=np.int64, na_value=0)
        return Column(values, "number", missing if missing.any() else None, source)
    if types.is_float_dtype(dtype):
        return Column(series.to_numpy(dtype=np.float64, na_value=np.nan), "number",
                      source_dtype=source)
    if types.is_datetime64_any_dtype(dtype):
        zone = getattr(dtype, "tz", None)
        if zone is not None:
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        values = series.to_numpy(dtype=f"datetime64[{TIME_UNIT}]", na_value=np.datetime64("NaT"))
        return Column(values, "datetime", source_dtype=source,
                      tz=None if zone is None else str(zone))
    if types.is_timedelta64_dtype(dtype):
        seconds = series.dt.total_seconds().to_numpy(dtype=np.float64, na_value=np.nan)
        return Column(seconds, "number", source_dtype=source)
    items = series.tolist()
    cells = [None if gap else item for item, gap in zip(items, missing.tolist(), strict=True)]
    return _objects_column(cells, source)


# --- helpers ---------------------------------------------------------------------------------
def _is_series(values: Any) -> bool:
    return type(values).__name__ == "Series" and hasattr(values, "dtype") and hasattr(
        values, "isna")


def _mask(count: int, present: Sequence[int]) -> npt.NDArray[np.bool_] | None:
    if len(present) == count:
        return None
    mask = np.ones(count, dtype=bool)
    mask[list(present)] = False
    return mask


def _objects_column(items: Sequence[Any], source: str) -> Column:
    """A column of Python objects (``None``/NaN missing): by what the values are."""
    count = len(items)
    present = [i for i, v in enumerate(items) if not _is_missing(v)]
    values = [items[i] for i in present]
    if values and all(isinstance(v, (bool, np.bool_)) for v in values):
        flags = np.zeros(count, dtype=bool)
        flags[present] = [bool(v) for v in values]
        return Column(flags, "boolean", _mask(count, present), source)
    if values and all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
                      for v in values):
        ints = np.zeros(count, dtype=np.int64)
        ints[present] = values
        return Column(ints, "number", _mask(count, present), source)
    if values and all(isinstance(v, (int, float, np.integer, np.floating))
                      and not isinstance(v, (bool, np.bool_)) for v in values):
        numbers = np.full(count, np.nan)
        numbers[present] = [float(v) for v in values]
        return Column(numbers, "number", source_dtype=source)
    if values and all(isinstance(v, (_dt.date, np.datetime64)) for v in values):
        out = np.full(count, np.datetime64("NaT", TIME_UNIT))
        times = [_utc(v) for v in values]
        zones = {str(v.tzinfo) for v in values if isinstance(v, _dt.datetime) and v.tzinfo}
        out[present] = np.array(times, dtype=f"datetime64[{TIME_UNIT}]")
        return Column(out, "datetime", source_dtype=source,
                      tz=zones.pop() if len(zones) == 1 else ("UTC" if zones else None))
    text = [""] * count
    for i, v in zip(present, values, strict=True):
        text[i] = str(v)
    return _text_column(text, source)


def _text_column(cells: list[str], source: str) -> Column:
    """Text: ``true``/``false`` become flags, ISO dates times; else a category or free text
    by the number of distinct values."""
    present = [c for c in cells if c]
    if present and source != "category":
        if {c.lower() for c in set(present)} <= (_TRUE | _FALSE):
            flags = np.array([c.lower() in _TRUE for c in cells], dtype=bool)
            gaps = np.array([not c for c in cells], dtype=bool)
            return Column(flags, "boolean", gaps if gaps.any() else None, "bool")
        dates = _parse_dates(present)
        if dates is not None:
            times, zone = dates
            out = np.full(len(cells), np.datetime64("NaT", TIME_UNIT))
            out[[i for i, c in enumerate(cells) if c]] = times
            return Column(out, "datetime", source_dtype="datetime64[us]", tz=zone)
    values = np.array(cells, dtype=str) if cells else np.zeros(0, dtype=str)
    distinct = len(set(present))
    kind: Kind = "category" if distinct <= CATEGORY_MAX else "text"
    return Column(values, kind, source_dtype=source)


def _parse_dates(words: Iterable[str]
                 ) -> tuple[npt.NDArray[np.datetime64], str | None] | None:
    """Times of ISO 8601 dates (zoned ones in UTC) and the zone, or ``None`` if any word is
    not one."""
    parsed: list[_dt.datetime] = []
    zoned = naive = False
    for word in words:
        if not _ISO_DATE.match(word):
            return None
        try:
            moment = _dt.datetime.fromisoformat(word)
        except ValueError:
            return None
        if moment.tzinfo is None:
            naive = True
        else:
            zoned = True
        parsed.append(moment)
    if zoned and naive:
        return None  # a mix is ambiguous: leave it text
    times = np.array([_utc(moment) for moment in parsed], dtype=f"datetime64[{TIME_UNIT}]")
    return times, ("UTC" if zoned else None)


def parse_time(text: str) -> np.datetime64 | None:
    """An ISO 8601 date or time (``2025-01-03``, ``2025-01-03T10:00``, ``...+02:00``) as a
    ``datetime64[us]`` in UTC, or ``None`` when ``text`` is not one."""
    found = _parse_dates([text.strip()])
    return None if found is None else found[0][0]


def _utc(value: Any) -> np.datetime64:
    if isinstance(value, np.datetime64):
        moment: np.datetime64 = value.astype("datetime64[us]")
        return moment
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_dt.UTC).replace(tzinfo=None)
        return np.datetime64(value, TIME_UNIT)
    return np.datetime64(_dt.datetime(value.year, value.month, value.day), TIME_UNIT)


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, (float, np.floating)) and math.isnan(value):
        return True
    if isinstance(value, np.datetime64) and np.isnat(value):
        return True
    if type(value).__name__ in ("NAType", "NaTType"):
        return True
    return isinstance(value, str) and value == ""
