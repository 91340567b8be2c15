"""The argument parser of every subcommand: a mistake in the arguments is one line on stderr.

argparse prints its usage (often several lines) before the error; here the error alone is
printed, with where to find the usage, and the exit status is 2 as for every bad input.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn


class OneLineParser(argparse.ArgumentParser):
    """An :class:`argparse.ArgumentParser` whose errors are one line: what is wrong and where
    the help is."""

    def error(self, message: str) -> NoReturn:
        text = " ".join(message.split())
        self.exit(2, f"{self.prog}: error: {text} (see {self.prog} --help)\n")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            sys.stderr.write(message)
        raise SystemExit(status)
