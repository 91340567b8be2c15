"""The generator picks its synthesis network by what the record holds; the mapping network is
the same for StyleGAN3, exact to the reference; StyleGAN3 snapshots open end to end once its
synthesis module is there."""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import torch

from latent_explorer.core.models import load_model
from latent_explorer.core.models.families.stylegan import generator as generator_module
from latent_explorer.core.models.families.stylegan.generator import architecture, build_generator
from latent_explorer.core.models.families.stylegan.mapping import build_mapping
from latent_explorer.core.models.families.stylegan.model import StyleGANModel
from latent_explorer.core.models.families.stylegan.records import PersistentObject
from tests.core.stylegan_facts import golden, needs_reference, reference_tree
from tests.core.stylegan_files import write_snapshot

SG3_BUILT = importlib.util.find_spec(generator_module.SG3_MODULE) is not None


@needs_reference
@pytest.mark.parametrize(("name", "kind"), [("sg2", "StyleGAN2"), ("sg3t", "StyleGAN3-T"),
                                            ("sg3r", "StyleGAN3-R")])
def test_the_mapping_network_of_every_generation_matches_the_reference(name: str,
                                                                       kind: str) -> None:
    tree = reference_tree(name)
    assert architecture(tree).generation == kind
    ref = golden(name)
    mapping = build_mapping(tree.child("mapping"))
    z = torch.from_numpy(ref["z"]).float()
    with torch.no_grad():
        ws = mapping(z, None)
        truncated = mapping(z, None, truncation_psi=0.7)
    np.testing.assert_allclose(ws.numpy(), ref["ws"], atol=1e-5)
    np.testing.assert_allclose(mapping.w_avg.numpy(), ref["w_avg"])
    w_avg = torch.from_numpy(ref["w_avg"]).float()
    np.testing.assert_allclose(truncated.numpy(), (w_avg + 0.7 * (ws - w_avg)).numpy(),
                               atol=1e-5)


@needs_reference
def test_a_stylegan3_record_goes_to_the_sg3_module(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[PersistentObject] = []

    class Fake(torch.nn.Module):
        num_ws, w_dim = 16, 64

        def forward(self, ws: torch.Tensor, noise_mode: str = "const") -> torch.Tensor:
            return ws.mean(dim=(1, 2))[:, None, None, None].expand(-1, 3, 64, 64)

    def build(record: PersistentObject) -> torch.nn.Module:
        seen.append(record)
        return Fake()

    fake = types.ModuleType("fake_sg3_synthesis")
    fake.build_sg3_synthesis = build  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_sg3_synthesis", fake)
    monkeypatch.setattr(generator_module, "SG3_MODULE", "fake_sg3_synthesis")
    tree = reference_tree("sg3t")
    g = build_generator(tree)
    assert seen == [tree.child("synthesis")]
    assert (g.num_ws, g.w_dim, g.img_resolution) == (16, 64, 64)
    with torch.no_grad():
        out = g(torch.from_numpy(golden("sg3t")["z"][:2]).float())
    assert out.shape == (2, 3, 64, 64)


@needs_reference
@pytest.mark.skipif(not SG3_BUILT, reason="the StyleGAN3 synthesis network is not in this "
                                          "checkout yet (sg3_synthesis.py)")
@pytest.mark.parametrize("name", ["sg3t", "sg3r"])
def test_stylegan3_snapshots_open_and_match_the_reference(tmp_path: Path, name: str) -> None:
    model = load_model(write_snapshot(tmp_path / f"{name}.pkl", reference_tree(name)))
    assert isinstance(model, StyleGANModel)
    ref = golden(name)
    for psi, key in ((1.0, "images_psi1"), (0.7, "images_psi07")):
        model.truncation_psi = psi
        got = (model.decode(ref["ws"][:, 0].astype(np.float32)) * 255 + 0.5).astype(np.uint8)
        assert np.abs(got.astype(np.int16) - ref[key].astype(np.int16)).max() <= 1
