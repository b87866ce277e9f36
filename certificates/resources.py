"""External certificates issued on paper before Maillage (holder e-mail, module code, issuer,
date of issue, hours, reference), recorded through `services.record_externals`: no audit
entry per certificate, the engine's one for the file.

A certificate is the same when its holder and reference match (or, without a reference, its
holder, module, issuer and date): importing the file again changes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields

from lms.models import ModulePage
from network import imports
from network.imports import Checked, ImportResource, fold, status_for
from network.models import MemberProfile
from network.tabular import parse_date, parse_decimal

from . import services
from .exceptions import CertificateError
from .models import Certificate, CertificateKind
from .rules import managed_members

User = get_user_model()
MAX_HOURS = Decimal(99999)


@dataclass
class CertificateRow:
    holder: object
    module: ModulePage | None
    title: str
    issuer: str
    issued_on: dt.date
    hours: Decimal
    reference: str
    existing: Certificate | None


def _key(holder_id: int | None, module_id, issuer: str, issued_on, reference: str) -> tuple:
    if reference:
        return (holder_id, "ref", reference.casefold())
    return (holder_id, module_id, fold(issuer), issued_on)


class ExternalCertificateResource(ImportResource):
    """One certificate per row; the holder must be a network member."""

    email = fields.Field(attribute="holder__email", column_name="E-mail")
    module = fields.Field(attribute="module__code", column_name="Code module")
    title = fields.Field(attribute="title", column_name="Intitulé")
    issuer = fields.Field(attribute="issuer_name", column_name="Émetteur")
    issued_on = fields.Field(column_name="Date de délivrance")
    hours = fields.Field(attribute="hours", column_name="Heures")
    reference = fields.Field(attribute="reference", column_name="Référence")

    class Meta:
        model = Certificate
        fields = ("email", "module", "title", "issuer", "issued_on", "hours", "reference")
        export_order = ("email", "module", "title", "issuer", "issued_on", "hours", "reference")

    def dehydrate_issued_on(self, certificate: Certificate) -> str:
        return certificate.valid_from.strftime("%d/%m/%Y")

    def prepare(self, rows: list[dict[str, str]]) -> None:
        emails = {row.get("email", "").strip().lower() for row in rows} - {""}
        codes = {row.get("module", "").strip().casefold() for row in rows} - {""}
        self.holders = {
            u.e: u
            for u in User.objects.annotate(e=Lower("email")).filter(
                e__in=emails,
                pk__in=MemberProfile.objects.values("user_id"),
            )
        }
        self.modules = {
            m.code.casefold(): m
            for m in ModulePage.objects.annotate(c=Lower("code")).filter(c__in=codes)
        }
        self.existing: dict[tuple, Certificate] = {}
        for certificate in Certificate.objects.filter(
            kind=CertificateKind.EXTERNAL, holder__in=list(self.holders.values())
        ).order_by("pk"):
            key = _key(
                certificate.holder_id,
                certificate.module_id,
                certificate.issuer_name,
                certificate.valid_from,
                certificate.reference,
            )
            self.existing.setdefault(key, certificate)
        self.managed: set[int] | None = None
        if self.actor is not None:
            self.managed = set(
                User.objects.filter(
                    pk__in=[u.pk for u in self.holders.values()],
                )
                .filter(pk__in=managed_members(self.actor))
                .values_list("pk", flat=True)
            )
        self.today = timezone.localdate()
        self.seen: set[tuple] = set()

    def check(self, row: dict[str, str]) -> Checked:
        checked = Checked()
        email = row.get("email", "").strip()
        holder = self.holders.get(email.lower())
        if holder is None:
            checked.error("email", _("No member has the address “%(email)s”.") % {"email": email})
        elif self.managed is not None and holder.pk not in self.managed:
            checked.error(
                "email",
                _(
                    "%(email)s is not a member of your communes: you cannot record their "
                    "certificates."
                )
                % {"email": email},
            )
        code = row.get("module", "").strip()
        module = self.modules.get(code.casefold()) if code else None
        if code and module is None:
            checked.error("module", _("Unknown module code: “%(code)s”.") % {"code": code})
        title = " ".join(row.get("title", "").split())
        if len(title) > 255:
            checked.error("title", _("Too long: at most %(count)s characters.") % {"count": 255})
        if not code and not title:
            checked.error("module", _("Give the module code or the title of the training."))
        issuer = " ".join(row.get("issuer", "").split())
        if not issuer:
            checked.error("issuer", _("Say who issued the certificate."))
        elif len(issuer) > 200:
            checked.error("issuer", _("Too long: at most %(count)s characters.") % {"count": 200})
        issued_on = None
        try:
            issued_on = parse_date(row.get("issued_on", ""))
        except ValueError as error:
            checked.error("issued_on", str(error))
        else:
            if issued_on > self.today:
                checked.error("issued_on", _("The date of issue cannot be in the future."))
        hours = None
        try:
            hours = parse_decimal(row.get("hours", ""))
        except ValueError as error:
            checked.error("hours", str(error))
        else:
            if not (0 <= hours <= MAX_HOURS):
                checked.error("hours", _("Between 0 and 99999 hours."))
            else:  # quantize() raises on a number longer than the decimal precision
                hours = hours.quantize(Decimal("0.1"))
        reference = row.get("reference", "").strip()
        if len(reference) > 100:
            checked.error(
                "reference", _("Too long: at most %(count)s characters.") % {"count": 100}
            )
        if checked.errors or holder is None or issued_on is None or hours is None:
            return checked
        module_id = module.pk if module else None
        key = _key(holder.pk, module_id, issuer, issued_on, reference)
        if key in self.seen:
            checked.error("reference", _("This certificate appears twice in the file."))
            return checked
        self.seen.add(key)
        title = title or (module.title if module else "")
        existing = self.existing.get(key)
        checked.payload = CertificateRow(
            holder, module, title, issuer, issued_on, hours, reference, existing
        )
        checked.status = status_for(
            existing,
            {
                "module_id": module_id,
                "title": title[:255],
                "issuer_name": issuer,
                "valid_from": issued_on,
                "hours": hours,
                "reference": reference,
            },
        )
        return checked

    def write(self, checked: list[Checked]) -> None:
        actor = self.actor if self.actor is not None and self.actor.pk else None
        rows: list[CertificateRow] = [item.payload for item in checked]
        try:
            services.record_externals(
                [
                    services.External(
                        holder=r.holder,
                        module=r.module,
                        title=r.title,
                        issuer_name=r.issuer,
                        issued_on=r.issued_on,
                        hours=r.hours,
                        reference=r.reference,
                    )
                    for r in rows
                    if r.existing is None
                ],
                actor=actor,
            )
        except (ValidationError, CertificateError) as error:  # check() lets none through
            raise ValueError(error) from error
        changed = []
        for r in rows:
            certificate = r.existing
            if certificate is None:
                continue
            certificate.module = r.module
            certificate.title = r.title[:255]
            certificate.issuer_name = r.issuer
            certificate.valid_from = r.issued_on
            certificate.hours = r.hours
            certificate.reference = r.reference
            certificate.content = {
                **certificate.content,
                "achievement": r.title,
                "issuer": r.issuer,
            }
            changed.append(certificate)
        Certificate.objects.bulk_update(
            changed,
            ["module", "title", "issuer_name", "valid_from", "hours", "reference", "content"],
            batch_size=500,
        )


CERTIFICATE_COLUMNS = {
    "email": ("e mail", "email", "courriel", "adresse e mail", "mail", "titulaire", "holder"),
    "module": ("code module", "module", "module code", "code"),
    "title": ("intitule", "titre", "title", "formation", "training"),
    "issuer": ("emetteur", "delivre par", "organisme", "issuer", "issued by", "organisateur"),
    "issued_on": (
        "date de delivrance",
        "date d emission",
        "date",
        "delivre le",
        "date of issue",
        "issued on",
    ),
    "hours": ("heures", "hours", "nombre d heures", "duree"),
    "reference": ("reference", "ref", "numero", "number", "n"),
}


def register() -> None:
    imports.register(
        imports.ImportKind(
            key="certificates",
            label=gettext_lazy("External certificates"),
            resource=ExternalCertificateResource,
            columns=CERTIFICATE_COLUMNS,
            required=("email", "issuer", "issued_on", "hours"),
            permission="maillage_certificates.add_certificate",
            order=50,
        )
    )
