"""The trust gate attacked as a hostile file's author would (issue 23, section 1).

Each attack file leaves a marker when its code runs; every test asserts on the marker, so a
gate switched off fails here. The routes of the window, the command line and the Python API
are driven in ``tests/qt/test_trust_attacks_window.py``, ``tests/test_cli_trust.py`` and
``tests/api/test_trust_api.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from latent_explorer.core.errors import ModelError
from latent_explorer.core.models import (
    ModelOptions,
    TrustGrant,
    load_model,
    trust_for,
    write_model_card,
)
from latent_explorer.core.models import trust as trust_module
from latent_explorer.core.models.detect import ModelKind, detect_model
from latent_explorer.core.models.preview import preview_model
from latent_explorer.core.models.trust import TrustChanged
from tests.core.test_models_fit import save_beside_checkpoint
from tests.core.trust_attacks import (
    ADAPTER,
    pickle_that_writes,
    planted_pyc,
    swap_after_hash,
    torchscript_that_writes,
    touching,
)


# --- TorchScript is code ------------------------------------------------------------------
def test_a_torchscript_archive_is_detected_without_running_it(tmp_path: Path) -> None:
    marker = tmp_path / "written-by-torchscript"
    archive = torchscript_that_writes(tmp_path / "G.pt", marker)
    card = write_model_card(tmp_path / "G.json", "torchscript", archive,
                            ModelOptions(latent_shape=(6,)))
    for spec in (archive, card):
        detection = detect_model(spec)
        assert detection.model_kind is ModelKind.TORCHSCRIPT and detection.runs_code
    assert "only if you trust it" in detect_model(archive).summary
    assert not marker.exists()


def test_a_torchscript_archive_opens_only_with_trust_in_that_file(tmp_path: Path) -> None:
    marker = tmp_path / "written-by-torchscript"
    archive = torchscript_that_writes(tmp_path / "G.pt", marker)
    card = write_model_card(tmp_path / "G.json", "torchscript", archive,
                            ModelOptions(latent_shape=(6,)))
    other = tmp_path / "other.py"
    other.write_text(ADAPTER)
    for spec in (archive, card):
        for trust in (False, TrustGrant.for_file(other)):
            with pytest.raises(ModelError, match=r"G\.pt: is a TorchScript archive: opening it "
                                                 r"runs its code"):
                load_model(spec, trust_code=trust)
    with pytest.raises(ModelError, match="TorchScript archive"):
        preview_model(detect_model(archive), ModelOptions(latent_shape=(6,)))
    assert not marker.exists()
    model = load_model(card, trust_code=trust_for(card))  # the user's yes for that file
    assert marker.exists()
    assert model.decode(np.zeros((1, 6), np.float32)).shape == (1, 4, 4, 1)


def test_a_torchscript_archive_changed_after_the_yes_is_asked_about_again(
        tmp_path: Path) -> None:
    archive = torchscript_that_writes(tmp_path / "G.pt", tmp_path / "first")
    grant = trust_for(archive)
    torchscript_that_writes(archive, tmp_path / "second")
    with pytest.raises(TrustChanged, match=r"G\.pt: is a TorchScript archive and has changed "
                                           "since you trusted it"):
        load_model(archive, trust_code=grant)
    assert not (tmp_path / "first").exists() and not (tmp_path / "second").exists()


# --- the bytes that run are the bytes that were hashed -------------------------------------
def test_a_planted_pyc_of_a_trusted_adapter_never_runs(tmp_path: Path) -> None:
    ran_source, ran_cached = tmp_path / "ran-by-source", tmp_path / "ran-by-cached"
    adapter = tmp_path / "adapter.py"
    adapter.write_text(touching(ran_source) + ADAPTER)
    planted_pyc(adapter, touching(ran_cached) + ADAPTER)
    for trust in (TrustGrant.for_file(adapter), True):
        load_model(adapter, trust_code=trust)
        assert ran_source.exists() and not ran_cached.exists()
        ran_source.unlink()


def test_an_adapter_swapped_between_the_check_and_the_load_never_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ran, swapped_in = tmp_path / "ran-trusted", tmp_path / "ran-swapped"
    adapter = tmp_path / "adapter.py"
    adapter.write_text(touching(ran) + ADAPTER)
    grant = TrustGrant.for_file(adapter)
    swapped = swap_after_hash(monkeypatch, trust_module, adapter,
                              (touching(swapped_in) + ADAPTER).encode())
    load_model(adapter, trust_code=grant)
    assert swapped and not swapped_in.exists()
    assert ran.exists()  # what was hashed is what ran


def test_a_pickle_swapped_between_the_check_and_the_load_is_never_unpickled(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "written-by-pickle"
    hostile = pickle_that_writes(tmp_path / "hostile.pt", marker).read_bytes()
    checkpoint = tmp_path / "whole.pt"
    torch.save(torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.Sigmoid()), checkpoint)
    grant = TrustGrant.for_file(checkpoint)
    swapped = swap_after_hash(monkeypatch, trust_module, checkpoint, hostile)
    model = load_model(checkpoint, trust_code=grant, latent_shape="3")
    assert swapped and not marker.exists()
    assert model.latent_shape == (3,)


# --- what a trusted file pulls in -----------------------------------------------------------
def _adapter_importing(folder: Path, module: str, marker: Path) -> Path:
    """An adapter importing ``module`` from beside it; the module leaves ``marker``."""
    folder.mkdir(parents=True, exist_ok=True)
    parts = module.split(".")
    for depth in range(1, len(parts)):
        package = folder.joinpath(*parts[:depth])
        package.mkdir(exist_ok=True)
        (package / "__init__.py").write_text("")
    folder.joinpath(*parts[:-1], f"{parts[-1]}.py").write_text(touching(marker) + "SCALE = 1\n")
    adapter = folder / "adapter.py"
    adapter.write_text(f"from {module} import SCALE\n" + ADAPTER)
    return adapter


@pytest.mark.parametrize("module", ["helper", "nets.blocks"])
def test_a_module_beside_a_trusted_adapter_changed_afterwards_asks_again(
        tmp_path: Path, module: str) -> None:
    first, second = tmp_path / "ran-first", tmp_path / "ran-second"
    adapter = _adapter_importing(tmp_path / "m", module, first)
    grant = trust_for(adapter)
    assert grant is not None and grant.covers(adapter)
    load_model(adapter, trust_code=grant)
    assert first.exists()
    first.unlink()
    source = tmp_path.joinpath("m", *module.split(".")).with_suffix(".py")
    source.write_text(touching(second) + "SCALE = 2\n")
    name = "/".join(module.split(".")) + ".py"
    with pytest.raises(TrustChanged, match=rf"{name}: has changed since you trusted "
                                           r"adapter\.py") as raised:
        load_model(adapter, trust_code=grant)
    assert "\n" not in str(raised.value) and raised.value.changed == source
    assert not grant.covers(adapter)
    assert not first.exists() and not second.exists()
    load_model(adapter, trust_code=trust_for(adapter))  # asked again, and the user said yes
    assert second.exists() and not first.exists()  # the new code, not the module loaded before


def test_a_new_or_removed_module_beside_a_trusted_adapter_asks_again(tmp_path: Path) -> None:
    adapter = _adapter_importing(tmp_path, "helper", tmp_path / "ran-helper")
    grant = trust_for(adapter)
    extra = tmp_path / "extra.py"
    extra.write_text(touching(tmp_path / "ran-extra"))
    with pytest.raises(TrustChanged, match=r"extra\.py: is new beside adapter\.py"):
        load_model(adapter, trust_code=grant)
    extra.unlink()
    (tmp_path / "helper.py").unlink()
    with pytest.raises(TrustChanged, match=r"helper\.py: was beside adapter\.py when you "
                                           "trusted it and is gone"):
        load_model(adapter, trust_code=grant)
    assert not (tmp_path / "ran-helper").exists() and not (tmp_path / "ran-extra").exists()


def test_modules_beside_run_from_the_bytes_that_were_checked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The module changes (and another appears) right after the check read them: the bytes
    read run, and the new file is refused, not imported."""
    first, second = tmp_path / "ran-first", tmp_path / "ran-second"
    adapter = _adapter_importing(tmp_path, "helper", first)
    adapter.write_text("try:\n    import late\nexcept ImportError:\n    pass\n"
                       + adapter.read_text())
    grant = trust_for(adapter)
    real = trust_module.read_code_beside

    def read_then_change(folder: Path, exclude: Path | None = None):  # type: ignore[no-untyped-def]
        code = real(folder, exclude)
        (tmp_path / "helper.py").write_text(touching(second) + "SCALE = 2\n")
        (tmp_path / "late.py").write_text(touching(tmp_path / "ran-late"))
        return code

    monkeypatch.setattr(trust_module, "read_code_beside", read_then_change)
    load_model(adapter, trust_code=grant)
    assert first.exists() and not second.exists() and not (tmp_path / "ran-late").exists()


def test_a_class_file_beside_a_trusted_pickle_changed_afterwards_asks_again(
        tmp_path: Path) -> None:
    name = f"beside_nets_{tmp_path.name}"
    path = save_beside_checkpoint(tmp_path / "ckpt", name)
    source = tmp_path / "ckpt" / f"{name}.py"
    grant = trust_for(path)
    source.write_text(touching(tmp_path / "ran-changed") + source.read_text())
    try:
        with pytest.raises(TrustChanged, match=rf"{name}\.py: has changed since you trusted "
                                               r"vae\.pt"):
            load_model(path, trust_code=grant)
        assert not (tmp_path / "ran-changed").exists() and name not in sys.modules
        assert load_model(path, trust_code=trust_for(path)).latent_shape == (5,)
        assert (tmp_path / "ran-changed").exists()  # the user said yes to the new code
    finally:
        sys.modules.pop(name, None)


def test_code_beside_a_torchscript_archive_is_no_part_of_its_trust(tmp_path: Path) -> None:
    archive = torchscript_that_writes(tmp_path / "G.pt", tmp_path / "written")
    grant = trust_for(archive)
    assert grant is not None and grant.beside is None  # TorchScript imports no Python
    (tmp_path / "notes.py").write_text("print('unrelated')\n")
    load_model(archive, trust_code=grant)
    assert (tmp_path / "written").exists()
