"""Bad input of every class found by the fuzz pass of issue 15: exit 2, one line naming it, nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from advisor.cli import main
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "claims-triage.toml"


def run(capsys, *args: str) -> tuple[int, str, str]:
    start = time.monotonic()
    code = main(list(args))
    out, err = capsys.readouterr()
    assert time.monotonic() - start < 10
    return code, out, err


def one_clear_line(err: str, *needles: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err[:2000]
    assert lines[0].startswith("buildbuy: ")
    assert "Traceback" not in err
    assert len(lines[0]) < 1200
    for needle in needles:
        assert needle in lines[0], lines[0][:500]


def files_in(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if "xdg_" not in str(p)}


# --- item 3: answers files ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, needle",
    [
        ("[answers]\nuse_case = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
        ("[answers]\nuse_case = " + "{a = " * 800 + "1" + "}" * 800 + "\n", "nested too deeply"),
        ("[answers]\nuse_case = " + "[" * 40 + "]" * 40 + "\n", "nested too deeply"),
        ("[answers]\n" + "".join(f"k{i} = 1\n" for i in range(30000)), "at most 262,144 are accepted"),
    ],
    ids=["5000-deep-arrays", "800-deep-tables", "40-deep-arrays", "huge-file"],
)
def test_hostile_answers_files(tmp_path, capsys, text, needle):
    path = tmp_path / "a.toml"
    path.write_text(text)
    code, out, err = run(capsys, "decide", str(path), "--samples", "0")
    assert code == 2
    one_clear_line(err, str(path), needle)


def test_many_unknown_keys_are_reported_briefly(tmp_path, capsys):
    path = tmp_path / "a.toml"
    path.write_text("[answers]\n" + "".join(f"k{i} = 1\n" for i in range(5000)))
    code, _, err = run(capsys, "decide", str(path), "--samples", "0")
    assert code == 2
    assert len(err.splitlines()) <= 22 and "more unknown answers" in err


@pytest.mark.parametrize("target", ["/dev/zero", "folder", "fifo"])
def test_answers_path_that_is_not_a_regular_file(tmp_path, capsys, target):
    if target == "folder":
        path = tmp_path / "d.toml"
        path.mkdir()
        needle = "is a folder"
    elif target == "fifo":
        path = tmp_path / "p.toml"
        os.mkfifo(path)
        needle = "not a regular file"
    else:
        path = Path(target)
        needle = "not a regular file"
    code, _, err = run(capsys, "decide", str(path), "--samples", "0")
    assert code == 2
    one_clear_line(err, needle)


# --- item 4: [assumptions] overrides ----------------------------------------------------------


@pytest.mark.parametrize(
    "line, needle",
    [
        ('finetune_method = "qlora-xl"', "assumptions.finetune_method = 'qlora-xl': not a known choice; allowed: "),
        ('serving_model_size = "405b"', "assumptions.serving_model_size = '405b': not a known choice; allowed: 70b, 8b"),
        ("gpu_usd_per_hour = 1e308", "assumptions.gpu_usd_per_hour = 1e+308: must be above 0"),
        ("ml_engineer_usd_per_year = 1e308", "assumptions.ml_engineer_usd_per_year = 1e+308: must be between 0 and"),
        ("flops_per_param_token = 1e308", "assumptions.flops_per_param_token = 1e+308"),
        ("experiment_runs = 1e308", "assumptions.experiment_runs = 1e+308"),
        ("run_overhead_hours = 1e308", "assumptions.run_overhead_hours = 1e+308"),
        ("batch_utilization = 0", "assumptions.batch_utilization = 0: must be above 0 and at most 1"),
        ("training_efficiency = 0", "assumptions.training_efficiency = 0: must be above 0 and at most 1"),
        ("epochs = nan", "assumptions.epochs = nan"),
        ("api_price_factor = -inf", "assumptions.api_price_factor = -inf"),
    ],
)
def test_bad_overrides_name_the_figure_and_range(tmp_path, capsys, line, needle):
    path = tmp_path / "a.toml"
    path.write_text(f'[answers]\nuse_case = "x"\n[assumptions]\n{line}\n')
    code, _, err = run(capsys, "decide", str(path), "--samples", "50")
    assert code == 2
    one_clear_line(err, needle)


# --- item 5: numeric flags --------------------------------------------------------------------


@pytest.mark.parametrize(
    "flags, needle",
    [(["--samples", "-1"], "--samples -1: must be a whole number from 0 to 100,000"),
     (["--samples", "10000000"], "--samples 10000000"),
     (["--seed", "-5"], "--seed -5")],
)
def test_numeric_flags_are_validated(capsys, flags, needle):
    code, _, err = run(capsys, "decide", str(EXAMPLE), *flags)
    assert code == 2
    one_clear_line(err, needle)


# --- item 6: --out ----------------------------------------------------------------------------


def test_out_with_a_name_too_long_for_the_file_system(tmp_path, capsys):
    target = tmp_path / ("x" * 300 + ".md")
    code, _, err = run(capsys, "decide", str(EXAMPLE), "--samples", "0", "--out", str(target))
    assert code == 2
    one_clear_line(err, "File name too long")


def test_out_in_a_folder_that_cannot_be_created(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run(capsys, "decide", str(EXAMPLE), "--samples", "0", "--out", str(blocker / "sub"))
    assert code == 2
    one_clear_line(err, str(blocker / "sub"))


def test_long_use_case_gives_a_bounded_file_name(tmp_path, capsys):
    answers = tmp_path / "a.toml"
    answers.write_text('[answers]\nuse_case = "' + "word " * 39 + 'end"\n')
    code, _, err = run(capsys, "decide", str(answers), "--samples", "0", "--out", str(tmp_path / "out"))
    assert code == 0, err
    (written,) = (tmp_path / "out").glob("*.md")
    assert len(written.name) <= 70


# --- item 10: concurrent records, --out naming an input ----------------------------------------


@pytest.mark.parametrize("force", [False, True])
def test_concurrent_writers_never_share_a_number(tmp_path, force):
    out = tmp_path / "records"
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "advisor", "decide", str(EXAMPLE), "--samples", "0", "--out", str(out)]
            + (["--force"] if force else []),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(12)
    ]
    results = [(p.returncode, p.communicate(timeout=120)[1]) for p in procs]
    results = [(p.returncode, err) for p, (_, err) in zip(procs, results, strict=True)]
    failed = [err for code, err in results if code != 0]
    assert failed == [], "\n---\n".join(failed)
    written = sorted(p.name for p in out.glob("*.md"))
    assert len(written) == 12
    assert [name[:4] for name in written] == [f"{i:04d}" for i in range(1, 13)]
    assert not list(out.glob(".*.tmp"))


def test_out_never_names_an_input_file(tmp_path, capsys):
    answers = tmp_path / "a.toml"
    answers.write_text(EXAMPLE.read_text())
    before = answers.read_text()
    code, _, err = run(capsys, "decide", str(answers), "--samples", "0", "--out", str(answers), "--force")
    assert code == 2
    one_clear_line(err, "is an input file of this command")
    assert answers.read_text() == before
    pack = tmp_path / "pack.toml"
    pack.write_text("")
    code, _, err = run(capsys, "decide", str(answers), "--samples", "0", "--rules", str(pack), "--out", str(pack), "--force")
    assert code == 2 and pack.read_text() == ""


def test_records_are_ordinary_files(tmp_path, capsys):
    code, _, _ = run(capsys, "decide", str(EXAMPLE), "--samples", "0", "--out", str(tmp_path / "r"))
    assert code == 0
    (written,) = (tmp_path / "r").glob("*.md")
    mask = os.umask(0)
    os.umask(mask)
    assert written.stat().st_mode & 0o777 == 0o666 & ~mask


# --- MADR 4 front matter ------------------------------------------------------------------------


def test_records_use_madr4_names_and_old_records_still_read(tmp_path, capsys):
    code, _, _ = run(capsys, "decide", str(EXAMPLE), "--samples", "0", "--out", str(tmp_path / "r"), "--decider", "Ada")
    assert code == 0
    (written,) = (tmp_path / "r").glob("*.md")
    head = written.read_text().split("\n---\n", 1)[0]
    assert "\ndecision-makers:\n- Ada\n" in head and "\nconsulted: []\n" in head and "\ninformed: []\n" in head
    assert "deciders" not in head
    old = tmp_path / "old.md"
    old.write_text(written.read_text().replace("decision-makers:", "deciders:").replace("consulted: []\ninformed: []\n", ""))
    from advisor.records import parse_record

    assert parse_record(old.read_text()).decision_makers == ["Ada"]
    code, out, err = run(capsys, "revisit", str(old))
    assert code == 0, err


# --- items 7 and 11: revisit on tampered records, its exit codes and --update ---------------------


@pytest.fixture
def record(tmp_path, capsys) -> Path:
    code, _, err = run(capsys, "decide", str(EXAMPLE), "--samples", "0", "--out", str(tmp_path / "records"))
    assert code == 0, err
    return next((tmp_path / "records").glob("*.md"))


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


@pytest.mark.parametrize(
    "edit, needle",
    [
        (lambda fm: BOMB + fm, "YAML anchor"),
        (lambda fm: "deep: " + "[" * 1000 + "]" * 1000 + "\n" + fm, "front matter"),
        (lambda fm: "deep: " + "[" * 20 + "]" * 20 + "\n" + fm, "nested too deeply"),
        (lambda fm: fm + "\nsurprise: 1", "front matter: surprise: unknown key"),
        (lambda fm: fm.replace("tco_usd: ", "tco_usd: null #", 1), "front matter: figures."),
        (lambda fm: fm.replace("daily_requests: 150000", "daily_requests: 1.0e+308"), "answers.daily_requests"),
        (lambda fm: fm.replace("\nassumptions:\n", "\nassumptions:\n  batch_utilization: 0\n"), "assumptions.batch_utilization = 0"),
        (lambda fm: fm.replace("\nassumptions:\n", "\nassumptions:\n  finetune_method: qlora-xl\n"), "assumptions.finetune_method"),
        (lambda fm: fm.replace("findings:", "findings:\n- \"\\e]0;pwned\\a\""), "front matter: findings."),
    ],
    ids=["alias-bomb", "1000-deep", "20-deep", "extra-key", "null-figure", "1e308-answer", "zero-divisor", "unknown-choice", "escape-in-findings"],
)
def test_revisit_on_a_tampered_record_exits_2_naming_the_field(record, capsys, edit, needle):
    text = record.read_text()
    fm, body = text[4:].split("\n---\n", 1)
    record.write_text("---\n" + edit(fm) + "\n---\n" + body)
    code, out, err = run(capsys, "revisit", str(record))
    assert code == 2
    one_clear_line(err, str(record), needle)
    assert "\x1b" not in err


def test_revisit_crash_is_exit_2_not_1(record, capsys, monkeypatch):
    import advisor.records.revisit as record_io

    def broken(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(record_io, "recompute", broken)
    code, _, err = run(capsys, "revisit", str(record))
    assert code == 2
    one_clear_line(err, "unexpected error")


def test_update_keeps_comments_and_refuses_a_second_update(record, capsys):
    text = record.read_text()
    record.write_text(text.replace("\nconfidence:", "\n# reviewed by the platform team\nconfidence:", 1))
    code, _, err = run(capsys, "revisit", str(record), "--update")
    assert code in (0, 1), err
    updated = record.read_text()
    assert "# reviewed by the platform team" in updated
    assert 'status: "superseded by 0002-' in updated
    before = sorted(p.name for p in record.parent.glob("*.md"))
    code, _, err = run(capsys, "revisit", str(record), "--update")
    assert code == 2
    one_clear_line(err, "is already superseded by 0002-")
    assert sorted(p.name for p in record.parent.glob("*.md")) == before


def test_update_refuses_symlinked_and_read_only_records(record, capsys):
    link = record.parent / "link.md"
    link.symlink_to(record.name)
    code, _, err = run(capsys, "revisit", str(link), "--update")
    assert code == 2
    one_clear_line(err, "symbolic link")
    assert link.is_symlink()
    record.chmod(0o444)
    before = record.read_text()
    code, _, err = run(capsys, "revisit", str(record), "--update")
    assert code == 2
    one_clear_line(err, "read-only")
    assert record.read_text() == before and len(list(record.parent.glob("*.md"))) == 2  # record + link


# --- item 13 (CLI and records): control characters and huge text --------------------------------


def test_escape_codes_in_use_case_never_reach_terminal_or_record(tmp_path, capsys):
    answers = tmp_path / "a.toml"
    answers.write_text('[answers]\nuse_case = "claims \\u001b]0;pwned\\u0007\\u001b[2J triage"\n')
    code, out, err = run(capsys, "decide", str(answers), "--samples", "0", "--out", str(tmp_path / "r"))
    assert code == 0, err
    assert "\x1b" not in out and "\x07" not in out
    (written,) = (tmp_path / "r").glob("*.md")
    assert "\x1b" not in written.read_text() and "\x07" not in written.read_text()
    assert "claims ]0;pwned[2J triage" in out


def test_escape_codes_in_rule_text_are_not_echoed(tmp_path, capsys):
    pack = tmp_path / "pack.toml"
    pack.write_text(
        '[[rule]]\nid = "p.esc"\ncriterion = "c\\u001b[2J"\nwhen.all = ["daily_requests >= 0"]\n'
        'then = { kind = "advise" }\nbecause = "clears \\u001b]0;title\\u0007 the screen"\nsource = "s"\n'
    )
    code, out, err = run(capsys, "rules", "--rules", str(pack))
    assert code == 0, err
    assert "\x1b" not in out and "clears ]0;title the screen" in out
    code, out, err = run(capsys, "decide", str(EXAMPLE), "--rules", str(pack), "--samples", "0", "--out", str(tmp_path / "r"))
    assert code == 0, err
    assert "\x1b" not in out
    assert "\x1b" not in next((tmp_path / "r").glob("*.md")).read_text()


def test_a_50mb_use_case_is_not_echoed_whole(tmp_path, capsys):
    answers = tmp_path / "a.toml"
    answers.write_text('[answers]\nuse_case = "' + "x" * 200_000 + '"\n')
    code, _, err = run(capsys, "decide", str(answers), "--samples", "0")
    assert code == 2
    one_clear_line(err, "answers.use_case", "200,000 characters", "at most 200 characters")


def test_escape_codes_in_error_messages_are_stripped(tmp_path, capsys):
    answers = tmp_path / "a.toml"
    answers.write_text('[answers]\ndaily_requests = "\\u001b[2J"\n')
    code, _, err = run(capsys, "decide", str(answers), "--samples", "0")
    assert code == 2
    assert "\x1b" not in err
    one_clear_line(err, "answers.daily_requests")


def test_rule_text_is_clean_from_the_moment_it_is_loaded(tmp_path):
    """Every view (TUI, JSON, explanation) reads the loaded rule: none has to remember to clean it."""
    from advisor.rulebase import load_rule_files

    pack = tmp_path / "pack.toml"
    pack.write_text(
        '[[rule]]\nid = "p.esc"\ncriterion = "c\\u001b[2J"\nwhen.all = ["daily_requests >= 0"]\n'
        'then = { kind = "advise" }\nbecause = "clears \\u001b]0;title\\u0007 the\\nscreen"\nsource = "s\\u009b"\n'
    )
    (rule,) = load_rule_files([pack])
    assert (rule.rule.criterion, rule.rule.because, rule.rule.source) == ("c[2J", "clears ]0;title the screen", "s")


def test_a_byte_order_mark_is_not_content(tmp_path, capsys):
    path = tmp_path / "a.toml"
    path.write_bytes(b"\xef\xbb\xbf[answers]\nuse_case = \"bom\"\n")
    code, out, err = run(capsys, "decide", str(path), "--samples", "0")
    assert code == 0, err


def test_decision_makers_are_validated_and_readable_back(tmp_path, capsys):
    code, _, err = run(capsys, "decide", str(EXAMPLE), "--samples", "0", "--decision-maker", "x" * 300)
    assert code == 2
    one_clear_line(err, "--decision-maker", "1 to 200 characters")
    out = tmp_path / "r"
    code, _, err = run(capsys, "decide", str(EXAMPLE), "--samples", "0", "--out", str(out), "--decision-maker", "Ada\x1b[2J", "--decider", "Bob")
    assert code == 0, err
    record = next(out.glob("*.md"))
    from advisor.records import parse_record

    assert parse_record(record.read_text()).decision_makers == ["Ada[2J", "Bob"]
    code, _, err = run(capsys, "revisit", str(record))
    assert code == 0, err


@pytest.mark.parametrize("extreme", ["max", "min"])
def test_records_of_extreme_answers_read_back(tmp_path, capsys, extreme):
    """Every record decide writes passes the front matter model that revisit reads it with."""
    from advisor.inputs.scenario import Answers

    lines = [f'use_case = "{extreme}"']
    for name, field in Answers.model_fields.items():
        bound = next((getattr(m, "le" if extreme == "max" else "ge", None) for m in field.metadata if hasattr(m, "le" if extreme == "max" else "ge")), None)
        if bound is not None and field.annotation in (int, float):
            lines.append(f"{name} = {field.annotation(bound)!r}")
    answers = tmp_path / "a.toml"
    answers.write_text("[answers]\n" + "\n".join(lines) + "\n")
    code, _, err = run(capsys, "decide", str(answers), "--samples", "20", "--out", str(tmp_path / "r"))
    assert code == 0, err
    code, out, err = run(capsys, "revisit", str(next((tmp_path / "r").glob("*.md"))))
    assert code == 0, err


def test_records_are_written_where_hard_links_are_not_supported(tmp_path, capsys, monkeypatch):
    import errno as _errno

    def no_links(src, dst):
        raise OSError(_errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    out = tmp_path / "r"
    for _ in range(2):
        code, _, err = run(capsys, "decide", str(EXAMPLE), "--samples", "0", "--out", str(out))
        assert code == 0, err
    assert sorted(p.name[:4] for p in out.glob("*.md")) == ["0001", "0002"]
    assert not list(out.glob(".*.tmp"))


def test_a_figure_can_state_its_own_sane_range():
    import datetime as dt

    from advisor.inputs.knowledge import Figure
    from advisor.inputs.scenario import _sane_range

    fig = Figure(value=2, unit="GPUs", min=1, max=16, source="s", as_of=dt.date(2026, 1, 1))
    assert _sane_range("ha_gpus", fig) == (1.0, 16.0, False)
    plain = Figure(value=2, unit="GPUs", source="s", as_of=dt.date(2026, 1, 1))
    assert _sane_range("ha_gpus", plain) == (0.0, 2000.0, False)
    fraction = Figure(value=0.9, unit="fraction of full-load throughput", source="s", as_of=dt.date(2026, 1, 1))
    assert _sane_range("batch_utilization", fraction) == (0.0, 1.0, True)


def test_a_folder_target_is_recognised_by_its_name_even_if_another_writer_creates_it(tmp_path, monkeypatch):
    """A writer that saw no folder, then saw it exist (another writer made it in between), must
    still write into it, not try to overwrite it as a file."""
    from pathlib import Path

    from advisor.records.store import _is_folder_target

    target = tmp_path / "records"
    calls = {"n": 0}
    real_is_dir = Path.is_dir

    def is_dir_then_created(self):  # first look: not there yet; meanwhile someone creates it
        calls["n"] += 1
        if self == target and calls["n"] == 1:
            target.mkdir()
            return False
        return real_is_dir(self)

    monkeypatch.setattr(Path, "is_dir", is_dir_then_created)
    assert _is_folder_target(target)
    assert not _is_folder_target(tmp_path / "0001-x.md")
