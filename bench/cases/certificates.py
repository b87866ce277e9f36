"""Certificates: one PDF drawn with ReportLab against WeasyPrint rendering the same certificate
from HTML; and a run's bulk issue (numbered, frozen, signed, audited, e-mailed with its PDF).

The bulk issue reports how much of its time goes to drawing and e-mailing the PDFs, measured
inside the same runs. A separate baseline, the same PDFs drawn and e-mailed to the same people
with no bookkeeping, costs as much again (4 passes of 500): BENCH_CERT_BASELINE=1 adds it.
BENCH_CERT_PEOPLE (default 500) sets the size of the bulk issue, e.g. 20 for a quick check.
Figures that need the harness's medians (`speedup` = 1 / ratio, `certificates_per_s`) are added
to each JSON file after the harness wrote it.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any
from unittest import mock

import segno
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from bench import harness
from bench.harness import Case
from certificates import notifications, pdf, services
from certificates.models import BulkIssue, Certificate, FrozenImage
from lms.models import CourseRun, Enrolment, EnrolmentStatus, ModulePage
from lms.services import schedule_run
from network import emails
from network.models import Commune
from sessions.models import Venue

BULK_CODE = "BENCH-CERT-BULK"
PREFIX = "bulkcert-"  # not "bench-": the seed counts those
FONTS = Path(pdf.__file__).resolve().parent / "fonts"


def _people_count() -> int:
    return int(os.environ.get("BENCH_CERT_PEOPLE", "500"))


def _with_baseline() -> bool:
    return os.environ.get("BENCH_CERT_BASELINE", "") not in ("", "0")


def _add_figures(name: str, figures) -> None:
    """Figures that need the harness's medians, added to the JSON it has just written."""
    path = harness.RESULTS_DIR / f"{name}.json"
    if not path.exists():
        return
    result = json.loads(path.read_text(encoding="utf-8"))
    result.update(figures(result))
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _speedup(result: dict[str, Any]) -> dict[str, Any]:
    ratio = result.get("ratio")
    return {"speedup": round(1 / ratio, 2) if ratio else None}


# --- the same certificate as HTML, for WeasyPrint ------------------------------------------------


def _data_uri(sha256: str) -> str:
    frozen = FrozenImage.objects.filter(sha256=sha256).only("data").first()
    if frozen is None:
        return ""
    return "data:image/png;base64," + base64.b64encode(bytes(frozen.data)).decode()


CSS = """
@font-face { font-family: "DejaVu Sans"; font-weight: normal; src: url("%(regular)s"); }
@font-face { font-family: "DejaVu Sans"; font-weight: bold; src: url("%(bold)s"); }
@page { size: A4 landscape; margin: 0; }
* { box-sizing: border-box; margin: 0; padding: 0; }
body { font-family: "DejaVu Sans"; color: #1d2b36; width: 841.89pt; height: 595.28pt;
       position: relative; }
.outer { position: absolute; left: 34.5pt; top: 34.5pt; right: 34.5pt; bottom: 34.5pt;
         border: 3pt solid #7a1f5c; }
.inner { position: absolute; left: 41.6pt; top: 41.6pt; right: 41.6pt; bottom: 41.6pt;
         border: 0.8pt solid #7a1f5c; }
.logo { position: absolute; left: 60pt; top: 60pt; width: 140pt; height: 60pt; }
.logo img { max-width: 140pt; max-height: 60pt; }
.issuer { position: absolute; right: 60pt; top: 62pt; text-align: right; font-size: 9pt;
          line-height: 14pt; color: #5b6670; }
.main { position: absolute; left: 110pt; right: 110pt; top: 117pt; text-align: center; }
h1 { font-size: 30pt; line-height: 40.5pt; color: #7a1f5c; font-weight: bold; }
.name { font-size: 22pt; line-height: 29.7pt; font-weight: bold; margin-top: 27pt; }
.body { font-size: 13pt; line-height: 17.55pt; margin: 23.5pt 10pt 0; }
.qr { position: absolute; left: 66pt; bottom: 66pt; width: 92pt; height: 92pt; }
.qr svg { width: 92pt; height: 92pt; }
.check { position: absolute; left: 170pt; bottom: 66pt; width: 300pt; height: 92pt;
         font-size: 8.5pt; line-height: 12pt; color: #5b6670; padding-top: 2pt;
         overflow-wrap: anywhere; }
.sign { position: absolute; left: 545.9pt; bottom: 66pt; width: 230pt; }
.sign img { max-width: 200pt; max-height: 60pt; display: block; margin-bottom: 4pt; }
.signatory { font-size: 11pt; font-weight: bold; }
.sign-title { font-size: 9pt; line-height: 11pt; }
"""


def certificate_html(content: dict[str, Any], verification_url: str, images: dict) -> str:
    """The layout of certificates.pdf.render as HTML and CSS (A4 landscape): title, name,
    text, logo, signature, the QR code as inline SVG from segno, number and validity."""
    qr = segno.make(verification_url, error="m", micro=False)
    svg = qr.svg_inline(border=0, dark="#1d2b36", omitsize=True)

    def e(key: str) -> str:
        return html.escape(content.get(key, ""))

    logo = images.get(content.get("logo", ""), "")
    signature = images.get(content.get("signature", ""), "")
    lines = [
        content.get("issued_line", ""),
        content.get("validity_line", ""),
        content.get("verify_line", ""),
        verification_url,
    ]
    css = CSS % {
        "regular": (FONTS / "DejaVuSans.ttf").as_uri(),
        "bold": (FONTS / "DejaVuSans-Bold.ttf").as_uri(),
    }
    return f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8">
<title>{e("title")} — {e("serial")}</title><style>{css}</style></head>
<body>
<div class="outer"></div><div class="inner"></div>
<div class="logo">{f'<img src="{logo}" alt="">' if logo else ""}</div>
<div class="issuer">{e("issuer")}<br>N° {e("serial")}</div>
<div class="main">
  <h1>{e("title")}</h1>
  <p class="name">{e("holder_name")}</p>
  <p class="body">{e("body")}</p>
</div>
<div class="qr">{svg}</div>
<div class="check">{"<br>".join(html.escape(line) for line in lines if line)}</div>
<div class="sign">
  {f'<img src="{signature}" alt="">' if signature else ""}
  <p class="signatory">{e("signatory_name")}</p>
  <p class="sign-title">{e("signatory_title")}</p>
</div>
</body></html>"""


class WeasyPrint:
    """HTML to PDF with WeasyPrint (imported here: a dev dependency), frozen images inlined
    once, as pdf.render keeps its decoded images."""

    def __init__(self) -> None:
        import weasyprint

        self._html = weasyprint.HTML
        self._images: dict[str, str] = {}

    def render(self, content: dict[str, Any], verification_url: str) -> bytes:
        for key in ("logo", "signature"):
            sha = content.get(key)
            if sha and sha not in self._images:
                self._images[sha] = _data_uri(sha)
        markup = certificate_html(content, verification_url, self._images)
        return self._html(string=markup, base_url=str(FONTS)).write_pdf()


# --- one PDF -------------------------------------------------------------------------------------


def _sample_certificate() -> Certificate:
    """The demo professional's certificate: logo, signature, a two-line body."""
    certificate = (
        Certificate.objects.current()
        .filter(holder__username="professionnelle", kind="issued")
        .order_by("pk")
        .first()
    )
    if certificate is None:
        raise RuntimeError("the demo has no certificate for `professionnelle`")
    return certificate


def pdf_case(dataset: dict) -> Case:
    certificate = _sample_certificate()
    content, url = certificate.content, certificate.verification_url()
    weasy = WeasyPrint()
    sizes: dict[str, int] = {}

    def reportlab() -> None:
        sizes["pdf_bytes"] = len(pdf.render(content, url))

    def weasyprint() -> None:
        sizes["baseline_pdf_bytes"] = len(weasy.render(content, url))

    reportlab()
    weasyprint()
    return Case(
        name="certificate_pdf",
        description="certificates.pdf.render of the demo professional's certificate (A4 "
        "landscape, logo, signature, QR code), no cache",
        run=reportlab,
        baseline_name="weasyprint_same_certificate",
        baseline=weasyprint,
        runs=30,
        warmup=2,
        extra={**dataset, **sizes, "serial": certificate.serial},
    )


# --- bulk issue ----------------------------------------------------------------------------------


def _people(count: int) -> list:
    """`count` active accounts with an address, made once in bulk; not members, so that the
    other cases' listings of members keep their size."""
    user_model = get_user_model()
    have = user_model.objects.filter(username__startswith=PREFIX).count()
    user_model.objects.bulk_create(
        user_model(
            username=f"{PREFIX}{index:04d}",
            email=f"titulaire.{index:04d}@bulkcert.example",
            first_name="Titulaire",
            last_name=f"Numéro {index}",
        )
        for index in range(have, count)
    )
    people = user_model.objects.filter(username__startswith=PREFIX).order_by("username")
    return list(people[:count])


def bulk_run(count: int) -> CourseRun:
    """A PR-VEP run held last week that `count` people completed (rows written in bulk)."""
    module = ModulePage.objects.get(code="PR-VEP")
    commune = Commune.objects.get(name="Esneux")
    run = CourseRun.objects.filter(code=BULK_CODE).first()
    if run is None:
        run = CourseRun.objects.create(
            code=BULK_CODE,
            module=module,
            commune=commune,
            venue=Venue.objects.filter(commune=commune, confidential_address=False).first(),
            capacity=max(count, 1),
        )
        day = timezone.localdate() - dt.timedelta(days=7)
        schedule_run(run, [(day, dt.time(9, 0))], duration_minutes=360)
        run.refresh_from_db()
    people = _people(count)
    Certificate.objects.filter(run=run).delete()
    Enrolment.objects.filter(run=run).exclude(person__in=people).delete()
    enrolled = set(Enrolment.objects.filter(run=run).values_list("person_id", flat=True))
    Enrolment.objects.bulk_create(
        Enrolment(
            run=run,
            person=person,
            status=EnrolmentStatus.COMPLETED,
            requested_at=run.starts_at - dt.timedelta(days=20),
            completed_at=run.ends_at,
            updated_at=run.ends_at,
        )
        for person in people
        if person.pk not in enrolled
    )
    CourseRun.objects.filter(pk=run.pk).update(capacity=max(count, 1), seats_taken=count)
    run.refresh_from_db()
    return run


class QueryCounter:
    """Counts queries through `connection.execute_wrapper` (no limit, unlike the query log)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _reset(run: CourseRun) -> None:
    Certificate.objects.filter(run=run).delete()
    BulkIssue.objects.filter(run=run).delete()
    mail.outbox = []


def bulk_case(dataset: dict, count: int | None = None, baseline: bool | None = None) -> Case:
    count = _people_count() if count is None else count
    baseline = _with_baseline() if baseline is None else baseline
    run = bulk_run(count)
    coordinator = get_user_model().objects.get(username="coordination")
    extra: dict[str, Any] = {**dataset, "certificates": count, "run": BULK_CODE}
    shares: list[float] = []
    sending: list[float] = []

    def bulk() -> None:
        whole, issuing = QueryCounter(), QueryCounter()
        spent = [0.0]
        send_issued = notifications.send_issued

        def timed_send(certificate) -> int:
            start = time.perf_counter()
            try:
                return send_issued(certificate)
            finally:
                spent[0] += time.perf_counter() - start

        with connection.execute_wrapper(whole):
            _reset(run)
            batch = BulkIssue.objects.create(run=run, requested_by=coordinator, total=count)
            start = time.perf_counter()
            # The e-mail task looks send_issued up when it runs: timed there.
            with (
                connection.execute_wrapper(issuing),
                mock.patch.object(notifications, "send_issued", timed_send),
            ):
                done = services.run_bulk_issue(batch.pk)
            total = time.perf_counter() - start
        assert done.issued == count, done.issued
        issued = Certificate.objects.filter(run=run).count()
        sent = [m for m in mail.outbox if m.attachments]
        assert issued == count and len(sent) == count, (issued, len(sent))
        sending.append(spent[0])
        shares.append(spent[0] / total)
        extra.update(
            # Django's query log keeps the last 9000 queries: the harness's count would be wrong.
            queries=whole.count,
            queries_per_certificate=round(issuing.count / count, 1),
            # Drawing the PDF and e-mailing it (notifications.send_issued), within the runs.
            sending_median_s=statistics.median(sending),
            sending_share=round(statistics.median(shares), 3),
        )

    def bare_cost() -> None:
        # The work no bookkeeping can avoid: the same PDFs drawn and e-mailed to the same
        # people (the certificates the bulk issue just made, read in one query), nothing
        # numbered, frozen, signed, audited or saved.
        mail.outbox = []
        certificates = list(Certificate.objects.filter(run=run).select_related("holder"))
        assert len(certificates) == count, len(certificates)
        dashboard = reverse("dashboard")
        for certificate in certificates:
            url = certificate.verification_url()
            emails.send(
                [certificate.holder.email],
                "certificates/emails/issued",
                {
                    "certificate": certificate,
                    "holder": certificate.holder,
                    "verification_url": url,
                    "dashboard_path": dashboard,
                },
                attachments=[
                    (
                        f"attestation-{certificate.serial}.pdf",
                        pdf.render(certificate.content, url),
                        "application/pdf",
                    )
                ],
            )
        assert len(mail.outbox) == count, len(mail.outbox)

    return Case(
        name="certificate_bulk_issue",
        description=f"services.run_bulk_issue for a run of {count} completed enrolments: "
        "each certificate numbered, frozen, signed (Open Badges VC-JWT), audited and e-mailed "
        "with its ReportLab PDF (locmem backend)",
        run=bulk,
        baseline_name="same_pdfs_and_emails_bare" if baseline else None,
        baseline=bare_cost if baseline else None,
        runs=3,  # one per round: each sample issues `count` certificates
        warmup=0,
        extra=extra,
    )


def _bulk_figures(result: dict[str, Any]) -> dict[str, Any]:
    count = result["certificates"]
    figures = {"certificates_per_s": round(count / result["median_s"], 1)}
    if result.get("baseline_median_s"):
        figures["baseline_certificates_per_s"] = round(count / result["baseline_median_s"], 1)
    return figures


def cases(dataset: dict):
    case = pdf_case(dataset)
    yield case
    _add_figures(case.name, _speedup)
    case = bulk_case(dataset)
    yield case
    _add_figures(case.name, _bulk_figures)
