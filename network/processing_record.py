"""The record of processing activities (GDPR art. 30) and a DPIA template, from the registry.

Both are Markdown for the network's data protection officer, written in the active language
(French for `manage.py privacy_register`). What the registry knows is filled in: purposes,
legal bases, whom the data is about, who sees it, retention and the due job applying it. What
only the network can say (its DPO, processors, the assessment of each risk) is left as a
marked blank, `[À compléter]` in French.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from . import privacy
from .privacy_services import privacy_contact
from .registries import due_jobs

RECORD_FILENAME = "registre-des-traitements.md"
DPIA_FILENAME = "aipd-modele.md"
# Third-party models with more fields than this are described by their links to a person only.
FIELD_LIST_LIMIT = 12


def blank() -> str:
    """What the network must fill in itself."""
    return _("[To complete]")


def _item(label: str, value: object, *, bold: bool = False) -> str:
    """A list item "label: value" (the translation places the colon, French adds a space)."""
    shown = f"**{label}**" if bold else label
    return "- " + _("%(label)s: %(value)s") % {"label": shown, "value": _cell(value)}


def _cell(text: object) -> str:
    """Text fit for a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _table(header: list[str], rows: Iterable[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return lines + [""]


def _every(interval: timedelta) -> str:
    if interval >= timedelta(days=1) and interval.seconds == 0:
        days = interval.days
        return ngettext("every day", "every %(count)s days", days) % {"count": days}
    hours = int(interval.total_seconds() // 3600)
    if hours >= 1 and interval.total_seconds() % 3600 == 0:
        return ngettext("every hour", "every %(count)s hours", hours) % {"count": hours}
    minutes = int(interval.total_seconds() // 60)
    return ngettext("every minute", "every %(count)s minutes", minutes) % {"count": minutes}


def how_applied(entry: privacy.PersonalData) -> str:
    """How the retention is applied: by which due job and how often, or by a person."""
    job = due_jobs.get(entry.purge_job) if entry.purge_job else None
    if job is None:
        return _(
            "Not automatic: it needs a decision (end of membership, erasure on request with "
            "`privacy_erase`)."
        )
    return _("Automatic: the due job `%(job)s` (%(description)s), %(every)s.") % {
        "job": job.key,
        "description": job.description,
        "every": _every(job.interval),
    }


def data_categories(model: type[models.Model]) -> str:
    """The fields of the model, by their names; a large third-party model by its links to a
    person only (the rest describes the object, a page or an image, not the person)."""
    user_model = get_user_model()
    fields = [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key or model is user_model
    ]
    ours = model._meta.app_label.startswith("maillage_") or model is user_model
    pointers = [
        field for field in fields if field.is_relation and field.related_model is user_model
    ]
    if ours or len(fields) <= FIELD_LIST_LIMIT:
        shown = [f for f in fields if f.name not in ("password",)]
        names = [str(f.verbose_name) for f in shown]
        if model is user_model:
            names.append(_("roles"))
        return ", ".join(names)
    names = [str(f.verbose_name) for f in pointers]
    return _("%(links)s (link to the person's account); the other fields describe the object.") % {
        "links": ", ".join(names) or "—"
    }


@dataclass(frozen=True)
class Group:
    """The registered models of one app, as one processing activity."""

    label: str
    entries: list[privacy.PersonalData]


def groups() -> list[Group]:
    """Activities in the order of the apps, network (and its dependencies) first."""
    by_app: dict[str, list[privacy.PersonalData]] = defaultdict(list)
    for entry in privacy.registered():
        by_app[entry.model._meta.app_label].append(entry)
    order = [config.label for config in apps.get_app_configs()]
    ours = [label for label in order if label.startswith("maillage_")]
    theirs = [label for label in order if label in by_app and label not in ours]
    result = []
    for label in [*ours, *theirs]:
        if label in by_app:
            config = apps.get_app_config(label)
            entries = sorted(by_app[label], key=lambda e: str(e.label).lower())
            result.append(Group(str(capfirst(config.verbose_name)), entries))
    return result


def _header(title: str, intro: str) -> list[str]:
    today = formats.date_format(timezone.localdate(), "SHORT_DATE_FORMAT")
    return [
        f"# {title}",
        "",
        intro,
        "",
        _("Generated on %(date)s by `python manage.py privacy_register`.") % {"date": today},
        "",
    ]


def _controller() -> list[str]:
    return [
        f"## {_('Controller')}",
        "",
        _item(_("Controller"), settings.MAILLAGE_NETWORK_NAME),
        _item(_("Contact for privacy requests"), privacy_contact()),
        _item(_("Data protection officer (name, contact)"), blank()),
        _item(_("Joint controllers and processors (hosting, e-mail)"), blank()),
        "",
    ]


def _entry(entry: privacy.PersonalData) -> list[str]:
    lines = [
        f"#### {capfirst(str(entry.label))} (`{entry.key}`)",
        "",
        _item(_("Purpose"), entry.purpose, bold=True),
        _item(_("Legal basis"), entry.legal_basis, bold=True),
        _item(_("Data subjects"), entry.subjects, bold=True),
        _item(_("Personal data"), data_categories(entry.model), bold=True),
    ]
    if entry.sensitive:
        lines.append(_item(_("Sensitive data"), entry.sensitive, bold=True))
    lines += [
        _item(_("Recipients"), entry.recipients, bold=True),
        _item(_("Transfers outside the EU"), _("None."), bold=True),
        _item(_("Retention"), entry.retention, bold=True),
        _item(_("How the retention is applied"), how_applied(entry), bold=True),
        "",
    ]
    return lines


SECURITY_MEASURES = (
    gettext_noop(
        "Object-level authorisation on every page and file, by role and commune; a facilitator "
        "sees only the groups they run."
    ),
    gettext_noop(
        "A second factor (TOTP) at sign-in for the roles that see children's records; sign-in "
        "attempts throttled; sessions that expire, ended at sign-out and deactivation."
    ),
    gettext_noop(
        "Children are identified by a generated pseudonymous code; no address, no account of "
        "what happened; statistics mask counts below five."
    ),
    gettext_noop(
        "An append-only audit log under pseudonymous keys; reads of children's records audited."
    ),
    gettext_noop(
        "Exports only with an explicit permission, audited, with formulas neutralised; no child "
        "data, venue or time in agenda feeds or public pages."
    ),
    gettext_noop(
        "HTTPS only (HSTS), secure cookies, a Content-Security-Policy, no-store on pages with "
        "personal data; secrets only in the environment."
    ),
    gettext_noop(
        "Retention applied by due jobs; erasure on request removes every trace and is logged "
        "(pseudonymous key) to be re-applied after restoring a backup."
    ),
    gettext_noop(
        'Encrypted nightly backups kept off-site, with a tested restore (README, "Backups").'
    ),
)


def security_measures() -> list[str]:
    return [_(measure) for measure in SECURITY_MEASURES]


def record() -> str:
    """The record of processing activities, one activity per app, one part per model."""
    lines = _header(
        _("Record of processing activities (GDPR art. 30)"),
        _(
            "Every model of the platform that holds personal data, as declared in its privacy "
            "registry: why, on what basis, about whom, who sees it and for how long."
        ),
    )
    lines += _controller()
    lines += [f"## {_('Summary')}", ""]
    lines += _table(
        [_("Category"), _("Purpose"), _("Legal basis"), _("Retention"), _("Automatic")],
        (
            [
                capfirst(str(entry.label)),
                entry.purpose,
                entry.legal_basis,
                entry.retention,
                f"`{entry.purge_job}`" if entry.purge_job else _("no"),
            ]
            for group in groups()
            for entry in group.entries
        ),
    )
    lines += [f"## {_('Processing activities')}", ""]
    for group in groups():
        lines += [f"### {group.label}", ""]
        for entry in group.entries:
            lines += _entry(entry)
    lines += [f"## {_('Security measures (GDPR art. 32)')}", ""]
    lines += [f"- {measure}" for measure in security_measures()]
    lines += ["", f"## {_('Models holding no personal data')}", ""]
    lines += [
        _item(f"`{entry.key}`", entry.reason)
        for entry in privacy.registry.declared_without_personal_data()
    ]
    return "\n".join(lines) + "\n"


RISKS = (
    (
        gettext_noop("Someone not entitled reads a child's record (alias, safety instructions)."),
        gettext_noop(
            "An abuser finds the child or learns who protects them; the child is put in danger."
        ),
        gettext_noop(
            "Authorisation by role, commune and roster; second factor; reads audited; "
            "pseudonymous code instead of a name."
        ),
    ),
    (
        gettext_noop(
            "A support group's venue, day or time leaks (public page, agenda feed, e-mail)."
        ),
        gettext_noop("A child or parent is found at a known place and time."),
        gettext_noop(
            "Public pages show a commune and a period only; feeds and e-mails carry no "
            "child data and no confidential address."
        ),
    ),
    (
        gettext_noop(
            "An export or a copy leaves the platform (spreadsheet, agenda copied to a cloud)."
        ),
        gettext_noop("Data about professionals or children spread beyond the network's control."),
        gettext_noop(
            "Exports need an explicit permission, are audited and leave children's "
            "identities out; personal feed URLs can be revoked."
        ),
    ),
    (
        gettext_noop("An account is taken over (guessed or stolen password, unattended computer)."),
        gettext_noop("Everything the account may see is exposed or changed."),
        gettext_noop("Throttled sign-in, second factor for sensitive roles, sessions that expire."),
    ),
    (
        gettext_noop(
            "Data are changed by mistake or lost (attendance, consents, safety instructions)."
        ),
        gettext_noop("A child handed over to the wrong adult; wrong training records."),
        gettext_noop(
            "Changes audited and in the history; encrypted backups with a tested restore."
        ),
    ),
    (
        gettext_noop("A child is recognised in the statistics of a small commune."),
        gettext_noop("The family's situation becomes known locally."),
        gettext_noop("Counts below five masked; no total of children across communes."),
    ),
    (
        gettext_noop("Data kept longer than needed, or used for another purpose."),
        gettext_noop("A child's past or a professional's record follows them for years."),
        gettext_noop(
            "Retention applied by due jobs; purposes written in the registry; no free "
            "text about what happened."
        ),
    ),
    (
        gettext_noop("A backup restored after an erasure brings the erased data back."),
        gettext_noop(
            "A person who asked for erasure, or a child whose record was deleted, reappears."
        ),
        gettext_noop(
            "Erasure log under pseudonymous keys, `reapply_erasures` run after every restore."
        ),
    ),
)


def risks() -> list[tuple[str, str, str]]:
    return [(_(risk), _(impact), _(measures)) for risk, impact, measures in RISKS]


MINIMISATION = (
    gettext_noop(
        "A child has no account: a generated code, a first name or alias, a birth year, a "
        "referral source, guardians' consent, safety instructions and short practical needs; "
        "no address, no account of what happened."
    ),
    gettext_noop(
        "Professionals: name, e-mail, organisation, function and communes; the phone number is "
        "optional."
    ),
    gettext_noop(
        "The public sees where support groups exist by commune and period, never a venue, day "
        "or time."
    ),
    gettext_noop(
        "Statistics are counts, masked below five; exports leave children's identities out."
    ),
)


def minimisation() -> list[str]:
    return [_(text) for text in MINIMISATION]


def _distinct(values: Iterable[object]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        seen.setdefault(str(value), None)
    return list(seen)


def dpia() -> str:
    """A data protection impact assessment, pre-filled from the registry (Belgian DPA)."""
    entries = [entry for group in groups() for entry in group.entries]
    sensitive = [entry for entry in entries if entry.sensitive]
    lines = _header(
        _("Data protection impact assessment (DPIA): template"),
        _(
            "The Belgian Data Protection Authority requires a DPIA for this processing: data "
            "about vulnerable persons (children, victims of violence) and data revealing "
            "intrafamily violence. This template is pre-filled from the platform's privacy "
            "registry; the network completes and signs it with its data protection officer."
        ),
    )
    lines += _controller()

    lines += [f"## 1. {_('Systematic description of the processing')}", ""]
    lines += [f"### 1.1 {_('Purposes')}", ""]
    for group in groups():
        purposes = _distinct(entry.purpose for entry in group.entries)
        lines.append(_item(group.label, " ".join(str(p) for p in purposes), bold=True))
    lines += ["", f"### 1.2 {_('Data and data subjects')}", ""]
    lines += _table(
        [_("Category"), _("Data subjects"), _("Personal data"), _("Sensitive data")],
        (
            [
                capfirst(str(e.label)),
                e.subjects,
                data_categories(e.model),
                e.sensitive or "—",
            ]
            for e in entries
        ),
    )
    lines += [f"### 1.3 {_('Recipients')}", ""]
    lines += [f"- {_cell(text)}" for text in _distinct(e.recipients for e in entries)]
    lines += ["", f"### 1.4 {_('Retention')}", ""]
    lines += _table(
        [_("Category"), _("Retention"), _("How the retention is applied")],
        ([capfirst(str(e.label)), e.retention, how_applied(e)] for e in entries),
    )
    lines += [
        f"### 1.5 {_('Means')}",
        "",
        _(
            "A web application (Django and Wagtail) and its PostgreSQL database; hosting, "
            "e-mail provider and who administers them: %(blank)s"
        )
        % {"blank": blank()},
        "",
    ]

    lines += [f"## 2. {_('Necessity and proportionality')}", ""]
    lines += [f"### 2.1 {_('Legal bases')}", ""]
    lines += _table(
        [_("Legal basis"), _("Categories")],
        (
            [basis, ", ".join(str(e.label) for e in entries if str(e.legal_basis) == basis)]
            for basis in _distinct(e.legal_basis for e in entries)
        ),
    )
    lines += [f"### 2.2 {_('Data minimisation')}", ""]
    lines += [f"- {text}" for text in minimisation()]
    automatic = [e for e in entries if e.purge_job]
    lines += [
        "",
        f"### 2.3 {_('Limited retention')}",
        "",
        _(
            "%(automatic)s of the %(total)s categories are deleted automatically when their "
            "retention ends (section 1.4); the others end with the account or a decision."
        )
        % {"automatic": len(automatic), "total": len(entries)},
        "",
        f"### 2.4 {_('Information and rights of the data subjects')}",
        "",
        _(
            "Export of everything held about a person (`privacy_export`, or the network "
            "coordination's privacy desk), erasure (`privacy_erase`), complaint to the Data "
            "Protection Authority. Contact: %(contact)s. Information of guardians and children: "
            "%(blank)s"
        )
        % {"contact": privacy_contact(), "blank": blank()},
        "",
        f"### 2.5 {_('Processors and transfers')}",
        "",
        blank(),
        "",
    ]

    lines += [f"## 3. {_('Risks to the rights and freedoms of data subjects')}", ""]
    lines += [
        _(
            "Data subjects include children who are victims or witnesses of violence, and the "
            "data reveal a family's situation (special categories, GDPR art. 9). Categories "
            "concerned: %(categories)s."
        )
        % {"categories": ", ".join(f"`{e.key}`" for e in sensitive) or "—"},
        "",
    ]
    lines += _table(
        [_("Risk"), _("Impact on the persons"), _("Severity"), _("Likelihood"), _("Measures")],
        ([risk, impact, blank(), blank(), measures] for risk, impact, measures in risks()),
    )
    lines += [f"## 4. {_('Measures to address the risks')}", ""]
    lines += [f"### 4.1 {_('Technical measures in place')}", ""]
    lines += [f"- {measure}" for measure in security_measures()]
    lines += [
        "",
        f"### 4.2 {_('Organisational measures')}",
        "",
        _item(
            _("Training and confidentiality undertakings of facilitators and coordinators"), blank()
        ),
        _item(_("Procedure for data breaches (notification within 72 hours)"), blank()),
        _item(_("Yearly review of this assessment and of the roles granted"), blank()),
        "",
        f"## 5. {_('Opinion and decision')}",
        "",
        _item(_("Opinion of the data protection officer"), blank()),
        _item(
            _("Residual risk and, if it stays high, prior consultation of the Authority"), blank()
        ),
        _item(_("Decision, date and signature of the controller"), blank()),
        "",
    ]
    return "\n".join(lines)
