"""The expression tree of :mod:`latent_explorer.core.analysis.filters`, and its evaluation.

Each node is a small frozen value. Evaluating a node gives a boolean array (or a scalar that
broadcasts, for a test of two constants); operands give a typed column
(:class:`~latent_explorer.core.datasets.columns.Column`) or a constant. Comparisons check that
both sides hold the same kind of value (numbers, text, true/false, or dates and times) and
raise :class:`FilterError` otherwise, rather than let numpy compare ``3`` with ``"3"``. A
quoted text compared with a column of dates is read as a date (``date > "2025-01-01 10:00"``).

A missing value (an empty cell) is unequal to everything, as NaN is in numpy: ``!=`` and
``not in`` hold for it, every other test does not (so ``x != x`` finds the gaps of ``x``).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from latent_explorer.core.datasets.columns import Column as TypedColumn
from latent_explorer.core.datasets.columns import parse_time
from latent_explorer.core.errors import LatentExplorerError

Columns = Mapping[str, TypedColumn]
Value = Any
"""A typed column or a constant (a number, a text, true/false, a ``numpy.datetime64``)."""

_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_KIND_OF_COLUMN = {"number": "number", "boolean": "bool", "datetime": "date",
                   "category": "text", "text": "text", "image": "text"}
_KIND_NAMES = {"bool": "true/false values", "number": "numbers", "text": "text",
               "date": "dates and times"}
_EXAMPLES = {"number": "a number", "text": 'quoted text like "cat"', "bool": "true or false",
             "date": "a date like 2025-01-01"}


class FilterError(LatentExplorerError):
    """A filter expression is malformed, names an unknown column, or compares unlike values.

    Parameters
    ----------
    message
        What is wrong, in plain words (the position is appended).
    position
        0-based character offset in the expression where the problem was found, if known.
    """

    def __init__(self, message: str, position: int | None = None) -> None:
        self.position = position
        self.problem = message
        where = "" if position is None else f" at position {position}"
        super().__init__(f"{message}{where}")


class Node:
    """Base of the expression nodes."""

    def children(self) -> tuple[Node, ...]:
        """The nodes directly below this one."""
        return ()

    def walk(self) -> Iterator[Node]:
        """This node and every node below it."""
        yield self
        for child in self.children():
            yield from child.walk()

    def columns(self) -> frozenset[str]:
        """Names of the columns used at or below this node."""
        return frozenset(node.name for node in self.walk() if isinstance(node, Column))

    def evaluate(self, columns: Columns) -> Value:
        """The node's value for every row of ``columns``."""
        raise NotImplementedError

    def describe(self) -> str:
        """How the node reads in an error message."""
        return type(self).__name__


@dataclass(frozen=True)
class Column(Node):
    """A reference to a column by name (as a test on its own: a true/false column)."""

    name: str
    position: int

    def evaluate(self, columns: Columns) -> Value:
        return columns[self.name]

    def test(self, columns: Columns) -> Value:
        """The column as a condition: it must hold true/false values (missing: false)."""
        column = columns[self.name]
        if column.kind != "boolean":
            raise FilterError(
                f"column {self.name!r} holds {_kind_name(column)}, not true/false; "
                f"compare it, e.g. {self.name} == ...",
                self.position,
            )
        return column.values & ~column.missing

    def describe(self) -> str:
        return f"column {self.name!r}"


@dataclass(frozen=True)
class Literal(Node):
    """A constant: a number, a text, true/false or a date (``numpy.datetime64``)."""

    value: object
    position: int

    def evaluate(self, columns: Columns) -> Value:
        return self.value

    def describe(self) -> str:
        if isinstance(self.value, np.datetime64):
            return str(self.value).replace("T00:00:00.000000", "")
        return repr(self.value)


Operand = Column | Literal


@dataclass(frozen=True)
class Compare(Node):
    """``left op right`` with op one of ``== != < <= > >=``."""

    left: Operand
    op: str
    right: Operand

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)

    def evaluate(self, columns: Columns) -> Value:
        left, right = _pair(self.left, self.right, columns)
        if self.op not in ("==", "!=") and _kind(left) == "bool":
            raise FilterError(
                f"{self.left.describe()} is true/false; use == or != with it",
                self.left.position,
            )
        result = _OPERATORS[self.op](_values(left), _values(right))
        return _with_gaps(result, (left, right), self.op == "!=")


@dataclass(frozen=True)
class Member(Node):
    """``operand [not] in (v1, v2, ...)``."""

    operand: Operand
    values: tuple[Operand, ...]
    negate: bool = False

    def children(self) -> tuple[Node, ...]:
        return (self.operand, *self.values)

    def evaluate(self, columns: Columns) -> Value:
        result: Value = False
        sides: list[Value] = []
        for node in self.values:
            left, right = _pair(self.operand, node, columns)
            sides += [left, right]
            result = np.logical_or(result, _values(left) == _values(right))
        if self.negate:
            result = np.logical_not(result)
        return _with_gaps(result, sides, self.negate)


@dataclass(frozen=True)
class Between(Node):
    """``operand [not] between low and high``: both ends included (numbers or dates)."""

    operand: Operand
    low: Operand
    high: Operand
    negate: bool = False

    def children(self) -> tuple[Node, ...]:
        return (self.operand, self.low, self.high)

    def evaluate(self, columns: Columns) -> Value:
        value, low = _pair(self.operand, self.low, columns)
        _, high = _pair(self.operand, self.high, columns)
        if _kind(value) not in ("number", "date"):
            raise FilterError(f"'between' needs numbers or dates, but "
                              f"{self.operand.describe()} holds {_kind_name(value)}",
                              self.operand.position)
        inside = (_values(value) >= _values(low)) & (_values(value) <= _values(high))
        if self.negate:
            inside = np.logical_not(inside)
        return _with_gaps(inside, (value, low, high), self.negate)


@dataclass(frozen=True)
class Contains(Node):
    """``operand [not] contains text``: a substring test (case-sensitive)."""

    operand: Operand
    text: Operand
    negate: bool = False

    def children(self) -> tuple[Node, ...]:
        return (self.operand, self.text)

    def evaluate(self, columns: Columns) -> Value:
        left, right = self.operand.evaluate(columns), self.text.evaluate(columns)
        for node, value in ((self.operand, left), (self.text, right)):
            if _kind(value) != "text":
                raise FilterError(
                    f"'contains' needs text, but {node.describe()} holds {_kind_name(value)}",
                    node.position,
                )
        found = np.char.find(np.asarray(_values(left), dtype=str),
                             np.asarray(_values(right), dtype=str)) >= 0
        return np.logical_not(found) if self.negate else found


@dataclass(frozen=True)
class Not(Node):
    """``not item``."""

    item: Node

    def children(self) -> tuple[Node, ...]:
        return (self.item,)

    def evaluate(self, columns: Columns) -> Value:
        return np.logical_not(_test(self.item, columns))


@dataclass(frozen=True)
class Logic(Node):
    """``a and b and ...`` or ``a or b or ...``."""

    op: str
    items: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.items

    def evaluate(self, columns: Columns) -> Value:
        combine = np.logical_and if self.op == "and" else np.logical_or
        result = _test(self.items[0], columns)
        for item in self.items[1:]:
            result = combine(result, _test(item, columns))
        return result


def _test(node: Node, columns: Columns) -> Value:
    """A node's value as a condition (a bare column must be true/false)."""
    return node.test(columns) if isinstance(node, Column) else node.evaluate(columns)


def _kind(value: Value) -> str:
    """``"number"``, ``"text"``, ``"bool"`` or ``"date"``."""
    if isinstance(value, TypedColumn):
        return _KIND_OF_COLUMN[value.kind]
    if isinstance(value, np.datetime64):
        return "date"
    dtype = np.asarray(value).dtype
    if dtype == np.bool_:
        return "bool"
    if dtype.kind in "iuf":
        return "number"
    return "date" if dtype.kind == "M" else "text"


def _kind_name(value: Value) -> str:
    """What a value holds, in words: numbers and times of a column say which (``whole
    numbers``, ``dates``), anything else by its kind."""
    if isinstance(value, TypedColumn) and value.kind in ("number", "datetime"):
        return value.describe()
    return _KIND_NAMES[_kind(value)]


def _values(value: Value) -> Value:
    """What numpy compares: a column's stored values, or the constant."""
    return value.values if isinstance(value, TypedColumn) else value


def _with_gaps(result: Value, sides: Any, unequal: bool) -> Value:
    """Missing values are unequal to everything: true for ``!=``/``not in``, else false."""
    out = result
    for side in sides:
        if isinstance(side, TypedColumn) and side.mask is not None:
            gaps: npt.NDArray[np.bool_] = side.mask
            out = np.logical_or(out, gaps) if unequal else np.logical_and(out, ~gaps)
    return out


def _pair(left_node: Operand, right_node: Operand, columns: Columns) -> tuple[Value, Value]:
    """Both sides' values, checked to be of one kind (a text read as a date beside dates)."""
    left, right = left_node.evaluate(columns), right_node.evaluate(columns)
    left = _as_date(left, right, left_node)
    right = _as_date(right, left, right_node)
    _same_kind(left_node, left, right_node, right)
    return left, right


def _as_date(value: Value, other: Value, node: Operand) -> Value:
    """A quoted text compared with dates, read as a date."""
    if isinstance(value, str) and _kind(other) == "date":
        moment = parse_time(value)
        if moment is None:
            raise FilterError(f"{value!r} is not a date; write it like 2025-01-31 or "
                              "2025-01-31T14:30", node.position)
        return moment
    return value


def _same_kind(left_node: Operand, left: Value, right_node: Operand, right: Value) -> None:
    """Refuse comparing numbers with text (or with true/false, or with dates)."""
    left_kind, right_kind = _kind(left), _kind(right)
    if left_kind == right_kind:
        return
    column, other = (left_node, right_node)
    if isinstance(right_node, Column) and not isinstance(left_node, Column):
        column, other = right_node, left_node
    column_kind = left_kind if column is left_node else right_kind
    raise FilterError(
        f"{column.describe()} holds {_kind_name(left if column is left_node else right)}; "
        f"compare it with {_EXAMPLES[column_kind]}, not {other.describe()}",
        other.position,
    )
