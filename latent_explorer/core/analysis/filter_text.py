"""Filters written back as text: the expression a chart's brush stands for, and the parts of
a typed filter a chart can show as its brush.

The per-column charts and the filter bar agree because the charts never filter on their own:
brushing a range writes an expression (``score between 0.25 and 0.5``) into the filter, and
the charts read their brushes back out of the filter text. :func:`split_filter` cuts a filter
into its ``and``-ed parts and recognises those a chart draws (a range of a number or a date,
a set of categories or a flag); :func:`join_filter` puts the filter together again, the other
parts (``caption contains "river"``) kept as they read.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from latent_explorer.core.analysis.filter_nodes import (
    Between,
    Column,
    Compare,
    Contains,
    Literal,
    Logic,
    Member,
    Node,
    Not,
)
from latent_explorer.core.analysis.filters import FilterError, parse_filter
from latent_explorer.core.datasets.columns import Column as TypedColumn

_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_KEYWORDS = {"and", "or", "not", "in", "contains", "between", "true", "false"}


@dataclass(frozen=True)
class Brush:
    """What one chart selects: a closed range of a number or time column (``low``,
    ``high``, as the filter writes them), or a set of values of a category, true/false or
    small whole-number column (``values``)."""

    column: str
    low: object = None
    high: object = None
    values: tuple[object, ...] = ()

    @property
    def is_range(self) -> bool:
        """Whether it is a range (else a set of values)."""
        return not self.values

    def expression(self) -> str:
        """The filter this brush stands for (``score between 0.25 and 0.5``)."""
        name = column_text(self.column)
        if not self.values:
            return f"{name} between {value_text(self.low)} and {value_text(self.high)}"
        if len(self.values) == 1:
            return f"{name} == {value_text(self.values[0])}"
        return f"{name} in ({', '.join(value_text(v) for v in self.values)})"


def column_text(name: str) -> str:
    """A column name as a filter writes it (in backticks unless it is a plain word)."""
    if _PLAIN_NAME.match(name) and name.lower() not in _KEYWORDS:
        return name
    return f"`{name}`"


def value_text(value: object) -> str:
    """A constant as a filter writes it: ``true``, ``0.25``, ``17``, ``2025-01-03``,
    ``2025-01-03T10:30``, ``"text"``."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, np.datetime64):
        return time_text(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if math.isfinite(number) and number == int(number) and abs(number) < 1e15:
            return str(int(number))
        return repr(number) if math.isfinite(number) else "0"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def time_text(moment: np.datetime64) -> str:
    """A time as a filter writes it: the date alone at midnight, else to the second."""
    seconds = moment.astype("datetime64[s]")
    if seconds == seconds.astype("datetime64[D]"):
        return str(seconds.astype("datetime64[D]"))
    text = str(seconds)
    return text[:-3] if text.endswith(":00") else text


def node_text(node: Node, top: bool = True) -> str:
    """A parsed filter (or a part of one) as text that parses to the same tree."""
    if isinstance(node, Column):
        return column_text(node.name)
    if isinstance(node, Literal):
        return value_text(node.value)
    if isinstance(node, Compare):
        return f"{node_text(node.left)} {node.op} {node_text(node.right)}"
    if isinstance(node, Member):
        items = ", ".join(node_text(v) for v in node.values)
        return f"{node_text(node.operand)} {'not in' if node.negate else 'in'} ({items})"
    if isinstance(node, Between):
        word = "not between" if node.negate else "between"
        return (f"{node_text(node.operand)} {word} {node_text(node.low)} and "
                f"{node_text(node.high)}")
    if isinstance(node, Contains):
        word = "not contains" if node.negate else "contains"
        return f"{node_text(node.operand)} {word} {node_text(node.text)}"
    if isinstance(node, Not):
        return f"not {node_text(node.item, top=False)}"
    if isinstance(node, Logic):
        text = f" {node.op} ".join(node_text(item, top=False) for item in node.items)
        return text if top else f"({text})"
    raise TypeError(f"cannot write {type(node).__name__} as a filter")


def split_filter(text: str, charted: Mapping[str, TypedColumn]
                 ) -> tuple[dict[str, Brush], list[str]]:
    """The brushes of ``charted`` columns in the filter ``text`` and its other parts.

    ``text`` is read as parts joined by ``and``; a part is a brush when it is
    ``column between a and b`` (a number or time column), ``column in (...)`` or
    ``column == value`` (a category, true/false or whole-number column), and it is the only
    such part for its column. Every other part is kept as text. A filter that does not parse
    is one part.
    """
    text = text.strip()
    if not text:
        return {}, []
    try:
        root = parse_filter(text).root
    except FilterError:
        return {}, [text]
    items: Sequence[Node] = root.items if isinstance(root, Logic) and root.op == "and" \
        else (root,)
    found: dict[str, list[tuple[Brush, Node]]] = {}
    others: list[Node] = []
    for item in items:
        brush = _brush_of(item, charted)
        if brush is None:
            others.append(item)
        else:
            found.setdefault(brush.column, []).append((brush, item))
    brushes: dict[str, Brush] = {}
    for name, pairs in found.items():
        if len(pairs) == 1:
            brushes[name] = pairs[0][0]
        else:  # two conditions on one column: not one brush; leave them as they read
            others.extend(node for _, node in pairs)
    order = {id(item): i for i, item in enumerate(items)}
    others.sort(key=lambda node: order[id(node)])
    return brushes, [node_text(node) for node in others]


def join_filter(brushes: Iterable[Brush], others: Iterable[str]) -> str:
    """A filter of ``others`` (kept as they read) and each brush's expression, ``and``-ed."""
    parts = [p.strip() for p in others if p.strip()]
    expressions = [b.expression() for b in brushes]
    if len(parts) + len(expressions) > 1:
        parts = [f"({p})" if _has_or(p) else p for p in parts]
    return " and ".join([*parts, *expressions])


def _has_or(text: str) -> bool:
    try:
        root = parse_filter(text).root
    except FilterError:
        return True
    return isinstance(root, Logic) and root.op == "or"


def _brush_of(node: Node, charted: Mapping[str, TypedColumn]) -> Brush | None:
    """The brush ``node`` stands for, or ``None``."""
    if isinstance(node, Between) and not node.negate and isinstance(node.operand, Column):
        column = charted.get(node.operand.name)
        if column is None or column.kind not in ("number", "datetime"):
            return None
        if isinstance(node.low, Literal) and isinstance(node.high, Literal):
            return Brush(node.operand.name, low=node.low.value, high=node.high.value)
        return None
    if isinstance(node, Member) and not node.negate and isinstance(node.operand, Column):
        column = charted.get(node.operand.name)
        if column is None or not all(isinstance(v, Literal) for v in node.values):
            return None
        values = tuple(v.value for v in node.values if isinstance(v, Literal))
        return Brush(node.operand.name, values=values) if _fits(column, values) else None
    if isinstance(node, Compare) and node.op == "==" and isinstance(node.left, Column) \
            and isinstance(node.right, Literal):
        column = charted.get(node.left.name)
        if column is None or not _fits(column, (node.right.value,)):
            return None
        return Brush(node.left.name, values=(node.right.value,))
    if isinstance(node, Column):  # a bare flag: `is_outlier`
        column = charted.get(node.name)
        if column is not None and column.kind == "boolean":
            return Brush(node.name, values=(True,))
    return None


def _fits(column: TypedColumn, values: tuple[object, ...]) -> bool:
    """Whether a set of ``values`` is a brush of bars of ``column``."""
    if column.kind == "boolean":
        return all(isinstance(v, bool) for v in values)
    if column.kind == "category":
        return all(isinstance(v, str) for v in values)
    if column.kind == "number" and column.is_integer:
        return all(isinstance(v, int) and not isinstance(v, bool) for v in values)
    return False
