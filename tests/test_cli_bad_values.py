"""A sweep of bad values over every subcommand: each is refused before any work, in one line.

Every case runs the real command line in this process and must end with exit status 2 and
exactly one line on stderr: no traceback, no progress bar (that would mean work had started),
no usage text. The cases come from trying every option with zero, negative, NaN, infinite,
absurdly large and wrongly named values; each was a traceback, a silent acceptance, or
unbounded work before.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from latent_explorer.cli import main

LATENT = "--latent=0,0,0,0,0,0,0,0"
BIG = "100000000000000000000"

PARSE_TIME = [
    # train
    ["train", "--out", "m", "--epochs", "0"], ["train", "--out", "m", "--epochs", "-1"],
    ["train", "--out", "m", "--epochs", "1000000000000"],
    ["train", "--out", "m", "--batch-size", "0"], ["train", "--out", "m", "--batch-size", "-4"],
    ["train", "--out", "m", "--lr", "nan"], ["train", "--out", "m", "--lr", "-1"],
    ["train", "--out", "m", "--lr", "inf"], ["train", "--out", "m", "--lr", "0"],
    ["train", "--out", "m", "--seed", "-1"], ["train", "--out", "m", "--seed", BIG],
    ["train", "--out", "m", "--latent-dim", "0"],
    # decode
    ["decode", LATENT, "--out", "d.png", "--scale", "0"],
    ["decode", LATENT, "--out", "d.png", "--scale", "-1"],
    ["decode", LATENT, "--out", "d.png", "--label", "-1"],
    ["decode", "--seed", "-1", "--out", "d.png"], ["decode", "--seed", BIG, "--out", "d.png"],
    ["decode", "--seed", "1", "--psi", "nan", "--out", "d.png"],
    # project
    ["project", "--neighbors", "0"], ["project", "--neighbors", "-5"],
    ["project", "--min-dist", "-1"], ["project", "--min-dist", "nan"],
    ["project", "--perplexity", "0"], ["project", "--perplexity", "nan"],
    ["project", "--perplexity", "inf"], ["project", "--seed", "-1"],
    # encode-distributed
    *[["encode-distributed", "--dataset", "digits", "--model", "demo", "--out", "s.zarr",
       option, value] for option, value in (("--workers", "0"), ("--workers", "-1"),
                                            ("--workers", "100000"), ("--chunk", "0"),
                                            ("--threads-per-worker", "0"))],
    # cache
    ["cache", "--limit", "1e400G"], ["cache", "--limit", "99999999999999999999999999T"],
    ["cache", "--limit", "-1"], ["cache", "--limit", "nan"],
    # atlas
    ["atlas", "--out", "a.png", "--grid", "0"], ["atlas", "--out", "a.png", "--grid", "1000"],
    ["atlas", "--out", "a.png", "--margin", "-1"], ["atlas", "--out", "a.png", "--margin", "nan"],
    ["atlas", "--out", "a.png", "--margin", "inf"],
    ["atlas", "--out", "a.png", "--margin", "1e30"],
    ["atlas", "--out", "a.png", "--label", "-1"],
    # render
    *[["render", "--anchors", "1,2", "--out", "r.gif", option, value] for option, value in (
        ("--frames", "0"), ("--frames", "100000000"), ("--hold", "-1"), ("--fps", "0"),
        ("--fps", "nan"), ("--fps", "1e-300"), ("--fps", "0.001"), ("--size", "0"),
        ("--size", "100000"), ("--crf", "-1"), ("--crf", "1000"), ("--sheet", "-1"),
        ("--sheet", "100000000"), ("--label", "-1"), ("--psi", "inf"))],
    # gui, info
    ["gui", "--size", "0x0", "--screenshot", "s.png"], ["gui", "--size", "abc"],
    ["gui", "--size", "100000x100000", "--screenshot", "s.png"],
    ["info", "--image-size", "0"],
    ["info", "--no-such-option"],
]

BEFORE_WORK = [  # (the command, what its one line must say)
    (["info", "--latent-shape", "0"], "a latent shape needs positive sizes"),
    (["gui", "--screenshot", "s.xyz"], "s.xyz: --screenshot writes a PNG image; name it .png"),
    # decode: the output's name and size before the model decodes anything
    (["decode", LATENT, "--out", "d.png", "--scale", "100000"],
     "enlarged 100000 times the image would be 800000x800000 pixels"),
    (["decode", LATENT, "--out", "d.xyz"], "cannot write a .xyz image"),
    (["decode", LATENT, "--out", "noname"], "cannot write a suffix-less image"),
    (["decode", LATENT, "--out", "{tmp}"], "is a folder"),
    (["decode", LATENT, "--out", "d.png", "--label", "0"], "is not conditional"),
    (["decode", LATENT, "--out", "d.png", "--label", BIG], "is not conditional"),
    # atlas
    (["atlas", "--out", "a.xyz"], "cannot write a .xyz image"),
    (["atlas", "--out", "a.png", "--label", "0"], "is not conditional"),
    # project: the output's name and the sample count before encoding and fitting
    (["project", "--out", "p.xyz"], "write the map to a .csv or .npy file"),
    (["project", "--method", "umap", "--neighbors", "100000000000"],
     "the map has 1,797 samples; give 2 to 1,796"),
    (["project", "--method", "tsne", "--perplexity", "1e9"], "the map has 1,797 samples"),
    # render
    (["render", "--anchors-file", "{tmp}/empty.txt", "--out", "r.gif"], "empty.txt: is empty"),
    (["render", "--anchors-file", "{tmp}/empty.npy", "--out", "r.gif"], "empty.npy: is empty"),
    (["render", "--anchors-file", "{tmp}/cut.npy", "--out", "r.gif"],
     "cut.npy: cannot be read as latent vectors"),
    (["render", "--anchors", "-1,2", "--out", "r.gif"], "-1 is out of range"),
    # seeds: counted before the list is spelled out, before the model opens
    (["render", "--seeds", "0-4294967295", "--out", "r.gif"], "4,294,967,296 seeds"),
    (["render", "--seeds", "5-1", "--out", "r.gif"], "5-1 is an empty range"),
    (["render", "--anchors", "1,2", "--frames", "1000000", "--size", "8192", "--out", "r.gif"],
     "r.gif: 1,000,000 frames of 8192x8192 would need"),
    (["render", "--anchors", "1,2", "--crf", "60", "--out", "r.mp4"], "takes a quality of 0"),
    (["render", "--path-file", "{tmp}/slow.json", "--out", "r.gif"],  # its fps: 1e-300
     "1e-300 frames per second"),
    # train: sizes that cannot fit, before building anything
    (["train", "--out", "{tmp}/m", "--hidden", "1000000000"], "hidden sizes [1000000000]"),
    (["train", "--out", "{tmp}/m", "--latent-dim", "100000000"], "100000000 latent values"),
    # encode-distributed: more workers than memory holds, before starting a cluster
    (["encode-distributed", "--dataset", "digits", "--model", "demo", "--out", "{tmp}/s.zarr",
      "--workers", "4096"], "4,096 worker processes"),
]


@pytest.fixture
def no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tripwires on the work itself: a check that comes too late (or is switched off) fails
    the test at once, instead of decoding a million frames or starting 4,096 processes."""
    import dask.distributed

    import latent_explorer.core.compute.atlas as atlas
    import latent_explorer.core.compute.decoder as decoder
    import latent_explorer.core.compute.pipeline as pipeline
    import latent_explorer.core.export.render as render
    import latent_explorer.core.models.base as models_base
    import latent_explorer.core.models.training as training
    import latent_explorer.qt.app as app

    def started(*args: object, **kwargs: object) -> None:
        raise AssertionError("the work started before the bad value was refused")

    for module, name in ((render, "FrameStream"), (decoder, "decode_one"),
                         (atlas, "decode_level"), (pipeline, "encode_cached"),
                         (pipeline, "project_cached"), (training, "build_vae"),
                         (models_base, "draw_latents"), (app, "run_app"),
                         (dask.distributed, "LocalCluster")):
        monkeypatch.setattr(module, name, started)


def _prepare(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "empty.npy").write_bytes(b"")
    np.save(tmp_path / "cut.npy", np.zeros((4, 8), np.float32))
    from latent_explorer.core.export.path_file import PathFile, save_path_file

    save_path_file(tmp_path / "slow.json", PathFile(anchors=np.eye(2, 8, dtype=np.float32),
                                                    frames=3, fps=1e-300))
    (tmp_path / "cut.npy").write_bytes((tmp_path / "cut.npy").read_bytes()[:100])


def _refused(argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
             monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    _prepare(tmp_path)
    words = [word.replace("{tmp}", str(tmp_path)) for word in argv]
    try:
        status = main(words)
    except SystemExit as exit_:
        status = exit_.code
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert status == 2, (words, status, err)
    assert len(lines) == 1, (words, err)
    assert "Traceback" not in err and "error:" in lines[0], (words, err)
    assert not list(tmp_path.glob("m*")) and not list(tmp_path.glob("[dapr].*")), \
        sorted(p.name for p in tmp_path.iterdir())
    return lines[0]


@pytest.mark.parametrize("argv", PARSE_TIME, ids=" ".join)
def test_a_bad_value_is_refused_while_the_arguments_are_read(
        argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    line = _refused(argv, tmp_path, capsys, monkeypatch)
    assert "(see latent-explorer" in line  # where the usage is, instead of printing it


@pytest.mark.parametrize(("argv", "says"), BEFORE_WORK, ids=[" ".join(a) for a, _ in BEFORE_WORK])
@pytest.mark.usefixtures("no_work")
def test_a_bad_value_is_refused_before_any_work(
        argv: list[str], says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    line = _refused(argv, tmp_path, capsys, monkeypatch)
    assert line.startswith("latent-explorer: error: ") and says in line, line


def test_the_readme_gives_the_number_of_cases() -> None:
    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| Bad values for every"))
    assert f"| {len(PARSE_TIME) + len(BEFORE_WORK)} cases per run |" in row
