"""Every picture in the README comes with the one command that makes it, and that command is
the one ``docs/make_screenshots.py`` runs to make it."""

from __future__ import annotations

import importlib.util
import re
from types import ModuleType

from latent_explorer.cli import build_parser
from tests.conftest import REPO


def _screenshots_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_screenshots",
                                                  REPO / "docs" / "make_screenshots.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_readme_picture_gives_the_command_that_makes_it() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    flat = " ".join(readme.split())
    pictures = set(re.findall(r"\]\(resources/screenshots/([\w.-]+\.(?:png|gif))\)", readme))
    assert {"window.png", "walk.gif"} <= pictures
    commands = _screenshots_script().COMMANDS
    parser = build_parser()
    for picture in sorted(pictures):
        assert picture in commands, f"{picture}: docs/make_screenshots.py does not make it"
        args = commands[picture]
        parser.parse_args(args)  # a command the app takes
        assert f"`latent-explorer {' '.join(args)}`" in flat, \
            f"README does not give the command that makes {picture}"
        assert (REPO / "resources" / "screenshots" / picture).is_file()


def test_the_first_picture_is_what_a_plain_start_opens() -> None:
    commands = _screenshots_script().COMMANDS
    args = build_parser().parse_args(commands["window.png"])
    from latent_explorer.qt.app import first_inputs, is_plain_start

    assert is_plain_start(args) and first_inputs(args) == ("shapes", "demo-shapes")
