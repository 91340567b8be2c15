"""Our StyleGAN3 synthesis network (-T and -R) gives the reference implementation's images."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812 (the usual spelling)

from latent_explorer.core.models.families.stylegan.sg3_filters import Downsampler, Upsampler
from latent_explorer.core.models.families.stylegan.sg3_layout import (
    random_synthesis_record,
    synthesis_layers,
)
from latent_explorer.core.models.families.stylegan.sg3_modconv import modulated_conv2d
from latent_explorer.core.models.families.stylegan.sg3_synthesis import build_sg3_synthesis
from tests.core.stylegan_facts import golden, needs_reference, reference_tree

SG3 = ("sg3t", "sg3r")


def upfirdn(x: torch.Tensor, f: torch.Tensor | None, up: int = 1, down: int = 1,
            padding: tuple[int, int, int, int] = (0, 0, 0, 0), gain: float = 1.0,
            ) -> torch.Tensor:
    """Resampling as the paper defines it, literally and slowly: insert ``up - 1`` zeros after
    each sample, pad ``(x0, x1, y0, y1)`` (negative crops), convolve with ``f`` (1-D: along
    both axes) times ``gain``, keep every ``down``-th sample."""
    f2 = torch.ones(1, 1) if f is None else torch.outer(f, f) if f.ndim == 1 else f
    n, c, h, w = x.shape
    if up > 1:
        z = x.new_zeros(n, c, h * up, w * up)
        z[:, :, ::up, ::up] = x
        x = z
    x = F.pad(x, list(padding))
    kernel = (f2.to(x.dtype).flip((0, 1)) * gain)[None, None].repeat(c, 1, 1, 1)
    return F.conv2d(x, kernel, stride=down, groups=c)


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
        single = net(ws[:1])  # one image takes another path (weights folded per sample)
    assert raw.dtype == torch.float32 and raw.shape == (len(ws), 3, 64, 64)
    assert np.abs(raw.numpy() - facts["raw_psi1"]).max() < 1e-4
    assert np.abs(single.numpy() - facts["raw_psi1"][:1]).max() < 1e-4
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


@needs_reference
def test_gradients_reach_the_ws() -> None:
    """Fitting a photo's w goes through this network: its gradient is the true one."""
    net = build_sg3_synthesis(reference_tree("sg3t").child("synthesis"))
    ws = torch.from_numpy(golden("sg3t")["ws"][:1]).clone().requires_grad_()
    net(ws).square().mean().backward()
    assert ws.grad is not None
    direction = torch.randn(ws.shape, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        step = 1e-2 * direction
        slope = (net(ws + step).square().mean() - net(ws - step).square().mean()) / 2e-2
    assert (ws.grad * direction).sum().item() == pytest.approx(slope.item(), rel=0.02)


@needs_reference
def test_fast_resampling_is_the_literal_one() -> None:
    """Polyphase up and strided down passes, for every stored layer and for odd paddings."""
    generator = torch.Generator().manual_seed(0)

    def check(got: torch.Tensor, expected: torch.Tensor) -> None:
        assert got.shape == expected.shape
        scale = max(1.0, expected.abs().max().item())
        torch.testing.assert_close(got, expected, atol=1e-5 * scale, rtol=0)

    seen = set()
    for name in SG3:
        synthesis = reference_tree(name).child("synthesis")
        for layer_name in synthesis.attr("layer_names")[:-1]:
            layer = synthesis.child(layer_name)
            up, down = layer.attr("up_factor"), layer.attr("down_factor")
            padding = tuple(layer.attr("padding"))
            f_up, f_down = layer.buffers["up_filter"], layer.buffers["down_filter"]
            size = layer.init_kwargs["in_size"] + layer.attr("conv_kernel") - 1
            kind = (up, down, padding, f_down.ndim, size)
            if kind in seen:
                continue  # the same resampling with other filter taps
            seen.add(kind)
            x = torch.randn(1, 2, size, size + 3, generator=generator)
            upsampled = upfirdn(x, f_up, up=up, padding=padding, gain=up**2)
            check(Upsampler(f_up, 2, up, padding, gain=up**2)(x), upsampled)
            check(Downsampler(f_down, 2, down)(upsampled), upfirdn(upsampled, f_down, down=down))
    x = torch.randn(1, 2, 11, 9, generator=generator)
    for up, before, after in itertools.product((1, 2, 4), (-9, -2, 0, 5, 20), (-7, 0, 3, 16)):
        if 9 * up + before + after - 6 * up < 0:
            continue  # cropped to nothing
        f = torch.rand(6 * up, generator=generator)
        pad = (before, after, after, before)
        expected = upfirdn(x, f, up=up, padding=pad, gain=up**2)
        check(Upsampler(f, 2, up, pad, gain=up**2)(x), expected)
    x = torch.randn(1, 2, 30, 27, generator=generator)
    for down, f in itertools.product((1, 2, 4), (None, torch.rand(12), torch.rand(7, 5))):
        check(Downsampler(f, 2, down)(x), upfirdn(x, f, down=down))


def test_modulated_convolution_is_the_definition() -> None:
    """Every path (one sample or a batch, 3x3 or 1x1, with and without demodulation) is
    conv(x, weight * style) * demodulation + bias, sample by sample."""
    generator = torch.Generator().manual_seed(3)
    for n, kernel, demodulate in itertools.product((1, 3), (3, 1), (True, False)):
        x = torch.randn(n, 16, 12, 12, generator=generator)
        weight = torch.randn(24, 16, kernel, kernel, generator=generator)
        styles = torch.randn(n, 16, generator=generator)
        demodulation = torch.rand(n, 24, generator=generator) if demodulate else None
        bias = torch.randn(24, generator=generator)
        expected = torch.cat([
            F.conv2d(x[i:i + 1], weight * styles[i][None, :, None, None], padding=kernel - 1)
            * (1 if demodulation is None else demodulation[i][None, :, None, None])
            + bias[None, :, None, None] for i in range(n)])
        got = modulated_conv2d(x, weight, styles, demodulation, bias, kernel - 1)
        torch.testing.assert_close(got, expected, atol=1e-4 * expected.abs().max().item(), rtol=0)
