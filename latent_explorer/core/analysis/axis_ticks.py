"""Where to put ticks on a scale, and what to write there: round numbers, or round times.

Used by the colour bar (a continuous colour map has a numeric or a time axis) and by charts.
Times are seconds since 1970-01-01 (UTC), as
:meth:`~latent_explorer.core.datasets.columns.Column.as_float` gives them; ticks fall on whole
years, months, days, hours, minutes or seconds, whichever gives about ``count`` of them.
"""

from __future__ import annotations

import math

import numpy as np

Tick = tuple[float, str]
"""``(position on the scale, label)``."""

_SECOND = 1.0
_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600,
            43200, 86400, 2 * 86400, 7 * 86400, 14 * 86400)
_MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200)
_EPOCH_S = np.datetime64(0, "s")


def value_ticks(low: float, high: float, count: int = 5) -> list[Tick]:
    """About ``count`` ticks at round numbers (1, 2 or 5 times a power of ten) in
    ``[low, high]``, labelled without trailing zeros."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return []
    raw = (high - low) / max(1, count)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    digits = max(0, -math.floor(math.log10(step) + 1e-9))
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        number = round(value, digits + 1)
        text = f"{number:.{digits}f}" if abs(number) < 1e6 else f"{number:.3g}"
        ticks.append((number, "0" if text in ("-0", "-0.0") else text))
        value += step
    return ticks


def time_ticks(low: float, high: float, count: int = 5) -> list[Tick]:
    """About ``count`` ticks at round times between ``low`` and ``high`` (seconds since
    1970, UTC), labelled as much as their spacing needs (``2025``, ``2025-03``,
    ``2025-03-14``, ``03-14 10:00``, ``10:05:30``)."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return []
    raw = (high - low) / max(1, count)
    if raw <= _STEPS_S[-1] * 1.5:
        step = next((s for s in _STEPS_S if s >= raw), _STEPS_S[-1])
        start = math.ceil(low / step) * step
        moments = np.arange(start, high + 1e-6, step)
        fmt = _format_for(step)
        return [(float(m), _label(float(m), fmt)) for m in moments]
    months = raw / (30.44 * 86400)
    step_m = next((s for s in _MONTH_STEPS if s >= months), _MONTH_STEPS[-1])
    first = (_EPOCH_S + np.timedelta64(int(low), "s")).astype("datetime64[M]")
    month = int(first.astype(np.int64))
    month = -(-month // step_m) * step_m
    ticks = []
    while True:
        moment = np.datetime64(month, "M").astype("datetime64[s]")
        seconds = float((moment - _EPOCH_S) / np.timedelta64(1, "s"))
        if seconds > high:
            break
        if seconds >= low:
            text = str(np.datetime64(month, "M"))
            ticks.append((seconds, text[:4] if step_m % 12 == 0 else text))
        month += step_m
    return ticks


def _format_for(step: float) -> str:
    if step >= 86400:
        return "day"
    if step >= 3600 or step >= 60:
        return "minute"
    return "second"


def _label(seconds: float, fmt: str) -> str:
    moment = str(_EPOCH_S + np.timedelta64(round(seconds), "s"))  # 2025-03-14T10:05:30
    if fmt == "day":
        return moment[:10]
    if fmt == "minute":
        return moment[5:16].replace("T", " ") if moment[11:16] == "00:00" else moment[11:16]
    return moment[11:19]
