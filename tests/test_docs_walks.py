"""The walks the docs render go between samples of different classes, so the morph shows.

The notebook example and the README's snippet render a walk through the digits; anchors of
one class (0, 10 and 20 are all zeros) make a video in which nothing changes.
"""

from __future__ import annotations

import ast
import json
import re

from sklearn.datasets import load_digits

from tests.conftest import REPO


def _render_anchors(code: str) -> list[list[int]]:
    """The literal ``anchors=[...]`` of every ``explorer.render(...)`` call in ``code``."""
    found = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "render":
            for keyword in node.keywords:
                if keyword.arg == "anchors":
                    found.append(list(ast.literal_eval(keyword.value)))
    return found


def _assert_classes_differ(anchors: list[int]) -> None:
    labels = load_digits().target
    classes = [int(labels[i]) for i in anchors]
    assert len(set(classes)) == len(classes), f"anchors {anchors} are the digits {classes}"


def test_the_notebook_walks_between_digits_of_different_classes() -> None:
    notebook = json.loads((REPO / "docs" / "examples" / "explore_in_notebook.ipynb")
                          .read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in notebook["cells"]
                     if c["cell_type"] == "code" and not "".join(c["source"]).startswith("%"))
    walks = _render_anchors(code)
    assert walks, "the notebook renders no walk with anchors"
    for anchors in walks:
        _assert_classes_differ(anchors)


def test_the_readme_snippet_walks_between_different_digits() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    walks = [a for block in blocks for a in _render_anchors(block)]
    assert walks, "the README renders no walk with anchors"
    for anchors in walks:
        assert all(isinstance(i, int) for i in anchors)
        _assert_classes_differ(anchors)
