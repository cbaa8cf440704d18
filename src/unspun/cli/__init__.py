"""The ``unspun`` command: one module per subcommand, as in spaCy's ``spacy/cli``."""

from __future__ import annotations

import argparse
import sys

from unspun import __version__
from unspun.cli import analyze as analyze_cmd
from unspun.cli import compare as compare_cmd
from unspun.cli import stories as stories_cmd
from unspun.cli import eval as eval_cmd
from unspun.cli import train as train_cmd
from unspun.cli import export as export_cmd
from unspun.cli import index as index_cmd
from unspun.cli import import_ as import_cmd
from unspun.cli import serve as serve_cmd
from unspun.models.runtime import tune_allocator

COMMANDS = {"analyze": analyze_cmd, "compare": compare_cmd, "stories": stories_cmd, "index": index_cmd, "import": import_cmd, "serve": serve_cmd, "export": export_cmd,
            "train": train_cmd, "eval": eval_cmd}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2 with one line, as argparse does
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="unspun", description="What a news article reports, and how it spins it.")
    parser.add_argument("--version", action="version", version=f"unspun {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, module in COMMANDS.items():
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help(sys.stderr)
        return 2
    tune_allocator()  # a long article's model runs hand their memory back (inherited by forked workers)
    try:
        return COMMANDS[args.command].run(args)
    except KeyboardInterrupt:
        print("unspun: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `unspun analyze ... | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
