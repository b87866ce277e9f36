"""Privacy requests: export everything held about a person, or erase it; both audited."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone, translation
from django.utils.text import capfirst, get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import audit, privacy
from .exceptions import NetworkError, NotAllowed

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

    Returns the rows deleted or anonymised per model label.
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
