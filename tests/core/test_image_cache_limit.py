"""The image cache stays within its size limit: least recently used entries go, and nothing
else does (foreign files, entries open in a running process, half-written entries)."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from latent_explorer.core.datasets import load_dataset
from latent_explorer.core.datasets.image_cache_folder import (
    cache_usage,
    clear_image_cache,
    images_folder,
    trim_image_cache,
)
from latent_explorer.core.datasets.image_cache_limit import (
    DEFAULT_LIMIT,
    LIMIT_ENV,
    LIMIT_SETTING,
    format_size,
    image_cache_limit,
    parse_size,
    set_image_cache_limit,
)
from latent_explorer.core.errors import SpecError
from latent_explorer.core.settings_file import CONFIG_ENV, settings_path

SIDE = 16


def photo_folder(root: Path, name: str, count: int = 3) -> Path:
    """A folder of ``count`` small photos (a PNG and JPEGs of different sizes)."""
    folder = root / name
    folder.mkdir()
    rng = np.random.default_rng(len(name) + count)
    for index in range(count):
        pixels = rng.integers(0, 255, (20 + index, 24, 3), dtype=np.uint8)
        suffix = ".png" if index == 0 else ".jpg"
        Image.fromarray(pixels).save(folder / f"{name}-{index}{suffix}")
    return folder


def entry_keys(cache: Path) -> set[str]:
    """The keys of the complete entries of the image cache in ``cache``."""
    folder = images_folder(cache)
    return {path.stem for path in folder.glob("*.json") if path.with_suffix(".npy").exists()}


def open_and_close(folder: Path, cache: Path) -> set[str]:
    """Open ``folder`` through the cache, let it go, and return the keys added."""
    before = entry_keys(cache)
    dataset = load_dataset(str(folder), image_size=SIDE, cache_dir=cache)
    assert dataset.images.shape[1:3] == (SIDE, SIDE)
    del dataset
    gc.collect()
    return entry_keys(cache) - before


def test_a_limit_below_two_entries_removes_the_older_and_keeps_the_newer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    older = open_and_close(photo_folder(tmp_path, "older"), cache)
    one_entry = cache_usage(images_folder(cache)).size
    monkeypatch.setenv(LIMIT_ENV, str(one_entry * 3 // 2))
    newer = open_and_close(photo_folder(tmp_path, "newer"), cache)
    assert len(older) == len(newer) == 1
    assert entry_keys(cache) == newer
    usage = cache_usage(images_folder(cache))
    assert (usage.entries, usage.size) == (1, one_entry)


def test_reading_an_entry_back_makes_it_the_newer(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = photo_folder(tmp_path, "first")
    first_key = open_and_close(first, cache)
    second_key = open_and_close(photo_folder(tmp_path, "second"), cache)
    one_entry = cache_usage(images_folder(cache)).size // 2
    assert open_and_close(first, cache) == set()  # read back from the cache, marked used
    set_image_cache_limit(one_entry * 5 // 2)
    third_key = open_and_close(photo_folder(tmp_path, "third"), cache)
    assert entry_keys(cache) == first_key | third_key
    assert not second_key & entry_keys(cache)


def test_an_entry_open_in_this_process_is_kept(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    kept = load_dataset(str(photo_folder(tmp_path, "open")), image_size=SIDE, cache_dir=cache)
    set_image_cache_limit(0)
    newer = open_and_close(photo_folder(tmp_path, "other"), cache)
    assert len(entry_keys(cache)) == 2  # the open one and the one just written
    report = clear_image_cache(images_folder(cache))
    assert (report.removed, report.usage.entries, report.usage.in_use) == (1, 1, 1)
    assert report.usage.in_use_size == cache_usage(images_folder(cache)).size > 0
    assert not newer & entry_keys(cache)
    assert float(kept.images[0].mean()) > 0  # still readable
    del kept
    gc.collect()
    assert clear_image_cache(images_folder(cache)).usage.entries == 0


def test_files_the_cache_did_not_make_are_never_touched(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    open_and_close(photo_folder(tmp_path, "pics"), cache)
    folder = images_folder(cache)
    key = next(iter(entry_keys(cache)))
    foreign = {
        "notes.txt": b"mine", "photo.npy": b"not a cache entry", f"{key}.npy.bak": b"copy",
        f"{key.upper()}.json": b"{}", f".{key}.npy.bak.1-abcdef12.part": b"x",
        ".report.csv.1-abcdef12.tmp": b"another program's temporary file",
    }
    for name, data in foreign.items():
        (folder / name).write_bytes(data)
    (folder / f"{'0' * 40}.npy").mkdir()  # a folder with an entry's name
    report = clear_image_cache(folder)
    assert report.removed == 1 and entry_keys(cache) == set()
    assert {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()} == foreign
    assert (folder / f"{'0' * 40}.npy").is_dir()


def _dead_pid() -> int:
    """The id of a process that has ended."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


def test_a_live_process_keeps_its_half_written_and_open_entries(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    open_key = next(iter(open_and_close(photo_folder(tmp_path, "pics"), cache)))
    folder = images_folder(cache)
    writing_key = "ab" * 20
    script = textwrap.dedent(f"""
        import sys
        from latent_explorer.core.datasets.image_cache import ImageCache
        opened = ImageCache({str(cache)!r}, {open_key!r}).load()
        assert opened is not None
        writing = ImageCache({str(cache)!r}, {writing_key!r})
        pixels = writing.create((2, 4, 4, 3))
        pixels[:] = 7
        print("ready", flush=True)
        sys.stdin.readline()
        writing.commit(pixels, ["a.png", "b.png"], [], {{}})
        """)
    with subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as child:
        assert child.stdin is not None and child.stdout is not None
        try:
            assert child.stdout.readline().strip() == "ready"
            dead = _dead_pid()
            left_by_dead = [folder / f".{'cd' * 20}.npy.{dead}-0123abcd.part",
                            folder / f".{open_key}.json.{dead}-0123abcd.tmp",
                            folder / f".{open_key}.{dead}.inuse"]
            for path in left_by_dead:
                path.write_bytes(b"\0" * 100)
            report = clear_image_cache(folder)
            assert report.removed == 0 and report.freed == 300
            assert not any(path.exists() for path in left_by_dead)
            assert entry_keys(cache) == {open_key}
            assert len(list(folder.glob(f".{writing_key}.npy.{child.pid}-*.part"))) == 1
            assert (report.usage.entries, report.usage.in_use) == (1, 1)
        finally:
            child.stdin.write("go\n")
            child.stdin.close()
            assert child.wait(timeout=60) == 0
    assert entry_keys(cache) == {open_key, writing_key}
    assert clear_image_cache(folder).removed == 2  # the child is gone: nothing is in use
    assert [path.name for path in folder.iterdir()] == []


def test_half_an_entry_that_nobody_writes_goes_once_old(tmp_path: Path) -> None:
    import os

    folder = images_folder(tmp_path)
    folder.mkdir(parents=True)
    pixels, meta = folder / f"{'1' * 40}.npy", folder / f"{'2' * 40}.json"
    pixels.write_bytes(b"\0" * 64)
    meta.write_text("{}")
    assert trim_image_cache(folder, 0).freed == 0  # maybe between a writer's two steps
    for path in (pixels, meta):
        os.utime(path, (1_000_000, 1_000_000))
    assert trim_image_cache(folder, 0).freed == 66
    assert list(folder.iterdir()) == []


def test_the_limit_comes_from_the_environment_the_window_or_the_settings(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "config"))
    assert (image_cache_limit().size, image_cache_limit().source) == (DEFAULT_LIMIT, "default")
    assert image_cache_limit().describe() == "10.0 GiB (the default)"
    settings = settings_path()
    settings.parent.mkdir(parents=True)
    group, name = LIMIT_SETTING.split("/")
    settings.write_text(f"[window]\n{name}=5\n\n[{group}]\n{name}=2048\n", encoding="utf-8")
    assert image_cache_limit().size == 2048 and image_cache_limit().source == "settings"
    set_image_cache_limit(4096)
    assert image_cache_limit().size == 4096
    monkeypatch.setenv(LIMIT_ENV, "1.5G")
    assert image_cache_limit().describe() == f"1.5 GiB (set by {LIMIT_ENV})"
    monkeypatch.setenv(LIMIT_ENV, "lots")
    with pytest.raises(SpecError, match=f"^{LIMIT_ENV}: 'lots' is not a size"):
        image_cache_limit()


def test_a_malformed_limit_keeps_the_cache_whole(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    first = open_and_close(photo_folder(tmp_path, "first"), cache)
    monkeypatch.setenv(LIMIT_ENV, "-1")
    second = open_and_close(photo_folder(tmp_path, "second"), cache)
    assert entry_keys(cache) == first | second


@pytest.mark.parametrize(("text", "size"), [
    ("0", 0), ("1048576", 1 << 20), ("500M", 500 << 20), ("10G", 10 << 30),
    ("2.5GiB", int(2.5 * (1 << 30))), ("800 MB", 800_000_000), ("1t", 1 << 40), (".5k", 512)])
def test_sizes_are_read_with_or_without_a_unit(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "ten", "5 parsecs", "-3G", "1e9", "G"])
def test_a_size_that_is_none_says_what_is_taken(text: str) -> None:
    with pytest.raises(ValueError, match="is not a size: give a size in bytes or with a unit"):
        parse_size(text)


def test_sizes_are_written_for_people() -> None:
    assert [format_size(n) for n in (1, 812, 3 << 20, 10 << 30, 5 << 40)] == [
        "1 byte", "812 bytes", "3.0 MiB", "10.0 GiB", "5.0 TiB"]
