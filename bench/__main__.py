"""``python -m bench [--quick] [--cases 1,2,...|all] [--out FILE]``: run, print the table, write JSON.

Case 8 (real nodes) takes the shared lab cluster down and up again: it runs only when
asked for (``--cases 8`` or ``--cases all``), and reports itself skipped, with the
reason, on a machine that cannot run real nodes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from pathlib import Path

from .common import Ctx, Result, machine

ALL = (1, 2, 3, 4, 5, 6, 7, 8, 9)
DEFAULT = (1, 2, 3, 4, 5, 6, 7)  # not 8: it recreates the shared cluster under everyone's feet;
# not 9: it removes and installs the ingress addon others may be using
NO_RETRY = (8,)  # it restarts the shared cluster itself; one run of it is long enough
DEFAULT_OUT = Path(__file__).parent / "results" / "latest.json"
ATTEMPTS = 3  # a case that lost the shared cluster (others' restart tests) is run again


def _cases(text: str) -> list[int]:
    if text.strip() == "all":
        return list(ALL)
    try:
        got = sorted({int(x) for x in text.split(",") if x.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"--cases takes numbers like 1,2,5 (got {text!r})") from None
    bad = [c for c in got if c not in ALL]
    if bad or not got:
        raise argparse.ArgumentTypeError(f"cases are {','.join(map(str, ALL))} or all (got {text!r})")
    return got


def run_case(ctx: Ctx, case: int) -> list[Result]:
    if case == 1:
        from . import case_load_ext
        return case_load_ext.run(ctx)
    if case in (2, 3):
        from . import case_get
        return case_get.run(ctx, {case})
    if case == 4:
        from . import case_apply
        return case_apply.run(ctx)
    if case == 5:
        from . import case_rollout
        return case_rollout.run(ctx)
    if case == 6:
        from . import case_engine
        return case_engine.run(ctx)
    if case == 8:
        from . import case_realnodes
        return case_realnodes.run(ctx)
    if case == 9:
        from . import case_ingress
        return case_ingress.run(ctx)
    from . import case_notebooks
    return case_notebooks.run(ctx)


def skipped(case: int) -> list[Result]:
    """The rows of a case this machine cannot run (reported skipped with the reason), else []."""
    if case == 8:
        from k8slab.engine import local

        ok, why = local.usable()
        if not ok:
            from . import case_realnodes
            return [case_realnodes.skipped(why)]
    return []


def _unreachable(exc: BaseException | None) -> bool:
    from k8slab.errors import ClusterUnreachableError

    while exc is not None:
        if isinstance(exc, ClusterUnreachableError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def format_table(rows: list[dict]) -> str:
    """The results as a Markdown table (the README shows the same)."""
    def s(v):
        if v is None:
            return "–"
        return f"{v * 1000:.1f} ms" if v < 1 else f"{v:.2f} s"
    lines = ["| case | k8slab | kubectl | ratio | n |", "|---|---:|---:|---:|---:|"]
    for r in rows:
        ratio = "–" if r["ratio"] is None else f"{r['ratio']:.2f}×"
        lines.append(f"| {r['case']} | {s(r['k8slab_s'])} | {s(r['kubectl_s'])} | {ratio} | {r['n']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--quick", action="store_true", help="tiny sizes and one run each (smoke test)")
    p.add_argument("--cases", type=_cases, default=list(DEFAULT),
                   help="e.g. 1,2,3, or all (default: 1-7; 8, real nodes, recreates the shared cluster; "
                        "9, the ingress addon, reinstalls it)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON file (default {DEFAULT_OUT})")
    p.add_argument("--merge", action="store_true",
                   help="replace only the rows of the cases run in an existing --out file (keep the others)")
    p.add_argument("-q", "--quiet", action="store_true", help="only the table")
    args = p.parse_args(argv)

    ctx = Ctx(quick=args.quick, verbose=not args.quiet)
    from . import fixtures

    try:
        left = fixtures.cleanup_leftovers() if fixtures.wait_healthy() else []
    except Exception as e:  # noqa: BLE001 - the cluster went away meanwhile; the cases wait for it
        ctx.log(f"could not look for leftovers: {e}")
        left = []
    if left:
        ctx.log(f"removed leftovers of an earlier run: {', '.join(left)}")
    info = machine()
    started = time.time()
    results: list[Result] = []
    failed: list[str] = []
    for case in args.cases:
        skip = skipped(case)
        if skip:
            ctx.log(f"case {case} skipped: {skip[0].notes}")
            results += skip
            continue
        for attempt in range(1, ATTEMPTS + 1):
            ctx.log(f"case {case}…" + (" (again: the cluster was unreachable)" if attempt > 1 else ""))
            if not fixtures.wait_healthy():
                failed.append(f"case {case}: the lab cluster did not answer /readyz for 180 s")
                break
            try:
                got = run_case(ctx, case)
            except Exception as e:  # noqa: BLE001 - report it and go on with the other cases
                traceback.print_exc()
                if attempt < ATTEMPTS and case not in NO_RETRY and _unreachable(e):
                    continue  # another engineer's test restarted the shared cluster: run it again
                failed.append(f"case {case}: {e.__class__.__name__}: {e}")
                break
            if attempt > 1:
                for r in got:
                    r.notes += (f"; attempt {attempt}: earlier attempts lost the shared cluster "
                                f"(another test restarted its kube-apiserver)")
            results += got
            break
    rows = [r.as_dict() for r in results]
    info["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
    info["bench_wall_s"] = round(time.time() - started, 1)
    info.update(quick=args.quick, cases=args.cases, date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    machine_file = args.out.with_name(args.out.stem + ".machine.json")
    if args.merge and args.out.exists():
        ran = {str(c) for c in args.cases}
        old = [r for r in json.loads(args.out.read_text()) if r["case"].split()[0] not in ran]
        rows = sorted(old + rows, key=lambda r: int(r["case"].split()[0]))
        prev = json.loads(machine_file.read_text()) if machine_file.exists() else {}
        info = {**prev, "merged": prev.get("merged", []) + [info]}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
    # the machine next to the results (latest.json itself is the list the issue specifies)
    machine_file.write_text(json.dumps(info, indent=2) + "\n")
    last = info["merged"][-1] if "merged" in info else info
    print()
    print(format_table(rows))
    print(f"\nmachine: {last['cpu']}, {last['cores']} cores, {last['mem_gib']} GiB; load average "
          f"{last['load_avg'][0]} at start, {last['load_avg_end'][0]} at end; {last['bench_wall_s']:.0f} s")
    for r in rows:
        print(f"- {r['case']}: {r['notes']}")
    print(f"\nwrote {args.out}")
    if failed:
        print("\nFAILED:\n  " + "\n  ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
