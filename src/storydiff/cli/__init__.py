"""The ``storydiff`` command: thin shims over the library.

Results go to stdout, progress and errors to stderr. A :class:`StorydiffError`
becomes one line on stderr and exit code 2; ``--debug`` shows tracebacks.
``storydiff A B`` is short for ``storydiff compare A B``.
"""

from __future__ import annotations

import difflib
import os
import sys
from typing import Any

import click

from storydiff._version import __version__
from storydiff.errors import StorydiffError
from storydiff.report import visible


class DefaultToCompare(click.Group):
    """A group where an unknown first argument means ``compare``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version", "--debug"):
            _refuse_misspelt_command(args[0], self.commands)
            args = ["compare", *args]
        elif args[:1] == ["--debug"] and len(args) > 1 and args[1] not in self.commands and not args[1].startswith("-"):
            args = ["--debug", "compare", *args[1:]]
        return super().parse_args(ctx, args)


def _refuse_misspelt_command(word: str, commands: Any) -> None:
    """``storydiff compre a b`` is a typo, not a file called "compre": say which command was meant."""
    if word.startswith("-") or os.path.exists(word):
        return
    close = difflib.get_close_matches(word, list(commands), n=1, cutoff=0.75)
    if close:
        raise click.UsageError(f"no such command {word!r} (and no such file). Did you mean {close[0]!r}?")


@click.group(cls=DefaultToCompare, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="storydiff")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Tell how a text changed between its versions.

    Aligns two versions passage by passage and sentence by sentence (moved,
    split, merged and re-worded sentences included) and names each change of
    meaning: names, numbers, dates, negation, modality, quotes, terms.

    Example:

        storydiff old.txt new.html
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    if debug:
        os.environ["STORYDIFF_DEBUG"] = "1"


def _register() -> None:
    # Every command is registered whatever is installed: a command whose extra is missing
    # (corpus, serve) says which extra to install when it runs, never disappears from --help.
    from storydiff.cli import collate as _collate
    from storydiff.cli import compare as _compare
    from storydiff.cli import corpus as _corpus
    from storydiff.cli import serve as _serve

    cli.add_command(_compare.compare)
    cli.add_command(_compare.pairs)
    cli.add_command(_collate.collate)
    cli.add_command(_serve.serve)
    cli.add_command(_corpus.corpus)


_register()


def main(argv: list[str] | None = None) -> Any:
    """Entry point of the console script; turns our errors into exit code 2."""
    try:
        return cli.main(args=argv, prog_name="storydiff", standalone_mode=False)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(2 if isinstance(e, click.UsageError) else e.exit_code)
    except StorydiffError as e:
        if os.environ.get("STORYDIFF_DEBUG"):
            raise
        click.echo(f"storydiff: error: {visible(str(e))}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as e:  # a bug: say so briefly, never dump a traceback by default
        if os.environ.get("STORYDIFF_DEBUG"):
            raise
        click.echo(f"storydiff: internal error: {type(e).__name__}: {visible(str(e))} (rerun with --debug for details)",
                   err=True)
        sys.exit(1)
