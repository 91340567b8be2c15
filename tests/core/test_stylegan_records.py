"""The record tree of a StyleGAN snapshot names every tensor as the network's state_dict does."""

from __future__ import annotations

import pytest

from latent_explorer.core.models.families.stylegan.records import PersistentObject
from tests.core.stylegan_facts import NAMES, needs_reference, reference_tensors, reference_tree


@needs_reference
@pytest.mark.parametrize("name", NAMES)
def test_reference_tree_names_every_tensor_by_its_module_path(name: str) -> None:
    tree = reference_tree(name)
    assert tree.class_name == "Generator"
    assert set(tree.children) == {"mapping", "synthesis"}
    assert dict(tree.tensors()).keys() == reference_tensors(name).keys()


def test_records_read_state_and_refuse_missing_children() -> None:
    leaf = PersistentObject("FullyConnectedLayer", {
        "_parameters": {"weight": None}, "_buffers": {}, "_modules": {},
        "in_features": 4, "_init_args": [4, 8], "_init_kwargs": {"bias_init": 1},
    })  # fmt: skip
    root = PersistentObject("MappingNetwork", {"_modules": {"fc0": leaf, "gone": None}})
    assert root.children == {"fc0": leaf}
    assert leaf.parameters == {}
    assert leaf.attr("in_features") == 4
    assert leaf.init_args == (4, 8)
    assert leaf.init_kwargs == {"bias_init": 1}
    with pytest.raises(KeyError, match="fc1"):
        root.child("fc1")
