"""``storydiff collate``: many versions of one text, and who copied whom."""

from __future__ import annotations

import click

from storydiff.collate.render import FORMATS
from storydiff.cli.options import engine_option, output_options


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE…")
@output_options(FORMATS, format_help="Output format (collatex: CollateX JSON alignment table; tei: TEI parallel "
                                     "segmentation).",
                html_help="Also write a self-contained HTML report (with the stemma drawn) to this file.")
@click.option("--base", default=None, metavar="ID",
              help="Align every version against this one (default: the one containing most of the others).")
@click.option("--dates", default=None, metavar="FILE|auto",
              help="Dates of the versions: a file of 'id,date' lines (or JSON {id: date}), or 'auto' for the "
                   "dates found in HTML metadata. Earlier versions are taken as sources.")
@click.option("--name", "names", multiple=True, metavar="ID",
              help="Id of each version, in the order of FILE… (repeat; default: file name without extension).")
@click.option("--passages", type=click.Choice(["auto", "sentence", "window"]), default="auto", show_default=True,
              help="Passages to align: sentences, or word windows for texts without punctuation.")
@click.option("--no-stemma", is_flag=True, help="Only the variant table; do not infer who copied whom.")
@engine_option()
@click.option("--max-bytes", type=click.IntRange(min=1), default=None,
              help="Refuse inputs larger than this many bytes (default 20 MB).")
def collate(files: tuple[str, ...], fmt: str, output: str | None, html_path: str | None, base: str | None,
            dates: str | None, names: tuple[str, ...], passages: str, no_stemma: bool, engine: str,
            max_bytes: int | None) -> None:
    """Collate 2 to 50 versions of one text and tell who copied whom.

    FILE… are text, Markdown or HTML files; directories give their files and
    glob patterns expand. Passages are aligned across all versions (moved,
    missing and re-worded ones included); each row's readings are grouped by
    meaning, with the changes between groups named. The stemma says which
    version was copied from which, with a confidence and the evidence on
    every edge; unrelated versions stay unrelated and lost intermediates
    appear as hypothetical versions.

    Example:

        storydiff collate copies/ --html collation.html
    """
    from storydiff.cli.compare import write_output
    from storydiff.collate import CollateOptions
    from storydiff.collate import collate as run_collate
    from storydiff.collate.inputs import check_count, expand_paths, read_dates_file
    from storydiff.collate.render import render_collation
    from storydiff.errors import OptionError
    from storydiff.options import DEFAULT_MAX_BYTES, Options

    paths = expand_paths(files)
    check_count(len(paths))
    if names and len(names) != len(paths):
        raise OptionError(f"got {len(names)} --name values for {len(paths)} files; give one per file or none")
    when = dates if dates in (None, "auto") else read_dates_file(dates)
    result = run_collate(
        paths, names=list(names) or None, dates=when, base=base,
        options=CollateOptions(passages=passages, stemma=not no_stemma),
        compare_options=Options(engine=engine, max_bytes=max_bytes or DEFAULT_MAX_BYTES),
    )
    inputs = tuple(str(p) for p in paths)
    if html_path:
        write_output(render_collation(result, "html"), html_path, inputs)
    write_output(render_collation(result, fmt), output, inputs)
