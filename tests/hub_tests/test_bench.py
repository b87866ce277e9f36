"""The benchmark harness writes DESIGN's contract fields (timings themselves are not tested)."""

import json

import pytest

from bench import harness


@pytest.mark.django_db
def test_measure_writes_contract_fields(tmp_path, monkeypatch):
    monkeypatch.setattr(harness, "RESULTS_DIR", tmp_path)
    case = harness.Case(
        name="sample",
        description="a list comprehension",
        run=lambda: [i * i for i in range(1000)],
        baseline_name="bare_loop",
        baseline=lambda: list(range(1000)),
        runs=6,
        warmup=1,
        extra={"rows_per_s": 1.0},
    )
    result = harness.measure(case)
    written = json.loads(harness.write(result).read_text())
    for key in (
        "case",
        "runs",
        "median_s",
        "min_s",
        "max_s",
        "queries",
        "baseline",
        "baseline_median_s",
        "ratio",
        "rows_per_s",
    ):
        assert key in written
    assert written["case"] == "sample"
    assert written["runs"] == 6
    assert written["min_s"] <= written["median_s"] <= written["max_s"]
    assert written["ratio"] == pytest.approx(written["median_s"] / written["baseline_median_s"])
    assert "sample" in harness.table([written])
