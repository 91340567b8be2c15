"""A KL autoencoder folder whose config.json states other sizes than its weights hold.

diffusers builds the network from the config before the weights are compared with it, so a
config declaring block widths of 4096 beside small weights used to allocate gigabytes first.
The sizes are now checked against the weights' header before anything is built (peak memory
measured in a child process).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from latent_explorer.core.errors import ModelError
from latent_explorer.core.models import load_model
from latent_explorer.core.models.detect import detect_model
from tests.core.family_files import save_kl_folder, small_kl
from tests.memory_probe import probe, probe_cli, stderr_lines

pytest.importorskip("diffusers")
MiB = 1024**2


def kl_folder(tmp_path: Path, **config_changes: object) -> Path:
    folder = save_kl_folder(small_kl(), tmp_path / "vae")
    config_path = folder / "config.json"
    config = json.loads(config_path.read_text())
    for key, value in config_changes.items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    config_path.write_text(json.dumps(config))
    return folder


def test_a_config_bomb_is_refused_before_anything_is_built(tmp_path: Path) -> None:
    folder = kl_folder(tmp_path, block_out_channels=[4096, 4096])
    result = probe("from latent_explorer.core.models import load_model\nimport diffusers",
                   f"load_model({str(folder)!r}, image_size=32)", tmp_path, headroom=2 << 30)
    assert result.error == "ModelError", result.traceback or result.message
    assert result.message.startswith(str(folder / "config.json"))
    assert "block_out_channels is [4096, 4096]" in result.message
    assert "[32, 64]" in result.message
    assert result.growth < 150 * MiB, f"refusing took {result.growth_mb:.0f} MB"


def test_detection_and_the_cli_say_the_same_in_one_line(tmp_path: Path) -> None:
    folder = kl_folder(tmp_path, layers_per_block=40)
    found = detect_model(folder)
    assert "layers_per_block is 40" in found.problem
    result = probe_cli(["info", "--model", str(folder), "--dataset", "digits"], tmp_path,
                       headroom=None)
    assert result.value == 2
    lines = stderr_lines(result)
    assert len(lines) == 1 and "layers_per_block is 40" in lines[0], result.stderr


@pytest.mark.parametrize("changes", [{"latent_channels": 64}, {"in_channels": 300},
                                     {"down_block_types": ["DownEncoderBlock2D"] * 9},
                                     {"mid_block_add_attention": False}])
def test_every_size_is_compared(tmp_path: Path, changes: dict[str, object]) -> None:
    folder = kl_folder(tmp_path, **changes)
    with pytest.raises(ModelError, match=r"config\.json: says"):
        load_model(folder, image_size=32)


def test_sizes_the_config_leaves_out_come_from_the_weights(tmp_path: Path) -> None:
    folder = kl_folder(tmp_path, block_out_channels=None, layers_per_block=None,
                       down_block_types=None, up_block_types=None)
    model = load_model(folder, image_size=32)
    assert model.latent_shape == (4, 16, 16)


def test_weights_larger_than_the_memory_budget_are_not_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = kl_folder(tmp_path)
    monkeypatch.setenv("LATENT_EXPLORER_MEMORY_LIMIT", "64K")
    with pytest.raises(ModelError, match=r"its weights would need .* more than the 64\.0 KiB"):
        load_model(folder, image_size=32)
