"""A StyleGAN snapshot is bounded by the same memory budget as every other file: a container's
limit, ``ulimit -v`` and ``LATENT_EXPLORER_MEMORY_LIMIT`` count, and the refusal comes before
the file (or its network's tensors) is read. Measured in a child process, on the command line
and from Python."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.stylegan_files import sg2_tree, write_snapshot
from tests.memory_probe import probe, stderr_lines

MiB = 1024**2
CLI = """
from latent_explorer.cli.main import main as _main
import torch
import latent_explorer.core.models.families.stylegan.reader
"""
"""The imports done before the child's memory is measured."""


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A StyleGAN2 snapshot of about 10 MB holding G_ema alone (nearly all of it tensors)."""
    tree = sg2_tree(z_dim=64, w_dim=64, resolution=32, channel_base=4096, channel_max=256,
                    mapping_layers=2)
    path = write_snapshot(tmp_path_factory.mktemp("sg") / "network-snapshot-000400.pkl", tree,
                          contents={"G_ema": tree})
    assert 8 * MiB < path.stat().st_size < 64 * MiB
    return path


def test_a_snapshot_larger_than_the_budget_is_refused_before_it_is_read(
        snapshot: Path, tmp_path: Path) -> None:
    result = probe(CLI, f"_outcome['value'] = _main(['info', '--model', {str(snapshot)!r}])\n"
                        "sys.stderr.flush()", tmp_path, env={"LATENT_EXPLORER_MEMORY_LIMIT": "4M"})
    lines = stderr_lines(result)
    assert result.value == 2, result.stderr
    assert len(lines) == 1 and str(snapshot) in lines[0], result.stderr
    assert "needs more memory than is free (4.0 MiB (set by LATENT_EXPLORER_MEMORY_LIMIT)" \
        in lines[0] and "refused before reading it" in lines[0], lines[0]
    assert result.growth < snapshot.stat().st_size * 2 // 3, \
        f"refusing took {result.growth_mb:.0f} MB"


def test_a_network_whose_tensors_do_not_fit_twice_is_refused_before_they_are_read(
        snapshot: Path, tmp_path: Path) -> None:
    """The file fits, its generator's tensors and the network's copies of them do not."""
    limit = f"{snapshot.stat().st_size * 3 // 2 // 1024}K"
    result = probe(CLI + "\nfrom latent_explorer.core.models import load_model",
                   f"load_model({str(snapshot)!r})", tmp_path,
                   env={"LATENT_EXPLORER_MEMORY_LIMIT": limit})
    assert result.error == "ModelError", result.traceback or result.message
    assert "its G_ema holds" in result.message and "once the network is built" in \
        result.message and "set by LATENT_EXPLORER_MEMORY_LIMIT" in result.message
    assert "\n" not in result.message
    # the file was read and unpickled (twice its size), no tensor was: the network would
    # have added as much again
    assert result.growth < snapshot.stat().st_size * 3, f"took {result.growth_mb:.0f} MB"


def test_with_room_the_same_snapshot_opens(snapshot: Path, tmp_path: Path) -> None:
    result = probe(CLI + "\nfrom latent_explorer.core.models import load_model",
                   f"_outcome['value'] = load_model({str(snapshot)!r}).latent_dim", tmp_path,
                   env={"LATENT_EXPLORER_MEMORY_LIMIT": "1G"})
    assert result.error is None and result.value == 64, result.traceback
