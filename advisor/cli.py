"""Provides the `buildbuy` command line. Errors become one line per problem on stderr, exit 2."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

from advisor import __version__
from advisor.errors import BuildBuyError, InputError, RulesError
from advisor.inputs.safe_text import clean, clip, one_line


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="buildbuy",
        description="Build (fine-tune and self-host) or buy (vendor API) for one LLM use case. "
        "Without a command, starts the guided interview.",
    )
    parser.add_argument("--version", action="version", version=f"buildbuy {__version__}")
    parser.add_argument(
        "--rules", dest="tui_rules", type=Path, action="append", default=[], metavar="PACK",
        help="a rule pack for the interview (repeatable); commands take their own --rules",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("decide", help="decide from an answers file and print the result")
    p.add_argument("answers", type=Path, nargs="?", help="answers TOML file ([answers], optional [assumptions])")
    p.add_argument("--from-text", type=Path, metavar="FILE", help="start from a description of the use case instead "
                   "of an answers file; writes the answers it used to FILE's name with .answers.toml")
    p.add_argument("--json", action="store_true", help="print the buildbuy.decision/1 JSON")
    p.add_argument("--rules", type=Path, action="append", default=[], metavar="PACK", help="add a rule pack (repeatable)")
    p.add_argument(
        "--assumptions", type=Path, action="append", default=[], metavar="FILE",
        help="an [assumptions] file (e.g. from `buildbuy calibrate`) that overrides knowledge figures (repeatable)",
    )
    p.add_argument("--out", type=Path, metavar="PATH", help="write the decision record to a folder or file")
    p.add_argument("--force", action="store_true", help="let --out overwrite an existing file")
    p.add_argument("--status", default="proposed", choices=["proposed", "accepted"], help="MADR status of the record")
    p.add_argument("--decision-maker", "--decider", dest="decider", action="append", default=[], metavar="NAME", help="a decision-maker named in the record (repeatable)")
    p.add_argument("--samples", type=int, default=10000, help="Monte Carlo samples (0 turns the analysis off)")
    p.add_argument("--seed", type=int, default=7, help="Monte Carlo seed")
    p.add_argument("--explain", action="store_true", help="add a plain-language explanation")
    p.add_argument("--audience", default="engineering lead", choices=["engineering lead", "finance partner", "executive"])

    p = sub.add_parser("calibrate", help="turn a `vllm bench serve --save-result` JSON into serving rates for --assumptions")
    p.add_argument("bench", type=Path, metavar="BENCH.json")
    p.add_argument("--gpu", default="h100-sxm", help="the GPU the benchmark ran on (default h100-sxm)")
    p.add_argument("--gpus", type=int, default=1, help="GPUs the benchmarked server used (tensor parallel; default 1)")
    p.add_argument("--model-size", default="8b", help="the model size class benchmarked (8b or 70b; default 8b)")
    p.add_argument("--out", type=Path, default=Path("buildbuy-calibration.toml"), metavar="FILE", help="where to write the assumptions file")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")

    p = sub.add_parser("portfolio", help="decide many use cases and price a shared platform for the fine-tuned ones")
    p.add_argument("paths", type=Path, nargs="+", metavar="PATH", help="answers files, or folders of them")
    p.add_argument("--json", action="store_true", help="print the buildbuy.portfolio/1 JSON")
    p.add_argument("--out", type=Path, metavar="DIR", help="write one record per use case and a portfolio record")
    p.add_argument("--rules", type=Path, action="append", default=[], metavar="PACK", help="add a rule pack (repeatable)")

    sub.add_parser("example", help="print a complete, commented answers file")
    sub.add_parser("knowledge", help="list every knowledge figure with its source and as_of")

    p = sub.add_parser("rules", help="list the rules, or check a rule pack")
    p.add_argument("--check", type=Path, metavar="FILE", help="validate a rule pack; exit 0 if fine, 2 if not")
    p.add_argument("--rules", type=Path, action="append", default=[], metavar="PACK", help="also list a rule pack")

    p = sub.add_parser("revisit", help="recompute a decision record with today's knowledge and rules")
    p.add_argument("record", type=Path)
    p.add_argument("--rules", type=Path, action="append", default=[], metavar="PACK")
    p.add_argument("--update", action="store_true", help="write a new record that supersedes the old one")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")
    return parser


_FLAG_RANGES = {"samples": (0, 100_000), "seed": (0, 2**32 - 1)}


def _check_flags(args: argparse.Namespace) -> None:
    problems = []
    for name, (low, high) in _FLAG_RANGES.items():
        value = getattr(args, name, None)
        if value is not None and not low <= value <= high:
            problems.append(f"--{name} {value}: must be a whole number from {low:,} to {high:,}")
    names = getattr(args, "decider", None) or []
    args.decider = [one_line(n).strip() for n in names]
    for name in args.decider:
        if not name or len(name) > 200:
            problems.append(f"--decision-maker {clip(name, 60)!r}: must be a name of 1 to 200 characters")
    if problems:
        raise InputError(problems)


def _say(problem: str) -> None:
    # messages may quote file content or user text: no escape sequences, no 50 MB lines
    print(f"buildbuy: {clip(clean(problem, newlines=False), MAX_MESSAGE_CHARS)}", file=sys.stderr)


MAX_MESSAGE_CHARS = 1000


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        _check_flags(args)
        if args.command is None:
            from advisor.tui.launch import run_tui

            return run_tui(args.tui_rules)
        handler = {
            "decide": _decide,
            "calibrate": _calibrate,
            "portfolio": _portfolio,
            "example": _example,
            "knowledge": _knowledge,
            "rules": _rules,
            "revisit": _revisit,
        }[args.command]
        return handler(args)
    except BuildBuyError as exc:
        for problem in exc.problems[:50]:
            _say(problem)
        if len(exc.problems) > 50:
            _say(f"... and {len(exc.problems) - 50:,} more problems")
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `buildbuy knowledge | head`: the reader left, that is fine
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # a file we write or read failed in a way no layer above foresaw
        where = exc.filename if exc.filename is not None else "a file"
        _say(f"{where}: {exc.strerror or exc}")
        return 2
    except (RecursionError, MemoryError) as exc:
        _say(f"the input is too large or too deeply nested to process ({type(exc).__name__})")
        return 2
    except Exception as exc:  # noqa: BLE001 - exit 1 means "decision changed" to revisit: errors are 2
        _say(f"unexpected error ({type(exc).__name__}: {exc}); please report it")
        return 2


def _today() -> dt.date:
    return dt.date.today()


def _decide(args: argparse.Namespace) -> int:
    from advisor.engine import Engine
    from advisor.inputs.knowledge import load_knowledge
    from advisor.inputs.scenario import load_answers_file

    k = load_knowledge()
    if args.from_text is not None:
        if args.answers is not None:
            raise BuildBuyError("give an answers file or --from-text FILE, not both")
        from advisor.interview.describe import answers_from_text

        args.answers = answers_from_text(args.from_text, k)
    elif args.answers is None:
        raise BuildBuyError("decide needs an answers file or --from-text FILE (`buildbuy example` prints an answers file)")
    scenario = load_answers_file(args.answers, k)
    if args.assumptions:
        from advisor.costs.calibrate import read_assumptions

        for path in args.assumptions:  # later files win, and all win over the answers file's own
            scenario = scenario.with_changes(**read_assumptions(path, k))
    engine = Engine.load(args.rules, today=_today(), k=k)
    decision = engine.decide(scenario, samples=args.samples, seed=args.seed)
    explanation = None
    if args.explain:
        from advisor.llm.explain import explain_for_cli

        explanation = explain_for_cli(decision, k, audience=args.audience)
    if args.out:
        from advisor.records import refuse_input_as_output, save_record

        refuse_input_as_output(args.out, [args.answers, *args.rules])
        path = save_record(
            decision, k, args.out, force=args.force, explanation=explanation, status=args.status,
            deciders=args.decider, rule_packs=[str(p.resolve()) for p in args.rules],
        )
        print(f"buildbuy: wrote {path}", file=sys.stderr)
    if args.json:
        from advisor.views.json_view import decision_json, dumps

        data = decision_json(decision, k)
        if explanation is not None:
            data["explanation"] = explanation.as_dict()
        print(dumps(data))
    else:
        from advisor.views.text import render_text

        print(clean(render_text(decision)), end="")
        if explanation is not None:
            print(clean("\nExplanation" + (f" ({explanation.note})" if explanation.note else "") + ":\n"))
            print(clean(explanation.text))
            if explanation.check_note:
                print(f"\n{clean(explanation.check_note)}")
    return 0


def _portfolio(args: argparse.Namespace) -> int:
    from advisor.decision.portfolio import build_portfolio, portfolio_json
    from advisor.engine import Engine
    from advisor.inputs.scenario import load_answers_file
    from advisor.views.portfolio_view import render_portfolio_record, render_portfolio_text

    engine = Engine.load(args.rules, today=_today())
    k = engine.k
    files: list[Path] = []
    failures: list[tuple[str, str]] = []
    for path in args.paths:
        if path.is_dir():
            files += sorted(p for p in path.glob("*.toml") if p.is_file())
        elif path.exists():
            files.append(path)
        else:
            failures.append((str(path), "no such file or folder"))
    decided = []
    today = engine.today
    for path in files:
        try:
            decided.append((str(path), engine.decide(load_answers_file(path, k))))
        except BuildBuyError as exc:  # report it by name and decide the rest
            problems = [q.removeprefix(f"{path}: ") for q in exc.problems]
            failures.append((str(path), "; ".join(problems)))
    result = build_portfolio(decided, k, failures)
    if args.out:
        from advisor.records import next_record_path, save_record, write_atomic

        names = [save_record(u.decision, k, args.out).name for u in result.use_cases]
        target = next_record_path(args.out, "portfolio")
        write_atomic(target, render_portfolio_record(result, names, today.isoformat()), force=False)
        print(f"buildbuy: wrote {len(names)} record(s) and {target}", file=sys.stderr)
    if args.json:
        from advisor.views.json_view import dumps

        print(dumps(portfolio_json(result)))
        for path, message in failures:  # the text view lists them itself
            print(f"buildbuy: {path}: {message}", file=sys.stderr)
    else:
        print(render_portfolio_text(result), end="")
    return 2 if failures else 0


def _calibrate(args: argparse.Namespace) -> int:
    from advisor.costs.calibrate import read_bench
    from advisor.errors import InputError
    from advisor.inputs.knowledge import load_knowledge

    result = read_bench(args.bench, load_knowledge(), gpu=args.gpu, gpus=args.gpus, model_size=args.model_size)
    if args.out.resolve() == args.bench.resolve():
        raise InputError(f"--out {args.out}: that is the benchmark file itself; choose another path")
    if args.out.exists() and not args.force:
        raise InputError(f"--out {args.out}: exists; pass --force to overwrite it")
    try:
        args.out.write_text(result.toml(), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"--out {args.out}: cannot write it ({exc.strerror})") from None
    print(
        f"buildbuy: wrote {args.out}: prefill {result.prefill_tps:,.0f} and decode {result.decode_tps:,.0f} "
        f"tokens/s per {result.gpu}; use it with `buildbuy decide ANSWERS.toml --assumptions {args.out}`"
    )
    return 0


def _example(args: argparse.Namespace) -> int:
    from advisor.inputs.example import example_answers
    from advisor.inputs.knowledge import load_knowledge

    print(example_answers(load_knowledge()), end="")
    return 0


def _knowledge(args: argparse.Namespace) -> int:
    from advisor.inputs.knowledge import load_knowledge

    k = load_knowledge()
    today = _today()
    limit = int(k.figure_value("stale_after_days") or 180)
    print(f"knowledge as_of {k.as_of.isoformat()} ({len(k.sourced_items())} entries; '!' marks entries older than {limit} days)\n")
    for name, item in k.sourced_items():
        value = item.shown()
        stale = "!" if (today - item.as_of).days > limit else " "
        shown = "(set per scenario)" if value is None else str(value).lower() if isinstance(value, bool) else value
        print(clean(f"{stale} {name} = {shown}\n    source: {item.source}; as_of {item.as_of.isoformat()}"))
    print("\nAPI prices come from genai-prices (offline data bundled with the package).")
    return 0


def _rules(args: argparse.Namespace) -> int:
    from advisor.costs import COST_DRIVERS
    from advisor.inputs.knowledge import load_knowledge
    from advisor.rulebase import bundled_rule_files, check_rules, load_rule_files
    from advisor.rulebase.facts import fact_types

    k = load_knowledge()
    if args.check:
        from advisor.rulebase.logic import semantic_problems
        from advisor.rulebase.probe import prove_runs

        paths = bundled_rule_files() + [args.check]
        rules = load_rule_files(paths)
        types = fact_types(k)
        check_rules(rules, types)
        own = [r for r in rules if r.file == str(args.check)]
        problems = semantic_problems(rules, types, only={r.id for r in own})
        if problems:
            raise RulesError(problems)
        cases = prove_runs(paths, args.check)  # the engine itself must run the pack, in a child process
        print(f"{clean(str(args.check), newlines=False)}: {len(own)} rule(s), all valid; ran in the rule engine on {cases} fact set(s) with their conditions true")
        return 0
    rules = load_rule_files(bundled_rule_files() + list(args.rules))
    check_rules(rules, fact_types(k))
    for loaded in rules:
        r = loaded.rule
        then = r.then
        effect = {
            "lean": f"lean {then.option} {then.weight:+d}",
            "derive": f"derive {then.fact}" + (" (priced by the cost engine)" if then.fact in COST_DRIVERS else ""),
        }.get(then.kind, f"{then.kind} {then.option or ''}".rstrip())
        when = " and ".join(r.when.all + ([f"any of ({' or '.join(r.when.any)})"] if r.when.any else []))
        print(clean(f"{r.id}  [{r.criterion}]  {effect}\n    when {when}\n    {r.because}"))
    return 0


def _revisit(args: argparse.Namespace) -> int:
    from advisor.records import revisit_command

    return revisit_command(args.record, rules=args.rules, update=args.update, as_json=args.json, today=_today())
