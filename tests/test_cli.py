"""The command line end to end on the built-in digits and the bundled demo model."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from latent_explorer.cli import build_parser, main
from tests.conftest import MNIST_DIR, MNIST_SKIP


def test_info_describes_dataset_and_model(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "--dataset", "digits", "--model", "demo"]) == 0
    out = capsys.readouterr().out
    assert "1,797 of 8x8" in out and "latent   8 values" in out
    assert "the model can encode this dataset" in out


def test_encode_writes_latents_and_uses_the_cache(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "z.npy"
    assert main(["encode", "--out", str(out)]) == 0
    latents = np.load(out)
    assert latents.shape == (1797, 8) and np.isfinite(latents).all()
    assert main(["encode"]) == 0
    assert "Latents read from the cache" in capsys.readouterr().err


def test_project_writes_a_csv_map(tmp_path: Path) -> None:
    out = tmp_path / "map.csv"
    assert main(["project", "--method", "pca", "--dims", "3", "--out", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "index,label,x,y,z" and len(lines) == 1798
    assert lines[1].split(",")[1] == "0"


def test_decode_writes_the_decoded_image(tmp_path: Path) -> None:
    from latent_explorer.core.compute.decoder import decode_one
    from latent_explorer.core.models import load_model

    out = tmp_path / "digit.png"
    latent = "0.5,-1,0,0.25,0,0,0,0.2"
    assert main(["decode", "--model", "demo", "--latent", latent, "--scale", "4",
                 "--out", str(out)]) == 0
    image = np.asarray(Image.open(out))
    assert image.shape == (32, 32)
    expected = decode_one(load_model("demo"), np.array(latent.split(","), dtype=np.float32))
    np.testing.assert_array_equal(image[::4, ::4], expected[:, :, 0])


@pytest.mark.parametrize(("argv", "message"), [
    (["decode", "--latent", "1,2", "--out", "x.png"], "has 2 values but"),
    (["decode", "--latent", "a,b", "--out", "x.png"], "comma-separated numbers"),
    (["info", "--dataset", "no/such/file.npz"], "no/such/file.npz"),
    (["info", "--model", "no/such/model.json"], "no/such/model.json"),
])
def test_user_errors_are_one_line_without_traceback(
        argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert err.startswith("latent-explorer: error:")


def test_truncated_dataset_names_the_file(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "t10k-images-idx3-ubyte"
    header = b"\x00\x00\x08\x03" + (10).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
    broken.write_bytes(header + b"\x00" * 100)
    assert main(["info", "--dataset", str(broken)]) == 2
    err = capsys.readouterr().err
    assert str(broken) in err and "truncated" in err


def test_train_then_use_the_model(tmp_path: Path) -> None:
    out = tmp_path / "vae"
    assert main(["train", "--dataset", "digits", "--latent-dim", "4", "--hidden", "32",
                 "--epochs", "2", "--out", str(out)]) == 0
    assert (out / "model.json").exists() and (out / "model.safetensors").exists()
    assert main(["encode", "--model", str(out / "model.json")]) == 0


def test_every_subcommand_has_help() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, subparser in sub.choices.items():  # type: ignore[union-attr]
        text = subparser.format_help()
        assert len(text) > 200, name


@pytest.mark.skipif(not MNIST_DIR.exists(), reason=MNIST_SKIP)
def test_train_and_encode_real_mnist(tmp_path: Path) -> None:
    images = MNIST_DIR / "t10k-images-idx3-ubyte.gz"
    out = tmp_path / "mnist-vae"
    assert main(["train", "--dataset", str(images), "--latent-dim", "8", "--epochs", "1",
                 "--out", str(out)]) == 0
    target = tmp_path / "z.npy"
    assert main(["encode", "--dataset", str(images), "--model", str(out), "--out",
                 str(target)]) == 0
    assert np.load(target).shape == (10_000, 8)


def test_bench_prints_its_keys_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["bench", "--quick", "--only", "render", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for key in ("machine", "render_mp4_300x512_s", "render_decode_fps", "render_gif_300x512_s"):
        assert key in result
    assert result["render_mp4_300x512_s"] > 0


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is POSIX")
def test_bench_startup_times_the_start_and_the_quit(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["bench", "--quick", "--only", "startup", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for key in ("window_visible_s", "first_decode_visible_s", "quit_on_sigterm_s",
                "quit_on_sigterm_looking_s"):
        assert result[key] > 0, key


def test_bench_gl_without_opengl_says_why(capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from latent_explorer.qt import gl_support

    monkeypatch.setenv("LATENT_EXPLORER_NO_GL", "1")
    monkeypatch.setattr(gl_support, "_cache", None)
    assert main(["bench", "--quick", "--only", "gl", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["gl_renderer"].startswith("not measured: it was turned off")
    assert "gl_frame_ms_100k" not in result
