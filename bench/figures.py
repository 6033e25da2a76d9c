"""The figures bench/run.py prints, computed from locust's final statistics.

Kept apart from the load itself (no locust import here: locust patches the standard library
with gevent when imported), so the arithmetic can be tested on its own
(tests/test_bench_harness.py).

Locust keeps, per request name, a histogram of response times in milliseconds
(`response_times`: {milliseconds: count}, rounded to 2 significant figures above 100 ms) and
the time of the first and last request. From it, per operation:

- requests/s: requests over the measured window (the same window for every operation, so the
  operations' rates add up to the whole mix's);
- p50, p95 and p99 (nearest rank over the histogram);
- errors: requests locust marked as failed (an unexpected status, a missing form, a timeout);
- the floor ratio: the operation's p95 over the p95 of the bare `/healthz` request measured in
  the same run. `/healthz` does no database work, so it is what a request costs on this machine
  under this load before CaseFlow does anything; the ratio is the figure to compare between
  machines. A ratio of 8 means "eight times the cost of the emptiest request".

Between two sizes: each operation's p95 at the larger over its p95 at the smaller, and the same
for the floor ratios (which leaves out a machine busier during one run than the other).
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass

FLOOR = "healthz"  # the locust request name of the bare /healthz probe
# /healthz answers in a few milliseconds on an idle server; a floor p95 past this means requests
# wait for a free worker, or for the CPU, before any work starts.
SATURATED_FLOOR_MS = 50


@dataclass(frozen=True)
class OperationFigures:
    name: str
    requests: int
    errors: int
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    floor_ratio: float | None  # p95 / the floor's p95; None when the floor was not measured


@dataclass(frozen=True)
class RunFigures:
    label: str  # e.g. "2,000 people"
    seconds: float
    operations: list[OperationFigures]

    @property
    def total_requests(self) -> int:
        return sum(op.requests for op in self.operations)

    @property
    def total_errors(self) -> int:
        return sum(op.errors for op in self.operations)

    @property
    def requests_per_second(self) -> float:
        return self.total_requests / self.seconds if self.seconds else 0.0

    def operation(self, name: str) -> OperationFigures | None:
        return next((op for op in self.operations if op.name == name), None)

    @property
    def saturated(self) -> bool:
        """The floor itself was slow: every figure is mostly queueing, and the ratios understate
        what the operations cost (the floor waited in the same queue)."""
        floor = self.operation(FLOOR)
        return floor is not None and floor.p95_ms >= SATURATED_FLOOR_MS


def percentile(histogram: dict, fraction: float) -> float:
    """The nearest-rank percentile of a {milliseconds: count} histogram: the smallest response
    time at or under which at least `fraction` of the requests finished. Keys may be strings
    (as in locust's JSON file)."""
    if not 0 < fraction <= 1:
        raise ValueError("fraction must be in (0, 1]")
    counts = sorted((float(ms), int(n)) for ms, n in histogram.items() if int(n) > 0)
    total = sum(n for _, n in counts)
    if total == 0:
        return 0.0
    rank = math.ceil(fraction * total)
    seen = 0
    for ms, n in counts:
        seen += n
        if seen >= rank:
            return ms
    return counts[-1][0]  # pragma: no cover - seen reaches total


def run_figures(entries: list[dict], label: str) -> RunFigures:
    """Figures for one run from locust's per-request-name statistics (the list locust writes
    with --json-file, or StatsEntry.serialize() of each entry)."""
    entries = [e for e in entries if e.get("name") != "Aggregated" and e.get("num_requests", 0) > 0]
    if not entries:
        raise ValueError("the run made no requests")
    started = min(e["start_time"] for e in entries)
    ended = max(e["last_request_timestamp"] or e["start_time"] for e in entries)
    seconds = max(ended - started, 1e-9)
    by_name: dict[str, dict] = {}
    for entry in entries:  # one operation may be sent with two methods: merge them
        merged = by_name.setdefault(entry["name"], {"num_requests": 0, "num_failures": 0, "response_times": {}})
        merged["num_requests"] += entry["num_requests"]
        merged["num_failures"] += entry["num_failures"]
        for ms, n in entry["response_times"].items():
            merged["response_times"][float(ms)] = merged["response_times"].get(float(ms), 0) + n
    floor = by_name.get(FLOOR)
    floor_p95 = percentile(floor["response_times"], 0.95) if floor else None
    operations = []
    for name, entry in by_name.items():
        p95 = percentile(entry["response_times"], 0.95)
        operations.append(OperationFigures(
            name=name, requests=entry["num_requests"], errors=entry["num_failures"],
            requests_per_second=entry["num_requests"] / seconds,
            p50_ms=percentile(entry["response_times"], 0.50), p95_ms=p95,
            p99_ms=percentile(entry["response_times"], 0.99),
            floor_ratio=floor_ratio(p95, floor_p95)))
    operations.sort(key=lambda op: (op.name == FLOOR, -op.requests, op.name))
    return RunFigures(label=label, seconds=seconds, operations=operations)


def floor_ratio(p95_ms: float, floor_p95_ms: float | None) -> float | None:
    """p95 over the floor's p95. Locust records whole milliseconds, so a floor under 1 ms
    counts as 1 ms (the ratio is then a lower bound)."""
    if floor_p95_ms is None:
        return None
    return p95_ms / max(floor_p95_ms, 1.0)


def size_ratios(small: RunFigures, large: RunFigures) -> dict[str, float]:
    """Per operation measured in both runs: the larger database's p95 over the smaller's (the
    issue's target is at most 1.5 for every operation)."""
    ratios = {}
    for op in small.operations:
        other = large.operation(op.name)
        if other is not None and op.p95_ms > 0:
            ratios[op.name] = other.p95_ms / op.p95_ms
    return ratios


def floor_size_ratios(small: RunFigures, large: RunFigures) -> dict[str, float]:
    """The same comparison on the floor ratios: (p95 / floor) at the larger size over the same at
    the smaller. The two runs happen minutes apart; when the machine is busier during one (other
    work, a cold cache) its floor rises with it, and this ratio leaves that out."""
    ratios = {}
    for op in small.operations:
        other = large.operation(op.name)
        if other is not None and op.floor_ratio and other.floor_ratio is not None:
            ratios[op.name] = other.floor_ratio / op.floor_ratio
    return ratios


# --- printing ---------------------------------------------------------------------------------

def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}x"


def table(run: RunFigures) -> str:
    """A fixed-width table for the terminal."""
    width = max(len(op.name) for op in run.operations) + 2
    lines = [f"{run.label}: {run.total_requests} requests in {run.seconds:.0f} s, "
             f"{run.requests_per_second:.1f} requests/s, {run.total_errors} errors",
             f"{'operation':{width}}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}{'p95/floor':>11}"]
    for op in run.operations:
        lines.append(f"{op.name:{width}}{op.requests_per_second:>8.1f}{op.p50_ms:>9.0f}{op.p95_ms:>9.0f}"
                     f"{op.p99_ms:>9.0f}{op.errors:>8}{_ratio(op.floor_ratio):>11}")
    if run.saturated:
        lines.append(_SATURATED.format(ms=run.operation(FLOOR).p95_ms))
    return "\n".join(lines)


_SATURATED = ("note: the floor's p95 is {ms:.0f} ms (an idle server answers /healthz in a few): requests queued for "
              "a free worker or for the CPU, so these figures are mostly queueing. Use fewer --users, a longer "
              "--think, or a quieter machine.")


def ratio_table(small: RunFigures, large: RunFigures) -> str:
    ratios, floored = size_ratios(small, large), floor_size_ratios(small, large)
    width = max(len(name) for name in ratios) + 2 if ratios else 12
    lines = [f"p95 at {large.label} over p95 at {small.label} (and the same for p95/floor)",
             f"{'operation':{width}}{'small p95':>11}{'large p95':>11}{'ratio':>8}{'of p95/floor':>14}"]
    for name, ratio in ratios.items():
        lines.append(f"{name:{width}}{small.operation(name).p95_ms:>11.0f}{large.operation(name).p95_ms:>11.0f}"
                     f"{ratio:>7.2f}x{_times(floored.get(name)):>14}")
    return "\n".join(lines)


def _times(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def markdown(runs: list[RunFigures], settings: dict) -> str:
    out = ["# CaseFlow load bench", "",
           "Settings: " + ", ".join(f"{k} {v}" for k, v in settings.items()), ""]
    for run in runs:
        out += [f"## {run.label}", "",
                f"{run.total_requests} requests in {run.seconds:.0f} s ({run.requests_per_second:.1f} requests/s), "
                f"{run.total_errors} errors." + (" " + _SATURATED.format(ms=run.operation(FLOOR).p95_ms)
                                                 if run.saturated else ""), "",
                "| operation | req/s | p50 ms | p95 ms | p99 ms | errors | p95 / floor |",
                "|---|---:|---:|---:|---:|---:|---:|"]
        out += [f"| {op.name} | {op.requests_per_second:.1f} | {op.p50_ms:.0f} | {op.p95_ms:.0f} | {op.p99_ms:.0f} "
                f"| {op.errors} | {_ratio(op.floor_ratio)} |" for op in run.operations]
        out.append("")
    if len(runs) == 2:
        small, large = runs
        floored = floor_size_ratios(small, large)
        out += [f"## p95 at {large.label} over p95 at {small.label}", "",
                "| operation | p95 ratio | ratio of p95/floor |", "|---|---:|---:|"]
        out += [f"| {name} | {ratio:.2f}x | {_times(floored.get(name))} |"
                for name, ratio in size_ratios(small, large).items()]
        out.append("")
    return "\n".join(out)


def as_json(runs: list[RunFigures], settings: dict) -> str:
    document = {"settings": settings,
                "runs": [{"label": r.label, "seconds": r.seconds, "requests": r.total_requests,
                          "errors": r.total_errors, "requests_per_second": r.requests_per_second,
                          "saturated": r.saturated,
                          "operations": [asdict(op) for op in r.operations]} for r in runs]}
    if len(runs) == 2:
        document["p95_ratios"] = size_ratios(*runs)
        document["p95_over_floor_ratios"] = floor_size_ratios(*runs)
    return json.dumps(document, indent=2)
