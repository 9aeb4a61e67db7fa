"""Side-by-side timings and evaluation counts against scipy and lmfit, when they are installed.

The problems are those of ``python -m refopt verify``: Moré, Garbow & Hillstrom (ACM TOMS 7(1),
1981), Hock & Schittkowski (1981) and the NIST StRD nonlinear regression datasets.

``python -m refopt bench [--against scipy|lmfit] [--json FILE]`` runs the cases of
:mod:`refopt.benchmarks` — the verification problems for lm, trf, dogbox, BFGS, CG,
Nelder–Mead, Powell, L-BFGS-B and SLSQP, a large sparse problem and an lmfit-style fit —
through refopt and through the anchor library, alternating the two in one process, and prints
per case the ratios refopt/anchor of the wall time (median of repeats) and of nfev and njev,
with the machine noted. A refopt piece that does not exist yet is reported as "not
implemented yet"; an anchor that is not installed is reported as such. Without the anchor
library the command lists what it would compare and exits cleanly.

Timing: one untimed run of each side first (it warms imports and caches and gives the
counts), then repeats alternating which side goes first; the median of the repeats is
reported (fewer repeats for slow cases, so that a side spends about a second per case). refopt is
pure Python and numpy, while scipy's solvers are partly compiled, so time ratios well above 1
are expected; the counts are where the two should agree.
"""

from __future__ import annotations

import argparse
import json
import math
import pathlib
import platform
import statistics
import sys
import time
import warnings

import numpy as np

from .benchmarks import Case, all_cases, anchor_available, import_anchor

LIBRARIES = ("scipy", "lmfit", "asteval")
MAX_SECONDS_PER_SIDE = 1.0  # fewer repeats for slow cases


def machine() -> dict:
    """Where the figures were measured: platform, CPU, Python, numpy and anchor versions."""
    info = {"platform": platform.platform(), "cpu": _cpu_name(), "python": platform.python_version(),
            "numpy": np.__version__}
    for library in LIBRARIES:
        try:
            info[library] = getattr(import_anchor(library), "__version__", "?")
        except ImportError:
            continue
    return info


def _cpu_name() -> str:
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


# [measure]
def _timed(runner):
    began = time.perf_counter()
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        out = runner()
    return time.perf_counter() - began, out


def measure(case: Case, repeats: int) -> dict:
    """Run one case on both sides, alternating, and return the figures."""
    row = {"case": case.name, "group": case.group, "anchor": case.anchor_name, "note": case.note}
    if case.run is None:
        return {**row, "status": "not implemented yet"}
    try:
        refopt_time, refopt_out = _timed(case.run)
    except NotImplementedError as exc:
        return {**row, "status": "not implemented yet", "detail": str(exc)}
    except Exception as exc:  # a failing case is reported, the bench goes on
        return {**row, "status": "refopt error", "detail": f"{type(exc).__name__}: {exc}"}
    if case.anchor is None:
        return {**row, "status": "no anchor", **_counts("refopt", refopt_out)}
    try:
        anchor_time, anchor_out = _timed(case.anchor)
    except ImportError as exc:
        return {**row, "status": "anchor not installed", "detail": str(exc), **_counts("refopt", refopt_out)}
    except Exception as exc:
        return {**row, "status": "anchor error", "detail": f"{type(exc).__name__}: {exc}"}
    # the first runs above were warm-ups (imports, caches) and gave the counts; now time
    times: dict[str, list] = {"refopt": [], "anchor": []}
    slow = max(refopt_time, anchor_time)
    count = max(1, min(repeats, int(MAX_SECONDS_PER_SIDE / max(slow, 1e-9))))
    for k in range(count):  # alternate which side goes first
        order = (("refopt", case.run), ("anchor", case.anchor)) if k % 2 == 0 else \
                (("anchor", case.anchor), ("refopt", case.run))
        for side, runner in order:
            times[side].append(_timed(runner)[0])
    t_ref, t_anchor = statistics.median(times["refopt"]), statistics.median(times["anchor"])
    row.update(status="ok", repeats=len(times["refopt"]), time_refopt=t_ref, time_anchor=t_anchor,
               time_ratio=t_ref / t_anchor if t_anchor > 0 else math.inf,
               **_counts("refopt", refopt_out), **_counts("anchor", anchor_out))
    for key in ("nfev", "njev", "nhev"):
        a, b = row.get(f"{key}_refopt"), row.get(f"{key}_anchor")
        row[f"{key}_ratio"] = a / b if a is not None and b else None
    x_ref, x_anchor = refopt_out.get("x"), anchor_out.get("x")
    if x_ref is not None and x_anchor is not None:
        diff = np.max(np.abs(np.asarray(x_ref) - np.asarray(x_anchor)), initial=0.0)
        scale = np.max(np.abs(np.asarray(x_anchor)), initial=0.0)
        row["x_rel_diff"] = float(diff / scale) if scale > 0 else float(diff)
    return row


def _counts(side, out) -> dict:
    return {f"{key}_{side}": (None if out.get(key) is None else int(out[key]))
            for key in ("nfev", "njev", "nhev", "nit")}


# [/measure]


def _fmt_ratio(value) -> str:
    return "-" if value is None else f"{value:.2f}"


def print_row(row, out=None) -> None:
    out = sys.stdout if out is None else out
    if row["status"] != "ok":
        detail = f" ({row['detail']})" if row.get("detail") else ""
        print(f"{row['case']:<52} {row['status']}{detail}", file=out, flush=True)
        return
    nfev = f"{row['nfev_refopt']}/{row['nfev_anchor']}"
    njev = "-" if row.get("njev_refopt") is None else f"{row['njev_refopt']}/{row.get('njev_anchor')}"
    print(f"{row['case']:<52} {row['time_refopt'] * 1e3:>9.2f} {row['time_anchor'] * 1e3:>9.2f} "
          f"{row['time_ratio']:>7.1f} {nfev:>11} {_fmt_ratio(row['nfev_ratio']):>6} {njev:>11} "
          f"{_fmt_ratio(row.get('njev_ratio')):>6}{_nhev(row)}", file=out, flush=True)


def _nhev(row) -> str:
    if row.get("nhev_refopt") is None:
        return ""
    return f" {str(row['nhev_refopt']) + '/' + str(row.get('nhev_anchor')):>11}"


def summarize(rows) -> dict:
    """Per group: cases measured, geometric-mean time ratio, cases with equal nfev and njev."""
    summary: dict[str, dict] = {}
    for row in rows:
        s = summary.setdefault(row["group"], {"cases": 0, "measured": 0, "not implemented": 0,
                                              "other": 0, "_ratios": [], "nfev equal": 0,
                                              "njev equal": 0, "nhev equal": 0})
        s["cases"] += 1
        if row["status"] == "ok":
            s["measured"] += 1
            s["_ratios"].append(row["time_ratio"])
            s["nfev equal"] += row["nfev_refopt"] == row["nfev_anchor"]
            s["njev equal"] += row.get("njev_refopt") == row.get("njev_anchor")
            s["nhev equal"] += row.get("nhev_refopt") == row.get("nhev_anchor")
        elif row["status"] == "not implemented yet":
            s["not implemented"] += 1
        else:
            s["other"] += 1
    for s in summary.values():
        ratios = [r for r in s.pop("_ratios") if 0 < r < math.inf]
        s["time ratio (geometric mean)"] = (math.exp(statistics.fmean(map(math.log, ratios)))
                                            if ratios else None)
    return summary


def print_summary(summary, out=None) -> None:
    out = sys.stdout if out is None else out
    print("\nsummary per group (time ratio = refopt / anchor, geometric mean)", file=out)
    print(f"{'group':<12} {'cases':>6} {'measured':>9} {'not impl.':>9} {'other':>6} "
          f"{'time ratio':>10} {'nfev equal':>10} {'njev equal':>10} {'nhev equal':>10}",
          file=out)
    for group, s in summary.items():
        ratio = s["time ratio (geometric mean)"]
        print(f"{group:<12} {s['cases']:>6} {s['measured']:>9} {s['not implemented']:>9} "
              f"{s['other']:>6} {'-' if ratio is None else f'{ratio:.1f}':>10} "
              f"{s['nfev equal']:>10} {s['njev equal']:>10} {s['nhev equal']:>10}", file=out)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare this subcommand's options."""
    parser.add_argument("--against", choices=LIBRARIES, action="append",
                        help="compare only with this library (default: every installed one)")
    parser.add_argument("--group", nargs="+", metavar="G",
                        help="only these groups (lm, trf, dogbox, BFGS, CG, Nelder-Mead, Powell, ...)")
    parser.add_argument("--cases", nargs="+", metavar="WORD", help="only cases whose name contains one of these")
    parser.add_argument("--repeat", type=int, default=5, help="timed repeats per side (default 5)")
    parser.add_argument("--json", metavar="FILE", help="write the machine, every row and the summary as JSON")


def select(cases, libraries, words) -> list[Case]:
    """Cases whose anchor library is among ``libraries`` and whose name contains a word."""
    chosen = [c for c in cases if c.library in libraries]
    if words:
        chosen = [c for c in chosen if any(w.lower() in c.name.lower() for w in words)]
    return chosen


def describe(cases, missing, out=None) -> None:
    """What the bench would compare (when the anchor libraries are missing)."""
    out = sys.stdout if out is None else out
    print(f"Not installed: {', '.join(missing)}. With them, the bench would compare:", file=out)
    groups: dict[tuple, int] = {}
    for case in cases:
        key = (case.group, case.anchor_name)
        groups[key] = groups.get(key, 0) + 1
    for (group, anchor), count in groups.items():
        print(f"  {group:<12} {count:>4} cases, refopt against {anchor}", file=out)
    print("Install them (pip install refopt[compare]) and run this again.", file=out)


def main(args: argparse.Namespace) -> int:
    """Run the benchmark; 0 unless a case raised an error."""
    libraries = args.against or [lib for lib in LIBRARIES]
    cases = select(all_cases(args.group), libraries, args.cases)
    missing = [lib for lib in libraries if not anchor_available(lib)
               and any(c.library == lib for c in cases)]
    info = machine()
    print("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    if not cases:
        print("No benchmark case matches the selection.")
        return 0
    if missing and len(missing) == len({c.library for c in cases}):
        describe(cases, missing)
        return 0
    if missing:
        print(f"(not installed: {', '.join(missing)}; their cases are listed as such)")
    print(f"{'case':<52} {'refopt ms':>9} {'anchor ms':>9} {'ratio':>7} {'nfev r/a':>11} "
          f"{'ratio':>6} {'njev r/a':>11} {'ratio':>6}")
    rows = []
    for case in cases:
        if case.library in missing:  # still say whether refopt has the piece
            row = measure(Case(case.name, case.group, case.run, None, case.anchor_name, case.note), 1)
            if row["status"] == "no anchor":
                row["status"] = "anchor not installed"
        else:
            row = measure(case, max(1, args.repeat))
        rows.append(row)
        print_row(row)
    summary = summarize(rows)
    print_summary(summary)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(
            {"machine": info, "rows": [_jsonable(r) for r in rows], "summary": summary}, indent=1))
    return 1 if any(r["status"] in ("refopt error", "anchor error") for r in rows) else 0


def _jsonable(row: dict) -> dict:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}
