"""Telling model files apart without running them, previews with stated options, cards."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from latent_explorer.core.errors import ModelError
from latent_explorer.core.models import ModelOptions, OutputRange, load_model
from latent_explorer.core.models.base import sample_prior, to_uint8
from latent_explorer.core.models.detect import (
    ModelKind,
    card_path_for,
    detect_model,
    needs_card,
    pickled_classes,
    read_adapter_constants,
    save_card,
)
from latent_explorer.core.models.preview import preview_model
from latent_explorer.core.models.training import save_vae
from latent_explorer.core.models.vae import VAEConfig, build_vae

# torch 2.13 deprecates torch.jit.script; these tests script modules to build fixtures.
SCRIPT_IS_DEPRECATED = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script` is deprecated:DeprecationWarning"
)

UNPICKLED: list[str] = []


class RecordingDecoder(torch.nn.Module):
    """A whole-module checkpoint that notes when it is unpickled (runs code on load)."""

    def __init__(self) -> None:
        super().__init__()
        self.latent_dim = 3
        self.lin = torch.nn.Linear(3, 2 * 5 * 5)

    def __setstate__(self, state: dict[str, object]) -> None:
        UNPICKLED.append("RecordingDecoder")
        super().__setstate__(state)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.lin(z).reshape(-1, 5, 5, 2)[..., :1]  # (B, 5, 5, 1) logits


class LinearGenerator(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = torch.nn.Linear(6, 3 * 4 * 4)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.lin(z)).reshape(-1, 3, 4, 4)


def test_project_vae_and_cards_are_detected(tmp_path: Path) -> None:
    config = VAEConfig(image_shape=(8, 8, 1), latent_dim=3, hidden=(16,))
    folder = tmp_path / "vae"
    save_vae(build_vae(config), config, folder)
    for spec in (folder, folder / "model.json", folder / "model.safetensors"):
        detection = detect_model(spec)
        assert detection.kind is ModelKind.VAE and detection.fixed_settings, spec
        assert not detection.problem and not detection.runs_code
    card = save_card(detect_model(folder), ModelOptions(), tmp_path / "vae.card.json")
    assert json.loads(card.read_text())["kind"] == "vae"
    by_card = detect_model(card)
    assert by_card.kind is ModelKind.CARD and by_card.model_kind is ModelKind.VAE
    assert not needs_card(by_card, ModelOptions())


def test_pickled_module_is_named_but_never_unpickled(tmp_path: Path) -> None:
    torch.save(RecordingDecoder(), tmp_path / "whole.pt")
    UNPICKLED.clear()
    detection = detect_model(tmp_path / "whole.pt")
    assert detection.kind is ModelKind.PICKLE and detection.runs_code
    assert f"{__name__}.RecordingDecoder" in detection.summary
    assert pickled_classes(tmp_path / "whole.pt") == [f"{__name__}.RecordingDecoder"]
    with pytest.raises(ModelError, match="runs its code"):
        preview_model(detection, ModelOptions())
    assert UNPICKLED == []
    model, preview = preview_model(detection, ModelOptions(output_range=OutputRange.LOGITS),
                                   trust_code=True)
    assert UNPICKLED and model.latent_shape == (3,) and preview.images.shape == (8, 5, 5, 1)


def test_adapter_constants_are_read_without_running_the_file(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    adapter = tmp_path / "gen.py"
    adapter.write_text(
        f"open({str(marker)!r}, 'w').close()\n"
        "LATENT_SHAPE = (8, 2, 2)\nOUTPUT_RANGE = '-1,1'\nNUM_CLASSES: int = 4\n"
        "IMAGE_SHAPE = tuple(range(3))  # computed: read when it runs\n"
    )
    constants, note = read_adapter_constants(adapter)
    assert constants == {"LATENT_SHAPE": (8, 2, 2), "OUTPUT_RANGE": "-1,1", "NUM_CLASSES": 4}
    assert note == ""
    detection = detect_model(adapter)
    assert detection.kind is ModelKind.ADAPTER and detection.runs_code
    assert detection.options.latent_shape == (8, 2, 2)
    assert detection.options.output_range is OutputRange.SYMMETRIC
    assert not marker.exists()
    (tmp_path / "bad.py").write_text("def broken(:\n")
    assert "cannot be parsed" in detect_model(tmp_path / "bad.py").summary


@SCRIPT_IS_DEPRECATED
def test_torchscript_preview_and_card_round_trip(tmp_path: Path) -> None:
    net = LinearGenerator().eval()
    torch.jit.script(net).save(str(tmp_path / "gen.ts"))  # a suffix load_model alone refuses
    detection = detect_model(tmp_path / "gen.ts")
    assert detection.kind is ModelKind.TORCHSCRIPT and "decoder only" in detection.summary
    assert detection.runs_code  # TorchScript is a program: it opens only when trusted
    # The latent shape is read off the first Linear layer.
    _, found = preview_model(detection, ModelOptions(), trust_code=True)
    assert found.latent_shape == (6,)
    with pytest.raises(ModelError, match=r"gen\.ts.*latent shape \(5,\) right"):
        preview_model(detection, ModelOptions(latent_shape=(5,)), trust_code=True)
    options = ModelOptions(latent_shape=(6,), output_range=OutputRange.SYMMETRIC)
    _, preview = preview_model(detection, options, trust_code=True)
    z = sample_prior(8, 6, seed=0)
    raw = net(torch.from_numpy(z)).detach().permute(0, 2, 3, 1).numpy()
    np.testing.assert_array_equal(preview.images, to_uint8(OutputRange.SYMMETRIC.to_unit(raw)))
    assert needs_card(detection, options)
    card = save_card(detection, options)
    assert card == card_path_for(tmp_path / "gen.ts") == tmp_path / "gen.card.json"
    reopened = load_model(card, trust_code=True)
    assert reopened.decode(z).tobytes() == OutputRange.SYMMETRIC.to_unit(raw).tobytes()
    again = detect_model(card)
    assert again.kind is ModelKind.CARD and again.options == options
    assert not needs_card(again, options) and needs_card(again, ModelOptions())
    assert detect_model(tmp_path / "gen.ts").options == options  # the earlier card is read


def test_weights_only_and_broken_files(tmp_path: Path) -> None:
    torch.save(LinearGenerator().state_dict(), tmp_path / "G.pt")
    detection = detect_model(tmp_path / "G.pt")
    assert detection.kind is ModelKind.STATE_DICT and detection.runs_code
    assert "2 tensors" in detection.summary
    with pytest.raises(ModelError, match="choose the Python adapter file"):
        preview_model(detection, ModelOptions(), trust_code=True)
    (tmp_path / "junk.pt").write_bytes(b"certainly not a checkpoint")
    junk = detect_model(tmp_path / "junk.pt")
    assert junk.kind is ModelKind.UNKNOWN
    assert junk.problem.startswith(f"{tmp_path / 'junk.pt'}: is not a PyTorch checkpoint")
    torch.save({"epoch": 3}, tmp_path / "meta.pt")
    assert "holds no tensors" in detect_model(tmp_path / "meta.pt").problem
    assert "no such file" in detect_model(tmp_path / "missing.pt").problem
    (tmp_path / "other.json").write_text('{"hello": 1}')
    assert "neither a Latent Explorer model" in detect_model(tmp_path / "other.json").problem


def test_a_preview_counts_its_classes_in_words() -> None:
    from latent_explorer.core.models.preview import ModelPreview

    def preview(classes: int) -> str:
        return ModelPreview(np.zeros((1, 2), np.float32), None, np.zeros((1, 4, 4, 1), np.uint8),
                            (2,), (4, 4, 1), classes, False, "g").describe()

    assert "; 1 class;" in preview(1)
    assert "10 classes" in preview(10)
    assert "class" not in preview(0)
