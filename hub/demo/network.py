"""Demo network: the five communes, their organisations and ~60 fake professionals."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.text import slugify

from network import roles
from network.models import (
    Commune,
    Invitation,
    MemberProfile,
    MemberStatus,
    Organisation,
    OrganisationKind,
    hash_token,
)

COMMUNES = (
    ("Aywaille", "4920", False),
    ("Chaudfontaine", "4050", True),
    ("Esneux", "4130", False),
    ("Sprimont", "4140", False),
    ("Trooz", "4870", False),
)
ALL = tuple(name for name, _code, _coordinating in COMMUNES)


def _of(commune: str) -> str:
    return f"d'{commune}" if commune[0] in "AEIOUY" else f"de {commune}"


def _slug(commune: str) -> str:
    return commune.lower()


# name, kind, communes served, e-mail domain
ORGANISATIONS: list[tuple[str, str, tuple[str, ...], str]] = [
    *[(f"CPAS {_of(c)}", OrganisationKind.CPAS, (c,), f"cpas-{_slug(c)}.example") for c in ALL],
    *[
        (
            f"Administration communale {_of(c)}",
            OrganisationKind.MUNICIPALITY,
            (c,),
            f"{_slug(c)}.example",
        )
        for c in ALL
    ],
    (
        "Zone de police Secova — Service d'assistance policière aux victimes",
        OrganisationKind.POLICE,
        ALL,
        "secova.example",
    ),
    (
        "École communale de Sprimont",
        OrganisationKind.SCHOOL,
        ("Sprimont",),
        "ecole-sprimont.example",
    ),
    ("École communale d'Esneux", OrganisationKind.SCHOOL, ("Esneux",), "ecole-esneux.example"),
    ("École fondamentale de Trooz", OrganisationKind.SCHOOL, ("Trooz",), "ecole-trooz.example"),
    (
        "Centre PMS Ourthe-Amblève",
        OrganisationKind.PMS,
        ("Aywaille", "Esneux", "Sprimont"),
        "pms-ourthe-ambleve.example",
    ),
    (
        "Centre de planning familial de la Vesdre",
        OrganisationKind.FAMILY_PLANNING,
        ("Chaudfontaine", "Trooz"),
        "planning-vesdre.example",
    ),
    ("Centre hospitalier Ourthe-Vesdre", OrganisationKind.HOSPITAL, ALL, "chov.example"),
    ("AMO Les Passerelles", OrganisationKind.YOUTH_SERVICE, ALL, "amo-passerelles.example"),
    (
        "Pôle Ressources violences conjugales et intrafamiliales",
        OrganisationKind.TRAINING,
        ALL,
        "pole-ressources.example",
    ),
]

FIRST_NAMES = (
    "Amélie Baptiste Céline Damien Élodie Florian Géraldine Hugo Inès Jérôme Karima Laurent "
    "Manon Nicolas Océane Pierre Quentin Rachida Sébastien Tatiana Ulysse Valérie William "
    "Yasmine Zoé Arnaud Bérénice Cédric Delphine Émile Fanny Grégory Hélène Ismaël Julie "
    "Kevin Léa Maxime Nora Olivier Pauline Romain Sarah Thomas Victoire Xavier Yannick Aline"
).split()
LAST_NAMES = (
    "Collignon Delvaux Englebert Fraiture Gillet Hennen Jacquet Kaison Lejeune Marechal "
    "Noirfalise Ortmans Piron Quoilin Radoux Schmitz Thonon Urbain Vandervelde Wathelet "
    "Xhonneux Yernaux Zeevaert Ancion Bodson Closset Dessart Evrard Fassin Gérard"
).split()

FUNCTIONS = {
    OrganisationKind.CPAS: "Assistant·e social·e",
    OrganisationKind.MUNICIPALITY: "Agent·e de prévention",
    OrganisationKind.POLICE: "Inspecteur·rice, assistance aux victimes",
    OrganisationKind.SCHOOL: "Enseignant·e",
    OrganisationKind.PMS: "Psychologue",
    OrganisationKind.FAMILY_PLANNING: "Conseiller·ère conjugal·e",
    OrganisationKind.HOSPITAL: "Infirmier·ère",
    OrganisationKind.YOUTH_SERVICE: "Éducateur·rice",
    OrganisationKind.TRAINING: "Formateur·rice",
}

# username, first, last, organisation, function, role, communes of action
CONTRACT_PROFILES = {
    "coordination": ("Administration communale de Chaudfontaine", "Coordinatrice du réseau", ALL),
    "coord-esneux": ("Administration communale d'Esneux", "Coordinateur communal", ("Esneux",)),
    "referente": ("CPAS de Sprimont", "Responsable du service social", ("Sprimont",)),
    "formatrice": (
        "Pôle Ressources violences conjugales et intrafamiliales",
        "Formatrice",
        ALL,
    ),
    "animateur": ("CPAS d'Aywaille", "Assistant social, animateur de groupes", ("Aywaille",)),
    "professionnelle": ("CPAS d'Esneux", "Assistante sociale", ("Esneux",)),
}


def load_communes() -> dict[str, Commune]:
    communes = {}
    for name, postal_code, coordinating in COMMUNES:
        commune, _ = Commune.objects.update_or_create(
            name=name,
            defaults={
                "slug": name.lower(),
                "postal_code": postal_code,
                "is_coordinating": coordinating,
            },
        )
        communes[name] = commune
    return communes


def load_organisations(communes: dict[str, Commune]) -> dict[str, Organisation]:
    organisations = {}
    for name, kind, served, domain in ORGANISATIONS:
        organisation, _ = Organisation.objects.update_or_create(
            name=name,
            defaults={
                "kind": kind,
                "email": f"contact@{domain}",
                "email_domains": domain,
                "is_active": True,
            },
        )
        organisation.communes.set([communes[c] for c in served])
        organisations[name] = organisation
    return organisations


def _person(index: int) -> tuple[str, str]:
    return FIRST_NAMES[index % len(FIRST_NAMES)], LAST_NAMES[(index * 7) % len(LAST_NAMES)]


def _ensure_member(
    username: str,
    first_name: str,
    last_name: str,
    organisation: Organisation,
    function: str,
    role: roles.Role,
    communes: list[Commune],
    password_hash: str,
    status: str = MemberStatus.ACTIVE,
    email: str | None = None,
    email_confirmed_at=None,
):
    domain = organisation.domain_list[0]
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username=username)
    user.first_name = first_name
    user.last_name = last_name
    user.email = email or f"{username}@{domain}"
    user.is_active = status == MemberStatus.ACTIVE
    if not user.password or not user.password.startswith(password_hash[:20]):
        user.password = password_hash
    user.save()
    groups = [Group.objects.get(name=role.name)] if status == MemberStatus.ACTIVE else []
    user.groups.set(groups)
    profile, _ = MemberProfile.objects.update_or_create(
        user=user,
        defaults={
            "organisation": organisation,
            "function": function,
            "status": status,
            "email_confirmed_at": email_confirmed_at,
        },
    )
    profile.communes.set(communes)
    return profile


def load_members(
    communes: dict[str, Commune], organisations: dict[str, Organisation], today
) -> dict[str, int]:
    """The contract accounts get profiles; then 40 professionals, facilitators, trainers,
    referents, commune coordinators, two registrations awaiting approval, one deactivated."""
    password_hash = make_password(settings.MAILLAGE_DEMO_PASSWORD, salt="maillagedemo")
    user_model = get_user_model()
    for username, (org_name, function, action_communes) in CONTRACT_PROFILES.items():
        user = user_model.objects.get(username=username)
        profile, _ = MemberProfile.objects.update_or_create(
            user=user,
            defaults={
                "organisation": organisations[org_name],
                "function": function,
                "status": MemberStatus.ACTIVE,
            },
        )
        profile.communes.set([communes[c] for c in action_communes])

    plain = [o for o in organisations.values() if o.kind != OrganisationKind.TRAINING]
    counts = {"professionals": 0, "facilitators": 0, "trainers": 0, "referents": 0}
    index = 0
    for number in range(40):
        first, last = _person(index)
        index += 1
        organisation = plain[number % len(plain)]
        _ensure_member(
            f"pro-{number + 1:02d}",
            first,
            last,
            organisation,
            FUNCTIONS.get(organisation.kind, "Professionnel·le"),
            roles.PROFESSIONAL,
            list(organisation.communes.all()[:1]),
            password_hash,
        )
        counts["professionals"] += 1
    for number in range(7):  # with `animateur`, eight facilitators
        first, last = _person(index)
        index += 1
        commune = ALL[number % len(ALL)]
        _ensure_member(
            f"anim-{number + 1:02d}",
            first,
            last,
            organisations[f"CPAS {_of(commune)}"],
            "Animateur·rice de groupes de parole",
            roles.FACILITATOR,
            [communes[commune]],
            password_hash,
        )
        counts["facilitators"] += 1
    first, last = _person(index)
    index += 1
    _ensure_member(
        "form-02",
        first,
        last,
        organisations["Pôle Ressources violences conjugales et intrafamiliales"],
        "Formateur",
        roles.TRAINER,
        list(communes.values()),
        password_hash,
    )
    counts["trainers"] = 2
    for commune in ALL:
        if commune == "Sprimont":
            continue  # `referente` is the CPAS de Sprimont's referent
        first, last = _person(index)
        index += 1
        _ensure_member(
            f"ref-{_slug(commune)}",
            first,
            last,
            organisations[f"CPAS {_of(commune)}"],
            "Responsable du service social",
            roles.REFERENT,
            [communes[commune]],
            password_hash,
        )
    counts["referents"] = 5
    for commune in ALL:
        if commune == "Esneux":
            continue  # `coord-esneux`
        first, last = _person(index)
        index += 1
        _ensure_member(
            f"coord-{_slug(commune)}",
            first,
            last,
            organisations[f"Administration communale {_of(commune)}"],
            "Coordinateur·rice communal·e",
            roles.COMMUNE_COORDINATOR,
            [communes[commune]],
            password_hash,
        )
    # Registrations with an address the organisation has not declared: awaiting approval.
    for number, org_name in enumerate(("CPAS d'Esneux", "École communale d'Esneux")):
        first, last = _person(index)
        index += 1
        address = f"{slugify(first)}.{slugify(last)}@webmail.example"
        _ensure_member(
            f"attente-{number + 1}",
            first,
            last,
            organisations[org_name],
            "Travailleur·se social·e",
            roles.PROFESSIONAL,
            [communes["Esneux"]],
            password_hash,
            status=MemberStatus.PENDING,
            email=address,
            email_confirmed_at=timezone.make_aware(
                timezone.datetime.combine(today - timedelta(days=1), timezone.datetime.min.time())
            ),
        )
    first, last = _person(index)
    _ensure_member(
        "ancien-01",
        first,
        last,
        organisations["CPAS d'Esneux"],
        "Assistant·e social·e (parti·e)",
        roles.PROFESSIONAL,
        [communes["Esneux"]],
        password_hash,
        status=MemberStatus.DEACTIVATED,
    )
    # Invitations sent by the coordinator of Esneux, still pending.
    inviter = user_model.objects.get(username="coord-esneux")
    for number, (email, org_name) in enumerate(
        (
            ("nouvelle.recrue@cpas-esneux.example", "CPAS d'Esneux"),
            ("enseignant.esneux@ecole-esneux.example", "École communale d'Esneux"),
        )
    ):
        sent = timezone.make_aware(
            timezone.datetime.combine(
                today - timedelta(days=2 + number), timezone.datetime.min.time()
            )
        ) + timedelta(hours=10)
        Invitation.objects.update_or_create(
            token_hash=hash_token(f"demo-invitation-{number}"),
            defaults={
                "email": email,
                "organisation": organisations[org_name],
                "function": "Assistant·e social·e" if number == 0 else "Enseignant·e",
                "invited_by": inviter,
                "created_at": sent,
                "expires_at": sent + timedelta(days=14),
                "accepted_at": None,
                "revoked_at": None,
            },
        )
    return counts
