"""The adapter examples in docs/ open with ``load_model`` and decode like their networks.

Each example is copied into a temporary folder, a checkpoint is saved beside it the way a
training loop would, and the app opens the adapter file (``trust_code=True``) and decodes.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import torch

from latent_explorer.core.errors import ModelError
from latent_explorer.core.models import ModelOptions, load_model
from latent_explorer.core.models.base import sample_prior

DOCS = Path(__file__).resolve().parents[1] / "docs"
EXAMPLES = DOCS / "examples"


def copy_and_import(name: str, folder: Path) -> tuple[Path, ModuleType]:
    """Copy the example ``name`` into ``folder`` and import that copy (to build weights)."""
    adapter = folder / name
    shutil.copy(EXAMPLES / name, adapter)
    spec = importlib.util.spec_from_file_location(f"docs_example_{adapter.stem}", adapter)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return adapter, module


def test_vae_example_loads_a_training_loop_checkpoint(tmp_path: Path) -> None:
    adapter, example = copy_and_import("vae_adapter.py", tmp_path)
    with pytest.raises(ModelError, match=r"vae_adapter\.py: its load\(\) failed.*my_vae\.pt"):
        load_model(adapter, trust_code=True)
    torch.manual_seed(0)
    net = example.VAE().eval()
    # As a training loop saves it: wrapped in a dict, from DataParallel ("module." prefix).
    state = {f"module.{k}": v for k, v in net.state_dict().items()}
    torch.save({"epoch": 12, "state_dict": state}, tmp_path / "my_vae.pt")
    model = load_model(adapter, trust_code=True)
    assert model.name == "MNIST VAE" and model.latent_shape == (16,)
    assert model.image_shape == (28, 28, 1) and model.has_encoder
    z = sample_prior(4, 16, seed=0)
    logits = net.decode(torch.from_numpy(z)).detach().permute(0, 2, 3, 1).numpy()
    images = model.decode(z)
    np.testing.assert_allclose(images, 1 / (1 + np.exp(-logits)), rtol=1e-5, atol=1e-6)
    means = model.encode(images)
    expected = net.encode(torch.from_numpy(images).permute(0, 3, 1, 2))[0].detach().numpy()
    np.testing.assert_allclose(means, expected, rtol=1e-5, atol=1e-6)


def test_gan_example_loads_a_generator_from_a_combined_checkpoint(tmp_path: Path) -> None:
    adapter, example = copy_and_import("gan_adapter.py", tmp_path)
    torch.manual_seed(0)
    generator = example.Generator()
    with torch.no_grad():  # give BatchNorm running statistics that are not the defaults
        generator.train()(torch.randn(8, 100, 1, 1))
    generator.eval()
    netd = torch.nn.Linear(2, 1)
    torch.save({"netG": generator.state_dict(), "netD": netd.state_dict(), "epoch": 3},
               tmp_path / "netG.pth")
    model = load_model(adapter, trust_code=True)
    assert model.latent_shape == (100, 1, 1) and model.latent_dim == 100
    assert model.image_shape == (64, 64, 3) and not model.has_encoder
    z = sample_prior(3, 100, seed=0)
    raw = generator(torch.from_numpy(z).reshape(3, 100, 1, 1)).detach()
    expected = (raw.permute(0, 2, 3, 1).numpy() + 1) / 2
    np.testing.assert_allclose(model.decode(z), expected, rtol=1e-5, atol=1e-6)


def test_the_guide_documents_every_card_field_and_its_examples() -> None:
    guide = (DOCS / "adapters.md").read_text(encoding="utf-8")
    fields = ["format", "version", "kind", "path"]
    fields += [f.name for f in dataclasses.fields(ModelOptions)]
    missing = [name for name in fields if f'"{name}"' not in guide]
    assert not missing, f"docs/adapters.md does not document card fields {missing}"
    for constant in ("LATENT_SHAPE", "OUTPUT_RANGE", "OUTPUT_INDEX", "NUM_CLASSES",
                     "IMAGE_SHAPE", "ENCODER_INPUT_RANGE", "ENCODER_OUTPUT", "CHANNELS_FIRST"):
        assert constant in guide, constant
    assert "examples/vae_adapter.py" in guide and "examples/gan_adapter.py" in guide
