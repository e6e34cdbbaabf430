"""Before/after CPU ratios of two Desk checkouts, measured in interleaved runs.

    DATABASE_URL=... DESK_JWT_SECRET=... .venv/bin/python bench/paired.py BEFORE AFTER \\
        [--pairs 5] [--only profile,create] [--requests 100]

BEFORE and AFTER are source trees (``git archive COMMIT | tar -x -C DIR``). Each pair runs
``bench/inprocess.py`` once on each tree, in alternating order, in this interpreter with
``desk`` imported from the tree, so that the machine's drift falls on both alike. The ratio of a
route is the median over the pairs of after / before CPU per request: below 1 is faster.
"""

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


#: Runs inprocess.py with ``desk`` imported from the tree in argv[1]: an editable install's
#: import hook (setuptools' ``__editable__`` finder) would otherwise win over ``sys.path``.
LAUNCHER = """
import runpy, sys
sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in getattr(f, "__module__", "")]
sys.path.insert(0, sys.argv[1])
sys.argv = sys.argv[2:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def run(tree: str, only: str, rounds: int, requests: int) -> dict[str, float]:
    command = [sys.executable, "-c", LAUNCHER, str(Path(tree).resolve())]
    command += [str(HERE / "inprocess.py"), "--only", only]
    command += ["--rounds", str(rounds), "--requests", str(requests)]
    output = subprocess.run(command, cwd=HERE, capture_output=True, text=True, check=True).stdout
    return {line.split()[0]: float(line.split()[1]) for line in output.splitlines() if "µs" in line}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--only", default="healthz,profile,detail,all-tickets,status,create")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    ratios: dict[str, list[float]] = {}
    before_all: dict[str, list[float]] = {}
    after_all: dict[str, list[float]] = {}
    for pair in range(args.pairs):
        order = (args.before, args.after) if pair % 2 == 0 else (args.after, args.before)
        results = {tree: run(tree, args.only, args.rounds, args.requests) for tree in order}
        before, after = results[args.before], results[args.after]
        for name in before:
            ratios.setdefault(name, []).append(after[name] / before[name])
            before_all.setdefault(name, []).append(before[name])
            after_all.setdefault(name, []).append(after[name])
    print(f"{'route':12} {'before µs':>10} {'after µs':>10} {'after/before':>12}")
    for name, values in ratios.items():
        print(
            f"{name:12} {statistics.median(before_all[name]):10.0f}"
            f" {statistics.median(after_all[name]):10.0f} {statistics.median(values):12.2f}"
        )


if __name__ == "__main__":
    main()
