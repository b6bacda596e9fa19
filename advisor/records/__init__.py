"""Decision records: rendering (MADR 4 Markdown), the front matter and its parser, writing them
safely, and revisiting them later."""

from advisor.records.front_matter import FrontMatter, RecordFigures, front_matter, md, parse_record, set_status, slug
from advisor.records.render import OPTION_TITLES, SHOWN_DERIVATIONS, render_record
from advisor.records.revisit import Recomputed, Revisit, recompute, revisit_command
from advisor.records.store import (
    next_record_path,
    refuse_input_as_output,
    resolve_target,
    save_record,
    write_atomic,
    write_numbered,
)

__all__ = [
    "OPTION_TITLES", "SHOWN_DERIVATIONS", "FrontMatter", "Recomputed", "RecordFigures", "Revisit", "front_matter", "md",
    "next_record_path", "parse_record", "recompute", "refuse_input_as_output", "render_record", "resolve_target",
    "revisit_command", "save_record", "set_status", "slug", "write_atomic", "write_numbered",
]
