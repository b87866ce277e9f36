"""Privacy requests: export everything held about a person, or erase it; both audited.

Erasures are logged (`log_erasure`, from the registry's tracked models) under a pseudonymous
key, so that `reapply_erasures` can erase again whoever a restored backup brings back.
"""

from __future__ import annotations

import io
import json
import logging
import os
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django.db.models import Q
from django.utils import formats, timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst, get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import audit, privacy
from .exceptions import NetworkError, NotAllowed
from .models import ErasureLog

logger = logging.getLogger(__name__)

SUMMARY_LANGUAGE = "fr"


class PersonNotFound(NetworkError):
    default_message = gettext_lazy("No account has this username or e-mail address.")


class AmbiguousPerson(NetworkError):
    default_message = gettext_lazy(
        "Several accounts use this e-mail address: give the username instead."
    )


def find_person(identifier: str) -> AbstractBaseUser:
    """The account a privacy request is about, by username or e-mail address, in any case."""
    user_model = get_user_model()
    manager = user_model._default_manager
    identifier = identifier.strip()
    if not identifier:
        raise PersonNotFound()
    by_username = list(manager.filter(**{f"{user_model.USERNAME_FIELD}__iexact": identifier}))
    if len(by_username) == 1:
        return by_username[0]
    by_email = list(manager.filter(email__iexact=identifier))
    if len(by_email) == 1:
        return by_email[0]
    if len(by_username) + len(by_email) > 1:
        raise AmbiguousPerson()
    raise PersonNotFound()


def search_people(query: str, *, limit: int = 50) -> list[AbstractBaseUser]:
    """Accounts whose name, username or e-mail contains every word of the query."""
    manager = get_user_model()._default_manager
    words = query.split()
    if not words:
        return []
    queryset = manager.all()
    for word in words:
        queryset = queryset.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
        )
    return list(queryset.order_by("last_name", "first_name", "username")[:limit])


def holdings(user) -> list[tuple[privacy.PersonalData, list[privacy.Row]]]:
    """What each registered model holds about the person: the account first, history last."""
    entries = sorted(privacy.registered(), key=lambda entry: (-entry.order, entry.key))
    return [(entry, entry.export(user)) for entry in entries]


def export_data(user, held: list[tuple[privacy.PersonalData, list[privacy.Row]]]) -> dict[str, Any]:
    """The content of donnees.json: every registered model's rows, with why and how long."""
    return {
        "generated_at": privacy.json_value(timezone.now()),
        "account": user.get_username(),
        "models": {
            entry.key: {
                "label": str(entry.label),
                "purpose": str(entry.purpose),
                "legal_basis": str(entry.legal_basis),
                "retention": str(entry.retention),
                "rows": rows,
            }
            for entry, rows in held
        },
    }


def privacy_contact() -> str:
    """Where a person sends a privacy request: a setting, else the platform's own address."""
    return getattr(settings, "MAILLAGE_PRIVACY_CONTACT", "") or settings.DEFAULT_FROM_EMAIL


def summary_text(user, held: list[tuple[privacy.PersonalData, list[privacy.Row]]]) -> str:
    """resume.txt: what is held, why, how long, and how to ask for erasure, in plain words."""
    now = formats.date_format(timezone.localtime(), "SHORT_DATETIME_FORMAT")
    lines = [
        _("Personal data held by Maillage"),
        "",
        _("Export of %(date)s for the account “%(username)s”.")
        % {"date": now, "username": user.get_username()},
        "",
        _("This archive contains:"),
        _("- donnees.json: all the data about you held by the platform, by category;"),
        _("- resume.txt: this summary."),
        "",
        _("What we hold about you, why, and for how long:"),
        "",
    ]
    empty = []
    for entry, rows in held:
        if not rows:
            empty.append(str(entry.label))
            continue
        count = len(rows)
        lines += [
            ngettext("%(category)s: %(count)s item", "%(category)s: %(count)s items", count)
            % {"category": capfirst(str(entry.label)), "count": count},
            "  " + _("Purpose: %(purpose)s") % {"purpose": entry.purpose},
            "  " + _("Legal basis: %(basis)s") % {"basis": entry.legal_basis},
            "  " + _("Retention: %(retention)s") % {"retention": entry.retention},
            "",
        ]
    if empty:
        lines += [
            _("Categories holding nothing about you: %(categories)s.")
            % {"categories": ", ".join(empty)},
            "",
        ]
    lines += [
        _("Your rights"),
        _(
            "You may ask for your data to be corrected or erased by writing to the network "
            "coordination: %(contact)s."
        )
        % {"contact": privacy_contact()},
        _(
            "Erasure deletes your account and everything that points to you. The audit log "
            "keeps only pseudonymous entries, which no longer lead to you once your account "
            "is erased."
        ),
        _(
            "You may also lodge a complaint with the Data Protection Authority (Autorité de "
            "protection des données, www.autoriteprotectiondonnees.be)."
        ),
        "",
    ]
    return "\n".join(lines)


def export_person(user, *, actor=None, origin: str = "shell") -> bytes:
    """A ZIP archive of everything held about the person, with a French summary; audited."""
    with translation.override(SUMMARY_LANGUAGE):
        held = holdings(user)
        data = export_data(user, held)
        summary = summary_text(user, held)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("donnees.json", json.dumps(data, ensure_ascii=False, indent=2))
        archive.writestr("resume.txt", summary)
    audit.record(
        "privacy.export", user, actor=actor, origin=origin, object_type=user._meta.label_lower
    )
    return buffer.getvalue()


def export_filename(user) -> str:
    """export-<username>-<date>.zip, safe as a file name."""
    day = timezone.localdate().isoformat()
    return get_valid_filename(f"export-{user.get_username()}-{day}.zip")


def check_erasure_allowed(user, actor) -> None:
    """Nobody erases themselves here, and only a superuser erases a superuser."""
    if actor is None:
        return  # a shell command, run with full rights
    if actor.pk == user.pk:
        raise NotAllowed(gettext_lazy("You cannot erase your own account from here."))
    if user.is_superuser and not actor.is_superuser:
        raise NotAllowed(gettext_lazy("Only a superuser can erase a superuser's account."))


@transaction.atomic
def erase_person(user, *, actor=None, origin: str = "shell") -> dict[str, int]:
    """Erase everything the registry knows about the person, then their account; audited.

    Deleting the account logs the erasure (a pseudonymous key, `log_erasure`), so that it is
    applied again if a backup taken before it is restored. Returns the rows deleted or
    anonymised per model label.
    """
    check_erasure_allowed(user, actor)
    # Before the user row goes: the audit key is derived from the primary key.
    audit.record(
        "privacy.erase", user, actor=actor, origin=origin, object_type=user._meta.label_lower
    )
    user_model = type(user)
    pk = user.pk
    counts = {entry.key: entry.erase(user) for entry in privacy.registered()}
    # In case a registration replaced the account's own eraser.
    _total, leftover = user_model._default_manager.filter(pk=pk).delete()
    if leftover:
        key = user_model._meta.label_lower
        counts[key] = counts.get(key, 0) + leftover.get(user_model._meta.label, 0)
    return counts


# --- the erasure log ---------------------------------------------------------------------------

ERASURE_SALT = "maillage.network.erasure-log"


def erasure_key(subject: str, pk: Any, fingerprint: str, secret: str | None = None) -> str:
    """The pseudonymous key of an erased row: an HMAC (server secret) of its kind, id and
    fingerprint. Without the secret and a database still holding the row, it leads nowhere."""
    value = f"{subject.lower()}:{pk}:{fingerprint}"
    secret = secret or _secrets()[0]
    return salted_hmac(ERASURE_SALT, value, secret=secret, algorithm="sha256").hexdigest()


def _secrets() -> list[str]:
    """The erasure log's own secret when set (MAILLAGE_ERASURE_KEY, never rotated: the log
    must match for as long as backups are kept), else SECRET_KEY; then the secrets it replaced
    (keys logged before a rotation)."""
    own = getattr(settings, "MAILLAGE_ERASURE_KEY", "")
    fallbacks = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [own, *fallbacks] if own else fallbacks


def erasure_log_file() -> Path | None:
    """Where each erasure is also appended, outside the database (None: not configured)."""
    configured = getattr(settings, "MAILLAGE_ERASURE_LOG_FILE", "")
    return Path(configured) if configured else None


@dataclass(frozen=True)
class Erasure:
    """One line of the erasure log: what kind of record, its key, when."""

    subject: str
    key: str
    erased_at: datetime

    def as_json(self) -> str:
        return json.dumps(
            {"subject": self.subject, "key": self.key, "erased_at": self.erased_at.isoformat()},
            sort_keys=True,
        )


def _append_to_file(path: Path, erasure: Erasure) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
            handle.write(erasure.as_json() + "\n")
    except OSError:
        # The erasure itself is done and logged in the database: say so loudly, do not undo it.
        logger.exception("erasure not appended to %s", path)


def log_erasure(instance: models.Model) -> ErasureLog | None:
    """Log the deletion of a tracked row (called on post_delete); idempotent per key."""
    subject = privacy.registry.erasable(instance._meta.label_lower)
    if subject is None:
        return None
    key = erasure_key(subject.key, instance.pk, subject.fingerprint(instance))
    entry, created = ErasureLog.objects.get_or_create(key=key, defaults={"subject": subject.key})
    path = erasure_log_file()
    if created and path is not None:
        erasure = Erasure(entry.subject, entry.key, entry.erased_at)
        # Only once the erasure is committed: a rolled-back erasure must not be re-applied.
        transaction.on_commit(lambda: _append_to_file(path, erasure))
    return entry


def logged_erasures() -> list[Erasure]:
    return [
        Erasure(subject, key, erased_at)
        for subject, key, erased_at in ErasureLog.objects.values_list("subject", "key", "erased_at")
    ]


def read_erasure_file(path: Path) -> list[Erasure]:
    """The erasures of a log file (JSON lines); ValueError names a bad line."""
    erasures = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                erased_at = parse_datetime(data["erased_at"])
                if erased_at is None or not isinstance(data["key"], str):
                    raise ValueError
                erasures.append(Erasure(str(data["subject"]), data["key"], erased_at))
            except (ValueError, KeyError, TypeError):
                raise ValueError(f"{path}, line {number}: not an erasure log line") from None
    return erasures


def write_erasure_file(path: Path, erasures: Iterable[Erasure]) -> int:
    """Write erasures to a file (JSON lines, readable by the owner only); returns how many."""
    count = 0
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        for erasure in erasures:
            handle.write(erasure.as_json() + "\n")
            count += 1
    return count


def merge_erasures(*sources: Iterable[Erasure]) -> list[Erasure]:
    """One erasure per key (the earliest date), oldest first."""
    merged: dict[str, Erasure] = {}
    for source in sources:
        for erasure in source:
            known = merged.get(erasure.key)
            if known is None or erasure.erased_at < known.erased_at:
                merged[erasure.key] = erasure
    return sorted(merged.values(), key=lambda erasure: (erasure.erased_at, erasure.key))


@dataclass
class ReapplyReport:
    """What `reapply_erasures` found: entries read, rows erased again, what went wrong."""

    entries: int = 0
    recorded: int = 0
    erased: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    unknown_subjects: set[str] = field(default_factory=set)
    failures: list[tuple[str, str, str]] = field(default_factory=list)


def _matches(subject: privacy.ErasableSubject, wanted: set[str]) -> list[models.Model]:
    """The rows whose key (with the current or an earlier secret) is in `wanted`.

    The key cannot be reversed: it is computed for every row of the model and compared,
    which is cheap for accounts and children's records (thousands, not millions).
    """
    secrets = _secrets()
    found = []
    for obj in subject.model._default_manager.order_by("pk").iterator():
        fingerprint = subject.fingerprint(obj)
        if any(erasure_key(subject.key, obj.pk, fingerprint, s) in wanted for s in secrets):
            found.append(obj)
    return found


def reapply_erasures(extra: Iterable[Erasure] = (), *, dry_run: bool = False) -> ReapplyReport:
    """Erase again every logged row that the database holds (after restoring a backup).

    The log is the database's own plus `extra` (files kept outside the database); entries
    missing from the database are recorded there, so that the log is whole again. Idempotent:
    a row erased is no longer found.
    """
    erasures = merge_erasures(logged_erasures(), extra)
    report = ReapplyReport(entries=len(erasures))
    if not dry_run:
        known = set(ErasureLog.objects.values_list("key", flat=True))
        missing = [
            ErasureLog(subject=e.subject, key=e.key, erased_at=e.erased_at)
            for e in erasures
            if e.key not in known
        ]
        ErasureLog.objects.bulk_create(missing, ignore_conflicts=True)
        report.recorded = len(missing)
    wanted: dict[str, set[str]] = defaultdict(set)
    for erasure in erasures:
        wanted[erasure.subject.lower()].add(erasure.key)
    for label, keys in sorted(wanted.items()):
        subject = privacy.registry.erasable(label)
        if subject is None:
            report.unknown_subjects.add(label)
            continue
        for obj in _matches(subject, keys):
            if dry_run:
                report.erased[label] += 1
                continue
            try:
                with transaction.atomic():
                    # Before the row goes: the audit key of a person is derived from it.
                    audit.record("privacy.reapply_erasure", obj, origin="restore")
                    subject.erase(obj)
            except Exception as error:  # one refusal must not stop the others
                logger.exception("erasure of %s %s not re-applied", label, obj.pk)
                report.failures.append((label, str(obj.pk), type(error).__name__))
            else:
                report.erased[label] += 1
    return report
