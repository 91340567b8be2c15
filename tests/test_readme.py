"""The README's Quick start is what CI runs, so it cannot rot."""

from __future__ import annotations

import re

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


def test_readme_cli_examples_run(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Every command line example in the README runs (the window and bench are run by their
    own tests; the MNIST example runs where the MNIST files are)."""
    import shlex

    from latent_explorer.cli import main
    from tests.conftest import MNIST_DIR

    commands = _readme_commands()
    assert len(commands) >= 8
    monkeypatch.chdir(tmp_path)
    ran = 0
    for line in commands:
        argv = shlex.split(line)[1:]
        if argv[0] in ("gui", "bench") or "resources/demo-shapes" in line:
            continue  # the window and bench have their own tests; that training takes 11 min
        if "data/t10k-images-idx3-ubyte.gz" in line:
            mnist = MNIST_DIR / "t10k-images-idx3-ubyte.gz"
            if not mnist.exists():
                continue
            argv = [str(mnist) if a == "data/t10k-images-idx3-ubyte.gz" else a for a in argv]
            argv[argv.index("--epochs") + 1] = "1"  # the example trains for longer
        assert main(argv) == 0, line
        ran += 1
    assert ran >= 5
    assert (tmp_path / "walk.mp4").exists() and (tmp_path / "digit.png").exists()


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
