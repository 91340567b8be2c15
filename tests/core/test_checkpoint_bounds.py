"""A PyTorch checkpoint may not unpack to more memory than the machine allows.

``torch.save`` never compresses its zip's members, but torch inflates a deflated one whole: a
checkpoint of a few hundred kilobytes of deflated zeros became hundreds of megabytes (a few
megabytes, gigabytes). Each route that reads a checkpoint (load_model and the command line,
the Open Model dialog's detection, a state_dict beside a model.json, a known family's weights)
refuses it before torch reads it, in one line naming the file. Measured in a child process.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import torch

from tests.memory_probe import probe, stderr_lines

MiB = 1024**2
SMALL = {"LATENT_EXPLORER_MEMORY_LIMIT": "64M"}
SETUP = """
from latent_explorer.cli.main import main as _main
from latent_explorer.core.models import load_model
from latent_explorer.core.models.detect import detect_model
import torch
"""


def deflated_checkpoint(path: Path, values: int) -> Path:
    """A state_dict of ``values`` float32 zeros, its tensor data deflated (torch never does)."""
    plain = path.with_suffix(".plain")
    torch.save({"weight": torch.zeros(values)}, plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as out:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename)
            member.compress_type = (zipfile.ZIP_DEFLATED if "/data/" in info.filename
                                    else zipfile.ZIP_STORED)
            out.writestr(member, source.read(info.filename))
    plain.unlink()
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """256 MiB of tensors in a file of about 256 KB."""
    path = deflated_checkpoint(tmp_path_factory.mktemp("ckpt") / "vae.pt", 64 * MiB)
    assert path.stat().st_size < 1 * MiB
    return path


def test_the_command_line_refuses_it_in_one_line_before_reading(bomb: Path,
                                                                tmp_path: Path) -> None:
    result = probe(SETUP, f"_outcome['value'] = _main(['info', '--model', {str(bomb)!r}])\n"
                          "sys.stderr.flush()", tmp_path, env=SMALL)
    lines = stderr_lines(result)
    assert result.value == 2 and len(lines) == 1, result.stderr
    assert lines[0].startswith(f"latent-explorer: error: {bomb}: its 1 compressed member, "
                               "unpacked as its zip declares"), lines[0]
    assert "256.0 MiB" in lines[0] and "refused before reading it" in lines[0], lines[0]
    assert result.growth < 48 * MiB, f"refusing took {result.growth_mb:.0f} MB"


@pytest.mark.parametrize("route", [
    "load_model(path)",
    "_outcome['value'] = detect_model(path).problem",
    "from latent_explorer.core.models.vae_io import read_state_dict\nread_state_dict(path)",
    "from latent_explorer.core.models.families.tensors import read_state\nread_state(path)",
])
def test_every_route_refuses_it_before_torch_reads_it(bomb: Path, tmp_path: Path,
                                                      route: str) -> None:
    result = probe(SETUP, f"path = __import__('pathlib').Path({str(bomb)!r})\n{route}",
                   tmp_path, env=SMALL)
    said = result.value if result.error is None else result.message
    assert isinstance(said, str) and said.startswith(f"{bomb}: its 1 compressed member"), \
        result.traceback or said
    assert result.growth < 48 * MiB, f"refusing took {result.growth_mb:.0f} MB"


def test_a_plain_checkpoint_of_the_same_size_is_no_concern(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """What torch.save writes (stored members) is bounded by its own bytes: not refused."""
    from latent_explorer.core.models.detect import detect_model

    path = tmp_path / "plain.pt"
    torch.save({"weight": torch.zeros(1024)}, path)
    monkeypatch.setenv("LATENT_EXPLORER_MEMORY_LIMIT", "1K")
    assert "compressed" not in (detect_model(path).problem or "")
