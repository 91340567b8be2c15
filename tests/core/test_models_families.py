"""Known families (TAESD, KL autoencoders) open from users' files with no code and no trust.

The files are random-weight models in the exact key layouts of the published files, saved
the way users have them; every test checks the app's pixels and latents against the network
that wrote the file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from latent_explorer.cli import main
from latent_explorer.core.errors import ModelError, ModelOutputError
from latent_explorer.core.models import load_model
from latent_explorer.core.models.detect import ModelKind, detect_model
from latent_explorer.core.models.families import (
    DEFAULT_IMAGE_SIZE,
    SpatialModel,
    fit_to_images,
)
from tests.core.family_files import (
    save_kl_file,
    save_kl_folder,
    save_taesd,
    small_kl,
)

RNG = np.random.default_rng(0)


def _decoded(network: torch.nn.Module, z: np.ndarray, shape: tuple[int, ...],
             symmetric: bool = False) -> np.ndarray:
    with torch.no_grad():
        out = network(torch.from_numpy(z).reshape(len(z), *shape))
    out = getattr(out, "sample", out)
    if symmetric:
        out = (out + 1) / 2
    return out.clamp(0, 1).permute(0, 2, 3, 1).numpy()


def _photo_folder(folder: Path, size: int, count: int = 3) -> Path:
    folder.mkdir(parents=True)
    for i in range(count):
        pixels = RNG.integers(0, 256, (size, size, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"photo{i}.png")
    return folder


# --- TAESD ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "channels", "gn", "f32", "variant"), [
    ("taesd", 4, False, False, "taesd / taesdxl"),
    ("taesd3", 16, False, False, "taesd3 / taef1"),
    ("taef2", 32, True, False, "taef2"),
    ("taesana", 32, False, True, "32x member"),
])
def test_taesd_pair_opens_from_either_file_and_matches_the_network(
        tmp_path: Path, name: str, channels: int, gn: bool, f32: bool, variant: str) -> None:
    dec, enc = save_taesd(tmp_path, name, channels=channels, gn=gn, f32=f32)
    assert dec is not None and enc is not None
    scale = 32 if f32 else 8
    for picked in (f"{name}_decoder.pth", f"{name}_encoder.pth"):
        model = load_model(tmp_path / picked, image_size=64)
        assert isinstance(model, SpatialModel)
        assert model.name == name
        assert model.has_encoder and model.has_decoder
        assert model.latent_shape == (channels, 64 // scale, 64 // scale)
        assert model.image_shape == (64, 64, 3)
        assert model.info.scale == scale and model.info.latent_channels == channels
        assert model.latent_range == (-3.0, 3.0)
        assert variant in model.info.variant
    z = RNG.standard_normal((3, model.latent_dim)).astype(np.float32)
    np.testing.assert_allclose(model.decode(z), _decoded(dec, z, model.latent_shape),
                               atol=1e-5)
    images = RNG.random((2, 64, 64, 3)).astype(np.float32)
    with torch.no_grad():
        want = enc(torch.from_numpy(images).permute(0, 3, 1, 2)).reshape(2, -1).numpy()
    np.testing.assert_allclose(model.encode(images), want, atol=1e-5)


def test_taesd_is_recognised_by_its_tensors_not_its_name(tmp_path: Path) -> None:
    save_taesd(tmp_path, "x", encoder=False)
    renamed = tmp_path / "my weights (1).pth"
    (tmp_path / "x_decoder.pth").rename(renamed)
    detection = detect_model(renamed)
    assert detection.kind is ModelKind.FAMILY and not detection.runs_code
    assert detection.fixed_settings and not detection.problem
    assert "TAESD" in detection.summary and "no code" in detection.summary
    model = load_model(renamed)
    assert model.latent_shape == (4, DEFAULT_IMAGE_SIZE // 8, DEFAULT_IMAGE_SIZE // 8)
    assert not model.has_encoder


def test_taesd_safetensors_half_and_a_folder_open_as_one_model(tmp_path: Path) -> None:
    from safetensors.torch import save_file

    dec, enc = save_taesd(tmp_path / "pair", "taesd")
    assert dec is not None and enc is not None
    for half, network in (("decoder", dec), ("encoder", enc)):
        (tmp_path / "pair" / f"taesd_{half}.pth").unlink()
        save_file({k: v.contiguous() for k, v in network.state_dict().items()},
                  str(tmp_path / "pair" / f"taesd_{half}.safetensors"))
    model = load_model(tmp_path / "pair", image_size="32x48")
    assert model.has_encoder and model.image_shape == (32, 48, 3)
    assert model.latent_shape == (4, 4, 6)
    z = RNG.standard_normal((2, model.latent_dim)).astype(np.float32)
    np.testing.assert_allclose(model.decode(z), _decoded(dec, z, model.latent_shape), atol=1e-5)


def test_an_encoder_alone_encodes_and_says_why_it_cannot_decode(tmp_path: Path) -> None:
    save_taesd(tmp_path, "taesd", decoder=False)
    model = load_model(tmp_path / "taesd_encoder.pth")
    assert model.has_encoder
    assert model.encode(RNG.random((1, 64, 64, 3)).astype(np.float32)).shape == (1, 256)
    with pytest.raises(ModelOutputError, match=r"only an encoder.*taesd_encoder\.pth"):
        model.decode(np.zeros((1, 256), np.float32))


def test_taesd_sizes_follow_the_images_and_refuse_what_does_not_fit(tmp_path: Path) -> None:
    save_taesd(tmp_path, "taesd")
    model = load_model(tmp_path / "taesd_decoder.pth")
    assert isinstance(model, SpatialModel)
    big = fit_to_images(model, (256, 128, 3))
    assert isinstance(big, SpatialModel)
    assert big.latent_shape == (4, 32, 16) and big.image_size == (256, 128)
    assert big.network is model.network  # the same weights, not a second copy
    assert fit_to_images(model, (30, 30, 3)) is model  # no multiple of 8: left to the check
    assert fit_to_images(model, (8, 8, 1)) is model  # grey digits: left to the check too
    assert load_model(tmp_path / "taesd_decoder.pth", latent_shape="4,16,16").image_shape == (
        128, 128, 3)
    with pytest.raises(ModelError, match="multiples of 8"):
        load_model(tmp_path / "taesd_decoder.pth", image_size=100)
    with pytest.raises(ModelError, match=r"taesd_decoder\.pth.*latents have shape"):
        load_model(tmp_path / "taesd_decoder.pth", latent_shape="16,8,8")
    z = RNG.standard_normal((2, big.latent_dim)).astype(np.float32)
    assert big.decode(z[:, ::1]).shape == (2, 256, 128, 3)
    # A non-contiguous view of latents (a column slice of a bigger array) decodes the same.
    wide = RNG.standard_normal((2, 2 * model.latent_dim)).astype(np.float32)
    np.testing.assert_array_equal(model.decode(wide[:, ::2]),
                                  model.decode(np.ascontiguousarray(wide[:, ::2])))


def test_a_damaged_taesd_file_names_the_tensor_that_does_not_fit(tmp_path: Path) -> None:
    dec, _ = save_taesd(tmp_path, "taesd", encoder=False)
    assert dec is not None
    state = dec.state_dict()
    state["7.weight"] = torch.zeros(64, 32, 3, 3)
    torch.save(state, tmp_path / "taesd_decoder.pth")
    detection = detect_model(tmp_path / "taesd_decoder.pth")
    assert "7.weight" in detection.problem and "TAESD decoder" in detection.problem
    with pytest.raises(ModelError, match=r"taesd_decoder\.pth: .*tensor 7\.weight has shape"):
        load_model(tmp_path / "taesd_decoder.pth")


def test_a_folder_with_two_taesd_decoders_asks_for_one(tmp_path: Path) -> None:
    save_taesd(tmp_path, "taesd", encoder=False)
    save_taesd(tmp_path, "taesdxl", encoder=False, seed=1)
    with pytest.raises(ModelError, match="several TAESD decoders"):
        load_model(tmp_path)


def test_other_state_dicts_are_not_taken_for_a_family(tmp_path: Path) -> None:
    torch.save(torch.nn.Sequential(torch.nn.Conv2d(4, 8, 3), torch.nn.ReLU(),
                                   torch.nn.Conv2d(8, 3, 3)).state_dict(), tmp_path / "net.pth")
    assert detect_model(tmp_path / "net.pth").kind is ModelKind.STATE_DICT
    with pytest.raises(ModelError, match="holds only weights"):
        load_model(tmp_path / "net.pth")


def test_cli_info_and_decode_open_taesd_with_no_trust(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    dec, _ = save_taesd(tmp_path / "m", "taesd")
    assert dec is not None
    photos = _photo_folder(tmp_path / "photos", 32)
    decoder = str(tmp_path / "m" / "taesd_decoder.pth")
    assert main(["info", "--model", decoder, "--dataset", str(photos)]) == 0
    out = capsys.readouterr().out
    assert "shape (4, 4, 4)" in out  # followed the photos' 32x32 size
    assert "family   TAESD taesd / taesdxl" in out
    assert "fit      the model can encode this dataset" in out
    z = RNG.standard_normal(4 * 8 * 8).astype(np.float32)
    png = tmp_path / "out.png"
    assert main(["decode", "--model", decoder, "--latent=" + ",".join(f"{v:.6f}" for v in z),
                 "--out", str(png)]) == 0
    shown = np.asarray(Image.open(png), dtype=np.float32) / 255
    want = _decoded(dec, np.round(z, 6)[None], (4, 8, 8))[0]
    assert shown.shape == (64, 64, 3)
    assert np.abs(shown - want).max() <= 1 / 255 + 1e-6


# --- KL autoencoders ------------------------------------------------------------------------
def test_kl_diffusers_folder_and_ldm_single_file_decode_like_diffusers(tmp_path: Path) -> None:
    pytest.importorskip("diffusers")
    vae = small_kl()
    folder = save_kl_folder(vae, tmp_path / "vae-folder")
    single = save_kl_file(vae, tmp_path / "my_vae.safetensors")
    whole = save_kl_file(vae, tmp_path / "checkpoint.safetensors", prefix="first_stage_model.")
    z = RNG.standard_normal((2, 4 * 16 * 16)).astype(np.float32)
    images = RNG.random((2, 32, 32, 3)).astype(np.float32)
    with torch.no_grad():
        raw = vae.decode(torch.from_numpy(z).reshape(2, 4, 16, 16) / 0.18215).sample
        want = ((raw + 1) / 2).clamp(0, 1).permute(0, 2, 3, 1).numpy()
        means = vae.encode(torch.from_numpy(images * 2 - 1).permute(0, 3, 1, 2)).latent_dist.mean
    for spec in (folder, folder / "diffusion_pytorch_model.safetensors", single, whole):
        detection = detect_model(spec)
        assert detection.kind is ModelKind.FAMILY, detection
        assert "KL autoencoder" in detection.summary and not detection.problem
        model = load_model(spec, image_size=32)
        assert isinstance(model, SpatialModel)
        assert model.latent_shape == (4, 16, 16) and model.info.scale == 2
        assert model.batch_size == 256 and model.at_size(512, 512).batch_size == 1
        np.testing.assert_allclose(model.decode(z), want, atol=1e-5)
        np.testing.assert_allclose(model.encode(images),
                                   (means * 0.18215).reshape(2, -1).numpy(), atol=1e-5)


def test_kl_shift_and_scaling_come_from_the_config(tmp_path: Path) -> None:
    pytest.importorskip("diffusers")
    vae = small_kl(latent_channels=16, scaling_factor=1.5305, shift_factor=0.0609,
                   use_quant_conv=False, use_post_quant_conv=False)
    folder = save_kl_folder(vae, tmp_path / "sd3-vae")
    model = load_model(folder, image_size=16)
    assert model.latent_shape == (16, 8, 8)
    assert "Stable Diffusion 3" in model.info.variant
    z = RNG.standard_normal((1, model.latent_dim)).astype(np.float32)
    with torch.no_grad():
        raw = vae.decode(torch.from_numpy(z).reshape(1, 16, 8, 8) / 1.5305 + 0.0609).sample
    np.testing.assert_allclose(model.decode(z), ((raw + 1) / 2).clamp(0, 1).permute(
        0, 2, 3, 1).numpy(), atol=1e-5)
    # The same weights as one LDM-layout file: the shapes say 16 channels and no quant conv.
    single = save_kl_file(vae, tmp_path / "sd3_vae.safetensors")
    again = load_model(single, image_size=16)
    np.testing.assert_allclose(again.decode(z), model.decode(z), atol=1e-5)


def test_without_diffusers_a_kl_file_names_the_extra(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("diffusers")
    from latent_explorer.core.models.families import kl

    single = save_kl_file(small_kl(), tmp_path / "vae.safetensors")
    monkeypatch.setattr(kl, "diffusers_available", lambda: False)
    detection = detect_model(single)
    assert detection.kind is ModelKind.FAMILY
    assert "latent-explorer[diffusers]" in detection.problem
    with pytest.raises(ModelError) as info:
        load_model(single)
    message = str(info.value)
    assert "vae.safetensors" in message and "pip install 'latent-explorer[diffusers]'" in message
    assert "\n" not in message
    assert main(["info", "--model", str(single), "--dataset", "digits"]) == 2


def test_cli_info_opens_a_kl_folder_at_the_photos_size(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("diffusers")
    folder = save_kl_folder(small_kl(), tmp_path / "vae")
    photos = _photo_folder(tmp_path / "photos", 16)
    assert main(["info", "--model", str(folder), "--dataset", str(photos)]) == 0
    out = capsys.readouterr().out
    assert "shape (4, 8, 8)" in out and "KL autoencoder" in out
    assert "fit      the model can encode this dataset" in out


def test_a_saved_session_with_taesd_at_the_photos_size_checks_clean(tmp_path: Path) -> None:
    from latent_explorer.core.compute.pipeline import open_workspace
    from latent_explorer.core.session.data import DatasetRef, ModelRef, SessionData
    from latent_explorer.core.session.references import check_references

    save_taesd(tmp_path / "m", "taesd")
    photos = _photo_folder(tmp_path / "photos", 32, count=4)
    decoder = str(tmp_path / "m" / "taesd_decoder.pth")
    ws = open_workspace(str(photos), decoder)
    assert ws.model.latent_shape == (4, 4, 4)  # followed the photos, not the 64 px default
    session = SessionData(dataset=DatasetRef(str(photos), None, ws.dataset.fingerprint()),
                          model=ModelRef(decoder, False, ws.model.fingerprint()))
    assert check_references(session) == []


def test_cli_render_walks_between_photos_through_taesd(tmp_path: Path) -> None:
    save_taesd(tmp_path / "m", "taesd")
    photos = _photo_folder(tmp_path / "photos", 32, count=3)
    out = tmp_path / "frames"
    assert main(["render", "--model", str(tmp_path / "m" / "taesd_decoder.pth"),
                 "--dataset", str(photos), "--anchors", "0,2", "--frames", "6",
                 "--size", "64", "--out", str(out)]) == 0
    written = sorted(out.glob("*.png"))
    assert len(written) == 6
    with Image.open(written[0]) as first:
        assert first.size == (64, 64) and first.mode == "RGB"


def test_a_pipeline_folder_opens_its_vae_and_pickled_weights_are_not_read(
        tmp_path: Path) -> None:
    pytest.importorskip("diffusers")
    from latent_explorer.core.errors import SpecError

    vae = small_kl()
    save_kl_folder(vae, tmp_path / "pipeline" / "vae")
    (tmp_path / "pipeline" / "model_index.json").write_text("{}", encoding="utf-8")
    model = load_model(tmp_path / "pipeline", image_size=16)
    assert model.latent_shape == (4, 8, 8) and model.name == "vae"
    pickled = tmp_path / "old"
    vae.save_pretrained(pickled, safe_serialization=False)  # diffusion_pytorch_model.bin
    assert not list(pickled.glob("*.safetensors"))
    assert detect_model(pickled).kind is ModelKind.UNKNOWN
    with pytest.raises(SpecError, match=r"without a model\.json"):
        load_model(pickled)
