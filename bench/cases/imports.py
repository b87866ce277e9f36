"""Importing 10,000 members (BENCH_IMPORT_ROWS), dry run then real, next to
django-import-export's default ModelResource importing the same rows.

Ours: `read_table` + `run_import("members")` on a French CSV (`;`, accents): every row
validated, all or nothing, and for real a User, a MemberProfile, a commune and a group each.
Baseline: a default `ModelResource` on Django's User (username, first and last name, e-mail;
`import_id_fields=("username",)`), the same rows in its own plain format (a tablib Dataset),
`use_transactions=True, rollback_on_validation_errors=True`: one query per row to find the
instance, a savepoint and a diff per row, one INSERT per row. It writes less than we do.
Each real run is rolled back, so every run imports the same new rows.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

import tablib
from django.contrib.auth import get_user_model
from django.db import transaction
from import_export import resources

from bench.harness import Case
from network import imports
from network.tabular import read_table

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))
COMMUNES = ("Aywaille", "Chaudfontaine", "Esneux", "Sprimont", "Trooz")
ORGANISATIONS = ("CPAS d'Esneux", "CPAS d'Aywaille", "CPAS de Sprimont", "CPAS de Trooz")
FIRST = ("Élodie", "Benoît", "Anaïs", "Thomas", "Sophie", "Noé", "Gaëlle", "Jérôme")
LAST = ("Lejeune", "Renard", "Gérard", "Collard", "Fraipont", "Dubois", "Lambotte", "Hennen")


class UserModelResource(resources.ModelResource):
    """django-import-export as its documentation shows it: defaults everywhere."""

    class Meta:
        model = get_user_model()
        fields = ("username", "first_name", "last_name", "email")
        import_id_fields = ("username",)


def _people(rows: int) -> list[tuple[str, str, str, str, str, str, str]]:
    return [
        (
            LAST[i % len(LAST)] + f"-{i}",
            FIRST[i % len(FIRST)],
            f"Bench.Import{i}@cpas.example",
            ORGANISATIONS[i % len(ORGANISATIONS)],
            COMMUNES[i % len(COMMUNES)],
            "Assistant·e social·e",
            f"+32 4 {i:07d}",
        )
        for i in range(rows)
    ]


def _csv(people) -> bytes:
    lines = ["Nom;Prénom;E-mail;Organisation;Commune;Fonction;Téléphone"]
    lines += [";".join(p) for p in people]
    return "\r\n".join(lines).encode("cp1252", errors="replace")


def _rolled_back(func: Callable[[], object]) -> Callable[[], object]:
    def run() -> object:
        with transaction.atomic():
            result = func()
            transaction.set_rollback(True)
        return result

    return run


def _timed(func: Callable[[], object], samples: list[float]) -> Callable[[], object]:
    def run() -> object:
        start = time.perf_counter()
        result = func()
        samples.append(time.perf_counter() - start)
        return result

    return run


def cases(dataset: dict) -> list[Case]:
    people = _people(ROWS)
    data = _csv(people)
    plain = tablib.Dataset(headers=["username", "first_name", "last_name", "email"])
    for last, first, email, *_rest in people:
        plain.append([email.lower(), first, last, email])

    def ours(dry_run: bool) -> Callable[[], object]:
        def run() -> object:
            table = read_table(data, "membres.csv")
            report = imports.run_import("members", table, None, dry_run=dry_run, origin="bench")
            assert report.ok and report.new == ROWS, report.error_rows[:3]
            return report

        return run

    def baseline(dry_run: bool) -> Callable[[], object]:
        def run() -> object:
            result = UserModelResource().import_data(
                plain,
                dry_run=dry_run,
                use_transactions=True,
                rollback_on_validation_errors=True,
                raise_errors=False,
            )
            assert not result.has_errors() and result.totals["new"] == ROWS
            return result

        return run

    made = []
    for dry_run, name in ((True, "imports_members_dry_run"), (False, "imports_members")):
        ours_samples: list[float] = []
        base_samples: list[float] = []
        extra: dict = {**dataset, "rows": ROWS}

        def finish(extra=extra, ours_samples=ours_samples, base_samples=base_samples) -> None:
            ours_median = statistics.median(ours_samples)
            base_median = statistics.median(base_samples) if base_samples else None
            extra["rows_per_s"] = round(ROWS / ours_median)
            if base_median:
                extra["baseline_rows_per_s"] = round(ROWS / base_median)
                extra["speedup"] = round(base_median / ours_median, 2)

        run = _rolled_back(_timed(ours(dry_run), ours_samples))

        def run_and_note(run=run, finish=finish) -> object:
            result = run()
            finish()
            return result

        made.append(
            Case(
                name=name,
                description=(
                    f"read_table + run_import('members'), {ROWS} new members, "
                    + ("dry run" if dry_run else "written (rolled back)")
                ),
                run=run_and_note,
                baseline_name="import_export_default_modelresource_user",
                baseline=_rolled_back(_timed(baseline(dry_run), base_samples)),
                runs=3,
                warmup=0,
                extra=extra,
            )
        )
    return made
