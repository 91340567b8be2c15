"""Trust is given to one file (its path and content) for one opening, never to another."""

from __future__ import annotations

from pathlib import Path

import pytest

from latent_explorer.core.errors import ModelError
from latent_explorer.core.models import TrustGrant, load_model, trust_for, write_model_card
from latent_explorer.core.models.card import ModelOptions

ADAPTER = """
import torch
LATENT_SHAPE = (2,)
OUTPUT_RANGE = "0,1"

class Decoder(torch.nn.Module):
    def decode(self, z):
        return torch.sigmoid(z.sum(dim=1, keepdim=True)).expand(-1, 16).reshape(-1, 4, 4)

def load(checkpoint_dir):
    return Decoder()
"""


def write_adapter(folder: Path, name: str) -> tuple[Path, Path]:
    """An adapter file that leaves a marker file when its code runs."""
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / f"{name}.ran"
    adapter = folder / f"{name}.py"
    adapter.write_text(f"open({str(marker)!r}, 'w').close()\n" + ADAPTER)
    return adapter, marker


def test_a_grant_opens_its_own_file_and_no_other(tmp_path: Path) -> None:
    trusted, trusted_ran = write_adapter(tmp_path, "trusted")
    other, other_ran = write_adapter(tmp_path, "other")
    grant = TrustGrant.for_file(trusted)
    load_model(str(trusted), trust_code=grant)
    assert trusted_ran.exists()
    with pytest.raises(ModelError, match=r"other\.py: is a Python adapter file: opening it runs"):
        load_model(str(other), trust_code=grant)
    assert not other_ran.exists()


def test_a_grant_does_not_cover_the_file_once_changed(tmp_path: Path) -> None:
    adapter, marker = write_adapter(tmp_path, "adapter")
    grant = TrustGrant.for_file(adapter)
    adapter.write_text(adapter.read_text() + "\n# changed\n")
    with pytest.raises(ModelError, match="has changed since you trusted it"):
        load_model(str(adapter), trust_code=grant)
    assert not marker.exists()


def test_a_grant_by_another_name_of_the_same_file_covers_it(tmp_path: Path) -> None:
    adapter, marker = write_adapter(tmp_path / "real", "adapter")
    link = tmp_path / "link.py"
    link.symlink_to(adapter)
    load_model(str(link), trust_code=TrustGrant.for_file(adapter))
    assert marker.exists()


def test_trust_for_a_card_covers_the_file_it_points_at(tmp_path: Path) -> None:
    adapter, marker = write_adapter(tmp_path, "adapter")
    card = write_model_card(tmp_path / "card.json", "adapter", adapter,
                            ModelOptions(latent_shape=(2,)))
    grant = trust_for(str(card))
    assert grant is not None and grant.path == adapter.resolve()
    load_model(str(card), trust_code=grant)
    assert marker.exists()
    assert trust_for("demo") is None


def test_cli_trust_code_trusts_only_the_model_it_names(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from latent_explorer.cli.main import main

    trusted, trusted_ran = write_adapter(tmp_path, "trusted")
    other, other_ran = write_adapter(tmp_path, "other")
    assert main(["decode", "--model", str(trusted), "--trust-code", "--latent", "0,0",
                 "--out", str(tmp_path / "a.png")]) == 0
    assert trusted_ran.exists()
    assert main(["decode", "--model", str(other), "--latent", "0,0",
                 "--out", str(tmp_path / "b.png")]) == 2
    assert not other_ran.exists()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "other.py" in err and "--trust-code" in err
