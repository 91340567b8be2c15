"""Reference checks: moved, changed, unreadable and untrusted dataset/model files."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from latent_explorer.core.datasets import load_dataset
from latent_explorer.core.session.data import DatasetRef, ModelRef, SessionData
from latent_explorer.core.session.references import Problem, check_references, relocate

DIGITS_FINGERPRINT = "bbe74ba6220adbe5995dc1c231e80955"


class _FakeModel:
    def __init__(self, fingerprint: str) -> None:
        self._fingerprint = fingerprint

    def fingerprint(self) -> str:
        return self._fingerprint


def _images(path: Path, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    np.save(path, rng.integers(0, 255, (6, 4, 4), dtype=np.uint8))
    return path


def test_builtins_with_matching_hashes_have_no_problems() -> None:
    session = SessionData(dataset=DatasetRef("digits", None, DIGITS_FINGERPRINT),
                          model=ModelRef("demo", False, "m" * 32))
    assert check_references(session, model=_FakeModel("m" * 32)) == []  # type: ignore[arg-type]


@pytest.mark.slow
def test_builtin_demo_model_is_opened_and_hashed() -> None:
    from latent_explorer.core.models import load_model

    good = load_model("demo").fingerprint()
    session = SessionData(model=ModelRef("demo", False, good))
    assert check_references(session) == []
    changed = SessionData(model=ModelRef("demo", False, "0" * 32))
    assert [p.status for p in check_references(changed)] == ["changed"]


def test_builtin_dataset_with_other_hash_is_changed() -> None:
    session = SessionData(dataset=DatasetRef("digits", None, "0" * 32))
    problems = check_references(session, model=_FakeModel(""))  # type: ignore[arg-type]
    assert problems == [Problem("dataset", "digits", "changed", problems[0].message)]
    assert "has changed" in problems[0].message


def test_missing_and_changed_files(tmp_path: Path) -> None:
    images = _images(tmp_path / "images.npy")
    fingerprint = load_dataset(str(images)).fingerprint()
    session = SessionData(dataset=DatasetRef(str(images), None, fingerprint),
                          model=ModelRef(str(tmp_path / "gone.pt")))
    problems = check_references(session)
    assert [(p.kind, p.status) for p in problems] == [("model", "missing")]
    _images(images, seed=1)
    problems = check_references(session, model=_FakeModel(""))  # type: ignore[arg-type]
    assert [(p.kind, p.status) for p in problems] == [("dataset", "changed")]
    images.unlink()
    problems = check_references(session, model=_FakeModel(""))  # type: ignore[arg-type]
    assert [(p.kind, p.status) for p in problems] == [("dataset", "missing")]


def test_missing_labels_file_and_unreadable_dataset(tmp_path: Path) -> None:
    images = _images(tmp_path / "images.npy")
    session = SessionData(dataset=DatasetRef(str(images), str(tmp_path / "labels.npy")))
    problems = check_references(session, model=_FakeModel(""))  # type: ignore[arg-type]
    assert [(p.kind, p.status) for p in problems] == [("labels", "missing")]
    images.write_bytes(b"\x93NUMPY broken")
    session = SessionData(dataset=DatasetRef(str(images)))
    problems = check_references(session, model=_FakeModel(""))  # type: ignore[arg-type]
    assert [(p.kind, p.status) for p in problems] == [("dataset", "unreadable")]


def test_code_files_are_not_run_to_check_them(tmp_path: Path) -> None:
    adapter = tmp_path / "adapter.py"
    marker = tmp_path / "ran"
    adapter.write_text(f"open({str(marker)!r}, 'w').close()\n")
    session = SessionData(model=ModelRef(str(adapter), True, "x" * 32))
    problems = check_references(session, dataset=load_dataset("digits"))
    assert [(p.kind, p.status) for p in problems] == [("model", "unverified")]
    assert not marker.exists()


def test_relocate_file_and_folder(tmp_path: Path) -> None:
    old = tmp_path / "old"
    old.mkdir()
    images = _images(old / "images.npy")
    labels = old / "sub" / "labels.npy"
    session = SessionData(
        dataset=DatasetRef(str(images), str(labels), load_dataset(str(images)).fingerprint()),
        model=ModelRef("demo"))
    new = tmp_path / "new"
    shutil.move(old, new)
    moved = relocate(session, old, new)
    assert moved.dataset.spec == str(new / "images.npy")
    assert moved.dataset.labels == str(new / "sub" / "labels.npy")
    assert moved.dataset.fingerprint == session.dataset.fingerprint
    assert moved.model.spec == "demo"
    assert session.dataset.spec == str(images)  # the original is untouched
    one = relocate(session, images, tmp_path / "x.npy")
    assert one.dataset.spec == str(tmp_path / "x.npy") and one.dataset.labels == str(labels)
    builtin = relocate(SessionData(), ".", tmp_path)
    assert (builtin.dataset.spec, builtin.model.spec) == ("digits", "demo")


def test_unknown_builtin_names_are_left_to_the_loader() -> None:
    session = SessionData(model=ModelRef("demo-unknown"))
    problems = check_references(session, dataset=load_dataset("digits"))
    assert [(p.kind, p.status) for p in problems] == [("model", "unreadable")]
    assert relocate(session, ".", "/elsewhere").model.spec == "demo-unknown"


def test_a_session_of_vectors_names_the_files_inside_its_spec(tmp_path: Path) -> None:
    """Issue 25: the ``vectors:{...}`` spec is no path; its files are what must exist."""
    from latent_explorer.core.compute.vectors_workspace import VectorsSpec
    from latent_explorer.core.session.references import session_files, vectors_in_memory

    z, table = tmp_path / "z.npy", tmp_path / "meta.csv"
    np.save(z, np.zeros((4, 2), np.float32))
    table.write_text("a\n1\n2\n3\n4\n")
    spec = VectorsSpec(str(z), None, str(table)).to_spec()
    session = SessionData(dataset=DatasetRef(str(z)), model=ModelRef(spec))
    assert session_files(session) == [("dataset", str(z)), ("vectors file", str(z)),
                                      ("vectors file", str(table))]
    assert check_references(session) == [] and not vectors_in_memory(session)
    table.unlink()
    assert [p.spec for p in check_references(session)] == [str(table)]
    in_memory = SessionData(dataset=DatasetRef(""), model=ModelRef(VectorsSpec(None).to_spec()))
    assert vectors_in_memory(in_memory) and session_files(in_memory) == []
