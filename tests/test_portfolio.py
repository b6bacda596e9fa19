"""`buildbuy portfolio`: many use cases in one process, a shared platform priced when it pays."""

from __future__ import annotations

import json

import pytest

from advisor.cli import main
from advisor.decision import decide
from advisor.decision.portfolio import build_portfolio, portfolio_json

SELF_HOST = '[answers]\nuse_case = "{name}"\ndaily_requests = 200000\nlabeled_examples = 5000\ndata_must_stay_in_house = true\n'


def write(folder, name, text):
    path = folder / name
    path.write_text(text)
    return path


def run(capsys, *args):
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_two_identical_self_hosted_use_cases_cost_less_together(tmp_path, capsys):
    for i in (1, 2):
        write(tmp_path, f"uc{i}.toml", SELF_HOST.format(name=f"triage {i}"))
    code, out, err = run(capsys, "portfolio", str(tmp_path), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["schema"] == "buildbuy.portfolio/1"
    alone = [u["standalone"] for u in data["use_cases"]]
    together = [u["portfolio"] for u in data["use_cases"]]
    assert all(a["option"] == "self-host" for a in alone) and all(t["shared_platform"] for t in together)
    assert sum(t["tco_usd"] for t in together) < sum(a["tco_usd"] for a in alone)
    assert data["platform"]["members"] == [u["file"] for u in data["use_cases"]]
    # one serving build-out for both: 8 engineer-weeks (14 for self-host less 6 for the adapter work)
    assert data["platform"]["one_time_usd"] == pytest.approx(8 * 220_000 / 52, abs=0.01)
    totals = data["totals"]
    assert totals["portfolio_tco_usd"] == pytest.approx(sum(t["tco_usd"] for t in together), abs=0.05)
    assert totals["standalone_tco_usd"] == pytest.approx(sum(a["tco_usd"] for a in alone), abs=0.05)
    assert totals["portfolio_tco_usd"] < totals["standalone_tco_usd"] <= totals["all_api_tco_usd"]


def test_a_use_case_joins_only_when_that_lowers_the_total(k, rules, scenario):
    from tests.conftest import TODAY

    big = [("a", decide(scenario(use_case=f"a{i}", daily_requests=200_000, labeled_examples=5_000, data_must_stay_in_house=True), k, rules, TODAY)) for i in range(2)]
    api_only = [("c", decide(scenario(use_case="tiny", daily_requests=300, labeled_examples=100), k, rules, TODAY))]
    p = build_portfolio(big + api_only, k, [])
    assert p.platform is not None and p.platform.members == (0, 1)
    tiny = p.use_cases[2]
    assert not tiny.on_platform and tiny.tco_usd == tiny.decision.report.options[tiny.decision.option].tco_usd
    for u in p.use_cases:  # nobody is worse off than on its own
        assert u.tco_usd <= u.decision.report.options[u.decision.option].tco_usd + 0.01
    assert portfolio_json(p)["totals"]["portfolio_tco_usd"] == pytest.approx(p.portfolio_tco_usd, abs=0.01)


def test_a_single_candidate_gets_no_platform(k, rules, scenario):
    from tests.conftest import TODAY

    one = [("a", decide(scenario(daily_requests=200_000, labeled_examples=5_000, data_must_stay_in_house=True), k, rules, TODAY))]
    p = build_portfolio(one, k, [])
    assert p.platform is None and p.portfolio_tco_usd == p.standalone_tco_usd


def test_a_bad_file_is_reported_by_name_and_the_rest_decided(tmp_path, capsys):
    write(tmp_path, "good.toml", SELF_HOST.format(name="good"))
    write(tmp_path, "bad.toml", "[answers]\ndaily_requests = -5\n")
    write(tmp_path, "broken.toml", "[answers\n")
    code, out, err = run(capsys, "portfolio", str(tmp_path), str(tmp_path / "missing.toml"), "--json")
    assert code == 2
    data = json.loads(out)
    assert [u["use_case"] for u in data["use_cases"]] == ["good"]
    messages = {e["file"].rsplit("/", 1)[-1]: e["message"] for e in data["errors"]}
    assert "answers.daily_requests = -5: must be at least 0" in messages["bad.toml"]
    assert "not valid TOML" in messages["broken.toml"] and messages["missing.toml"] == "no such file or folder"
    assert "bad.toml" in err and "Traceback" not in err


def test_portfolio_out_writes_a_record_per_use_case_and_one_linking_them(tmp_path, capsys):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in (1, 2):
        write(inputs, f"uc{i}.toml", SELF_HOST.format(name=f"triage {i}"))
    out_dir = tmp_path / "records"
    code, out, err = run(capsys, "portfolio", str(inputs), "--out", str(out_dir))
    assert code == 0, err
    names = sorted(p.name for p in out_dir.iterdir())
    assert names == ["0001-triage-1.md", "0002-triage-2.md", "0003-portfolio.md"]
    portfolio = (out_dir / "0003-portfolio.md").read_text()
    assert "[0001-triage-1.md](0001-triage-1.md)" in portfolio and "Shared platform for 2 use cases" in portfolio
    assert "Shared platform for 2 use cases" in out


async def test_the_tui_opens_a_folder_as_a_portfolio_table(tmp_path, monkeypatch):
    from textual.widgets import DataTable, Input, Static

    from advisor.tui.app import make_app

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    folder = tmp_path / "cases"
    folder.mkdir()
    for i in (1, 2):
        write(folder, f"uc{i}.toml", SELF_HOST.format(name=f"Radiology [PHI] {i}"))
    write(folder, "bad.toml", "[answers]\ndaily_requests = -5\n")
    app = make_app(samples=0)
    async with app.run_test(size=(120, 40)) as pilot:
        app.action_portfolio(folder)

        async def wait_for(check):
            for _ in range(200):
                if check():
                    return
                await pilot.pause(0.05)
            raise AssertionError("timed out")

        await wait_for(lambda: type(app.screen).__name__ == "PortfolioScreen" and bool(app.screen.query("#portfolio-table")))
        table = app.screen.query_one("#portfolio-table", DataTable)
        await wait_for(lambda: table.row_count == 2)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(2)]
        assert rows[0][0] == "Radiology [PHI] 1"  # typed text shown literally
        assert "self-host, shared platform" in rows[0][2] and rows[0][3].startswith("-$")
        summary = str(app.screen.query_one("#portfolio-summary", Static).render())
        assert "Shared platform: 2 use cases" in summary and "Not decided: bad.toml" in summary
        box = app.screen.query_one("#portfolio-folder", Input)
        box.value = str(tmp_path / "nowhere")
        await pilot.press("enter")
        await wait_for(lambda: "not a folder" in str(app.screen.query_one("#portfolio-summary", Static).render()))
        assert table.row_count == 0
