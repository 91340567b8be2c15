"""A StyleGAN snapshot is read as data: the globals it names are allowed one by one, nothing in
it runs, and memory is bounded by what it declares before anything is read."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from latent_explorer.core.errors import ModelError
from latent_explorer.core.models.families.stylegan import reader, storages
from latent_explorer.core.models.families.stylegan.reader import (
    is_snapshot,
    materialise,
    pickled_globals,
    read_snapshot,
)
from latent_explorer.core.models.families.stylegan.records import PersistentObject
from tests.core.stylegan_facts import NAMES, needs_reference, reference_tree, structure
from tests.core.stylegan_files import (
    attack_source,
    discriminator,
    sg2_tree,
    write_forbidden_global,
    write_snapshot,
)


def _small() -> PersistentObject:
    return sg2_tree(z_dim=8, w_dim=8, resolution=8, channel_base=64, channel_max=8,
                    mapping_layers=2)


def _same_tree(got: PersistentObject, want: PersistentObject) -> None:
    assert got.class_name == want.class_name
    assert dict(got.init_kwargs) == dict(want.init_kwargs)
    got_tensors, want_tensors = dict(got.tensors()), dict(want.tensors())
    assert got_tensors.keys() == want_tensors.keys()
    for key, tensor in want_tensors.items():
        assert got_tensors[key].dtype == tensor.dtype, key
        assert torch.equal(got_tensors[key], tensor), key


@needs_reference
@pytest.mark.parametrize("name", NAMES)
def test_reference_snapshots_read_back_whole_with_the_globals_nvidia_writes(
        tmp_path: Path, name: str) -> None:
    tree = reference_tree(name)
    path = write_snapshot(tmp_path / "network-snapshot-000400.pkl", tree)
    facts = structure(name)
    # The test file names no global that NVIDIA's own snapshot of this network does not,
    # apart from EasyDict (our training_set_kwargs; theirs is None here).
    written = set(pickled_globals(path.read_bytes()))
    assert written - {"dnnlib.util.EasyDict"} <= set(facts["globals_in_pickle"])
    assert is_snapshot(path)
    snapshot = read_snapshot(path)
    assert snapshot.key == "G_ema"
    assert dict(snapshot.contents) == {"G": "Generator", "D": "Discriminator",
                                       "G_ema": "Generator", "augment_pipe": "AugmentPipe",
                                       "training_set_kwargs": "dict"}
    assert snapshot.network.source_chars > 0  # counted, the source itself is dropped
    _same_tree(materialise(snapshot), tree)


def test_older_files_read_the_same_numpy1_spellings_and_pickle_protocol_3(
        tmp_path: Path) -> None:
    tree = _small()
    new = write_snapshot(tmp_path / "new.pkl", tree)
    old = write_snapshot(tmp_path / "old.pkl", tree, numpy1=True, protocol=3)
    names = set(pickled_globals(old.read_bytes()))
    assert "numpy.core.multiarray.scalar" in names and "builtins.set" in names
    assert not any(n.startswith("numpy._core") for n in names)
    for path in (new, old):
        snapshot = read_snapshot(path)
        _same_tree(materialise(snapshot), tree)
        assert isinstance(snapshot.network.state["_non_persistent_buffers_set"], set)


def test_sg3_numpy_arrays_and_scalars_come_back_as_numpy(tmp_path: Path) -> None:
    tree = _small()
    state = dict(tree.state)
    state["size"] = np.array([36, 36])
    state["use_fp16"] = np.bool_(True)
    state["cutoff"] = np.float32(2.5)
    path = write_snapshot(tmp_path / "n.pkl", PersistentObject("Generator", state))
    names = set(pickled_globals(path.read_bytes()))
    assert {"numpy._core.multiarray._reconstruct", "numpy.ndarray"} <= names
    got = read_snapshot(path).network
    np.testing.assert_array_equal(got.attr("size"), [36, 36])
    assert got.attr("use_fp16") == np.True_ and got.attr("cutoff") == np.float32(2.5)


@pytest.mark.parametrize("how", ["os.system", "posix.system", "builtins.exec"])
def test_a_forbidden_global_is_refused_by_name_and_nothing_runs(tmp_path: Path,
                                                                how: str) -> None:
    target = tmp_path / "pwned.txt"
    path = write_forbidden_global(tmp_path / "net.pkl", _small(), target, how)
    names = pickled_globals(path.read_bytes())
    named = {"os.system": "os.system", "posix.system": "posix.system",
             "builtins.exec": "builtins.exec"}[how]
    if how == "posix.system":
        assert "posix.system" in names or "os.system" in names
        named = next(n for n in names if n.endswith(".system"))
    assert is_snapshot(path)  # it looks like one: the hook comes first
    with pytest.raises(ModelError) as caught:
        read_snapshot(path)
    message = str(caught.value)
    assert message == (f"{path}: names the global {named}, which a StyleGAN snapshot never "
                       "holds; nothing was run")
    assert "\n" not in message
    assert not target.exists()


def test_the_embedded_source_is_never_run(tmp_path: Path) -> None:
    target = tmp_path / "ran.txt"
    path = write_snapshot(tmp_path / "network-snapshot-000400.pkl", _small(),
                          source=attack_source(target))
    snapshot = read_snapshot(path)
    materialise(snapshot)
    assert not target.exists()
    assert "open(" not in repr(snapshot.network.state)  # the source is not kept either


def test_the_discriminator_is_never_read(tmp_path: Path) -> None:
    # D's storage is garbage: reading it would fail; the snapshot opens because it is not read.
    broken = discriminator()
    state = dict(broken.state)
    path = write_snapshot(tmp_path / "n.pkl", _small(), contents={
        "G": _small(), "D": PersistentObject("Discriminator", state), "G_ema": _small()})
    data = path.read_bytes()
    loaded: list[int] = []
    real_load = storages.LazyStorage.load

    def spy(self: storages.LazyStorage) -> object:
        loaded.append(id(self))
        return real_load(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(storages.LazyStorage, "load", spy)
        snapshot = read_snapshot(path)
        network = materialise(snapshot)
    assert len(loaded) == len(dict(network.tensors()))  # G_ema's tensors, nothing else
    assert data == path.read_bytes()


def test_g_is_the_network_when_there_is_no_g_ema_and_nothing_else_is_refused(
        tmp_path: Path) -> None:
    tree = _small()
    only_g = write_snapshot(tmp_path / "g.pkl", tree, contents={"G": tree, "D": discriminator()})
    assert read_snapshot(only_g).key == "G"
    none = write_snapshot(tmp_path / "d.pkl", tree, contents={"D": discriminator(), "x": 1})
    with pytest.raises(ModelError, match=r"d\.pkl: holds no generator \(G_ema or G\); it "
                                         r"holds D, x"):
        read_snapshot(none)


def test_other_files_are_not_snapshots(tmp_path: Path) -> None:
    plain = tmp_path / "plain.pkl"
    plain.write_bytes(pickle.dumps({"a": np.zeros(3)}))
    state = tmp_path / "state.pt"
    torch.save({"w": torch.zeros(2)}, state)
    text = tmp_path / "notes.pkl"
    text.write_text("c__builtin__\neval\n")
    for path in (plain, state, text, tmp_path):
        assert not is_snapshot(path)


def test_a_truncated_snapshot_says_so_in_one_line(tmp_path: Path) -> None:
    path = write_snapshot(tmp_path / "n.pkl", _small())
    cut = tmp_path / "cut.pkl"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert is_snapshot(cut)
    with pytest.raises(ModelError, match=r"cut\.pkl: cannot be read as a StyleGAN snapshot") as e:
        read_snapshot(cut)
    assert "\n" not in str(e.value)


def test_a_file_larger_than_memory_allows_is_refused_before_it_is_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_snapshot(tmp_path / "n.pkl", _small())

    def never(self: Path) -> bytes:
        raise AssertionError("the file was read")

    monkeypatch.setattr(Path, "read_bytes", never)
    with pytest.raises(ModelError, match=r"n\.pkl: is \d+ MB; reading it needs more memory"):
        read_snapshot(path, cap=path.stat().st_size - 1)


def test_the_network_s_tensors_are_bounded_before_any_is_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_snapshot(tmp_path / "n.pkl", _small())
    snapshot = read_snapshot(path)
    monkeypatch.setattr(storages.LazyStorage, "load",
                        lambda self: pytest.fail("a storage was read"))
    with pytest.raises(ModelError, match=r"its G_ema holds \d+ MB of tensors, \d+ MB once the "
                                         r"network is built; more than the memory free"):
        materialise(snapshot, cap=1000)


def _blob(tensor: torch.Tensor) -> bytes:
    """The bytes a pickled tensor hands ``torch.storage._load_from_bytes``."""
    lazy = reader._SnapshotUnpickler(io.BytesIO(pickle.dumps(tensor))).load()
    assert isinstance(lazy, storages.LazyTensor)
    return lazy.storage.data


def test_a_storage_declaring_more_than_it_holds_is_refused_before_torch_reads_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    honest = _blob(torch.arange(4.0))
    assert storages.check_declared_sizes(honest) == 16
    lying = honest.replace(b"K\x04N", b"J\x00\x00\x00\x40N", 1)  # 4 -> 2**30 elements
    assert lying != honest
    monkeypatch.setattr(torch, "load", lambda *a, **k: pytest.fail("torch.load was called"))
    with pytest.raises(storages.StorageError, match="declares 4,294,967,296 bytes but holds"):
        storages.LazyStorage(lying).load()
    with pytest.raises(storages.StorageError, match="names the global"):
        storages.check_declared_sizes(honest.replace(b"ctorch\nFloatStorage\n",
                                                     b"cos\nsystem\n", 1))


def test_a_compressed_zip_storage_is_refused_before_it_is_decompressed() -> None:
    import zipfile

    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("archive/data.pkl", pickle.dumps(None))
        archive.writestr("archive/data/0", b"\x00" * 1_000_000, zipfile.ZIP_DEFLATED)
    assert len(stream.getvalue()) < 10_000
    with pytest.raises(storages.StorageError, match=r"member archive/data/0 \(1,000,000 bytes\) "
                                                    "is compressed"):
        storages.check_declared_sizes(stream.getvalue())


def test_memory_cap_is_a_share_of_what_is_free() -> None:
    cap = reader.memory_cap()
    assert 1 << 26 < cap < 1 << 50
