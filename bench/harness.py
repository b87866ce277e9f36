"""A small benchmark harness: seed once, time each case and its baseline in the same run.

Each case writes bench/results/<case>.json with DESIGN's contract fields and the table
printed at the end compares the case with its baseline (ratio = median / baseline median).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass
class Case:
    """One measured operation and, where it has one, the baseline measured next to it."""

    name: str
    description: str
    run: Callable[[], Any]
    baseline_name: str | None = None
    baseline: Callable[[], Any] | None = None
    runs: int = 30
    warmup: int = 3
    extra: dict[str, Any] = field(default_factory=dict)


def _time(func: Callable[[], Any], runs: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        func()
    samples = []
    for _ in range(runs):
        reset_queries()
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return samples


def _queries(func: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        func()
    return len(captured)


def measure(case: Case) -> dict[str, Any]:
    # Interleave case and baseline in rounds so that machine noise hits both alike.
    rounds = 3
    per_round = max(1, case.runs // rounds)
    samples: list[float] = []
    baseline_samples: list[float] = []
    for _ in range(rounds):
        samples += _time(case.run, per_round, case.warmup)
        if case.baseline is not None:
            baseline_samples += _time(case.baseline, per_round, case.warmup)
    result: dict[str, Any] = {
        "case": case.name,
        "description": case.description,
        "runs": len(samples),
        "median_s": statistics.median(samples),
        "min_s": min(samples),
        "max_s": max(samples),
        "stdev_s": statistics.stdev(samples) if len(samples) > 1 else 0.0,
        "queries": _queries(case.run),
        "database": connection.vendor,
    }
    if case.baseline is not None:
        baseline_median = statistics.median(baseline_samples)
        result.update(
            baseline=case.baseline_name,
            baseline_runs=len(baseline_samples),
            baseline_median_s=baseline_median,
            baseline_min_s=min(baseline_samples),
            baseline_max_s=max(baseline_samples),
            baseline_queries=_queries(case.baseline),
            ratio=result["median_s"] / baseline_median if baseline_median else None,
        )
    result.update(case.extra)
    return result


def write(result: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{result['case']}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def table(results: list[dict[str, Any]]) -> str:
    header = (
        f"{'case':<24} {'runs':>4} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'queries':>7}"
        f"  {'baseline':<26} {'base ms':>8} {'ratio':>6}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        base = r.get("baseline") or "-"
        base_ms = f"{r['baseline_median_s'] * 1000:8.2f}" if r.get("baseline") else f"{'-':>8}"
        ratio = f"{r['ratio']:6.2f}" if r.get("ratio") else f"{'-':>6}"
        lines.append(
            f"{r['case']:<24} {r['runs']:>4} {r['median_s'] * 1000:10.2f} {r['min_s'] * 1000:8.2f}"
            f" {r['max_s'] * 1000:8.2f} {r['queries']:>7}  {base:<26} {base_ms} {ratio}"
        )
    return "\n".join(lines)
