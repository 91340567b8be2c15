"""The README's Quick start is what CI runs, so it cannot rot."""

from __future__ import annotations

import re

import pytest

from tests.conftest import REPO


def _code_blocks(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", text, flags=re.S)


def test_quick_start_has_two_commands_and_ci_runs_the_second() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = [b.strip() for b in _code_blocks(section)]
    assert len(blocks) == 2
    install, test = blocks
    assert "latent-explorer" in install and "torch==2.13.0" in install
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert test in ci, "the README's test command must be the one .ci/run runs"


def test_readme_cli_examples_name_real_subcommands() -> None:
    from latent_explorer.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    used = set(re.findall(r"^latent-explorer (\w+)", readme, flags=re.M))
    assert used and used <= set(sub.choices)  # type: ignore[arg-type]


def _readme_commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The command line", 1)[1].split("\n## ", 1)[0]
    lines = []
    for block in _code_blocks(section):
        for line in block.splitlines():
            line = line.split("  #", 1)[0].strip()
            if line.startswith("latent-explorer "):
                lines.append(line)
    return lines


MNIST_EXAMPLE = "data/t10k-images-idx3-ubyte.gz"


def test_readme_cli_examples_run(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Every command line example in the README runs (the window and bench are run by their
    own tests; the MNIST example by the next test)."""
    import shlex

    from latent_explorer.cli import main
    from tests.core.stylegan_files import sg2_tree, write_snapshot

    commands = _readme_commands()
    assert len(commands) >= 8
    monkeypatch.chdir(tmp_path)
    write_snapshot(tmp_path / "network-snapshot-000400.pkl", sg2_tree(  # a small StyleGAN2
        z_dim=16, w_dim=16, resolution=16, channel_base=128, channel_max=16, mapping_layers=2))
    ran = 0
    for line in commands:
        argv = shlex.split(line)[1:]
        if argv[0] in ("gui", "bench") or "resources/demo-shapes" in line or MNIST_EXAMPLE in line:
            continue  # the window and bench have their own tests; that training takes 11 min
        assert main(argv) == 0, line
        ran += 1
    assert ran >= 5
    assert (tmp_path / "walk.mp4").exists() and (tmp_path / "digit.png").exists()
    assert (tmp_path / "seeds.mp4").exists() and (tmp_path / "seed42.png").exists()


def test_readme_mnist_example_runs(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The README's command on the MNIST test set (for one epoch; it says more)."""
    import shlex

    from latent_explorer.cli import main
    from tests.conftest import MNIST_DIR, MNIST_SKIP

    mnist = MNIST_DIR / "t10k-images-idx3-ubyte.gz"
    if not mnist.exists():
        pytest.skip(MNIST_SKIP)
    examples = [line for line in _readme_commands() if MNIST_EXAMPLE in line]
    assert examples, "the README has no MNIST example any more"
    monkeypatch.chdir(tmp_path)
    for line in examples:
        argv = [str(mnist) if a == MNIST_EXAMPLE else a for a in shlex.split(line)[1:]]
        if "--epochs" in argv:
            argv[argv.index("--epochs") + 1] = "1"
        assert main(argv) == 0, line


def _robustness_row(readme: str, starts: str) -> str:
    section = readme.split("## Robustness", 1)[1].split("\n## ", 1)[0]
    rows = [row for row in section.splitlines() if row.startswith(f"| {starts}")]
    assert len(rows) == 1, f"no single README robustness row starting {starts!r}"
    return rows[0]


def test_readme_robustness_figures_are_those_the_tests_run() -> None:
    """The counts the README gives (fuzz cases, monkey actions, kill cycles) are read from the
    tests themselves, so a change to either side shows here."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    fuzz = (REPO / "tests" / "core" / "test_fuzz_parsers.py").read_text(encoding="utf-8")
    generated = sum(int(n) for n in re.findall(r"^@fuzz\((\d+)\)", fuzz, re.MULTILINE))
    pinned = len(re.findall(r"^@example\(", fuzz, re.MULTILINE))
    per_parser = sorted({int(n) for n in re.findall(r"^@fuzz\((\d+)\)", fuzz, re.MULTILINE)})
    row = _robustness_row(readme, "Property-based fuzzing")
    assert f"{generated:,} random and mutated files per run" in row
    assert f"({per_parser[0]}-{per_parser[-1]} per parser" in row
    assert f"plus {pinned} pinned cases" in row

    monkey = (REPO / "tests" / "qt" / "test_monkey.py").read_text(encoding="utf-8")
    actions = int(re.search(r"^ACTIONS = (\d+)", monkey, re.MULTILINE).group(1))  # type: ignore[union-attr]
    assert f"{actions:,} seeded random actions" in _robustness_row(readme, "GUI monkey test")

    kills = (REPO / "tests" / "qt" / "test_real_process.py").read_text(encoding="utf-8")
    cycles = int(re.search(r"^KILL_CYCLES = (\d+)", kills, re.MULTILINE).group(1))  # type: ignore[union-attr]
    assert f"{cycles} kill cycles with typing" in _robustness_row(readme, "Kill test")


def test_readme_names_the_tests_that_skip_and_ci_prints_why() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    named = re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?`", section)
    assert len(named) >= 4
    for path, test in named:
        source = (REPO / path).read_text(encoding="utf-8")
        assert "skip" in source, f"{path} names no skip condition"
        if test:
            assert f"def {test}(" in source, f"{path}::{test} does not exist"
    assert "LATENT_EXPLORER_MNIST" in section
    assert "pytest -rs" in (REPO / ".ci" / "run").read_text(encoding="utf-8")
