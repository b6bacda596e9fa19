"""The JSON contract documented in docs/json.md names every key the CLI prints."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout

from advisor.cli import main
from tests.conftest import ROOT


def keys(value, prefix=""):
    if isinstance(value, dict):
        for key, inner in value.items():
            if prefix.endswith(("options", "win_probability", "cheapest_probability", "tco_usd", "breakeven_month")):
                yield from keys(inner, prefix + ".*")  # option ids are documented as <option id>
                continue
            yield f"{prefix}.{key}"
            if key != "detail":
                yield from keys(inner, f"{prefix}.{key}")
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        for item in value:
            yield from keys(item, prefix)


def test_every_printed_key_is_documented():
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["decide", str(ROOT / "examples" / "claims-triage.toml"), "--json", "--samples", "50"]) == 0
    doc = (ROOT / "docs" / "json.md").read_text(encoding="utf-8")
    names = {k.rsplit(".", 1)[-1] for k in keys(json.loads(buf.getvalue()))}
    missing = sorted(n for n in names if f'"{n}"' not in doc)
    assert missing == []
    assert "docs/json.md" in (ROOT / "README.md").read_text(encoding="utf-8")
