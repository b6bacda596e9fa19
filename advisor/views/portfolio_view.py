"""Provides the text and Markdown views of a Portfolio (what `buildbuy portfolio` prints and writes)."""

from __future__ import annotations

from advisor.costs.money import usd, usd0
from advisor.decision.portfolio import Portfolio


def _rows(p: Portfolio) -> list[tuple[str, str, str, str]]:
    rows = []
    for u in p.use_cases:
        alone = u.decision.report.options[u.decision.option].tco_usd
        where = "self-host on the shared platform" if u.on_platform else u.option
        rows.append((u.decision.scenario.answers.use_case, u.file, f"{u.decision.option} {usd0(alone)}", f"{where} {usd0(u.tco_usd)}"))
    return rows


def _platform_lines(p: Portfolio) -> list[str]:
    plat = p.platform
    if plat is None:
        return ["No shared platform: fewer than two use cases are cheaper on one than on their own."]
    names = ", ".join(p.use_cases[i].decision.scenario.answers.use_case for i in plat.members)
    be = f"break-even against the API in month {plat.breakeven_month}" if plat.breakeven_month else "no break-even against the API within the horizon"
    return [
        f"Shared platform for {len(plat.members)} use cases ({names}): {plat.gpus} x {plat.gpu} at "
        f"{usd(plat.usd_per_gpu_hour)} per GPU-hour ({plat.hosting_reason}); {usd0(plat.one_time_usd)} one-time for the "
        f"serving build-out, then {usd0(plat.monthly_usd)} a month for GPUs and the shared team; {be}.",
    ]


def render_portfolio_text(p: Portfolio) -> str:
    rows = [("use case", "file", "on its own", "in the portfolio"), *_rows(p)]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    out = [f"buildbuy portfolio: {len(p.use_cases)} use case(s)", ""]
    for n, row in enumerate(rows):
        out.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    saving = p.standalone_tco_usd - p.portfolio_tco_usd
    out += ["", *_platform_lines(p), ""]
    out.append(
        f"Totals over each use case's horizon: all on the API {usd0(p.all_api_tco_usd)}; each decided on its own "
        f"{usd0(p.standalone_tco_usd)}; with the shared platform {usd0(p.portfolio_tco_usd)}"
        + (f" ({usd0(saving)} less)." if saving > 0.5 else ".")
    )
    if p.failures:
        out += ["", "Not decided:"] + [f"  ! {f}: {m}" for f, m in p.failures]
    return "\n".join(out) + "\n"


def render_portfolio_record(p: Portfolio, records: list[str], today: str) -> str:
    """A Markdown record of the portfolio that links each use case's own record."""
    out = ["---", "status: proposed", f"date: {today}", "---", "", "# Build or buy: the portfolio", ""]
    out += ["## Decision Outcome", "", *_platform_lines(p), ""]
    out += ["| use case | record | on its own | in the portfolio |", "| --- | --- | ---: | ---: |"]
    for record, row in zip(records, _rows(p), strict=True):
        name = row[0].replace("|", "\\|")
        out.append(f"| {name} | [{record}]({record}) | {row[2]} | {row[3]} |")
    out += [
        "",
        f"Totals: all on the API {usd(p.all_api_tco_usd)}; each on its own {usd(p.standalone_tco_usd)}; "
        f"with the shared platform {usd(p.portfolio_tco_usd)} (the sum of the use cases' shares).",
        "",
    ]
    return "\n".join(out)
