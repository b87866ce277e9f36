"""The privacy registry: every model says what it holds about a person, why, and how to undo it.

Each model holding personal data is registered with its purpose, legal basis and retention, a
function exporting a person's rows and one erasing them; a model holding none is declared so,
with the reason. A test fails while an installed model is neither (DESIGN: "Privacy by design").
Higher apps declare their own models from their AppConfig.ready().

A retention that can be applied without a person's judgement comes with a `purge(now)`
function: the site's registry schedules it as a due job (`run_due_jobs`), daily unless told
otherwise, or names the due job of the app that already applies it (`purge_job`). Models whose
deletion must survive the restore of an older backup are tracked (`track_erasures`): each
deletion leaves a pseudonymous key in the erasure log (network.privacy_services).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.db.models.signals import post_delete
from django.utils import timezone
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

from . import audit, retention
from .models import (
    AuditEntry,
    Commune,
    ErasureLog,
    ImportJob,
    Invitation,
    MemberProfile,
    NotificationPreference,
    Organisation,
    PendingNotification,
)
from .registries import DueJob, Registry, due_jobs

Row = dict[str, Any]
Exporter = Callable[[Any], list[Row]]
Eraser = Callable[[Any], int]
RowsAbout = Callable[[Any], models.QuerySet]
Purger = Callable[[datetime], int]
Text = str | Promise

DAILY = timedelta(days=1)

# Erasers run in this order: those looking for traces of a person's rows (history, revisions)
# run before the rows themselves go, and the user row goes last.
TRACES = 10
DEFAULT_ORDER = 100
ACCOUNT = 1000

ERASED_LABEL = "[…]"


@dataclass(frozen=True)
class PersonalData:
    """How one model holds personal data: why, on what basis, how long, how to export and erase."""

    model: type[models.Model]
    label: Text
    purpose: Text
    legal_basis: Text
    retention: Text
    export: Exporter
    erase: Eraser
    rows_about: RowsAbout | None = None
    order: int = DEFAULT_ORDER
    # The retention applied automatically: what it deletes at a given time, and the key of
    # the due job that runs it (empty: the retention needs a person's decision).
    purge: Purger | None = None
    purge_job: str = ""
    # For the record of processing (`privacy_register`): whom the data is about, who sees
    # it, and what makes it sensitive (special categories, children), if anything.
    subjects: Text = ""
    recipients: Text = ""
    sensitive: Text = ""

    @property
    def key(self) -> str:
        return self.model._meta.label_lower


@dataclass(frozen=True)
class ErasableSubject:
    """A model whose deletions are logged, to re-apply them after restoring a backup.

    `fingerprint` is a value fixed when the row is created (a code, a creation time): with the
    primary key it tells a restored row from a newer one that took the same id.
    """

    model: type[models.Model]
    fingerprint: Callable[[Any], str]
    erase: Callable[[Any], Any]

    @property
    def key(self) -> str:
        return self.model._meta.label_lower


@dataclass(frozen=True)
class NoPersonalData:
    """A model that holds nothing about a person, and why we think so."""

    model: type[models.Model]
    reason: str

    @property
    def key(self) -> str:
        return self.model._meta.label_lower


def _resolve(model_or_label: type[models.Model] | str) -> type[models.Model]:
    if isinstance(model_or_label, str):
        return apps.get_model(model_or_label)
    return model_or_label


def _delete_row(obj: models.Model) -> Any:
    return type(obj)._default_manager.filter(pk=obj.pk).delete()


class PrivacyRegistry:
    """Personal-data registrations and no-personal-data declarations, keyed by model label.

    The site's registry (`live`) also schedules the purges as due jobs and logs the deletions
    of tracked models; a registry made for a test does neither.
    """

    def __init__(self, *, due_jobs: Registry[DueJob] | None = None, live: bool = False) -> None:
        self._personal: dict[str, PersonalData] = {}
        self._none: dict[str, NoPersonalData] = {}
        self._erasable: dict[str, ErasableSubject] = {}
        # Due jobs of higher apps applying a model's retention, kept across re-registrations.
        self._links: dict[str, tuple[str, Purger | None]] = {}
        self._due_jobs = due_jobs
        self._live = live

    def register(
        self,
        model: type[models.Model] | str,
        *,
        purpose: Text,
        legal_basis: Text,
        retention: Text,
        export: Exporter,
        erase: Eraser,
        label: Text | None = None,
        rows_about: RowsAbout | None = None,
        order: int = DEFAULT_ORDER,
        purge: Purger | None = None,
        purge_job: str = "",
        purge_every: timedelta = DAILY,
        subjects: Text | None = None,
        recipients: Text | None = None,
        sensitive: Text = "",
    ) -> PersonalData:
        """Declare a model holding personal data; `rows_about(user)` are the rows about them.

        `purge(now)` deletes what the retention says has expired; without `purge_job` (the key
        of an app's own due job that already runs it), the site's registry schedules it as the
        due job `retention.<model label>`, every `purge_every`. Registering again replaces, so
        that ready() may run twice.
        """
        model = _resolve(model)
        key = model._meta.label_lower
        if not purge_job and key in self._links:
            purge_job, linked_purge = self._links[key]
            purge = purge or linked_purge
        if purge is not None and not purge_job:
            purge_job = f"retention.{key}"
            if self._due_jobs is not None:
                self._due_jobs.register(
                    DueJob(
                        key=purge_job,
                        description=_lazy_percent(
                            _("Apply the retention rule of “%(category)s”"),
                            category=lambda: label or model._meta.verbose_name_plural,
                        ),
                        interval=purge_every,
                        task=_apply_retention_task(),
                        kwargs={"model": key},
                    )
                )
        entry = PersonalData(
            model=model,
            label=label or model._meta.verbose_name_plural or model._meta.label,
            purpose=purpose,
            legal_basis=legal_basis,
            retention=retention,
            export=export,
            erase=erase,
            rows_about=rows_about,
            order=order,
            purge=purge,
            purge_job=purge_job,
            subjects=MEMBERS if subjects is None else subjects,
            recipients=STAFF_RECIPIENTS if recipients is None else recipients,
            sensitive=sensitive,
        )
        self._none.pop(entry.key, None)
        self._personal[entry.key] = entry
        return entry

    def link_retention(
        self, model_or_label: type[models.Model] | str, *, job: str, purge: Purger | None = None
    ) -> PersonalData | None:
        """Say which due job (of a higher app) applies a registered model's retention; it holds
        if the model is registered again."""
        key = _resolve(model_or_label)._meta.label_lower
        self._links[key] = (job, purge)
        if key not in self._personal:
            return None
        entry = replace(
            self._personal[key], purge_job=job, purge=purge or self._personal[key].purge
        )
        self._personal[key] = entry
        return entry

    def purge(self, model_or_label: type[models.Model] | str, now: datetime | None = None) -> int:
        """Apply one model's retention now (what its due job runs); 0 when it has none."""
        label = model_or_label if isinstance(model_or_label, str) else None
        key = label.lower() if label else _resolve(model_or_label)._meta.label_lower
        entry = self._personal.get(key)
        if entry is None or entry.purge is None:
            return 0
        return entry.purge(now or timezone.now())

    def automatic(self) -> list[PersonalData]:
        """The registrations whose retention a due job applies."""
        return [entry for entry in self.registered() if entry.purge_job]

    def track_erasures(
        self,
        model_or_label: type[models.Model] | str,
        *,
        fingerprint: Callable[[Any], str],
        erase: Callable[[Any], Any] | None = None,
    ) -> ErasableSubject:
        """Log every deletion of the model's rows (a key only), to re-apply it after a restore.

        `erase(obj)` re-applies it (default: delete the row again).
        """
        subject = ErasableSubject(_resolve(model_or_label), fingerprint, erase or _delete_row)
        self._erasable[subject.key] = subject
        if self._live:
            post_delete.connect(
                _log_deletion,
                sender=subject.model,
                weak=False,
                dispatch_uid=f"maillage-erasure-log:{subject.key}",
            )
        return subject

    def erasable(self, label: str) -> ErasableSubject | None:
        return self._erasable.get(label.lower())

    def erasable_subjects(self) -> list[ErasableSubject]:
        return sorted(self._erasable.values(), key=lambda subject: subject.key)

    def declare_no_personal_data(
        self, model_or_label: type[models.Model] | str, reason: str
    ) -> NoPersonalData:
        """Declare that a model holds nothing about a person; the reason is for reviewers."""
        entry = NoPersonalData(_resolve(model_or_label), reason)
        self._personal.pop(entry.key, None)
        self._none[entry.key] = entry
        return entry

    def unregister(self, model_or_label: type[models.Model] | str) -> None:
        label = model_or_label if isinstance(model_or_label, str) else None
        key = label.lower() if label else _resolve(model_or_label)._meta.label_lower
        entry = self._personal.pop(key, None)
        self._none.pop(key, None)
        if (
            entry is not None
            and self._due_jobs is not None
            and entry.purge_job == f"retention.{key}"
        ):
            self._due_jobs.unregister(entry.purge_job)

    def registered(self) -> list[PersonalData]:
        """Models holding personal data, in erasure order."""
        return sorted(self._personal.values(), key=lambda entry: (entry.order, entry.key))

    def declared_without_personal_data(self) -> list[NoPersonalData]:
        return sorted(self._none.values(), key=lambda entry: entry.key)

    def entry_for(self, model: type[models.Model]) -> PersonalData | NoPersonalData | None:
        concrete = model._meta.concrete_model or model
        for key in (model._meta.label_lower, concrete._meta.label_lower):
            found = self._personal.get(key) or self._none.get(key)
            if found is not None:
                return found
        return None

    def undeclared_models(
        self, candidates: Iterable[type[models.Model]] | None = None
    ) -> list[type[models.Model]]:
        """Installed models (ours and dependencies') neither registered nor declared."""
        if candidates is None:
            candidates = apps.get_models()
        missing = [model for model in candidates if self.entry_for(model) is None]
        return sorted(missing, key=lambda model: model._meta.label_lower)

    def subjects(self, user) -> list[tuple[type[models.Model], list[str]]]:
        """Primary keys of the rows about the person (their account, profile, invitations)."""
        found = []
        for entry in self.registered():
            if entry.rows_about is None:
                continue
            ids = [str(pk) for pk in entry.rows_about(user).values_list("pk", flat=True)]
            if ids:
                found.append((entry.model, ids))
        return found


def _apply_retention_task() -> Any:
    from .tasks import apply_retention_task

    return apply_retention_task


def _log_deletion(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    from .privacy_services import log_erasure

    log_erasure(instance)


def _lazy_percent(message: Text, **values: Callable[[], Any]) -> Text:
    """A translated text whose %(name)s values are read when it is shown (settings may vary)."""
    return lazy(lambda: str(message) % {name: value() for name, value in values.items()}, str)()


def _from_settings(name: str, default: int) -> Callable[[], int]:
    return lambda: int(getattr(settings, name, default))


registry = PrivacyRegistry(due_jobs=due_jobs, live=True)
register = registry.register
declare_no_personal_data = registry.declare_no_personal_data
unregister = registry.unregister
registered = registry.registered
undeclared_models = registry.undeclared_models
link_retention = registry.link_retention
track_erasures = registry.track_erasures


# --- helpers shared by exporters and erasers ---------------------------------------------------


def json_value(value: Any) -> Any:
    """A JSON-serialisable, readable value: local times as ISO strings, objects as their name."""
    if isinstance(value, datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID | Promise):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_value(item) for item in value]
    return value


def values(obj: models.Model, fields: Sequence[str]) -> Row:
    """The named attributes of one row, ready for the export."""
    return {name: json_value(getattr(obj, name)) for name in fields}


def _nothing(user) -> list[Row]:
    return []


def _erase_nothing(user) -> int:
    return 0


def delete_rows(queryset: models.QuerySet) -> int:
    """Delete and count the rows of the queryset's own model (not the cascade)."""
    _total, per_model = queryset.delete()
    return per_model.get(queryset.model._meta.label, 0)


def _installed(label: str) -> Any:
    """The model if its app is installed, else None (its fields are reached dynamically)."""
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _content_type_ids(model: type[models.Model]) -> set[int]:
    """Both content types a row may be filed under (its own, and its concrete model's)."""
    return {
        ContentType.objects.get_for_model(model, for_concrete_model=False).pk,
        ContentType.objects.get_for_model(model).pk,
    }


def _about_subjects(
    reg: PrivacyRegistry, user, type_field: str = "content_type", id_field: str = "object_id"
) -> Q:
    """Rows of a generic relation (log entry, revision) pointing at a row about the person."""
    condition = Q(pk__in=[])
    for model, ids in reg.subjects(user):
        condition |= Q(**{f"{type_field}__in": _content_type_ids(model), f"{id_field}__in": ids})
    return condition


def name_variants(user) -> list[str]:
    """How the person's name may have been written into free text (labels, JSON data)."""
    first, last = user.first_name.strip(), user.last_name.strip()
    variants = []
    if first and last:
        variants += [f"{first} {last}", f"{last} {first}"]
    if user.email:
        variants.append(user.email)
    return variants


def _mentions(field: str, user, *, json_field: bool = False) -> Q:
    """Rows whose text field contains the person's name or e-mail (or equals the username)."""
    condition = Q(pk__in=[])
    for text in name_variants(user):
        condition |= Q(**{f"{field}__icontains": text})
        escaped = json.dumps(text)[1:-1]  # SQLite stores JSON with non-ASCII escaped
        if json_field and escaped != text:
            condition |= Q(**{f"{field}__icontains": escaped})
    condition |= Q(**{f"{field}__iexact": user.get_username()})
    return condition


def user_pointers() -> list[models.Field]:
    """Every column pointing to the user model (foreign keys and one-to-one fields)."""
    user_model = get_user_model()
    return [
        field
        for model in apps.get_models()
        for field in model._meta.local_concrete_fields
        if field.is_relation and field.related_model is user_model
    ]


def _is_pk(value: Any, pk: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value == pk


def scrub_content(value: Any, pk: int, pointers: set[str]) -> tuple[Any, bool]:
    """Remove a person from serialised content: drop their child rows, null pointers to them."""
    changed = False
    if isinstance(value, dict):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if key in pointers and _is_pk(item, pk):
                result[key] = None
                changed = True
            else:
                result[key], item_changed = scrub_content(item, pk, pointers)
                changed |= item_changed
        return result, changed
    if isinstance(value, list):
        kept = []
        for item in value:
            if isinstance(item, dict) and _is_pk(item.get("user"), pk):
                changed = True  # a comment or reply they wrote: deleted with them
                continue
            item, item_changed = scrub_content(item, pk, pointers)
            changed |= item_changed
            kept.append(item)
        return kept, changed
    return value, False


# --- common texts ------------------------------------------------------------------------------

PUBLIC_TASK = _(
    "Task carried out in the public interest by the network and its members (GDPR art. 6.1.e)."
)
SECURITY = _(
    "Security and accountability of the platform, part of the same public-interest task "
    "(GDPR art. 6.1.e and art. 32)."
)
WHILE_ACCOUNT = _("As long as the account exists; erased with it.")
HISTORY = _(
    "As long as the history of the content is kept; entries about the person are deleted and "
    "their name removed from the others when their account is erased."
)
AUTHORSHIP = _(
    "As long as the content exists; the link to the person is removed when their account is erased."
)
# Whom the data is about, and who sees it (record of processing), unless a model says otherwise.
MEMBERS = _(
    "Members of the network and other users of the platform: professionals, trainers, "
    "facilitators, referents and coordinators."
)
STAFF_RECIPIENTS = _(
    "The person themselves; the network coordination and the commune coordinators, each "
    "within their role and communes. No recipient outside the network."
)
PLATFORM_RECIPIENTS = _(
    "The platform's administrators only (network coordination), for security and support."
)


# --- auth, sessions and Wagtail ----------------------------------------------------------------


def _register_account(reg: PrivacyRegistry) -> None:
    user_model = get_user_model()

    def export(user) -> list[Row]:
        row = values(user, ["username", "first_name", "last_name", "email", "is_active"])
        row |= values(user, ["is_staff", "is_superuser", "date_joined", "last_login"])
        row["groups"] = sorted(user.groups.values_list("name", flat=True))
        return [row]

    reg.register(
        user_model,
        label=_("Account"),
        purpose=_("Signing in, and knowing who does what on the platform (name, e-mail, roles)."),
        legal_basis=PUBLIC_TASK,
        retention=_(
            "Until the person leaves the network and asks for erasure. A registration never "
            "confirmed by e-mail, or rejected, is erased with everything about it 30 days after "
            "it was made, by a daily due job."
        ),
        export=export,
        erase=lambda user: delete_rows(user_model._default_manager.filter(pk=user.pk)),
        rows_about=lambda user: user_model._default_manager.filter(pk=user.pk),
        order=ACCOUNT,
        purge=retention.purge_abandoned_registrations,
    )
    # A restored backup would bring an erased account back: its erasure is logged to be
    # re-applied (`reapply_erasures`). The date it joined tells it from a newer account that
    # got the same id after the restore.
    reg.track_erasures(
        user_model,
        fingerprint=lambda user: str(int(user.date_joined.timestamp())),
        erase=_erase_again,
    )
    reg.declare_no_personal_data("auth.Group", "the roles themselves, not who holds them")
    reg.declare_no_personal_data("auth.Permission", "permission definitions")
    reg.declare_no_personal_data("contenttypes.ContentType", "names of models")


def _erase_again(user) -> Any:
    from .privacy_services import erase_person

    return erase_person(user, origin="restore")


def _user_sessions(user) -> list[models.Model]:
    from django.contrib.sessions.models import Session

    key = str(user.pk)
    return [
        session
        for session in Session.objects.iterator()
        if str(session.get_decoded().get("_auth_user_id", "")) == key
    ]


def _register_sessions(reg: PrivacyRegistry) -> None:
    session_model = _installed("sessions.Session")
    if session_model is None:
        return

    def erase(user) -> int:
        keys = [session.pk for session in _user_sessions(user)]
        return delete_rows(session_model._default_manager.filter(pk__in=keys))

    reg.register(
        session_model,
        label=_("Sign-in sessions"),
        purpose=_("Keeping the person signed in on their devices."),
        legal_basis=SECURITY,
        retention=_(
            "Until sign-out or expiry; expired sessions are deleted by the due jobs every six "
            "hours; erased with the account."
        ),
        # Never the session key: it would let whoever reads the export sign in as the person.
        export=lambda user: [values(s, ["expire_date"]) for s in _user_sessions(user)],
        erase=erase,
        purge=retention.clear_expired_sessions,
        purge_job="network.clear_expired_sessions",
        recipients=PLATFORM_RECIPIENTS,
    )


def _register_wagtail_users(reg: PrivacyRegistry) -> None:
    profile_model = _installed("wagtailusers.UserProfile")
    if profile_model is None:
        return
    fields = [
        "preferred_language",
        "current_time_zone",
        "avatar",
        "theme",
        "contrast",
        "density",
        "keyboard_shortcuts",
        "submitted_notifications",
        "approved_notifications",
        "rejected_notifications",
        "updated_comments_notifications",
    ]

    def erase(user) -> int:
        profiles = profile_model._default_manager.filter(user=user)
        for profile in profiles:
            if profile.avatar:
                profile.avatar.delete(save=False)
        return delete_rows(profiles)

    reg.register(
        profile_model,
        label=_("Administration preferences"),
        purpose=_("Language, time zone, display and notification choices in the administration."),
        legal_basis=PUBLIC_TASK,
        retention=WHILE_ACCOUNT,
        export=lambda user: [
            values(p, fields) for p in profile_model._default_manager.filter(user=user)
        ],
        erase=erase,
        rows_about=lambda user: profile_model._default_manager.filter(user=user),
    )


def _register_wagtail_admin(reg: PrivacyRegistry) -> None:
    reg.declare_no_personal_data("wagtailadmin.Admin", "holds the admin access permission only")
    editing = _installed("wagtailadmin.EditingSession")
    if editing is not None:
        reg.register(
            editing,
            label=_("Editing sessions"),
            purpose=_("Warning editors that someone else is editing the same item."),
            legal_basis=SECURITY,
            retention=_(
                "Deleted by an hourly due job once idle for an hour; erased with the account."
            ),
            export=lambda user: [
                values(s, ["content_type", "object_id", "last_seen_at"])
                for s in editing._default_manager.filter(user=user)
            ],
            erase=lambda user: delete_rows(editing._default_manager.filter(user=user)),
            purge=retention.purge_editing_sessions,
            purge_every=timedelta(hours=1),
            recipients=PLATFORM_RECIPIENTS,
        )
    form_state = _installed("wagtailadmin.FormState")
    if form_state is not None:

        def erase_form_states(user) -> int:
            # Also what others were typing into a form about the person (their profile).
            rows = form_state._default_manager.filter(Q(user=user) | _about_subjects(reg, user))
            return delete_rows(rows)

        reg.register(
            form_state,
            label=_("Unsaved forms"),
            purpose=_("Keeping what an editor typed into a form that is not saved yet."),
            legal_basis=PUBLIC_TASK,
            retention=_(
                "Deleted once used, or by an hourly due job a day after the last change; "
                "erased with the account."
            ),
            export=lambda user: [
                # Not the typed data: it may be about someone else.
                values(s, ["content_type", "object_id", "last_updated_at"])
                for s in form_state._default_manager.filter(user=user)
            ],
            erase=erase_form_states,
            order=TRACES,
            purge=retention.purge_form_states,
            purge_every=timedelta(hours=1),
            recipients=PLATFORM_RECIPIENTS,
        )


def _erase_model_log_entries(
    reg: PrivacyRegistry, model: type[models.Model], user, *, about: bool
) -> int:
    manager = model._default_manager
    count = delete_rows(manager.filter(_about_subjects(reg, user))) if about else 0
    count += manager.filter(user_id=user.pk).update(user=None)
    count += manager.filter(_mentions("label", user)).update(label=ERASED_LABEL)
    count += (
        manager.annotate(data_text=Cast("data", TextField()))
        .filter(_mentions("data_text", user, json_field=True))
        .update(data={})
    )
    return count


def _register_wagtail_history(reg: PrivacyRegistry) -> None:
    model_log = _installed("wagtailcore.ModelLogEntry")
    if model_log is not None:

        def export_model_log(user) -> list[Row]:
            rows = []
            about = _about_subjects(reg, user)
            theirs = set(model_log._default_manager.filter(about).values_list("pk", flat=True))
            for entry in model_log._default_manager.filter(Q(user_id=user.pk) | about):
                row = values(entry, ["timestamp", "action", "content_type", "object_id"])
                # The label of another object may be another person's name.
                row["label"] = entry.label if entry.pk in theirs else ""
                row["by_the_person"] = entry.user_id == user.pk
                rows.append(row)
            return rows

        reg.register(
            model_log,
            label=_("History of changes (administration)"),
            purpose=_("Knowing who changed what in the administration, and when."),
            legal_basis=SECURITY,
            retention=HISTORY,
            export=export_model_log,
            erase=lambda user: _erase_model_log_entries(reg, model_log, user, about=True),
            order=TRACES,
        )
    page_log = _installed("wagtailcore.PageLogEntry")
    if page_log is not None:
        reg.register(
            page_log,
            label=_("History of changes (pages)"),
            purpose=_("Knowing who changed which page of the site, and when."),
            legal_basis=SECURITY,
            retention=HISTORY,
            export=lambda user: [
                values(entry, ["timestamp", "action", "label", "page_id"])
                for entry in page_log._default_manager.filter(user_id=user.pk)
            ],
            erase=lambda user: _erase_model_log_entries(reg, page_log, user, about=False),
            order=TRACES,
        )
    revision = _installed("wagtailcore.Revision")
    if revision is not None:

        def erase_revisions(user) -> int:
            manager = revision._default_manager
            count = delete_rows(manager.filter(_about_subjects(reg, user, "base_content_type")))
            count += manager.filter(user=user).update(user=None)
            pointers = {field.name for field in user_pointers()}
            for row in manager.only("pk", "content").iterator():
                content, changed = scrub_content(row.content, user.pk, pointers)
                if changed:
                    manager.filter(pk=row.pk).update(content=content)
                    count += 1
            return count

        def export_revisions(user) -> list[Row]:
            manager = revision._default_manager
            about = _about_subjects(reg, user, "base_content_type")
            theirs = set(manager.filter(about).values_list("pk", flat=True))
            rows = []
            for row in manager.filter(Q(user=user) | about):
                exported = values(row, ["created_at", "content_type", "object_id"])
                # The name of another object may be another person's name.
                exported["object_str"] = row.object_str if row.pk in theirs else ""
                rows.append(exported)
            return rows

        reg.register(
            revision,
            label=_("Revisions"),
            purpose=_("Keeping earlier versions of pages and content, and who made them."),
            legal_basis=PUBLIC_TASK,
            retention=HISTORY,
            export=export_revisions,
            erase=erase_revisions,
            order=TRACES,
        )


def _register_wagtail_core(reg: PrivacyRegistry) -> None:
    for label, reason in [
        ("wagtailcore.Locale", "languages of the site"),
        ("wagtailcore.Site", "host names of the site"),
        ("wagtailcore.GroupSitePermission", "permissions of roles"),
        ("wagtailcore.GroupPagePermission", "permissions of roles"),
        ("wagtailcore.GroupCollectionPermission", "permissions of roles"),
        ("wagtailcore.Collection", "folders of images and documents"),
        ("wagtailcore.CollectionViewRestriction", "access rules of folders, by role"),
        ("wagtailcore.PageViewRestriction", "access rules of pages, by role"),
        ("wagtailcore.Workflow", "moderation workflow definitions"),
        ("wagtailcore.WorkflowTask", "moderation workflow definitions"),
        ("wagtailcore.WorkflowPage", "moderation workflow definitions"),
        ("wagtailcore.WorkflowContentType", "moderation workflow definitions"),
        ("wagtailcore.Task", "moderation workflow definitions"),
        ("wagtailcore.GroupApprovalTask", "moderation workflow definitions"),
        ("wagtailcore.ReferenceIndex", "which object refers to which, by id; never to a user"),
    ]:
        if _installed(label) is not None:
            reg.declare_no_personal_data(label, reason)

    page = _installed("wagtailcore.Page")
    if page is not None:
        reg.register(
            page,
            label=_("Pages owned"),
            purpose=_("Knowing who created or locked a page of the site."),
            legal_basis=PUBLIC_TASK,
            retention=AUTHORSHIP,
            export=lambda user: [
                values(p, ["title", "url_path", "first_published_at", "locked_at"])
                for p in page._default_manager.filter(Q(owner=user) | Q(locked_by=user))
            ],
            erase=lambda user: (
                page._default_manager.filter(owner=user).update(owner=None)
                + page._default_manager.filter(locked_by=user).update(locked_by=None)
            ),
        )
    token = _installed("wagtailcore.APIToken")
    if token is not None:
        reg.register(
            token,
            label=_("API tokens"),
            purpose=_("Letting a program use the API on the person's behalf."),
            legal_basis=SECURITY,
            retention=_("Until revoked; erased with the account."),
            export=lambda user: [
                values(t, ["name", "prefix", "created", "revoked_at", "last_used_at"])
                for t in token._default_manager.filter(user=user)
            ],
            erase=lambda user: delete_rows(token._default_manager.filter(user=user)),
        )
    uploaded = _installed("wagtailcore.UploadedFile")
    if uploaded is not None:

        def erase_uploads(user) -> int:
            uploads = uploaded._default_manager.filter(uploaded_by_user=user)
            for upload in uploads:
                upload.file.delete(save=False)
            return delete_rows(uploads)

        reg.register(
            uploaded,
            label=_("Files being uploaded"),
            purpose=_("Holding a file between its upload and the form that describes it."),
            legal_basis=PUBLIC_TASK,
            retention=_(
                "Until the form describing the file is saved or cancelled; erased with the account."
            ),
            export=lambda user: [
                values(u, ["file"]) for u in uploaded._default_manager.filter(uploaded_by_user=user)
            ],
            erase=erase_uploads,
        )
    _register_workflows_and_comments(reg)


def _register_workflows_and_comments(reg: PrivacyRegistry) -> None:
    workflow_state = _installed("wagtailcore.WorkflowState")
    if workflow_state is not None:
        reg.register(
            workflow_state,
            label=_("Moderation requests"),
            purpose=_("Knowing who submitted content for moderation."),
            legal_basis=PUBLIC_TASK,
            retention=AUTHORSHIP,
            export=lambda user: [
                values(s, ["created_at", "status", "content_type", "object_id"])
                for s in workflow_state._default_manager.filter(requested_by=user)
            ],
            erase=lambda user: workflow_state._default_manager.filter(requested_by=user).update(
                requested_by=None
            ),
        )
    task_state = _installed("wagtailcore.TaskState")
    if task_state is not None:
        reg.register(
            task_state,
            label=_("Moderation decisions"),
            purpose=_("Knowing who approved or rejected content, with their comment."),
            legal_basis=PUBLIC_TASK,
            retention=AUTHORSHIP,
            export=lambda user: [
                values(s, ["finished_at", "status", "comment"])
                for s in task_state._default_manager.filter(finished_by=user)
            ],
            erase=lambda user: task_state._default_manager.filter(finished_by=user).update(
                finished_by=None
            ),
        )
    comment = _installed("wagtailcore.Comment")
    if comment is not None:
        reg.register(
            comment,
            label=_("Comments on pages"),
            purpose=_("Discussing changes to a page between editors."),
            legal_basis=PUBLIC_TASK,
            retention=WHILE_ACCOUNT,
            export=lambda user: [
                values(c, ["created_at", "page", "text", "resolved_at"])
                for c in comment._default_manager.filter(user=user)
            ],
            erase=lambda user: (
                comment._default_manager.filter(resolved_by=user).update(resolved_by=None)
                + delete_rows(comment._default_manager.filter(user=user))
            ),
        )
    reply = _installed("wagtailcore.CommentReply")
    if reply is not None:
        reg.register(
            reply,
            label=_("Replies to comments"),
            purpose=_("Discussing changes to a page between editors."),
            legal_basis=PUBLIC_TASK,
            retention=WHILE_ACCOUNT,
            export=lambda user: [
                values(r, ["created_at", "text"]) for r in reply._default_manager.filter(user=user)
            ],
            erase=lambda user: delete_rows(reply._default_manager.filter(user=user)),
        )
    subscription = _installed("wagtailcore.PageSubscription")
    if subscription is not None:
        reg.register(
            subscription,
            label=_("Page subscriptions"),
            purpose=_("Notifying the person of comments on pages they follow."),
            legal_basis=PUBLIC_TASK,
            retention=WHILE_ACCOUNT,
            export=lambda user: [
                values(s, ["page", "comment_notifications"])
                for s in subscription._default_manager.filter(user=user)
            ],
            erase=lambda user: delete_rows(subscription._default_manager.filter(user=user)),
        )


def _register_upload_authorship(reg: PrivacyRegistry, media: Any, label: Text) -> None:
    def export(user) -> list[Row]:
        return [
            values(item, ["title", "created_at"])
            for item in media._default_manager.filter(uploaded_by_user=user)
        ]

    def erase(user) -> int:
        return media._default_manager.filter(uploaded_by_user=user).update(uploaded_by_user=None)

    reg.register(
        media,
        label=label,
        purpose=_("Knowing who uploaded an image or a document."),
        legal_basis=PUBLIC_TASK,
        retention=AUTHORSHIP,
        export=export,
        erase=erase,
    )


def _register_media_and_contrib(reg: PrivacyRegistry) -> None:
    uploads = [
        ("wagtailimages.Image", _("Uploaded images")),
        ("wagtaildocs.Document", _("Uploaded documents")),
    ]
    for model_label, upload_label in uploads:
        media = _installed(model_label)
        if media is not None:
            _register_upload_authorship(reg, media, upload_label)
    for label, reason in [
        ("wagtailimages.Rendition", "resized copies of images"),
        ("wagtailembeds.Embed", "cached descriptions of public media embedded in pages"),
        ("wagtailredirects.Redirect", "URL redirects"),
        ("wagtailsearch.IndexEntry", "search index of pages, images and documents only"),
        ("wagtailsearch.SQLiteFTSIndexEntry", "search index of pages, images and documents only"),
        ("taggit.Tag", "keywords of images and documents"),
        ("taggit.TaggedItem", "keywords of images and documents"),
        ("recurrence.Recurrence", "recurrence rules of series"),
        ("recurrence.Rule", "recurrence rules of series"),
        ("recurrence.Date", "recurrence rules of series"),
        ("recurrence.Param", "recurrence rules of series"),
    ]:
        if _installed(label) is not None:
            reg.declare_no_personal_data(label, reason)

    submission = _installed("wagtailforms.FormSubmission")
    if submission is not None:

        def submissions(user) -> models.QuerySet:
            if not user.email:
                return submission._default_manager.none()
            return submission._default_manager.annotate(
                form_text=Cast("form_data", TextField())
            ).filter(form_text__icontains=user.email)

        reg.register(
            submission,
            label=_("Form submissions"),
            purpose=_("Answers sent through a form of the site, found by the person's e-mail."),
            legal_basis=PUBLIC_TASK,
            retention=_("As long as the form needs them; erased with the account."),
            export=lambda user: [
                values(s, ["submit_time", "page", "form_data"]) for s in submissions(user)
            ],
            erase=lambda user: delete_rows(
                submission._default_manager.filter(pk__in=submissions(user).values("pk"))
            ),
        )

    task_result = _installed("django_tasks_database.DBTaskResult")
    if task_result is not None:
        reg.register(
            task_result,
            label=_("Background tasks"),
            purpose=_(
                "Running work in the background; a task's arguments are identifiers, never names."
            ),
            legal_basis=SECURITY,
            retention=_("Deleted by a daily due job 14 days after the task finished."),
            # Arguments are bare primary keys: which one is a person's cannot be told apart.
            export=_nothing,
            erase=_erase_nothing,
            recipients=PLATFORM_RECIPIENTS,
        )

    admin_log = _installed("admin.LogEntry")
    if admin_log is not None:

        def erase_admin_log(user) -> int:
            rows = admin_log._default_manager.filter(
                Q(user=user)
                | _about_subjects(reg, user, "content_type", "object_id")
                | _mentions("object_repr", user)
            )
            return delete_rows(rows)

        reg.register(
            admin_log,
            label=_("History of changes (Django administration)"),
            purpose=_("Knowing who changed what in the Django administration, and when."),
            legal_basis=SECURITY,
            retention=HISTORY,
            export=lambda user: [
                values(e, ["action_time", "content_type", "object_repr", "change_message"])
                for e in admin_log._default_manager.filter(user=user)
            ],
            erase=erase_admin_log,
            order=TRACES,
        )


# --- network -----------------------------------------------------------------------------------


def _export_member_profile(user) -> list[Row]:
    rows = []
    for profile in MemberProfile.objects.filter(user=user).select_related("organisation"):
        row = values(profile, ["organisation", "function", "phone", "preferred_language"])
        row |= values(profile, ["notify_by_email", "notify_reminders", "status", "created_at"])
        row |= values(profile, ["approved_at", "deactivated_at"])
        row["communes"] = sorted(profile.communes.values_list("name", flat=True))
        rows.append(row)
    return rows


def _invitations_to(user) -> models.QuerySet:
    condition = Q(accepted_user=user)
    if user.email:
        condition |= Q(email__iexact=user.email)
    return Invitation.objects.filter(condition)


def _export_invitations(user) -> list[Row]:
    rows = []
    for invitation in _invitations_to(user).select_related("organisation"):
        row = values(invitation, ["email", "first_name", "last_name", "organisation"])
        row |= values(invitation, ["function", "role", "created_at", "expires_at"])
        row |= values(invitation, ["accepted_at", "revoked_at", "status"])
        row["received"] = True
        rows.append(row)
    # Invitations they sent: only when and where, never the invitee's name or address.
    for invitation in Invitation.objects.filter(invited_by=user).select_related("organisation"):
        row = values(invitation, ["organisation", "created_at"])
        row["received"] = False
        rows.append(row)
    return rows


def _erase_invitations(user) -> int:
    count = delete_rows(_invitations_to(user))
    count += Invitation.objects.filter(invited_by=user).update(invited_by=None)
    return count


def _audit_entries(user) -> models.QuerySet:
    key = audit.user_key(user)
    return AuditEntry.objects.filter(Q(actor_key=key) | Q(object_key=key))


def _export_audit(user) -> list[Row]:
    key = audit.user_key(user)
    rows = []
    for entry in _audit_entries(user):
        row = values(entry, ["at", "action", "object_type", "origin"])
        row["by_the_person"] = entry.actor_key == key
        rows.append(row)
    return rows


def _register_network(reg: PrivacyRegistry) -> None:
    reg.declare_no_personal_data(Commune, "municipalities of the network")
    reg.declare_no_personal_data(Organisation, "organisation contact details, not a person")
    reg.register(
        MemberProfile,
        label=_("Member profile"),
        purpose=_(
            "Knowing the person's organisation, function, communes and preferences, to give "
            "them the right access and training."
        ),
        legal_basis=PUBLIC_TASK,
        retention=WHILE_ACCOUNT,
        export=_export_member_profile,
        erase=lambda user: delete_rows(MemberProfile.objects.filter(user=user)),
        rows_about=lambda user: MemberProfile.objects.filter(user=user),
    )
    reg.register(
        Invitation,
        label=_("Invitations"),
        purpose=_("Inviting the person to join the platform, and knowing who invited whom."),
        legal_basis=PUBLIC_TASK,
        retention=_(
            "Accepted: kept as the record of how the account was created, as long as the "
            "account. Never accepted: deleted by a daily due job 30 days after it expired or "
            "was revoked. Erased with the account, matched by e-mail address."
        ),
        export=_export_invitations,
        erase=_erase_invitations,
        rows_about=_invitations_to,
        purge=retention.purge_unused_invitations,
        subjects=_("People invited to join the platform, and who invited them."),
    )
    reg.register(
        ImportJob,
        label=_("Background imports"),
        purpose=_("Following a large import the person started (progress and counts only)."),
        legal_basis=PUBLIC_TASK,
        retention=_("One day, then deleted by the due jobs; erased with the account."),
        export=lambda user: [
            values(job, ["kind", "dry_run", "status", "created_at", "total", "new", "changed"])
            for job in ImportJob.objects.filter(owner=user)
        ],
        erase=lambda user: delete_rows(ImportJob.objects.filter(owner=user)),
        rows_about=lambda user: ImportJob.objects.filter(owner=user),
        purge=retention.delete_old_import_jobs,
        purge_job="network.delete_old_import_uploads",
        recipients=_("The person who started the import."),
    )
    reg.register(
        NotificationPreference,
        label=_("Notification preferences"),
        purpose=_("Knowing how the person wants to be told: each time, or once a day."),
        legal_basis=PUBLIC_TASK,
        retention=WHILE_ACCOUNT,
        export=lambda user: [
            values(preference, ["kind", "delivery"])
            for preference in NotificationPreference.objects.filter(user=user)
        ],
        erase=lambda user: delete_rows(NotificationPreference.objects.filter(user=user)),
        rows_about=lambda user: NotificationPreference.objects.filter(user=user),
        recipients=_("The person themselves."),
    )
    reg.register(
        PendingNotification,
        label=_("Notifications awaiting the daily digest"),
        purpose=_(
            "Gathering the notifications the person chose to receive once a day (the subject, "
            "a few lines and a link, never a child's name) until their digest is sent."
        ),
        legal_basis=PUBLIC_TASK,
        retention=_(
            "Until the next daily digest, which empties them; the empty rows, which only say "
            "that a digest was sent that day, are deleted after two days, and items never sent "
            "after two weeks, by a daily due job. Erased with the account."
        ),
        export=lambda user: [
            values(item, ["kind", "subject", "url", "created_at", "sent_at"])
            for item in PendingNotification.objects.filter(user=user)
        ],
        erase=lambda user: delete_rows(PendingNotification.objects.filter(user=user)),
        rows_about=lambda user: PendingNotification.objects.filter(user=user),
        purge=retention.purge_notifications,
        recipients=_("The person themselves, by e-mail."),
    )
    reg.register(
        AuditEntry,
        label=_("Audit log"),
        purpose=_("Knowing who did what to which record, and when (never the content)."),
        legal_basis=SECURITY,
        retention=_lazy_percent(
            _(
                "Kept %(days)s days as the network's accountability record, then deleted by a "
                "daily due job; entries hold a pseudonymous key that no longer leads to anyone "
                "once the account is erased."
            ),
            days=_from_settings("MAILLAGE_AUDIT_RETENTION_DAYS", 5 * 365),
        ),
        export=_export_audit,
        # The log is append-only and pseudonymous: once the user row is gone, the key is
        # an HMAC of a number that no longer belongs to anyone.
        erase=_erase_nothing,
        purge=retention.purge_audit_log,
        purge_job="network.purge_audit_log",
        recipients=_(
            "The network coordination, and the data protection officer on request; never "
            "the content of the records."
        ),
    )
    reg.register(
        ErasureLog,
        label=_("Erasure log"),
        purpose=_(
            "Re-applying erasures after a backup taken before them is restored, so that an "
            "erased person does not come back."
        ),
        legal_basis=_(
            "Legal obligation to erase (GDPR art. 17) and to keep the data accurate and "
            "secure (art. 5.1 and 32), GDPR art. 6.1.c."
        ),
        retention=_lazy_percent(
            _(
                "A pseudonymous key and a date only; kept %(days)s days, longer than the oldest "
                "backup, then deleted by a daily due job."
            ),
            days=retention.erasure_log_retention_days,
        ),
        # The key leads to nobody in the live database: the person is gone. Erasing them
        # again must leave the log in place, or the next restore would bring them back.
        export=_nothing,
        erase=_erase_nothing,
        purge=retention.purge_erasure_log,
        subjects=_("People and children's records that were erased."),
        recipients=PLATFORM_RECIPIENTS,
    )


def _register_login_throttling(reg: PrivacyRegistry) -> None:
    """django-axes keeps failed sign-ins (name typed, IP address) to throttle guessing."""
    for name in ("axes.AccessAttempt", "axes.AccessFailureLog", "axes.AccessLog"):
        model = _installed(name)
        if model is not None:
            _register_attempts(reg, model)
    expiration = _installed("axes.AccessAttemptExpiration")
    if expiration is not None:
        reg.declare_no_personal_data(expiration, "an expiry time linked to a sign-in attempt")


def _register_attempts(reg: PrivacyRegistry, model: Any) -> None:
    def rows(user) -> models.QuerySet:
        query = models.Q()
        for identifier in filter(None, (user.get_username(), user.email)):
            query |= models.Q(username__iexact=identifier)
        return model._default_manager.filter(query) if query else model._default_manager.none()

    def export(user) -> list[Row]:
        return [values(a, ["username", "ip_address", "attempt_time"]) for a in rows(user)]

    def erase(user) -> int:
        return delete_rows(rows(user))

    reg.register(
        model,
        purpose=_("Throttling repeated failed sign-ins, to protect accounts from guessing."),
        legal_basis=SECURITY,
        retention=_(
            "One day, then deleted by the due jobs (every six hours); erased with the account."
        ),
        export=export,
        erase=erase,
        purge=retention.clear_old_login_attempts,
        purge_job="network.clear_old_login_attempts",
        subjects=_("Anyone who tried to sign in, members or not (name typed, IP address)."),
        recipients=PLATFORM_RECIPIENTS,
    )


def _device_exporter(model: Any, fields: list[str]) -> Exporter:
    return lambda user: [values(d, fields) for d in model._default_manager.filter(user=user)]


def _device_eraser(model: Any) -> Eraser:
    return lambda user: delete_rows(model._default_manager.filter(user=user))


def _register_second_factor(reg: PrivacyRegistry) -> None:
    """django-otp: a person's authenticator key and backup codes (secrets: never exported)."""
    for name, fields in (
        ("otp_totp.TOTPDevice", ["confirmed", "created_at", "last_used_at"]),
        ("otp_static.StaticDevice", ["confirmed", "created_at", "last_used_at"]),
    ):
        model = _installed(name)
        if model is None:
            continue
        reg.register(
            model,
            purpose=_("A second factor at sign-in, for the roles that see children's records."),
            legal_basis=SECURITY,
            retention=_("Until the person turns it off or it is reset; erased with the account."),
            export=_device_exporter(model, fields),
            erase=_device_eraser(model),
        )
    tokens = _installed("otp_static.StaticToken")
    if tokens is not None:
        reg.register(
            tokens,
            purpose=_("Single-use backup codes, to sign in without the phone."),
            legal_basis=SECURITY,
            retention=_("Until used or replaced; erased with the account."),
            # Secrets: their number only.
            export=lambda user: [
                {"backup_codes_left": tokens._default_manager.filter(device__user=user).count()}
            ],
            erase=lambda user: delete_rows(tokens._default_manager.filter(device__user=user)),
            order=TRACES,
        )


def register_defaults(reg: PrivacyRegistry | None = None) -> PrivacyRegistry:
    """Declare network's models and those of the installed dependencies (idempotent)."""
    reg = registry if reg is None else reg
    _register_account(reg)
    _register_sessions(reg)
    _register_wagtail_users(reg)
    _register_wagtail_admin(reg)
    _register_wagtail_history(reg)
    _register_wagtail_core(reg)
    _register_media_and_contrib(reg)
    _register_network(reg)
    _register_login_throttling(reg)
    _register_second_factor(reg)
    return reg
