"""The figures of a run (requests fuzzed, races tried, an outage survived), printed at the end
under "Security figures" so that SECURITY.md can quote one run.

Under pytest-xdist each worker collects its own; the worker hands them to the controller in
its ``workeroutput``, and the controller adds them up before it prints them.
"""

from collections import Counter

WORKER_OUTPUT_KEY = "desk_figures"


class Figures:
    """Counters and remarks collected during one run."""

    def __init__(self):
        self.counts: Counter = Counter()
        self.lines: list[str] = []

    def count(self, name: str, amount: int = 1) -> None:
        self.counts[name] += amount

    def note(self, line: str) -> None:
        self.lines.append(line)

    def export(self) -> dict:
        """A plain value that crosses from a worker to the controller."""
        return {"counts": dict(self.counts), "lines": list(self.lines)}

    def merge(self, exported: dict) -> None:
        self.counts.update(exported.get("counts", {}))
        self.lines.extend(exported.get("lines", []))

    def report(self, terminalreporter) -> None:
        if not self.counts and not self.lines:
            return
        terminalreporter.section("Security figures")
        for name, amount in sorted(self.counts.items()):
            terminalreporter.write_line(f"{name}: {amount}")
        for line in self.lines:
            terminalreporter.write_line(line)


FIGURES = Figures()
