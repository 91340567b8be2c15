"""The project's own VAE: save/load, foreign and broken weights, training, the bundled demo."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.neighbors import KNeighborsClassifier

from latent_explorer.core.datasets.base import ArrayDataset
from latent_explorer.core.errors import IncompatibleError, JobCancelled, ModelError
from latent_explorer.core.jobs import JobContext
from latent_explorer.core.models import DEMO_MODEL_PATH, GenerativeModel, load_model
from latent_explorer.core.models.training import save_vae, train_and_save, train_vae
from latent_explorer.core.models.vae import VAEConfig, build_vae
from latent_explorer.core.models.vae_io import load_vae, vae_weights_path


def digits_dataset(count: int | None = None) -> ArrayDataset:
    """scikit-learn's digits scaled like the bundled loader: round(v * 255 / 16) as uint8."""
    digits = load_digits()
    images = np.round(digits.images * 255 / 16).astype(np.uint8)[..., np.newaxis]
    labels = digits.target.astype(np.int64)
    return ArrayDataset("digits", "digits", images[:count], labels[:count])


@pytest.fixture(scope="module")
def small_vae(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A VAE trained for one epoch on 200 digits, saved; returns its folder."""
    config = VAEConfig(image_shape=(8, 8, 1), latent_dim=3, hidden=(32,))
    module, history = train_vae(digits_dataset(200), config, epochs=1, seed=1)
    out = tmp_path_factory.mktemp("vae")
    save_vae(module, config, out, {"training": history.to_meta("test")})
    return out


def test_save_load_round_trip_gives_identical_outputs(small_vae: Path) -> None:
    by_folder = load_model(str(small_vae))
    by_json = load_model(str(small_vae / "model.json"))
    by_weights = load_model(str(vae_weights_path(small_vae)))
    assert isinstance(by_folder, GenerativeModel)
    assert by_folder.latent_shape == (3,)
    assert by_folder.image_shape == (8, 8, 1)
    assert by_folder.has_encoder and by_folder.num_classes == 0
    z = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    images = by_folder.decode(z)
    assert images.shape == (5, 8, 8, 1) and images.dtype == np.float32
    assert images.min() >= 0.0 and images.max() <= 1.0
    np.testing.assert_array_equal(images, by_json.decode(z))
    np.testing.assert_array_equal(images, by_weights.decode(z))
    assert by_folder.fingerprint() == by_json.fingerprint()
    latents = by_folder.encode(digits_dataset(7).float_batch(0, 7))
    assert latents.shape == (7, 3) and latents.dtype == np.float32
    meta = json.loads((small_vae / "model.json").read_text())
    assert meta["output_range"] == "logits" and meta["training"]["epochs"] == 1
    assert not [p for p in small_vae.iterdir() if p.name.endswith(".tmp")]


def test_state_dict_saved_on_cuda_loads_on_cpu(small_vae: Path, tmp_path: Path) -> None:
    """A .pt whose storages are tagged 'cuda:0' (as when saved on a GPU) opens on the CPU."""
    for name in ("model.json", vae_weights_path(small_vae).name):
        (tmp_path / name).write_bytes((small_vae / name).read_bytes())
    module = build_vae(VAEConfig(image_shape=(8, 8, 1), latent_dim=3, hidden=(32,)))
    buffer = io.BytesIO()
    torch.save(module.state_dict(), buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    with zipfile.ZipFile(tmp_path / "weights.pt", "w", zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.endswith("data.pkl"):
                # The pickled storage location string: 'cpu' -> 'cuda:0' (length-prefixed).
                assert b"X\x03\x00\x00\x00cpu" in data
                data = data.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
            target.writestr(info.filename, data)
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA"):
            torch.load(tmp_path / "weights.pt", weights_only=True)
    model = load_model(str(tmp_path / "weights.pt"))
    expected = module.eval().decode(torch.zeros(1, 3)).sigmoid().detach().numpy()
    np.testing.assert_allclose(model.decode(np.zeros((1, 3), np.float32)), expected, atol=1e-6)


def test_mismatched_weights_name_the_file_and_the_difference(
    small_vae: Path, tmp_path: Path
) -> None:
    (tmp_path / "model.json").write_bytes((small_vae / "model.json").read_bytes())
    other = build_vae(VAEConfig(image_shape=(8, 8, 1), latent_dim=4, hidden=(32, 16)))
    torch.save(other.state_dict(), tmp_path / "other.pt")
    with pytest.raises(ModelError) as caught:
        load_model(str(tmp_path / "other.pt"))
    message = str(caught.value)
    assert caught.value.path == str(tmp_path / "other.pt")
    assert "does not match the VAE in model.json" in message
    assert "unexpected keys" in message
    assert "shape of encoder.3.weight is (16, 32) but the config expects (6, 32)" in message


def test_truncated_or_missing_weights_raise_model_error(small_vae: Path, tmp_path: Path) -> None:
    (tmp_path / "model.json").write_bytes((small_vae / "model.json").read_bytes())
    weights = vae_weights_path(small_vae)
    data = weights.read_bytes()
    with pytest.raises(
        ModelError, match=rf"{weights.name}: the weights named in model\.json are missing"
    ):
        load_vae(tmp_path / "model.json")
    (tmp_path / weights.name).write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match=rf"{weights.name}: cannot read the weights"):
        load_model(str(tmp_path))
    (tmp_path / "model.json").write_text("{not json")
    with pytest.raises(ModelError, match="not a readable JSON file"):
        load_model(str(tmp_path))


def test_state_dict_without_architecture_is_explained(tmp_path: Path) -> None:
    torch.save(torch.nn.Linear(3, 4).state_dict(), tmp_path / "weights.pth")
    with pytest.raises(ModelError, match=r"holds only weights .* adapter file"):
        load_model(str(tmp_path / "weights.pth"))
    data = (tmp_path / "weights.pth").read_bytes()
    (tmp_path / "cut.pth").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match=r"cut\.pth: cannot be read as a PyTorch checkpoint"):
        load_model(str(tmp_path / "cut.pth"))


def test_demo_reconstructions_are_recognisably_the_digits() -> None:
    model = load_model("demo")
    assert model.source == "demo" and DEMO_MODEL_PATH.is_file()
    assert model.latent_dim == 8 and model.image_shape == (8, 8, 1)
    dataset = digits_dataset()
    originals = dataset.float_batch(0, len(dataset))
    reconstructions = model.decode(model.encode(originals))
    flat = originals.reshape(len(dataset), -1)
    classifier = KNeighborsClassifier(n_neighbors=1).fit(flat, dataset.labels)
    accuracy = classifier.score(reconstructions.reshape(len(dataset), -1), dataset.labels)
    assert accuracy >= 0.85
    meta = json.loads(DEMO_MODEL_PATH.read_text())
    assert meta["training"]["command"].startswith("latent-explorer train --dataset digits")
    assert DEMO_MODEL_PATH.with_name("model.safetensors").stat().st_size < 1_000_000


def test_training_with_a_fixed_seed_is_reproducible() -> None:
    dataset = digits_dataset(150)
    config = VAEConfig(image_shape=(8, 8, 1), latent_dim=2, hidden=(16,))
    rng_before = torch.random.get_rng_state()
    first, history = train_vae(dataset, config, epochs=2, batch_size=32, seed=3)
    assert torch.equal(torch.random.get_rng_state(), rng_before)
    second, _ = train_vae(dataset, config, epochs=2, batch_size=32, seed=3)
    other, _ = train_vae(dataset, config, epochs=2, batch_size=32, seed=4)
    for key, value in first.state_dict().items():
        assert torch.equal(value, second.state_dict()[key]), key
    assert not torch.equal(
        first.state_dict()["decoder.0.weight"], other.state_dict()["decoder.0.weight"]
    )
    assert len(history.losses) == 2 and history.final_loss == history.losses[-1]


def test_train_and_save_writes_the_rebuild_command(tmp_path: Path) -> None:
    threads = torch.get_num_threads()
    out = train_and_save(
        digits_dataset(40), tmp_path / "m", latent_dim=2, hidden=(8,), epochs=1, command="cmd"
    )
    assert torch.get_num_threads() == threads
    meta = json.loads(out.read_text())
    assert meta["training"]["command"] == "cmd" and meta["training"]["threads"] == 1
    assert meta["config"] == {
        "image_shape": [8, 8, 1],
        "latent_dim": 2,
        "hidden": [8],
        "kind": "mlp",
    }
    assert load_model(str(out)).latent_dim == 2


def test_training_reports_progress_and_stops_on_cancel() -> None:
    dataset = digits_dataset(64)
    config = VAEConfig(image_shape=(8, 8, 1), latent_dim=2, hidden=(8,))
    reports: list[tuple[float | None, str]] = []
    train_vae(dataset, config, epochs=2, ctx=JobContext(lambda f, m: reports.append((f, m))))
    assert reports[-1][0] == 1.0 and "epoch 2/2: loss" in reports[-1][1]

    def cancel_after_first_epoch(fraction: float | None, message: str) -> None:
        if fraction and fraction >= 0.5:
            ctx.cancel()

    ctx = JobContext(cancel_after_first_epoch)
    with pytest.raises(JobCancelled):
        train_vae(dataset, config, epochs=4, ctx=ctx)
    with pytest.raises(IncompatibleError):
        train_vae(dataset, VAEConfig(image_shape=(9, 9, 1)), epochs=1)


def test_conv_vae_trains_saves_and_loads(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (16, 16, 16, 3), dtype=np.uint8)
    dataset = ArrayDataset("noise", "noise", images)
    config = VAEConfig(image_shape=(16, 16, 3), latent_dim=4, hidden=(8, 16), kind="conv")
    module, _ = train_vae(dataset, config, epochs=1, batch_size=8)
    save_vae(module, config, tmp_path)
    model = load_model(str(tmp_path))
    assert model.image_shape == (16, 16, 3)
    assert model.decode(np.zeros((2, 4), np.float32)).shape == (2, 16, 16, 3)
    assert model.encode(dataset.float_batch(0, 3)).shape == (3, 4)


def test_importing_the_models_package_does_not_import_torch() -> None:
    code = (
        "import sys, latent_explorer.core.models, latent_explorer.core.models.training;"
        "print('torch' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True
    )
    assert out.stdout.strip() == "False"
