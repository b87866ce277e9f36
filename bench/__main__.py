"""`make bench`: seed a scaled dataset, run every case, write JSON, print the table.

Environment: BENCH_SCALE (default 1), BENCH_CASES (comma-separated case modules, default all),
BENCH_DATABASE_URL (default a SQLite file under var/).
"""

import importlib
import os
import pkgutil
import sys

import django


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings.bench")
    django.setup()

    from bench import cases as cases_package
    from bench.harness import measure, table, write
    from bench.seed import seed

    scale = int(os.environ.get("BENCH_SCALE", "1"))
    wanted = {name for name in os.environ.get("BENCH_CASES", "").split(",") if name}
    dataset = seed(scale)
    print(f"dataset: {dataset}", flush=True)
    results = []
    for module_info in sorted(pkgutil.iter_modules(cases_package.__path__), key=lambda m: m.name):
        if wanted and module_info.name not in wanted:
            continue
        module = importlib.import_module(f"bench.cases.{module_info.name}")
        for case in module.cases(dataset):
            result = measure(case)
            path = write(result)
            print(f"{case.name}: {result['median_s'] * 1000:.2f} ms -> {path}", flush=True)
            results.append(result)
    print()
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
