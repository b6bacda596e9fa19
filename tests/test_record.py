"""The decision record: golden file, round trip, numbering, no overwrite, atomicity, escaping, revisit."""

from __future__ import annotations

import os
import re

import pytest

from advisor.cli import main
from advisor.decision import decide
from advisor.decision.uncertainty import analyse
from advisor.errors import RecordError
from advisor.inputs.scenario import load_answers_file
from advisor.records import md, next_record_path, parse_record, recompute, render_record, save_record, write_atomic
from tests.conftest import ROOT, TODAY

GOLDEN = ROOT / "tests" / "golden" / "claims-triage.md"
EXAMPLE = ROOT / "examples" / "claims-triage.toml"


@pytest.fixture
def example_decision(k, rules):
    d = decide(load_answers_file(EXAMPLE, k), k, rules, TODAY)
    return analyse(d, k, rules, samples=200, seed=7)


def test_golden_record(example_decision, k):
    """A reviewer read tests/golden/claims-triage.md once; regenerate with BUILDBUY_UPDATE_GOLDEN=1."""
    text = render_record(example_decision, k)
    if os.environ.get("BUILDBUY_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_record_has_every_madr_section(example_decision, k):
    text = render_record(example_decision, k)
    for heading in (
        "## Context and Problem Statement", "## Decision Drivers", "## Considered Options",
        "## Decision Outcome", "### Consequences", "## Pros and Cons of the Options", "## More Information",
        "```mermaid\nxychart-beta", "### Show the math", "### Assumptions", "Flip points",
    ):
        assert heading in text


def test_round_trip_recomputes_the_same_decision_to_the_cent(example_decision, k, tmp_path):
    path = save_record(example_decision, k, tmp_path)
    fm = parse_record(path.read_text())
    assert fm.recommendation == example_decision.option
    again = recompute(path, k, rules_extra=[], today=TODAY)
    decision, result = again.decision, again.revisit
    assert result.stands and result.moved == [] and result.added == [] and result.removed == []
    for option, cost in example_decision.report.options.items():
        assert round(decision.report.options[option].tco_usd, 2) == round(cost.tco_usd, 2)
        assert fm.figures[option]["tco_usd"] == round(cost.tco_usd, 2)


def test_numbering_follows_the_highest_existing_number(tmp_path):
    (tmp_path / "0001-first.md").write_text("x")
    (tmp_path / "0007-seventh.md").write_text("x")
    (tmp_path / "notes.md").write_text("x")
    assert next_record_path(tmp_path, "Claims triage!").name == "0008-claims-triage.md"
    assert next_record_path(tmp_path / "nowhere", "x").name == "0001-x.md"


def test_folder_is_created_and_numbered(example_decision, k, tmp_path):
    first = save_record(example_decision, k, tmp_path / "docs" / "decisions")
    second = save_record(example_decision, k, tmp_path / "docs" / "decisions")
    assert (first.name, second.name) == ("0001-claims-triage.md", "0002-claims-triage.md")


def test_never_overwrites_without_force(example_decision, k, tmp_path, capsys):
    target = tmp_path / "decision.md"
    target.write_text("keep me")
    with pytest.raises(RecordError, match="already exists; pass --force"):
        save_record(example_decision, k, target)
    assert target.read_text() == "keep me"
    assert main(["decide", str(EXAMPLE), "--samples", "0", "--out", str(target)]) == 2
    assert "already exists" in capsys.readouterr().err
    save_record(example_decision, k, target, force=True)
    assert target.read_text().startswith("---\n")


def test_interrupted_write_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "0001-x.md"

    def crash(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(RecordError, match="cannot write"):
        write_atomic(target, "half a record", force=False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("hostile", ["a | b", "`rm -rf`", "<script>alert(1)</script>", "line\nbreak", "# heading"])
def test_hostile_use_case_cannot_break_the_record(decision, k, hostile):
    d = decision(use_case=hostile)
    text = render_record(d, k)
    body = text.split("\n---\n", 1)[1]
    lines = body.splitlines()
    assert "<script>" not in body
    assert not any(line in {"break", "# heading"} or line.startswith("`rm") for line in lines)
    tables: list[list[str]] = [[]]
    for line in lines:
        if line.startswith("|"):
            tables[-1].append(line)
        elif tables[-1]:
            tables.append([])
    for table in filter(None, tables):
        cells = {len(re.findall(r"(?<!\\)\|", row)) for row in table}
        assert len(cells) == 1, table  # every row has as many cells as the header
    title = next(line for line in body.splitlines() if line.startswith("# "))
    assert title == f"# Build or buy: {md(hostile)}"
    # the front matter keeps it exactly as validated (a line break in a name becomes a space)
    assert parse_record(text).answers["use_case"] == hostile.replace("\n", " ")


def test_consequences_count_savings_only_against_eligible_options_and_call_a_loss_a_cost(k, rules, decision):
    d = decision(daily_requests=20_000, labeled_examples=300, examples_to_label=0, industry="healthcare",
                 data_must_stay_in_house=True, labeling_task="expert")
    text = render_record(analyse(d, k, rules, samples=50, seed=1), k)
    consequences = text.split("### Consequences")[1].split("##")[0]
    # api, vendor-finetune and hybrid are ruled out: no saving is booked against them
    assert "against api" not in consequences and "than api" not in consequences
    assert "Good: over" not in consequences or "saves" in consequences
    strategic = decision(
        daily_requests=400_000, labeled_examples=6_000, examples_to_label=0, industry="insurance",
        proprietary_data_advantage=True, ml_engineers=2, review_rate_api=8, review_rate_finetuned=2, cost_per_review=4,
        assumptions={"strategic_tolerance_pct": 50},
    )
    text = render_record(strategic, k)
    consequences = text.split("### Consequences")[1].split("##")[0]
    gap = strategic.report.options["self-host"].tco_usd - strategic.report.options["vendor-finetune"].tco_usd
    assert f"- Bad: over 24 months it costs ${gap:,.2f} more than vendor-finetune" in consequences
    for line in consequences.splitlines():
        if line.startswith("- Good: over"):
            assert " saves " in line


def test_record_break_even_percentiles_never_show_nan(k, rules, decision):
    d = decision(daily_requests=2_000, labeled_examples=3_000)  # fine-tunes rarely pay back here
    text = render_record(analyse(d, k, rules, samples=100, seed=3), k)
    assert not re.search(r"\bnan\b", text.lower())
    assert "never" in text


def test_md_escaping():
    assert md("a | b") == "a \\| b"
    assert md("<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"
    assert md("one\ntwo") == "one two"
    assert md("`code`") == "\\`code\\`"


def test_revisit_unchanged_changed_and_corrupt(example_decision, k, tmp_path, capsys):
    path = save_record(example_decision, k, tmp_path)
    assert main(["revisit", str(path)]) == 0
    assert f"The recommendation stands: {example_decision.option}." in capsys.readouterr().out

    edited = tmp_path / "edited.md"
    edited.write_text(
        path.read_text()
        .replace("daily_requests: 150000", "daily_requests: 2000")
        .replace("product_stage: validated", "product_stage: exploring")
        .replace("review_rate_finetuned: 2.0", "review_rate_finetuned: 10.0")
    )
    assert main(["revisit", str(edited)]) == 1
    out = capsys.readouterr().out
    assert "The recommendation changed: vendor-finetune -> " in out
    assert "api.monthly_usd: $" in out and "Figures that moved:" in out

    corrupt = tmp_path / "corrupt.md"
    corrupt.write_text("---\nanswers: [unclosed\n---\n# x\n")
    assert main(["revisit", str(corrupt)]) == 2
    assert "front matter is not valid YAML" in capsys.readouterr().err

    bad_answers = tmp_path / "bad.md"
    bad_answers.write_text(path.read_text().replace("daily_requests: 150000", "daily_requests: -4"))
    assert main(["revisit", str(bad_answers)]) == 2
    assert "front matter: answers.daily_requests = -4: must be at least 0" in capsys.readouterr().err

    assert main(["revisit", str(tmp_path / "missing.md")]) == 2
    no_front = tmp_path / "plain.md"
    no_front.write_text("# just markdown\n")
    assert main(["revisit", str(no_front)]) == 2
    assert "no YAML front matter" in capsys.readouterr().err


def test_revisit_update_supersedes_the_old_record(example_decision, k, tmp_path, capsys):
    path = save_record(example_decision, k, tmp_path)
    edited = tmp_path / "0002-claims-triage.md"
    edited.write_text(
        path.read_text()
        .replace("product_stage: validated", "product_stage: exploring")
        .replace("daily_requests: 150000", "daily_requests: 2000")
        .replace("review_rate_finetuned: 2.0", "review_rate_finetuned: 10.0")
    )
    assert main(["revisit", str(edited), "--update"]) == 1
    new = tmp_path / "0003-claims-triage.md"
    assert new.exists()
    assert parse_record(edited.read_text()).status == "superseded by 0003-claims-triage.md"
    assert "- Status: superseded by 0003-claims-triage.md" in edited.read_text()
    assert parse_record(new.read_text()).supersedes == "0002-claims-triage.md"


def test_decide_out_writes_the_same_renderer_output(k, tmp_path, capsys):
    assert main(["decide", str(EXAMPLE), "--samples", "200", "--out", str(tmp_path)]) == 0
    written = tmp_path / "0001-claims-triage.md"
    assert f"wrote {written}" in capsys.readouterr().err
    fm = parse_record(written.read_text())
    assert fm.answers["daily_requests"] == 150_000 and fm.assumptions == {"token_reduction": 0.25}


def test_committed_example_record_still_stands(capsys):
    assert main(["revisit", str(ROOT / "examples" / "decisions" / "0001-claims-triage.md")]) == 0
    assert "The recommendation stands: vendor-finetune." in capsys.readouterr().out


def test_rule_packs_deciders_and_status_are_kept_for_revisit(tmp_path, capsys):
    pack = tmp_path / "policy.toml"
    pack.write_text(
        '[[rule]]\nid = "policy.no_gpus"\ncriterion = "company policy"\nwhen.all = ["daily_requests >= 0"]\n'
        'then = { kind = "exclude", option = "self-host" }\nbecause = "We run no GPUs of our own this year."\n'
        'source = "Infrastructure board"\n'
    )
    out = tmp_path / "records"
    args = ["decide", str(EXAMPLE), "--samples", "0", "--out", str(out), "--rules", str(pack), "--decider", "Ada", "--status", "accepted"]
    assert main(args) == 0
    path = next(out.glob("*.md"))
    fm = parse_record(path.read_text())
    assert fm.rule_packs == [str(pack.resolve())] and fm.decision_makers == ["Ada"] and fm.status == "accepted"
    assert fm.recommendation != "self-host"
    capsys.readouterr()
    assert main(["revisit", str(path)]) == 0  # recomputed with the same pack, it stands
    assert "- Deciders: Ada" in path.read_text()


def test_readme_cost_table_is_the_example_records():
    def table(text: str) -> str:
        start = text.index("| option | one-time")
        return text[start : text.index("\n\n", start)]

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    record = (ROOT / "examples" / "decisions" / "0001-claims-triage.md").read_text(encoding="utf-8")
    assert table(readme) == table(record)


GOLDEN_TEXT = ROOT / "tests" / "golden" / "claims-triage.txt"


def test_golden_plain_text(example_decision):
    """What `buildbuy decide` prints, pinned like the record; regenerate with BUILDBUY_UPDATE_GOLDEN=1."""
    from advisor.views.text import render_text

    text = render_text(example_decision)
    if os.environ.get("BUILDBUY_UPDATE_GOLDEN"):
        GOLDEN_TEXT.write_text(text, encoding="utf-8")
    assert text == GOLDEN_TEXT.read_text(encoding="utf-8")
