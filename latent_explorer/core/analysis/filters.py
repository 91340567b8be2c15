"""A small, safe expression language for selecting samples by their columns.

Examples::

    label in (3, 8)
    error > 0.1
    label == 3 and not (size < 0.5)
    file contains "cat"
    `label name` != 'seven' or hue >= 0.25
    date > 2025-01-01 and is_outlier == true
    taken between 2025-01-01 and 2025-01-31T12:00

Grammar (keywords in any case)::

    expr       := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | "(" expr ")" | test
    test       := operand (compare operand | ["not"] "in" "(" operand ("," operand)* ")"
                  | ["not"] "contains" operand | ["not"] "between" operand "and" operand)?
    compare    := "==" | "!=" | "<" | "<=" | ">" | ">="
    operand    := column | number | date | "string" | 'string' | true | false
    date       := YYYY-MM-DD, optionally followed by THH:MM or THH:MM:SS
    column     := a name (letters, digits, _ and .) or any text in `backticks`

Each side keeps its column's type (see :mod:`latent_explorer.core.datasets.columns`): whole
numbers and numbers compare with numbers, true/false columns with ``true``/``false``, dates
and times with dates (a quoted ``"2025-01-01 10:00"`` is read as one too), text with quoted
text (``==``, ``in``, ``contains``). A bare column (``selected``) must hold true/false values.
An empty cell is unequal to everything (``x != x`` finds them). Text is parsed by hand into a tree
of small frozen nodes, never handed to ``eval``: a filter can only compare columns. Every
problem raises :class:`FilterError` with the position (0-based character offset) it was found
at, so the window can put the cursor there.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from latent_explorer.core.analysis.filter_nodes import (
    Between,
    Column,
    Compare,
    Contains,
    FilterError,
    Literal,
    Logic,
    Member,
    Node,
    Not,
    Operand,
)
from latent_explorer.core.datasets.columns import ColumnData, as_column

__all__ = ["Filter", "FilterError", "parse_filter"]

Columns = Mapping[str, ColumnData]
_COMPARE = ("==", "!=", "<=", ">=", "<", ">")
_KEYWORDS = {"and", "or", "not", "in", "contains", "between", "true", "false"}
_TOKEN = re.compile(
    r"\s*(?:(?P<date>\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?)(?![\w.])"
    r"|(?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)"
    r"|(?P<quoted>`[^`]*`)"
    r"|(?P<string>\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')"
    r"|(?P<op>==|!=|<=|>=|=|<|>|\(|\)|,))"
)


@dataclass(frozen=True)
class _Token:
    kind: str  # number, name, column, string, op, keyword, end
    text: str
    value: object
    position: int


@dataclass(frozen=True)
class Filter:
    """A parsed filter; :meth:`evaluate` turns columns into a boolean mask."""

    text: str
    """The expression as the user typed it."""
    root: Node
    """The parsed expression tree."""

    @property
    def columns(self) -> frozenset[str]:
        """Names of the columns the expression uses."""
        return self.root.columns()

    def check(self, names: Iterable[str]) -> None:
        """Raise :class:`FilterError` if a column used is not among ``names``."""
        known = [str(name) for name in names]
        for column in _column_nodes(self.root):
            if _resolve(column.name, known) is None:
                hint = difflib.get_close_matches(column.name, known, n=1)
                maybe = f"; did you mean {hint[0]!r}?" if hint else ""
                raise FilterError(
                    f"unknown column {column.name!r} (columns: {', '.join(known)}){maybe}",
                    column.position,
                )

    def evaluate(self, columns: Columns) -> npt.NDArray[np.bool_]:
        """The rows where the expression holds.

        Parameters
        ----------
        columns
            Column name -> typed :class:`~latent_explorer.core.datasets.columns.Column`
            (or an ``(N,)`` array, typed by its dtype); all of one length N. Nothing is
            changed.

        Returns
        -------
        numpy.ndarray
            ``(N,)`` bool.

        Raises
        ------
        FilterError
            An unknown column, columns of unequal length, or a comparison that does not fit
            a column's values (a number with a text column, ``contains`` on numbers, ...).
        """
        self.check(list(columns))
        lengths = {len(values) for values in columns.values()}
        if len(lengths) > 1:
            raise FilterError(f"the columns have different lengths ({sorted(lengths)})")
        if not lengths:
            raise FilterError("there are no columns to filter")
        count = lengths.pop()
        names = list(columns)
        typed = {name: as_column(columns[_resolve(name, names) or name])
                 for name in self.columns}
        root = self.root
        value = root.test(typed) if isinstance(root, Column) else root.evaluate(typed)
        mask = np.broadcast_to(np.asarray(value, dtype=bool), (count,))
        return np.array(mask, dtype=bool)


def parse_filter(text: str, columns: Iterable[str] | None = None) -> Filter:
    """Parse a filter expression.

    Parameters
    ----------
    text
        The expression (see the module docstring).
    columns
        Optionally the known column names: unknown ones are reported now, not at evaluation.

    Raises
    ------
    FilterError
        Bad syntax, or (with ``columns``) an unknown column.
    """
    parser = _Parser(_tokenize(text))
    if parser.peek.kind == "end":
        raise FilterError("the filter is empty; write e.g. label == 3", 0)
    result = Filter(text, parser.expression())
    end = parser.peek
    if end.kind != "end":
        raise FilterError(f"unexpected {_show(end)}; expected 'and', 'or' or the end", end.position)
    if columns is not None:
        result.check(columns)
    return result


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            tokens.append(_Token("end", "the end", None, len(text)))
            return tokens
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup is None:
            char = text[position]
            if char in "\"'`":
                raise FilterError(f"the text starting with {char} is never closed", position)
            raise FilterError(f"unexpected character {char!r}", position)
        kind, raw = match.lastgroup, match.group(match.lastgroup)
        start = match.start(kind)
        if kind == "date":
            try:
                value: object = np.datetime64(raw, "us")
            except ValueError:
                raise FilterError(f"{raw} is not a date (year-month-day)", start) from None
        elif kind == "number":
            value = float(raw) if any(c in raw for c in ".eE") else int(raw)
        elif kind == "name" and raw.lower() in _KEYWORDS:
            kind, value = "keyword", raw.lower()
        elif kind == "name":
            kind, value = "column", raw
        elif kind == "quoted":
            kind, value = "column", raw[1:-1]
        elif kind == "string":
            value = re.sub(r"\\(.)", r"\1", raw[1:-1])
        else:
            value = raw
        if raw == "=":
            raise FilterError("use '==' to compare, not '='", start)
        tokens.append(_Token(kind, raw, value, start))
        position = match.end()


class _Parser:
    """Recursive descent over the tokens; one method per grammar rule."""

    def __init__(self, tokens: list[_Token]) -> None:
        self._tokens = tokens
        self._at = 0

    @property
    def peek(self) -> _Token:
        return self._tokens[self._at]

    def _take(self) -> _Token:
        token = self._tokens[self._at]
        self._at = min(self._at + 1, len(self._tokens) - 1)
        return token

    def _is(self, kind: str, *values: str) -> bool:
        token = self.peek
        return token.kind == kind and (not values or token.value in values)

    def expression(self) -> Node:
        items = [self._and()]
        while self._is("keyword", "or"):
            self._take()
            items.append(self._and())
        return items[0] if len(items) == 1 else Logic("or", tuple(items))

    def _and(self) -> Node:
        items = [self._not()]
        while self._is("keyword", "and"):
            self._take()
            items.append(self._not())
        return items[0] if len(items) == 1 else Logic("and", tuple(items))

    def _not(self) -> Node:
        if self._is("keyword", "not"):
            self._take()
            return Not(self._not())
        if self._is("op", "("):
            opening = self._take()
            inner = self.expression()
            if not self._is("op", ")"):
                raise FilterError(
                    f"expected ')' to close the '(' at position {opening.position}, "
                    f"found {_show(self.peek)}",
                    self.peek.position,
                )
            self._take()
            return inner
        return self._test()

    def _test(self) -> Node:
        left = self._operand("at the start of a condition")
        token = self.peek
        if token.kind == "op" and token.value in _COMPARE:
            self._take()
            return Compare(left, str(token.value), self._operand(f"after {token.text!r}"))
        negate = False
        if self._is("keyword", "not"):
            self._take()
            negate = True
            if not self._is("keyword", "in", "contains", "between"):
                raise FilterError("expected 'in', 'contains' or 'between' after 'not'",
                                  self.peek.position)
        if self._is("keyword", "in"):
            return Member(left, self._values(), negate)
        if self._is("keyword", "contains"):
            self._take()
            return Contains(left, self._operand("after 'contains'"), negate)
        if self._is("keyword", "between"):
            self._take()
            low = self._operand("after 'between'")
            if not self._is("keyword", "and"):
                raise FilterError("expected 'and' in 'between ... and ...', e.g. date between "
                                  "2025-01-01 and 2025-01-31", self.peek.position)
            self._take()
            return Between(left, low, self._operand("after 'between ... and'"), negate)
        if isinstance(left, Column) or isinstance(left.value, bool):
            return left
        raise FilterError(
            f"expected a comparison after {left.describe()}, found {_show(token)}",
            token.position,
        )

    def _values(self) -> tuple[Operand, ...]:
        keyword = self._take()
        if not self._is("op", "("):
            raise FilterError("expected '(' after 'in', e.g. label in (3, 8)", self.peek.position)
        self._take()
        values = [self._operand(f"in the list after {keyword.text!r}")]
        while self._is("op", ","):
            self._take()
            values.append(self._operand("after ','"))
        if not self._is("op", ")"):
            raise FilterError(
                f"expected ',' or ')' in the list, found {_show(self.peek)}", self.peek.position
            )
        self._take()
        return tuple(values)

    def _operand(self, where: str) -> Operand:
        token = self.peek
        if token.kind == "column":
            self._take()
            return Column(str(token.value), token.position)
        if token.kind in ("number", "string", "date"):
            self._take()
            return Literal(token.value, token.position)
        if token.kind == "keyword" and token.value in ("true", "false"):
            self._take()
            return Literal(token.value == "true", token.position)
        raise FilterError(
            f"expected a column or a value {where}, found {_show(token)}", token.position
        )


def _column_nodes(node: Node) -> list[Column]:
    """Every column reference in the tree, in order of position."""
    found = [item for item in node.walk() if isinstance(item, Column)]
    return sorted(found, key=lambda column: column.position)


def _resolve(name: str, known: list[str]) -> str | None:
    """The column ``name`` means: itself, else the only one equal ignoring case."""
    if name in known:
        return name
    folded = [other for other in known if other.casefold() == name.casefold()]
    return folded[0] if len(folded) == 1 else None


def _show(token: _Token) -> str:
    """A token as an error message quotes it."""
    return "the end" if token.kind == "end" else repr(token.text)
