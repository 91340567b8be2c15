"""The filter language: valid expressions select the right rows; mistakes explain themselves."""

from __future__ import annotations

import numpy as np
import pytest

from latent_explorer.core.analysis.filters import FilterError, parse_filter


@pytest.fixture
def columns() -> dict[str, np.ndarray]:
    return {
        "label": np.array([1, 3, 8, 3, 0]),
        "error": np.array([0.05, 0.2, 0.3, np.nan, 0.1]),
        "size": np.array([0.4, 0.6, 0.7, 0.1, 0.9]),
        "file": np.array(["cat1.png", "dog.png", "Cat.png", "cat2.png", "bird.png"]),
        "selected": np.array([True, False, True, False, False]),
        "label name": np.array(["one", "three", "eight", "three", "zero"]),
    }


@pytest.mark.parametrize(("text", "rows"), [
    ("label in (3, 8)", [1, 2, 3]),
    ("error > 0.1", [1, 2]),
    ("label == 3 and not (size < 0.5)", [1]),
    ('file contains "cat"', [0, 3]),
    ("file not contains 'cat'", [1, 2, 4]),
    ("label not in (3)", [0, 2, 4]),
    ("selected", [0, 2]),
    ("not selected or label == 0", [1, 3, 4]),
    ("`label name` != \"three\"", [0, 2, 4]),
    ("LABEL >= 3 AND Size > .5e0", [1, 2]),
    ("label == 3 or label == 8 and size > 0.65", [1, 2, 3]),
    ("(label == 3 or label == 8) and size > 0.65", [2]),
    ("-1 < label", [0, 1, 2, 3, 4]),
    ("1 >= label", [0, 4]),
    ("file == 'dog.png'", [1]),
    ("selected == false", [1, 3, 4]),
    ("true", [0, 1, 2, 3, 4]),
    ("error != error", [3]),  # NaN is unequal to itself, as in numpy
])
def test_valid_expressions(columns: dict[str, np.ndarray], text: str, rows: list[int]) -> None:
    mask = parse_filter(text).evaluate(columns)
    assert mask.dtype == np.bool_ and mask.shape == (5,)
    assert np.flatnonzero(mask).tolist() == rows


@pytest.mark.parametrize(("text", "message", "position"), [
    ("eror > 1", "unknown column 'eror' (columns: label, error, size, file, selected, "
                 "label name); did you mean 'error'?", 0),
    ("error > ", "expected a column or a value after '>', found the end", 8),
    ("label = 3", "use '==' to compare", 6),
    ("label in 3", "expected '(' after 'in'", 9),
    ("(label == 3", "expected ')' to close the '(' at position 0", 11),
    ('label == "x"', "column 'label' holds whole numbers; compare it with a number", 9),
    ("file > 3", "column 'file' holds text", 7),
    ('label contains "a"', "'contains' needs text", 0),
    ("label", "column 'label' holds whole numbers, not true/false", 0),
    ('"abc', "never closed", 0),
    ("label == 3 extra", "unexpected 'extra'", 11),
    ("", "the filter is empty", 0),
    ("   ", "the filter is empty", 0),
    ("label == 3 and", "found the end", 14),
    ("label ~ 3", "unexpected character '~'", 6),
    ("selected < true", "use == or != with it", 0),
    ('label in (1, "a")', "not 'a'", 13),
    ("label not 3", "expected 'in', 'contains' or 'between' after 'not'", 10),
])
def test_mistakes_raise_clear_errors(
    columns: dict[str, np.ndarray], text: str, message: str, position: int
) -> None:
    before = {name: values.copy() for name, values in columns.items()}
    with pytest.raises(FilterError) as caught:
        parse_filter(text).evaluate(columns)
    assert message in str(caught.value)
    assert caught.value.position == position
    assert str(caught.value).endswith(f"at position {position}")
    for name, values in columns.items():  # nothing changed
        np.testing.assert_array_equal(values, before[name])


def test_unknown_columns_can_be_caught_while_parsing() -> None:
    with pytest.raises(FilterError, match="unknown column 'hue'"):
        parse_filter("size > 1 and hue < 2", columns=["size", "label"])
    assert parse_filter("size > 1", columns=["size"]).columns == frozenset({"size"})


def test_columns_of_unequal_length_are_refused() -> None:
    with pytest.raises(FilterError, match="different lengths"):
        parse_filter("a > 1").evaluate({"a": np.zeros(3), "b": np.zeros(4)})


def test_no_code_is_ever_run() -> None:
    for text in ("__import__('os').system('true')", "label.__class__", "exec('1')"):
        with pytest.raises(FilterError):
            parse_filter(text).evaluate({"label": np.zeros(2)})
