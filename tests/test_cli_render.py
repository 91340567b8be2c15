"""``latent-explorer render`` end to end on the built-in digits and the bundled demo model."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from latent_explorer.cli.render import add_render_parser, cmd_render
from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.models import DEMO_MODEL_PATH
from tests.core.test_export_video import probe_video

needs_demo = pytest.mark.skipif(
    not DEMO_MODEL_PATH.is_file(),
    reason=f"the bundled demo model ({DEMO_MODEL_PATH}) has not been built yet",
)


def _wired() -> bool:
    from latent_explorer import cli

    parser = cli.build_parser()
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return any("render" in action.choices for action in subs)


def run_cli(argv: list[str]) -> int:
    """``latent_explorer.cli.main(argv)``; until ``render`` is wired in there, the same
    parser and error handling built from :func:`add_render_parser` / :func:`cmd_render`."""
    from latent_explorer import cli

    if _wired():
        return cli.main(argv)
    parser = argparse.ArgumentParser(prog="latent-explorer")
    add_render_parser(parser.add_subparsers(dest="command"))
    try:
        return cmd_render(parser.parse_args(argv))
    except LatentExplorerError as exc:
        print(f"latent-explorer: error: {exc}", file=sys.stderr)
        return 2


@needs_demo
def test_render_mp4_with_sheet_and_saved_path(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "walk.mp4"
    saved = tmp_path / "walk.json"
    code = run_cli(["render", "--dataset", "digits", "--model", "demo", "--anchors", "12,345,7",
                    "--frames", "45", "--fps", "15", "--interp", "slerp", "--loop",
                    "--size", "64", "--sheet", "6", "--save-path", str(saved),
                    "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    assert re.search(r"rendered 45 frames .* of 64x64 in [\d.]+ s", printed), printed
    assert str(out) in printed
    frames, size, fps = probe_video(out)
    assert len(frames) == 45 and size == (64, 64) and fps == pytest.approx(15)
    sheet = tmp_path / "walk_sheet.png"
    assert sheet.is_file()
    spec = json.loads(saved.read_text())
    assert [a["index"] for a in spec["anchors"]] == [12, 345, 7]
    assert spec["dataset"] == "digits" and spec["model"] == "demo"
    assert spec["path"]["loop"] is True and spec["path"]["frames"] == 45

    # Render the saved path again as a GIF, overriding the frame count and size.
    gif = tmp_path / "again.gif"
    assert run_cli(["render", "--path-file", str(saved), "--frames", "20", "--size", "32",
                    "--out", str(gif)]) == 0
    from PIL import Image

    with Image.open(gif) as image:
        assert image.n_frames == 20 and image.size == (32, 32)


@needs_demo
def test_render_from_anchors_file_to_png_frames(tmp_path: Path) -> None:
    from latent_explorer.core.models import load_model

    dim = load_model("demo").latent_dim
    rng = np.random.default_rng(0)
    latents = tmp_path / "latents.csv"
    np.savetxt(latents, rng.standard_normal((2, dim)), delimiter=",")
    out = tmp_path / "frames"
    assert run_cli(["render", "--anchors-file", str(latents), "--frames", "6", "--pingpong",
                    "--hold", "1", "--easing", "ease-in-out", "--scale", "smooth",
                    "--size", "40", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [f"frames_{i:04d}.png" for i in range(1, 7)]


@needs_demo
@pytest.mark.parametrize(("args", "message"), [
    (["--anchors", "1,99999"], "out of range"),
    (["--anchors", "1,x"], "comma-separated"),
    (["--anchors", "1,2", "--loop", "--pingpong"], "not both"),
    (["--anchors", "1,2", "--frames", "1"], "too few"),
    (["--anchors", "1,2", "--out", "{tmp}/walk.avi"], "unknown export format"),
    (["--path-file", "{tmp}/missing.json"], "no such file"),
    (["--anchors-file", "{tmp}/bad.npy"], "latents of 3 values"),
    ([], "needs anchors"),
])
def test_user_errors_exit_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          args: list[str], message: str) -> None:
    np.save(tmp_path / "bad.npy", np.zeros((2, 3), np.float32))
    argv = ["render", *[a.format(tmp=tmp_path) for a in args]]
    if "--out" not in argv:
        argv += ["--out", str(tmp_path / "walk.mp4")]
    assert run_cli(argv) == 2
    error = capsys.readouterr().err.strip()
    assert message in error and "Traceback" not in error
    assert not (tmp_path / "walk.mp4").exists()
