"""StyleGAN snapshots on the command line and as a known family: ``info`` says what the file
is, ``gui --model`` maps its seeds, attacks end with one line and status 2, and nothing in the
file runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from latent_explorer.cli import main
from latent_explorer.core.compute.prior_map import prior_dataset
from latent_explorer.core.errors import ModelError
from latent_explorer.core.models import load_model
from latent_explorer.core.models.detect import ModelKind, detect_model
from latent_explorer.core.models.families.stylegan.model import StyleGANModel
from latent_explorer.core.models.preview import preview_model
from tests.conftest import REPO
from tests.core.stylegan_files import (
    attack_source,
    sg2_tree,
    write_forbidden_global,
    write_snapshot,
)


def _tree(**changes: int):  # type: ignore[no-untyped-def]
    sizes = dict(z_dim=16, w_dim=24, resolution=16, channel_base=128, channel_max=16,
                 mapping_layers=2)
    return sg2_tree(**{**sizes, **changes})


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    return write_snapshot(tmp_path / "network-snapshot-000400.pkl", _tree())


def test_info_describes_a_snapshot(snapshot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "--model", str(snapshot), "--dataset", "prior:12"]) == 0
    out = capsys.readouterr().out
    assert "dataset  12 seeds  (prior:12)" in out
    assert "seeds 0 to 11 (z drawn for each seed, through the mapping network)" in out
    assert f"model    network-snapshot-000400  ({snapshot})" in out
    assert "latent   24 values, shape (24,)" in out
    assert ("family   a StyleGAN2 generator (skip architecture): z 16 values, w 24 values "
            "(x6 style inputs), 16x16 RGB images") in out
    assert "output   16x16x3" in out and "encoder  no (decoder only)" in out


def test_info_refuses_a_forbidden_global_with_status_2_and_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marker = tmp_path / "ran"
    bad = write_forbidden_global(tmp_path / "net.pkl", _tree(), marker, "builtins.exec")
    assert main(["info", "--model", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"latent-explorer: error: {bad}: names the global builtins.exec, which a "
                   "StyleGAN snapshot never holds; nothing was run")
    assert not marker.exists()


def test_info_reads_a_snapshot_whose_source_would_write_a_file_without_running_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marker = tmp_path / "ran"
    path = write_snapshot(tmp_path / "network-snapshot-000800.pkl", _tree(),
                          source=attack_source(marker))
    assert main(["info", "--model", str(path), "--dataset", "prior:10"]) == 0
    assert "StyleGAN2 generator" in capsys.readouterr().out
    assert not marker.exists()


def test_detection_says_what_the_snapshot_is_and_that_it_runs_no_code(
        tmp_path: Path) -> None:
    path = write_snapshot(tmp_path / "any name.pkl", _tree(c_dim=4))
    detection = detect_model(path)
    assert detection.kind is ModelKind.FAMILY and not detection.runs_code
    assert detection.fixed_settings and not detection.problem
    assert "conditional on 4 classes" in detection.summary
    assert "It opens with no code" in detection.summary
    assert "(G, D, augment_pipe not read)" in detection.summary
    model, preview = preview_model(detection, detection.options, label=2)
    assert isinstance(model, StyleGANModel) and preview.num_classes == 4
    np.testing.assert_array_equal(preview.latents, model.sample_latents(8, seed=0, label=2))


def test_the_prior_map_of_a_snapshot_is_its_seeds_w(snapshot: Path) -> None:
    model = load_model(snapshot)
    assert isinstance(model, StyleGANModel)
    data, latents = prior_dataset(model, 16, seed=5)
    assert data.name == "16 seeds" and "seeds 5 to 20" in data.notes[0]
    z = np.stack([np.random.RandomState(s).randn(16) for s in range(5, 21)])
    np.testing.assert_array_equal(model.seed_z(range(5, 21)), z.astype(np.float32))
    np.testing.assert_allclose(latents, model.map_z(z.astype(np.float32)), atol=1e-6)
    assert data.images.shape == (16, 16, 16, 3)
    # w is not the standard normal: a map of N(0, 1) draws would be somewhere else.
    assert abs(float(latents.mean()) - float(model.w_avg.mean())) < 1.0


def test_the_device_and_a_stated_latent_shape_are_checked(snapshot: Path) -> None:
    from latent_explorer.core.models.families.devices import available_devices

    assert load_model(snapshot, device="cpu").latent_shape == (24,)
    if "cuda" not in available_devices():
        with pytest.raises(ModelError, match=r"000400\.pkl: this machine has no CUDA device"):
            load_model(snapshot, device="cuda")
    with pytest.raises(ModelError, match=r"its latent is w, of shape \(24,\), not \(8,\)"):
        load_model(snapshot, latent_shape="8")


def test_gui_maps_the_seeds_of_a_snapshot(snapshot: Path, tmp_path: Path) -> None:
    shot = tmp_path / "seeds.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               XDG_STATE_HOME=str(tmp_path / "state"), XDG_DATA_HOME=str(tmp_path / "data"),
               PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run(
        [sys.executable, "-m", "latent_explorer", "--no-cache", "gui", "--model", str(snapshot),
         "--dataset", "prior:40", "--screenshot", str(shot)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    with Image.open(shot) as image:
        assert image.size == (1400, 900)


def _png(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def test_decode_a_seed_with_truncation(snapshot: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    from latent_explorer.core.models.base import to_uint8

    out = tmp_path / "seed3.png"
    assert main(["decode", "--model", str(snapshot), "--seed", "3", "--psi", "0.7",
                 "--out", str(out)]) == 0
    model = load_model(snapshot)
    assert isinstance(model, StyleGANModel)
    model.truncation_psi = 0.7
    np.testing.assert_array_equal(_png(out), to_uint8(model.decode(model.sample_latents(
        1, seed=3)))[0])
    model.truncation_psi = 1.0
    assert not np.array_equal(_png(out), to_uint8(model.decode(model.sample_latents(
        1, seed=3)))[0])
    assert main(["decode", "--model", "demo", "--seed", "3", "--psi", "0.5",
                 "--out", str(out)]) == 2
    assert capsys.readouterr().err.strip().endswith(
        "--psi: digits VAE has no truncation (it is for StyleGAN generators)")


def test_decode_seed_gives_the_reference_image(tmp_path: Path) -> None:
    from tests.core.stylegan_facts import STYLEGAN_DATA, golden, reference_tree

    if not (STYLEGAN_DATA / "sg2-structure.json").is_file():
        pytest.skip(f"the StyleGAN reference networks are not in {STYLEGAN_DATA}")
    path = write_snapshot(tmp_path / "sg2.pkl", reference_tree("sg2"))
    ref = golden("sg2")
    seed = int(ref["seeds"][1])
    out = tmp_path / "out.png"
    assert main(["decode", "--model", str(path), "--seed", str(seed), "--psi", "0.7",
                 "--out", str(out)]) == 0
    diff = _png(out).astype(np.int16) - ref["images_psi07"][1].astype(np.int16)
    assert np.abs(diff).max() <= 1


def test_render_walks_through_seeds(snapshot: Path, tmp_path: Path) -> None:
    from latent_explorer.core.models.base import to_uint8

    frames = tmp_path / "walk"
    assert main(["render", "--model", str(snapshot), "--seeds", "1,2,5-6", "--psi", "0.5",
                 "--frames", "8", "--loop", "--size", "16", "--out", f"{frames}/",
                 "--save-path", str(tmp_path / "walk.json")]) == 0
    pngs = sorted(frames.glob("*.png"))
    assert len(pngs) == 8
    model = load_model(snapshot)
    assert isinstance(model, StyleGANModel)
    model.truncation_psi = 0.5
    np.testing.assert_array_equal(_png(pngs[0]), to_uint8(model.decode(
        model.sample_latents(1, seed=1)))[0])
    # The path file keeps the seeds' latents and the truncation: it renders the same again.
    again = tmp_path / "again"
    assert main(["render", "--path-file", str(tmp_path / "walk.json"), "--out",
                 f"{again}/"]) == 0
    np.testing.assert_array_equal(_png(sorted(again.glob("*.png"))[0]), _png(pngs[0]))
