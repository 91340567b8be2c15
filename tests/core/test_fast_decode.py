"""The decoder tries the faster CPU paths once, keeps the fastest exact one, falls back to eager."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from latent_explorer.core.errors import ModelError
from latent_explorer.core.models import load_model
from latent_explorer.core.models.families import SpatialModel, fast_decode
from latent_explorer.core.models.families.devices import (
    available_devices,
    resolve_device,
    set_device_preference,
)
from latent_explorer.core.models.families.fast_decode import FastDecoder
from tests.core.family_files import save_taesd

RNG = np.random.default_rng(0)


def _model(tmp_path: Path, size: int = 64) -> tuple[SpatialModel, torch.nn.Module]:
    dec, _ = save_taesd(tmp_path, "taesd", encoder=False)
    assert dec is not None
    model = load_model(tmp_path / "taesd_decoder.pth", image_size=size)
    assert isinstance(model, SpatialModel)
    return model, dec


def _fast(model: SpatialModel) -> FastDecoder:
    decode = model._raw_decode
    assert isinstance(decode, FastDecoder)
    return decode


def _reference(dec: torch.nn.Module, z: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    with torch.no_grad():
        out = dec(torch.from_numpy(z).reshape(len(z), *shape))
    return out.clamp(0, 1).permute(0, 2, 3, 1).numpy()


@pytest.mark.slow
@pytest.mark.skipif(not fast_decode.onnxruntime_available(), reason="needs the onnx extra")
def test_onnx_runtime_path_matches_eager_and_is_cached_on_disk(tmp_path: Path,
                                                               monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LATENT_EXPLORER_DECODE", "onnxruntime")
    model, dec = _model(tmp_path)
    z = RNG.standard_normal((3, model.latent_dim)).astype(np.float32)
    first = model.decode(z)  # the first call decodes eagerly and tries the path
    decoder = _fast(model)
    assert decoder.path == "onnxruntime"
    assert [r.name for r in decoder.results] == ["eager", "onnxruntime"]
    assert all(r.ok for r in decoder.results), decoder.results
    exported = list(fast_decode.onnx_cache_dir().glob("decoder-*.onnx"))
    assert len(exported) == 1
    want = _reference(dec, z, model.latent_shape)
    np.testing.assert_allclose(first, want, atol=1e-6)
    # The next decodes run in ONNX Runtime, at any batch and image size, within 1/255.
    again = model.decode(z)
    assert np.abs(again - want).max() <= 1 / 255
    bigger = model.at_size(96, 128)
    z2 = RNG.standard_normal((2, bigger.latent_dim)).astype(np.float32)
    assert np.abs(bigger.decode(z2) - _reference(dec, z2, bigger.latent_shape)).max() <= 1 / 255
    # A second opening of the same weights reuses the export.
    reopened = load_model(tmp_path / "taesd_decoder.pth")
    reopened.decode(z)
    assert _fast(reopened).path == "onnxruntime"  # type: ignore[arg-type]
    assert list(fast_decode.onnx_cache_dir().glob("decoder-*.onnx")) == exported


def test_a_path_that_fails_or_differs_falls_back_to_eager(tmp_path: Path,
                                                          monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LATENT_EXPLORER_DECODE", "auto")
    monkeypatch.setattr(fast_decode, "MIN_TUNE_MS", 0.0)  # try even this small decoder

    def broken(network, z, key):  # type: ignore[no-untyped-def]
        raise RuntimeError("no ONNX here")

    def off_by_a_bit(network):  # type: ignore[no-untyped-def]
        return lambda z: network(z) + 0.01

    monkeypatch.setattr(fast_decode, "_onnx_runner", broken)
    monkeypatch.setattr(fast_decode, "_channels_last", off_by_a_bit)
    model, dec = _model(tmp_path)
    z = RNG.standard_normal((2, model.latent_dim)).astype(np.float32)
    np.testing.assert_allclose(model.decode(z), _reference(dec, z, model.latent_shape),
                               atol=1e-6)
    decoder = _fast(model)
    assert decoder.path == "eager"
    notes = {r.name: r.note for r in decoder.results}
    assert "no ONNX here" in notes["onnxruntime"]
    assert "differs from eager by 0.01" in notes["channels_last"]
    np.testing.assert_allclose(model.decode(z), _reference(dec, z, model.latent_shape),
                               atol=1e-6)


def test_channels_last_is_kept_when_it_wins(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LATENT_EXPLORER_DECODE", "channels_last")
    model, dec = _model(tmp_path)
    z = RNG.standard_normal((2, model.latent_dim)).astype(np.float32)
    model.decode(z)
    assert _fast(model).path == "channels_last"
    assert np.abs(model.decode(z) - _reference(dec, z, model.latent_shape)).max() <= 1 / 255


def test_cheap_decoders_stay_on_eager_without_a_trial(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LATENT_EXPLORER_DECODE", "auto")
    monkeypatch.setattr(fast_decode, "MIN_TUNE_MS", 1e9)
    model, _ = _model(tmp_path)
    model.decode(RNG.standard_normal((1, model.latent_dim)).astype(np.float32))
    assert _fast(model).path == "eager" and _fast(model).results == ()


def test_devices_resolve_to_the_cpu_here_and_refuse_missing_accelerators(
        tmp_path: Path) -> None:
    assert available_devices()[0] == "cpu"
    if len(available_devices()) == 1:
        assert resolve_device("auto") == "cpu"
        with pytest.raises(ValueError, match="no CUDA device"):
            resolve_device("cuda")
        save_taesd(tmp_path, "taesd", encoder=False)
        with pytest.raises(ModelError, match=r"taesd_decoder\.pth: this machine has no MPS"):
            load_model(tmp_path / "taesd_decoder.pth", device="mps")
    with pytest.raises(ValueError, match="one of auto, cpu, cuda, mps"):
        set_device_preference("tpu")


def test_cli_device_option_opens_on_the_cpu_and_names_a_missing_device(  # type: ignore[no-untyped-def]
        tmp_path: Path, monkeypatch, capsys) -> None:
    from latent_explorer.cli import main
    from latent_explorer.core.models.families import devices

    monkeypatch.setattr(devices, "_preference", "auto")  # restored after the test
    save_taesd(tmp_path, "taesd", encoder=False)
    decoder = str(tmp_path / "taesd_decoder.pth")
    z = ",".join(["0.5"] * 256)
    out = tmp_path / "x.png"
    assert main(["decode", "--model", decoder, "--device", "cpu", "--latent", z,
                 "--out", str(out)]) == 0
    assert out.is_file() and devices.device_preference() == "cpu"
    if "cuda" not in available_devices():
        capsys.readouterr()
        assert main(["decode", "--model", decoder, "--device", "cuda", "--latent", z,
                     "--out", str(out)]) == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "taesd_decoder.pth: this machine has no CUDA" in err
