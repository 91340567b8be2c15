"""lerp/slerp, easing, multi-anchor paths (loop, holds, ping-pong, spline) and even speed."""

from __future__ import annotations

import numpy as np
import pytest

from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.interpolation import (
    EASINGS,
    PathSpec,
    even_speed_params,
    frame_params,
    get_easing,
    lerp,
    sample_path,
    sample_path_at,
    slerp,
)

RNG = np.random.default_rng(0)
A = RNG.standard_normal(64).astype(np.float32)
B = RNG.standard_normal(64).astype(np.float32)


@pytest.mark.parametrize("blend", [lerp, slerp])
def test_blends_hit_endpoints_exactly_and_keep_shapes(blend: object) -> None:
    assert callable(blend)
    np.testing.assert_array_equal(blend(A, B, 0.0), A)
    np.testing.assert_array_equal(blend(A, B, 1.0), B)
    many = blend(A, B, np.linspace(0, 1, 7))
    assert many.shape == (7, 64) and many.dtype == np.float32
    np.testing.assert_array_equal(many[0], A)
    np.testing.assert_array_equal(many[-1], B)
    assert blend(A, B, 0.5).shape == (64,)
    assert blend(A.astype(np.float64), B, 0.5).dtype == np.float64


def test_lerp_is_linear() -> None:
    np.testing.assert_allclose(lerp(A, B, 0.25), 0.75 * A + 0.25 * B, rtol=1e-6)


def test_slerp_keeps_the_norm_of_equal_norm_anchors() -> None:
    b = B / np.linalg.norm(B) * np.linalg.norm(A)
    norms = np.linalg.norm(slerp(A, b, np.linspace(0, 1, 11)), axis=1)
    np.testing.assert_allclose(norms, np.linalg.norm(A), rtol=1e-5)
    midpoint = slerp(A, b, 0.5)
    np.testing.assert_allclose(
        np.dot(midpoint, A), np.dot(midpoint, b), rtol=1e-4
    )  # halfway in angle


def test_slerp_lerps_norms_of_unequal_anchors() -> None:
    norms = np.linalg.norm(slerp(A, 3 * B, np.linspace(0, 1, 5)), axis=1)
    expected = np.linspace(np.linalg.norm(A), np.linalg.norm(3 * B), 5)
    np.testing.assert_allclose(norms, expected, rtol=1e-5)


@pytest.mark.parametrize(("a", "b"), [(A, 2 * A), (A, -A), (np.zeros(64), B), (A, np.zeros(64))])
def test_slerp_falls_back_to_lerp_for_parallel_and_zero_vectors(
    a: np.ndarray, b: np.ndarray
) -> None:
    t = np.linspace(0, 1, 5)
    out = slerp(a, b, t)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, lerp(a, b, t), atol=1e-6)


@pytest.mark.parametrize("name", sorted(EASINGS))
def test_easings_are_monotone_with_fixed_endpoints(name: str) -> None:
    ease = get_easing(name)
    u = np.linspace(0, 1, 201)
    out = ease(u)
    assert out[0] == 0.0 and out[-1] == 1.0
    assert np.all(np.diff(out) >= 0)


def test_unknown_easing_lists_the_names() -> None:
    with pytest.raises(LatentExplorerError, match="ease_in_out"):
        PathSpec([A, B], easing="bounce")


ANCHORS = RNG.standard_normal((4, 16)).astype(np.float32)


@pytest.mark.parametrize("interp", ["lerp", "slerp", "spline"])
@pytest.mark.parametrize("easing", ["linear", "ease_in_out"])
def test_open_path_hits_anchors_at_segment_starts(interp: str, easing: str) -> None:
    spec = PathSpec(ANCHORS, interp=interp, frames_per_segment=5, easing=easing)
    frames = sample_path(spec)
    assert frames.shape == (3 * 5 + 1, 16) and frames.dtype == np.float32
    assert spec.frame_count == len(frames)
    for j in range(4):
        np.testing.assert_array_equal(frames[5 * j], ANCHORS[j])
    np.testing.assert_allclose(frame_params(spec)[::5], [0, 1 / 3, 2 / 3, 1])


@pytest.mark.parametrize("interp", ["lerp", "slerp", "spline"])
def test_loop_closes_without_a_repeated_frame(interp: str) -> None:
    spec = PathSpec(ANCHORS, interp=interp, frames_per_segment=6, loop=True)
    frames = sample_path(spec)
    assert frames.shape == (4 * 6, 16)
    np.testing.assert_array_equal(frames[0], ANCHORS[0])
    np.testing.assert_array_equal(frames[18], ANCHORS[3])
    assert not np.array_equal(frames[-1], frames[0])
    # The wrap-around step is as small as the steps next to it: the loop is seamless.
    steps = np.linalg.norm(np.diff(np.vstack([frames, frames[:1]]), axis=0), axis=1)
    assert steps[-1] < 2.0 * steps[-2]


def test_spline_is_smooth_through_anchors() -> None:
    spec = PathSpec(ANCHORS, interp="spline", frames_per_segment=50, loop=True)
    frames = sample_path(spec).astype(np.float64)
    velocity = np.diff(np.vstack([frames, frames[:1]]), axis=0)
    # Direction changes little from one frame to the next, also across anchors (a polyline
    # turns sharply there).
    cos = np.sum(velocity[1:] * velocity[:-1], axis=1) / (
        np.linalg.norm(velocity[1:], axis=1) * np.linalg.norm(velocity[:-1], axis=1)
    )
    assert cos.min() > 0.9
    polyline = sample_path(PathSpec(ANCHORS, frames_per_segment=50, loop=True))
    velocity = np.diff(polyline.astype(np.float64), axis=0)
    cos_poly = np.sum(velocity[1:] * velocity[:-1], axis=1) / (
        np.linalg.norm(velocity[1:], axis=1) * np.linalg.norm(velocity[:-1], axis=1)
    )
    assert cos_poly.min() < 0.9


def test_holds_repeat_anchor_frames() -> None:
    spec = PathSpec(ANCHORS[:3], frames_per_segment=4, holds=(2, 0, 3))
    frames = sample_path(spec)
    assert len(frames) == 2 * 4 + 1 + 5
    np.testing.assert_array_equal(frames[:3], np.repeat(ANCHORS[:1], 3, axis=0))
    np.testing.assert_array_equal(frames[-4:], np.repeat(ANCHORS[2:3], 4, axis=0))
    assert len(sample_path(PathSpec(ANCHORS[:3], frames_per_segment=4, holds=1))) == 9 + 3


def test_pingpong_does_not_repeat_the_turnaround_frames() -> None:
    spec = PathSpec(ANCHORS[:3], frames_per_segment=4, pingpong=True)
    forward = sample_path(PathSpec(ANCHORS[:3], frames_per_segment=4))
    frames = sample_path(spec)
    assert len(frames) == 2 * len(forward) - 2
    np.testing.assert_array_equal(frames[: len(forward)], forward)
    np.testing.assert_array_equal(frames[len(forward) :], forward[-2:0:-1])
    held = PathSpec(ANCHORS[:3], frames_per_segment=4, pingpong=True, holds=(1, 1, 2))
    # The turn-around anchor is held once; the middle one on the way out and on the way back.
    assert held.frame_count == len(frames) + 1 + 2 * 1 + 2


def test_single_anchor_and_bad_specs() -> None:
    assert sample_path(PathSpec(ANCHORS[:1], holds=2)).shape == (3, 16)
    with pytest.raises(LatentExplorerError, match="not both"):
        PathSpec(ANCHORS, loop=True, pingpong=True)
    with pytest.raises(LatentExplorerError, match="interpolation"):
        PathSpec(ANCHORS, interp="cubic")
    with pytest.raises(LatentExplorerError, match="holds"):
        PathSpec(ANCHORS, holds=(1, 2))
    with pytest.raises(LatentExplorerError, match="frames_per_segment"):
        PathSpec(ANCHORS, frames_per_segment=0)
    with pytest.raises(LatentExplorerError, match="NaN"):
        PathSpec(np.full((2, 3), np.nan))


def test_spec_is_a_hashable_value() -> None:
    one = PathSpec(ANCHORS, interp="slerp")
    two = PathSpec(ANCHORS.tolist(), interp="slerp")
    assert one == two and hash(one) == hash(two)
    np.testing.assert_array_equal(one.anchor_array, ANCHORS)


def test_sample_path_at_matches_the_frames() -> None:
    spec = PathSpec(ANCHORS, interp="spline", frames_per_segment=5, easing="cosine")
    np.testing.assert_allclose(
        sample_path_at(spec, frame_params(spec)), sample_path(spec), atol=1e-6
    )
    np.testing.assert_array_equal(sample_path_at(spec, [0.0, 1 / 3, 1.0]), ANCHORS[[0, 1, 3]])


def test_even_speed_params_even_out_the_steps() -> None:
    # A path whose visible change goes as p**3: slow at first, fast at the end.
    def change(p: np.ndarray) -> np.ndarray:
        return p**3

    uniform = np.linspace(0, 1, 201)
    steps = np.abs(np.diff(change(uniform)))
    params = even_speed_params(steps, 21)
    assert params[0] == 0.0 and params[-1] == 1.0 and np.all(np.diff(params) > 0)
    new_steps = np.abs(np.diff(change(params)))
    assert new_steps.max() / new_steps.min() < 1.1
    old_steps = np.abs(np.diff(change(np.linspace(0, 1, 21))))
    assert old_steps.max() / old_steps.min() > 100


def test_even_speed_params_edge_cases() -> None:
    np.testing.assert_allclose(even_speed_params(np.zeros(5), 3), [0.0, 0.5, 1.0])
    np.testing.assert_allclose(
        even_speed_params([1.0, 0.0, 1.0], 3, params=[0.0, 0.2, 0.8, 1.0]), [0.0, 0.5, 1.0]
    )
    with pytest.raises(LatentExplorerError):
        even_speed_params([-1.0], 3)
    with pytest.raises(LatentExplorerError):
        even_speed_params([1.0, 1.0], 3, params=[0.0, 1.0])
