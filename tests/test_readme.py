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
