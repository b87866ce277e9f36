"""Import-export resources of the network: members and organisations.

Imported members get an account without a usable password, active and approved (the
coordinator vouches for them as for an invitation): they can be enrolled and marked present
at once; to sign in they are invited, or an administrator sets a password.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connections, router
from django.db.models import Model
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields

from . import imports, roles
from .imports import Checked, ImportResource, closest, fold, status_for
from .models import (
    Commune,
    MemberProfile,
    MemberStatus,
    Organisation,
    OrganisationKind,
)
from .permissions import coordinated_commune_ids, visible

User = get_user_model()
BATCH = 1000


def _communes_by_name() -> dict[str, Commune]:
    found: dict[str, Commune] = {}
    for commune in Commune.objects.all():
        found[fold(commune.name)] = commune
        found.setdefault(fold(commune.slug), commune)
        if commune.postal_code:
            found.setdefault(commune.postal_code, commune)
    return found


def _too_long(checked: Checked, column: str, value: str, limit: int) -> None:
    if len(value) > limit:
        checked.error(column, _("Too long: at most %(count)s characters.") % {"count": limit})


_PLAIN = (str, int, type(None))  # bool is an int


def _insert(model: type[Model], rows: list[dict[str, Any]], key: str | None = None) -> dict:
    """INSERT `rows` (attname -> value; the other fields take their default) in a few
    statements, without an instance per row; returns {row[key]: new pk} when `key` is given.

    Why not bulk_create(): it builds an instance per row and prepares every value of every
    field one by one, most of the time of a 10,000-member import. Here a value shared by the
    rows (a default, the import's time) is prepared once and str, int and None go as they
    are. No signal, as with bulk_create(); a default is computed once for all the rows (so
    not for a field whose default must differ per row, e.g. a uuid4); `key` must be unique
    (the new pks are matched by it, not by the order of the returned rows).
    """
    if not rows:
        return {}
    connection = connections[router.db_for_write(model)]
    opts = model._meta
    fields = [f for f in opts.concrete_fields if not (f is opts.pk and f.db_returning)]
    defaults = {
        f.attname: f.get_db_prep_save(f.get_default(), connection)
        for f in fields
        if f.attname not in rows[0]
    }
    columns: list[tuple[str, Any]] = [(f.attname, f) for f in fields]
    params: list[list[Any]] = []
    shared: dict[str, tuple[Any, Any]] = {}  # attname -> (the last value, prepared)
    for row in rows:
        values = []
        for attname, f in columns:
            if attname in defaults:
                values.append(defaults[attname])
                continue
            value = row[attname]
            if not isinstance(value, _PLAIN):
                last = shared.get(attname)
                if last is None or last[0] is not value:
                    last = shared[attname] = (value, f.get_db_prep_save(value, connection))
                value = last[1]
            values.append(value)
        params.append(values)
    quote = connection.ops.quote_name
    # Only the model's own table and column names and types go into the SQL; values are
    # parameters.
    head = "INSERT INTO {} ({}) ".format(  # noqa: S608
        quote(opts.db_table), ", ".join(quote(f.column) for f in fields)
    )
    returning = key is not None and connection.features.can_return_columns_from_insert
    tail = ""
    if returning:
        assert key is not None
        tail = f" RETURNING {quote(opts.pk.column)}, {quote(opts.get_field(key).column)}"
    size = max(1, min(BATCH, connection.ops.bulk_batch_size(fields, rows)))
    # PostgreSQL: one array per column, as Django's bulk_create() does there (a statement
    # with a placeholder per value costs more to parse than to run).
    arrays = connection.vendor == "postgresql" and all(
        (f.target_field if f.is_relation else f).get_internal_type() in connection.data_types
        for f in fields
    )
    if arrays:
        types = [f.db_type(connection).split("(")[0] for f in fields]
        unnest = "SELECT * FROM UNNEST({})".format(  # noqa: S608
            ", ".join(f"(%s)::{t}[]" for t in types)
        )
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    ids: dict = {}
    with connection.cursor() as cursor:
        for start in range(0, len(params), size):
            batch = params[start : start + size]
            if arrays:
                cursor.execute(
                    head + unnest + tail, [list(column) for column in zip(*batch, strict=True)]
                )
            else:
                values = "VALUES " + ", ".join([one] * len(batch))
                cursor.execute(head + values + tail, [value for row in batch for value in row])
            if returning:
                ids.update((k, pk) for pk, k in cursor.fetchall())
    if key is not None and not returning:  # a database that cannot say: one query
        ids = dict(
            model._default_manager.filter(**{f"{key}__in": [r[key] for r in rows]}).values_list(
                key, "pk"
            )
        )
    return ids


# --- members ------------------------------------------------------------------------------


@dataclass
class MemberRow:
    email: str
    first_name: str
    last_name: str
    organisation: Organisation
    commune: Commune | None
    function: str
    phone: str
    profile: MemberProfile | None  # None: a new member


class MemberResource(ImportResource):
    """Members by e-mail (case-insensitive): created, or their names, organisation,
    function and phone updated; the commune is added to their communes of action."""

    last_name = fields.Field(attribute="user__last_name", column_name="Nom")
    first_name = fields.Field(attribute="user__first_name", column_name="Prénom")
    email = fields.Field(attribute="user__email", column_name="E-mail")
    organisation = fields.Field(attribute="organisation__name", column_name="Organisation")
    communes = fields.Field(column_name="Commune")
    function = fields.Field(attribute="function", column_name="Fonction")
    phone = fields.Field(attribute="phone", column_name="Téléphone")

    class Meta:
        model = MemberProfile
        fields = (
            "last_name",
            "first_name",
            "email",
            "organisation",
            "communes",
            "function",
            "phone",
        )
        export_order = (
            "last_name",
            "first_name",
            "email",
            "organisation",
            "communes",
            "function",
            "phone",
        )

    def dehydrate_communes(self, profile: MemberProfile) -> str:
        return ", ".join(c.name for c in profile.communes.all())

    def prepare(self, rows: list[dict[str, str]]) -> None:
        emails = {row.get("email", "").strip().lower() for row in rows} - {""}
        self.organisations = {fold(o.name): o for o in Organisation.objects.filter(is_active=True)}
        self.organisation_names = {key: o.name for key, o in self.organisations.items()}
        self.communes = _communes_by_name()
        # One query for every existing account named in the file, with its profile.
        self.users: dict[str, Any] = {}
        for user in (
            User.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=emails)
            .select_related("member_profile")
            .order_by("pk")
        ):
            self.users.setdefault(user.email_lower, user)
        profile_ids = [
            u.member_profile.pk for u in self.users.values() if hasattr(u, "member_profile")
        ]
        self.profile_communes: dict[int, set[int]] = {pk: set() for pk in profile_ids}
        for profile_id, commune_id in MemberProfile.communes.through.objects.filter(
            memberprofile_id__in=profile_ids
        ).values_list("memberprofile_id", "commune_id"):
            self.profile_communes[profile_id].add(commune_id)
        self.scope = coordinated_commune_ids(self.actor) if self.actor is not None else None
        if self.scope is None:
            self.changeable: set[int] | None = None
            self.invitable: set[int] | None = None
        else:
            self.changeable = set(
                visible(self.actor, MemberProfile, "change")
                .filter(pk__in=profile_ids)
                .values_list("pk", flat=True)
            )
            self.invitable = set(
                Organisation.objects.filter(communes__in=self.scope).values_list("pk", flat=True)
            )
        self.seen: set[str] = set()

    def check(self, row: dict[str, str]) -> Checked:
        checked = Checked()
        email = row.get("email", "").strip()
        key = email.lower()
        try:
            validate_email(email)
        except ValidationError:
            checked.error("email", _("“%(value)s” is not an e-mail address.") % {"value": email})
        if key in self.seen:
            checked.error("email", _("This e-mail address appears twice in the file."))
        self.seen.add(key)
        last_name = " ".join(row.get("last_name", "").split())
        first_name = " ".join(row.get("first_name", "").split())
        if not last_name:
            checked.error("last_name", _("The last name is missing."))
        if not first_name:
            checked.error("first_name", _("The first name is missing."))
        _too_long(checked, "last_name", last_name, 150)
        _too_long(checked, "first_name", first_name, 150)
        function = " ".join(row.get("function", "").split())
        phone = " ".join(row.get("phone", "").split())
        _too_long(checked, "function", function, 120)
        _too_long(checked, "phone", phone, 40)

        organisation_name = " ".join(row.get("organisation", "").split())
        organisation = self.organisations.get(fold(organisation_name))
        if not organisation_name:
            checked.error("organisation", _("The organisation is missing."))
        elif organisation is None:
            suggestion = closest(organisation_name, self.organisation_names)
            if suggestion:
                message = _("Unknown organisation: “%(name)s”. Did you mean “%(suggestion)s”?") % {
                    "name": organisation_name,
                    "suggestion": suggestion,
                }
            else:
                message = _("Unknown organisation: “%(name)s”.") % {"name": organisation_name}
            checked.error("organisation", message)
        elif self.invitable is not None and organisation.pk not in self.invitable:
            checked.error(
                "organisation",
                _("“%(name)s” serves none of the communes you coordinate.")
                % {"name": organisation.name},
            )

        commune_name = row.get("commune", "").strip()
        commune = self.communes.get(fold(commune_name)) if commune_name else None
        if commune_name and commune is None:
            checked.error("commune", _("Unknown commune: “%(name)s”.") % {"name": commune_name})
        elif self.scope is not None:
            if commune is None:
                checked.error("commune", _("Name one of the communes you coordinate."))
            elif commune.pk not in self.scope:
                checked.error(
                    "commune",
                    _("You do not coordinate %(commune)s: you cannot import members there.")
                    % {"commune": commune.name},
                )

        user = self.users.get(key)
        profile = getattr(user, "member_profile", None) if user is not None else None
        if user is not None and profile is None:
            checked.error(
                "email", _("This address belongs to an account that is not a network member.")
            )
        elif (
            profile is not None
            and self.changeable is not None
            and profile.pk not in self.changeable
        ):
            checked.error(
                "email", _("This member is not in your communes: you cannot change them.")
            )
        if checked.errors:
            return checked
        assert organisation is not None
        checked.payload = MemberRow(
            email, first_name, last_name, organisation, commune, function, phone, profile
        )
        checked.status = status_for(
            profile,
            {
                "user.first_name": first_name,
                "user.last_name": last_name,
                "organisation_id": organisation.pk,
                "function": function,
            },
            same=profile is not None
            and profile.phone.strip() == phone
            and (commune is None or commune.pk in self.profile_communes.get(profile.pk, ())),
        )
        return checked

    def write(self, checked: list[Checked]) -> None:
        now = timezone.now()
        rows: list[MemberRow] = [c.payload for c in checked]
        new = [r for r in rows if r.profile is None]
        changed = [r for r in rows if r.profile is not None]
        through = MemberProfile.communes.through
        if new:
            wanted = {r.email.lower()[:150] for r in new}
            taken = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
            usernames = []
            for r in new:
                username = r.email.lower()[:150]
                if username in taken:  # someone's username is this address: suffix it
                    username = f"{username[:140]}-{now:%H%M%S%f}"[:150]
                usernames.append(username)
            user_ids = _insert(
                User,
                [
                    {
                        "username": username,
                        "email": r.email,
                        "first_name": r.first_name,
                        "last_name": r.last_name,
                        # As make_password(None), without its slow random choice per char.
                        "password": UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30),
                        "is_active": True,
                        "date_joined": now,
                    }
                    for username, r in zip(usernames, new, strict=True)
                ],
                key="username",
            )
            new_users = [user_ids[username] for username in usernames]
            profile_ids = _insert(
                MemberProfile,
                [
                    {
                        "user_id": user_id,
                        "organisation_id": r.organisation.pk,
                        "function": r.function,
                        "phone": r.phone,
                        "status": MemberStatus.ACTIVE.value,
                        "created_at": now,
                        "approved_at": now,
                    }
                    for user_id, r in zip(new_users, new, strict=True)
                ],
                key="user_id",
            )
            _insert(
                through,
                [
                    {"memberprofile_id": profile_ids[user_id], "commune_id": r.commune.pk}
                    for user_id, r in zip(new_users, new, strict=True)
                    if r.commune is not None
                ],
            )
            group = Group.objects.get_or_create(name=roles.PROFESSIONAL.name)[0]
            _insert(
                User.groups.through,
                [{"user_id": user_id, "group_id": group.pk} for user_id in new_users],
            )
        if changed:
            users = []
            profiles = []
            for r in changed:
                assert r.profile is not None
                user = r.profile.user
                user.first_name, user.last_name = r.first_name, r.last_name
                users.append(user)
                profile = r.profile
                profile.organisation = r.organisation
                profile.function, profile.phone = r.function, r.phone
                profiles.append(profile)
            User.objects.bulk_update(users, ["first_name", "last_name"], batch_size=BATCH)
            MemberProfile.objects.bulk_update(
                profiles, ["organisation", "function", "phone"], batch_size=BATCH
            )
            through.objects.bulk_create(
                [
                    through(memberprofile_id=r.profile.pk, commune_id=r.commune.pk)
                    for r in changed
                    if r.commune is not None and r.profile is not None
                ],
                ignore_conflicts=True,
                batch_size=BATCH,
            )


# --- organisations --------------------------------------------------------------------------


@dataclass
class OrganisationRow:
    name: str
    kind: str
    communes: list[Commune]
    email: str
    phone: str
    organisation: Organisation | None


_LIST_SPLIT = re.compile(r"\s*[,;/|]\s*")


class OrganisationResource(ImportResource):
    """Organisations by name (case and accents ignored); their communes are replaced."""

    name = fields.Field(attribute="name", column_name="Nom")
    kind = fields.Field(attribute="kind", column_name="Type")
    communes = fields.Field(column_name="Communes")
    email = fields.Field(attribute="email", column_name="E-mail")
    phone = fields.Field(attribute="phone", column_name="Téléphone")

    class Meta:
        model = Organisation
        fields = ("name", "kind", "communes", "email", "phone")
        export_order = ("name", "kind", "communes", "email", "phone")

    def dehydrate_kind(self, organisation: Organisation) -> str:
        return str(organisation.get_kind_display())

    def dehydrate_communes(self, organisation: Organisation) -> str:
        return ", ".join(c.name for c in organisation.communes.all())

    def prepare(self, rows: list[dict[str, str]]) -> None:
        self.existing = {fold(o.name): o for o in Organisation.objects.all()}
        self.current_communes: dict[int, set[int]] = {o.pk: set() for o in self.existing.values()}
        for org_id, commune_id in Organisation.communes.through.objects.values_list(
            "organisation_id", "commune_id"
        ):
            self.current_communes.setdefault(org_id, set()).add(commune_id)
        self.communes = _communes_by_name()
        self.kinds: dict[str, str] = {}
        for value, label in OrganisationKind.choices:
            self.kinds[fold(value)] = value
            self.kinds[fold(str(label))] = value
            short = str(label).split("(")[0]
            self.kinds.setdefault(fold(short), value)
        self.scope = coordinated_commune_ids(self.actor) if self.actor is not None else None
        self.changeable: set[int] | None = None
        if self.scope is not None:
            self.changeable = set(
                visible(self.actor, Organisation, "change").values_list("pk", flat=True)
            )
        self.seen: set[str] = set()

    def check(self, row: dict[str, str]) -> Checked:
        checked = Checked()
        name = " ".join(row.get("name", "").split())
        if not name:
            checked.error("name", _("The name is missing."))
        _too_long(checked, "name", name, 200)
        if fold(name) in self.seen:
            checked.error("name", _("This organisation appears twice in the file."))
        self.seen.add(fold(name))
        existing = self.existing.get(fold(name))
        kind_text = row.get("kind", "").strip()
        kind = self.kinds.get(fold(kind_text)) if kind_text else None
        if kind_text and kind is None:
            checked.error(
                "kind",
                _("Unknown kind: “%(value)s” (e.g. %(examples)s).")
                % {"value": kind_text, "examples": "CPAS, École, Hôpital, Association, Autre"},
            )
        if kind is None and not kind_text:
            kind = existing.kind if existing is not None else OrganisationKind.OTHER
        communes: list[Commune] = []
        for part in _LIST_SPLIT.split(row.get("communes", "").strip()):
            if not part:
                continue
            commune = self.communes.get(fold(part))
            if commune is None:
                checked.error("communes", _("Unknown commune: “%(name)s”.") % {"name": part})
            elif commune not in communes:
                communes.append(commune)
        if not communes and not checked.errors:
            checked.error("communes", _("Name at least one commune the organisation serves."))
        email = row.get("email", "").strip()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                checked.error(
                    "email", _("“%(value)s” is not an e-mail address.") % {"value": email}
                )
        phone = " ".join(row.get("phone", "").split())
        _too_long(checked, "phone", phone, 40)
        if self.scope is not None:
            outside = [c.name for c in communes if c.pk not in self.scope]
            if outside:
                checked.error(
                    "communes",
                    _("You do not coordinate %(communes)s.") % {"communes": ", ".join(outside)},
                )
            elif existing is not None and existing.pk not in (self.changeable or set()):
                checked.error(
                    "name",
                    _(
                        "This organisation also serves other communes: only the network "
                        "coordination changes it."
                    ),
                )
        if checked.errors:
            return checked
        assert kind is not None
        checked.payload = OrganisationRow(name, kind, communes, email, phone, existing)
        checked.status = status_for(
            existing,
            {"kind": kind},
            same=existing is not None
            and existing.email.lower() == email.lower()
            and existing.phone.strip() == phone
            and self.current_communes.get(existing.pk, set()) == {c.pk for c in communes},
        )
        return checked

    def write(self, checked: list[Checked]) -> None:
        rows: list[OrganisationRow] = [c.payload for c in checked]
        through = Organisation.communes.through
        new = [r for r in rows if r.organisation is None]
        created = Organisation.objects.bulk_create(
            [Organisation(name=r.name, kind=r.kind, email=r.email, phone=r.phone) for r in new]
        )
        if any(o.pk is None for o in created):
            ids = dict(
                Organisation.objects.filter(name__in=[o.name for o in created]).values_list(
                    "name", "pk"
                )
            )
            for o in created:
                o.pk = ids[o.name]
        changed = [r for r in rows if r.organisation is not None]
        for r in changed:
            assert r.organisation is not None
            r.organisation.kind, r.organisation.email, r.organisation.phone = (
                r.kind,
                r.email,
                r.phone,
            )
        Organisation.objects.bulk_update(
            [r.organisation for r in changed if r.organisation is not None],
            ["kind", "email", "phone"],
        )
        through.objects.filter(
            organisation_id__in=[r.organisation.pk for r in changed if r.organisation]
        ).delete()
        pairs = [(o.pk, r.communes) for o, r in zip(created, new, strict=True)]
        pairs += [(r.organisation.pk, r.communes) for r in changed if r.organisation]
        through.objects.bulk_create(
            [through(organisation_id=pk, commune_id=c.pk) for pk, cs in pairs for c in cs]
        )


MEMBER_COLUMNS = {
    "last_name": ("nom", "nom de famille", "last name", "surname", "family name", "name"),
    "first_name": ("prenom", "first name", "given name", "firstname"),
    "email": ("e mail", "email", "courriel", "adresse e mail", "mail", "adresse mail"),
    "organisation": ("organisation", "organization", "organisme", "employeur", "service"),
    "commune": ("commune", "municipality", "commune d action", "localite"),
    "function": ("fonction", "function", "poste", "job title", "metier"),
    "phone": ("telephone", "phone", "tel", "gsm", "numero de telephone", "phone number"),
}

ORGANISATION_COLUMNS = {
    "name": ("nom", "name", "organisation", "organization", "nom de l organisation"),
    "kind": ("type", "kind", "categorie", "category", "genre"),
    "communes": ("communes", "commune", "communes desservies", "municipalities"),
    "email": ("e mail", "email", "courriel", "adresse e mail"),
    "phone": ("telephone", "phone", "tel"),
}


def register() -> None:
    imports.register(
        imports.ImportKind(
            key="members",
            label=gettext_lazy("Members"),
            resource=MemberResource,
            columns=MEMBER_COLUMNS,
            required=("last_name", "first_name", "email", "organisation"),
            # No role may add a member profile by hand (members are invited); importing
            # members is a coordinator's job, like editing them.
            permission="maillage_network.change_memberprofile",
            order=10,
        )
    )
    imports.register(
        imports.ImportKind(
            key="organisations",
            label=gettext_lazy("Organisations"),
            resource=OrganisationResource,
            columns=ORGANISATION_COLUMNS,
            required=("name", "communes"),
            permission="maillage_network.add_organisation",
            order=20,
        )
    )
