"""Our StyleGAN3 synthesis network (-T and -R) gives the reference implementation's images."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from latent_explorer.core.models.families.stylegan.sg3_layout import (
    random_synthesis_record,
    synthesis_layers,
)
from latent_explorer.core.models.families.stylegan.sg3_synthesis import build_sg3_synthesis
from tests.core.stylegan_facts import golden, needs_reference, reference_tree

SG3 = ("sg3t", "sg3r")


def _uint8(x: torch.Tensor) -> np.ndarray:
    """The reference's image conversion: NCHW floats -> NHWC uint8, truncating."""
    return (x * 127.5 + 128).clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()


@needs_reference
@pytest.mark.parametrize("name", SG3)
def test_golden_ws_give_the_reference_images_at_psi_1_and_0_7(name: str) -> None:
    net = build_sg3_synthesis(reference_tree(name).child("synthesis"))
    facts = golden(name)
    ws, w_avg = torch.from_numpy(facts["ws"]), torch.from_numpy(facts["w_avg"])
    assert (net.num_ws, net.w_dim, net.img_resolution, net.img_channels) == (16, 64, 64, 3)
    with torch.no_grad():
        raw = net(ws, noise_mode="const")
        truncated = net(w_avg + 0.7 * (ws - w_avg))  # what the mapping does at psi 0.7
    assert raw.dtype == torch.float32 and raw.shape == (len(ws), 3, 64, 64)
    assert np.abs(raw.numpy() - facts["raw_psi1"]).max() < 1e-4
    for images, key in ((_uint8(raw), "images_psi1"), (_uint8(truncated), "images_psi07")):
        error = np.abs(images.astype(int) - facts[key].astype(int))
        assert error.max() <= 1, f"{name} {key}: max error {error.max()}"
        assert error.mean() < 0.01


@needs_reference
@pytest.mark.parametrize("name", SG3)
def test_the_paper_schedule_gives_the_stored_layers_and_filters(name: str) -> None:
    """The schedule used for networks of real sizes is the one NVIDIA's code stored."""
    synthesis = reference_tree(name).child("synthesis")
    kwargs = synthesis.init_kwargs
    radial = bool(kwargs.get("use_radial_filters", False))
    record = random_synthesis_record(64, w_dim=64, channel_base=kwargs["channel_base"],
                                     channel_max=kwargs["channel_max"], radial=radial)
    assert record.attr("layer_names") == synthesis.attr("layer_names")
    specs = synthesis_layers(64, 3, kwargs["channel_base"], kwargs["channel_max"],
                             int(kwargs.get("conv_kernel", 3)), radial)
    for name_, spec in zip(synthesis.attr("layer_names"), specs, strict=True):
        stored, built = synthesis.child(name_), record.child(name_)
        for key, value in spec.items():
            expected = stored.init_kwargs[key] if key.endswith("_size") else stored.attr(key)
            assert value == pytest.approx(expected), (name_, key)
        for key in ("up_filter", "down_filter"):
            assert (key in stored.buffers) == (key in built.buffers)
            if key in stored.buffers:
                torch.testing.assert_close(built.buffers[key], stored.buffers[key])


def test_a_256px_network_with_real_widths_runs() -> None:
    record = random_synthesis_record(256, w_dim=512)  # sizes stored as numpy arrays, as in pickles
    net = build_sg3_synthesis(record)
    assert (net.num_ws, net.w_dim, net.img_resolution, net.img_channels) == (16, 512, 256, 3)
    widths = [layer.out_channels for layer in net.layers]
    assert widths[0] == 512 and widths[-2:] == [128, 3]
    with torch.no_grad():
        image = net(torch.randn(1, 16, 512, generator=torch.Generator().manual_seed(1)))
    assert image.shape == (1, 3, 256, 256)
    assert torch.isfinite(image).all()
    assert 0.001 < image.std().item() < 10


def test_wrong_ws_and_records_are_refused_with_a_message() -> None:
    record = random_synthesis_record(16, w_dim=8, channel_base=256, channel_max=8)
    net = build_sg3_synthesis(record)
    with pytest.raises(ValueError, match=r"ws of shape \(N, 16, 8\)"):
        net(torch.zeros(1, 15, 8))
    with pytest.raises(ValueError, match="not a StyleGAN3 synthesis network"):
        build_sg3_synthesis(record.child("input"))
