"""Demo training: the catalogue at /formations/, its modules and paths, dated runs with
enrolments, waitlists and requests, and one past run with attendance and completions.

Idempotent (pages keyed by slug, runs by code, rows by natural keys; services are only called
for what does not exist yet), deterministic for a given day, fake people only.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal

import holidays
from django.contrib.auth import get_user_model
from django.utils import timezone
from wagtail.models import Page

from hub.models import HomePage
from lms import exceptions, notifications, services
from lms.models import (
    SEAT_HOLDING,
    Approval,
    Attendance,
    AttendanceStatus,
    Audience,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    Evaluation,
    Format,
    Interest,
    ModulePage,
    PathModule,
    TrainingCatalogPage,
    TrainingPathPage,
)
from network.models import Commune, MemberProfile, Organisation
from sessions.models import Assignment, Series, StaffRole, Venue

ZONE = zoneinfo.ZoneInfo("Europe/Brussels")

POLE = "Pôle Ressources — Réseau wallon de lutte contre les violences entre partenaires"
NETWORK = "Réseau intrafamilial Secova (coordination, Chaudfontaine)"
POLICE = "Zone de police Secova — Service d'assistance policière aux victimes"
CPAS = "CPAS de Chaudfontaine"

AUDIENCES = (
    ("Police", "police"),
    ("Travail social / CPAS", "travail-social"),
    ("Enseignement", "enseignement"),
    ("Santé", "sante"),
    ("Petite enfance", "petite-enfance"),
    ("Justice", "justice"),
    ("Associations", "associations"),
)
EVERYONE = tuple(slug for _name, slug in AUDIENCES)

CATALOG_INTRO = (
    "<p>Les formations du réseau s'adressent à tous les professionnel·les des cinq communes "
    "de la zone Secova : policier·es, assistant·es sociaux·ales des CPAS, enseignant·es, "
    "personnel de santé et de la petite enfance, partenaires associatifs et de la justice. "
    "La plupart des modules sont donnés par le <b>Pôle Ressources</b> du réseau wallon de "
    "lutte contre les violences entre partenaires ; ils sont <i>gratuits</i> pour les "
    "membres du réseau et donnent droit à une attestation.</p>"
)

# The past run a certificate and a browser journey rely on: fixed date and code.
PAST_RUN_CODE = "PR-VEP-2026-01"
PAST_RUN_DAY = dt.date(2026, 10, 14)


@dataclass(frozen=True)
class ModuleSpec:
    code: str
    slug: str
    title: str
    provider: str
    hours: str
    format: str
    summary: str
    outcomes: tuple[str, ...]
    audiences: tuple[str, ...]
    programme: tuple[tuple[str, str], ...]
    context: str
    quote: str = ""
    prerequisites: tuple[str, ...] = ()
    threshold: int = 100


MODULES: tuple[ModuleSpec, ...] = (
    ModuleSpec(
        code="PR-CVP",
        slug="violences-entre-partenaires-comprendre-pour-agir",
        title="Violences entre partenaires : comprendre pour agir",
        provider=POLE,
        hours="6",
        format=Format.IN_PERSON,
        summary=(
            "Le module de base du réseau : définitions, formes de violences, chiffres en "
            "Wallonie, mécanismes qui maintiennent la victime dans la relation et premiers "
            "réflexes professionnels."
        ),
        outcomes=(
            "Distinguer conflit de couple et violence entre partenaires",
            "Reconnaître les formes de violences : physiques, psychologiques, sexuelles, "
            "économiques et administratives",
            "Expliquer pourquoi une victime reste ou revient",
            "Connaître les lignes d'écoute et les services spécialisés de la région",
        ),
        audiences=EVERYONE,
        programme=(
            ("9:00–10:30", "Définitions et représentations : ce que nous entendons par violence"),
            ("10:45–12:15", "Les formes de violences et leurs effets sur la victime"),
            ("13:00–14:15", "Le cycle de la violence et ses limites"),
            ("14:15–15:00", "Ressources : ligne 0800 30 030, services spécialisés, réseau local"),
        ),
        context=(
            "<p>Ce module commun donne un langage partagé à tous les partenaires du réseau. "
            "Il s'appuie sur des situations rencontrées par les participant·es et sur les "
            "outils du Pôle Ressources.</p>"
        ),
        quote="On ne peut agir que sur ce que l'on a appris à voir.",
    ),
    ModuleSpec(
        code="PR-DOM",
        slug="processus-de-domination-conjugale",
        title="Processus de domination conjugale et contrôle coercitif",
        provider=POLE,
        hours="6",
        format=Format.IN_PERSON,
        summary=(
            "Dépasser la lecture par incidents : comprendre le contrôle coercitif comme une "
            "stratégie d'emprise et repérer ses signes dans les récits des victimes."
        ),
        outcomes=(
            "Décrire les étapes du processus de domination conjugale",
            "Repérer les stratégies de contrôle coercitif (isolement, surveillance, "
            "dénigrement, contrôle économique)",
            "Adapter l'entretien pour éviter la victimisation secondaire",
        ),
        audiences=("police", "travail-social", "sante", "justice", "associations"),
        programme=(
            ("9:00–10:30", "Du conflit à l'emprise : le processus de domination conjugale"),
            ("10:45–12:15", "Le contrôle coercitif : notions et illustrations"),
            ("13:00–15:00", "Études de cas et pistes d'intervention"),
        ),
        context=(
            "<p>Ce module prolonge « Violences entre partenaires : comprendre pour agir ». "
            "Il travaille à partir de récits anonymisés et d'extraits de dossiers.</p>"
        ),
        prerequisites=("PR-CVP",),
    ),
    ModuleSpec(
        code="PR-VEP",
        slug="enfants-exposes-aux-violences-conjugales",
        title="Enfants exposés aux violences conjugales",
        provider=POLE,
        hours="6",
        format=Format.IN_PERSON,
        summary=(
            "L'enfant n'est jamais un simple témoin : effets de l'exposition aux violences "
            "selon l'âge, repérage et soutien de l'enfant et du parent protecteur."
        ),
        outcomes=(
            "Identifier les effets de l'exposition aux violences selon l'âge de l'enfant",
            "Repérer les signaux d'alerte à l'école, à la crèche et en consultation",
            "Soutenir le lien entre l'enfant et le parent protecteur",
            "Orienter vers les services d'aide à la jeunesse et les groupes de soutien",
        ),
        audiences=("travail-social", "enseignement", "sante", "petite-enfance", "associations"),
        programme=(
            ("9:00–10:30", "Être exposé·e : ce que vit l'enfant avant, pendant et après"),
            ("10:45–12:15", "Effets selon l'âge : du tout-petit à l'adolescent·e"),
            ("13:00–14:15", "Repérer et parler avec l'enfant"),
            ("14:15–15:00", "Le réseau autour de l'enfant : SAJ, PMS, groupes de soutien"),
        ),
        context=(
            "<p>Module requis pour animer les groupes de soutien du réseau. Il est donné "
            "chaque année dans une commune différente.</p>"
        ),
        quote="Un enfant exposé aux violences conjugales est un enfant victime.",
    ),
    ModuleSpec(
        code="PR-DEP",
        slug="depistage-et-premier-accueil",
        title="Dépistage et premier accueil des victimes",
        provider=POLE,
        hours="6",
        format=Format.BLENDED,
        summary=(
            "Poser la question systématiquement, accueillir une révélation, évaluer "
            "l'urgence et orienter : un module pratique, avec une partie en ligne."
        ),
        outcomes=(
            "Pratiquer le dépistage systématique avec des questions simples",
            "Accueillir une révélation sans juger ni promettre",
            "Rédiger une note de premier accueil utile au réseau",
        ),
        audiences=("travail-social", "sante", "petite-enfance", "associations"),
        programme=(
            ("En ligne, 2 h", "Capsules : pourquoi dépister, comment poser la question"),
            ("9:00–10:30", "Jeux de rôle : l'entretien de premier accueil"),
            ("10:45–12:00", "Orienter : qui fait quoi dans le réseau Secova"),
        ),
        context="<p>La partie en ligne est à suivre avant la journée en présentiel.</p>",
    ),
    ModuleSpec(
        code="PR-AUT",
        slug="accompagner-les-auteurs",
        title="Accompagner les auteurs de violences",
        provider=POLE,
        hours="12",
        format=Format.IN_PERSON,
        summary=(
            "Responsabilisation, programmes pour auteurs et articulation avec la protection "
            "des victimes : deux journées pour les professionnel·les en contact avec des auteurs."
        ),
        outcomes=(
            "Connaître les programmes de responsabilisation existant en Wallonie",
            "Mener un entretien centré sur la responsabilité et la sécurité des victimes",
            "Articuler le suivi de l'auteur avec le réseau d'aide aux victimes",
        ),
        audiences=("police", "travail-social", "justice", "associations"),
        programme=(
            ("Jour 1, 9:00–12:00", "Représentations et profils : sortir des stéréotypes"),
            ("Jour 1, 13:00–15:00", "Les programmes de responsabilisation"),
            ("Jour 2, 9:00–12:00", "L'entretien avec un auteur : exercices"),
            ("Jour 2, 13:00–15:00", "Sécurité des victimes et travail en réseau"),
        ),
        context="<p>Présence requise à 80 % des heures pour l'attestation.</p>",
        prerequisites=("PR-DOM",),
        threshold=80,
    ),
    ModuleSpec(
        code="RES-SEC",
        slug="secret-professionnel-partage",
        title="Secret professionnel partagé et cadre légal",
        provider=NETWORK,
        hours="3",
        format=Format.ONLINE,
        summary=(
            "Ce que je peux dire, à qui et dans quel but : secret professionnel, secret "
            "partagé, état de nécessité et article 458bis du Code pénal."
        ),
        outcomes=(
            "Distinguer secret professionnel, secret partagé et concertation",
            "Connaître les conditions de l'article 458bis du Code pénal",
            "Partager une information dans le réseau en respectant la personne",
        ),
        audiences=EVERYONE,
        programme=(
            ("13:30–14:30", "Le secret professionnel : principes et exceptions"),
            ("14:30–15:30", "Le secret partagé dans la pratique du réseau"),
            ("15:30–16:30", "Questions des participant·es et cas pratiques"),
        ),
        context="<p>En visioconférence : le lien est envoyé aux personnes inscrites.</p>",
    ),
    ModuleSpec(
        code="RES-COL",
        slug="protocoles-intervention-communs",
        title="Protocoles d'intervention communs et circulaire COL 4/2006",
        provider=NETWORK,
        hours="3",
        format=Format.IN_PERSON,
        summary=(
            "Les protocoles du réseau Secova et la circulaire des procureurs généraux "
            "COL 4/2006 : qui prévient qui, dans quel délai, avec quels documents."
        ),
        outcomes=(
            "Connaître les protocoles d'intervention communs du réseau",
            "Situer le rôle de chaque partenaire dans la circulaire COL 4/2006",
            "Utiliser les fiches de liaison du réseau",
        ),
        audiences=("police", "travail-social", "justice", "enseignement"),
        programme=(
            ("9:00–10:00", "La circulaire COL 4/2006 et la politique criminelle"),
            ("10:00–11:00", "Les protocoles du réseau Secova"),
            ("11:00–12:00", "Exercice : une situation, cinq partenaires"),
        ),
        context="<p>Donné avec la zone de police Secova et le parquet de Liège.</p>",
    ),
    ModuleSpec(
        code="PR-EVD",
        slug="evaluation-du-danger",
        title="Évaluation du danger et plan de sécurité",
        provider=POLE,
        hours="6",
        format=Format.IN_PERSON,
        summary=(
            "Utiliser une grille d'évaluation du danger, reconnaître les facteurs de risque "
            "de passage à l'acte grave et construire un plan de sécurité avec la victime."
        ),
        outcomes=(
            "Utiliser une grille d'évaluation du danger",
            "Reconnaître les facteurs de risque de violences graves",
            "Construire un plan de sécurité avec la victime et ses enfants",
        ),
        audiences=("police", "travail-social", "sante", "justice"),
        programme=(
            ("9:00–10:30", "Facteurs de risque et moments de danger"),
            ("10:45–12:15", "La grille d'évaluation : exercices"),
            ("13:00–15:00", "Le plan de sécurité"),
        ),
        context="<p>Pour les organisations qui servent la commune de Trooz en 2027.</p>",
    ),
    ModuleSpec(
        code="PR-TRA",
        slug="effets-post-traumatiques-chez-l-enfant",
        title="Effets post-traumatiques chez l'enfant",
        provider=POLE,
        hours="12",
        format=Format.IN_PERSON,
        summary=(
            "Traumatisme simple et complexe, attachement, régulation émotionnelle : "
            "comprendre les réactions de l'enfant et y répondre au quotidien."
        ),
        outcomes=(
            "Reconnaître les manifestations post-traumatiques selon l'âge",
            "Comprendre l'impact sur l'attachement et les apprentissages",
            "Proposer des attitudes qui aident l'enfant à se réguler",
        ),
        audiences=("enseignement", "sante", "petite-enfance", "travail-social"),
        programme=(
            ("Jour 1, 9:00–15:00", "Trauma, attachement et développement"),
            ("Jour 2, 9:00–15:00", "Réponses au quotidien : école, crèche, consultation"),
        ),
        context="<p>Présence requise à 80 % des heures pour l'attestation.</p>",
        prerequisites=("PR-VEP",),
        threshold=80,
    ),
    ModuleSpec(
        code="RES-GRP",
        slug="animer-un-groupe-de-soutien-pour-enfants",
        title="Animer un groupe de soutien pour enfants exposés",
        provider=NETWORK,
        hours="18",
        format=Format.IN_PERSON,
        summary=(
            "La méthode des groupes de soutien du réseau : cadre, consentement des parents, "
            "animation en binôme des dix séances et sécurité des enfants."
        ),
        outcomes=(
            "Poser le cadre d'un groupe : règles, confidentialité, sécurité",
            "Animer les dix séances du programme en binôme",
            "Travailler avec le parent protecteur et le réseau",
        ),
        audiences=("travail-social", "sante", "associations"),
        programme=(
            ("Jour 1", "Le programme et ses dix séances ; le cadre du groupe"),
            ("Jour 2", "Animer en binôme : exercices et supervision"),
            ("Jour 3", "Sécurité, consentement, fin de groupe et évaluation"),
        ),
        context=(
            "<p>Formation requise pour animer un groupe du réseau. Inscription validée par "
            "la coordination.</p>"
        ),
        prerequisites=("PR-VEP",),
        threshold=80,
    ),
    ModuleSpec(
        code="ZP-CHA",
        slug="chaine-police-justice",
        title="La chaîne police–justice : de la plainte au suivi",
        provider=POLICE,
        hours="3",
        format=Format.IN_PERSON,
        summary=(
            "Ce qui se passe après un appel au 101 : intervention, procès-verbal, "
            "interdiction temporaire de résidence, parquet, maison de justice."
        ),
        outcomes=(
            "Décrire les étapes de la plainte au jugement",
            "Connaître l'interdiction temporaire de résidence et ses conditions",
            "Accompagner une victime dans ses démarches",
        ),
        audiences=("police", "justice", "travail-social"),
        programme=(
            ("13:30–14:30", "L'intervention policière et le procès-verbal"),
            ("14:30–15:30", "Le parquet, l'interdiction temporaire de résidence"),
            ("15:30–16:30", "Le suivi : maison de justice et service d'aide aux victimes"),
        ),
        context="<p>Donné par le service d'assistance policière aux victimes.</p>",
    ),
    ModuleSpec(
        code="PR-INT",
        slug="competences-interculturelles",
        title="Compétences interculturelles et violences intrafamiliales",
        provider=POLE,
        hours="6",
        format=Format.BLENDED,
        summary=(
            "Accompagner des victimes de parcours migratoires différents : interprétariat, "
            "droit de séjour, mariages forcés et violences liées à l'honneur."
        ),
        outcomes=(
            "Travailler avec un·e interprète en entretien",
            "Connaître les protections liées au droit de séjour",
            "Repérer les situations de mariage forcé",
        ),
        audiences=("travail-social", "sante", "enseignement", "associations"),
        programme=(
            ("En ligne, 2 h", "Capsules : droit de séjour et violences"),
            ("9:00–12:00", "Entretien avec interprète : exercices"),
            ("13:00–14:00", "Mariages forcés et violences liées à l'honneur"),
        ),
        context="<p>Avec l'intervention d'un service d'interprétariat social.</p>",
    ),
    ModuleSpec(
        code="PR-ADO",
        slug="violences-dans-les-relations-amoureuses-des-jeunes",
        title="Violences dans les relations amoureuses des jeunes",
        provider=POLE,
        hours="6",
        format=Format.IN_PERSON,
        summary=(
            "Cyberviolences, contrôle par le téléphone, premières relations : prévenir et "
            "repérer les violences dans les couples d'adolescent·es."
        ),
        outcomes=(
            "Repérer les violences dans les relations amoureuses des jeunes",
            "Animer une séance de prévention en classe",
            "Orienter un·e jeune vers l'aide adaptée",
        ),
        audiences=("enseignement", "associations", "sante"),
        programme=(
            ("9:00–12:00", "Les relations amoureuses des jeunes et leurs risques"),
            ("13:00–15:00", "Outils d'animation en classe"),
        ),
        context="<p>Pas de date prévue pour le moment : demandez à être prévenu·e.</p>",
    ),
    ModuleSpec(
        code="CPAS-ACC",
        slug="accueil-d-une-victime-au-cpas",
        title="Accueillir une victime au CPAS : droits sociaux et hébergement",
        provider=CPAS,
        hours="3",
        format=Format.ONLINE,
        summary=(
            "Revenu d'intégration, aide urgente, hébergement d'urgence et maisons "
            "d'accueil : les leviers du CPAS pour une victime qui quitte le domicile."
        ),
        outcomes=(
            "Connaître les aides sociales mobilisables en urgence",
            "Trouver une place d'hébergement d'urgence dans la région",
        ),
        audiences=("travail-social", "associations"),
        programme=(
            ("9:30–11:00", "Droits sociaux de la victime qui quitte le domicile"),
            ("11:00–12:30", "Hébergement d'urgence et maisons d'accueil"),
        ),
        context="<p>Module en ligne, donné à la demande d'un CPAS partenaire.</p>",
    ),
)

PATHS = (
    # slug, title, intro, electives_required, [(module code, required)]
    (
        "parcours-de-base-du-reseau",
        "Parcours de base du réseau",
        "Le socle commun de tous les partenaires du réseau Secova : comprendre les violences "
        "entre partenaires, accueillir, partager l'information et intervenir ensemble. "
        "Quatre modules obligatoires et un module au choix parmi trois.",
        1,
        [
            ("PR-CVP", True),
            ("PR-DEP", True),
            ("RES-SEC", True),
            ("RES-COL", True),
            ("PR-DOM", False),
            ("PR-EVD", False),
            ("ZP-CHA", False),
        ],
    ),
    (
        "parcours-enfants-exposes",
        "Parcours enfants exposés",
        "Pour les professionnel·les de l'enfance et les futur·es animateur·rices des groupes "
        "de soutien : comprendre ce que vit l'enfant exposé aux violences et l'accompagner.",
        1,
        [
            ("PR-VEP", True),
            ("PR-TRA", True),
            ("RES-GRP", True),
            ("PR-ADO", False),
            ("PR-INT", False),
        ],
    ),
    (
        "parcours-police-et-justice",
        "Parcours police et justice",
        "Pour les policier·es, les assistant·es de justice et les services d'aide aux "
        "victimes : évaluer le danger et agir dans la chaîne pénale avec le réseau.",
        0,
        [("PR-CVP", True), ("PR-EVD", True), ("ZP-CHA", True), ("RES-COL", True)],
    ),
)

TRAINING_VENUES = (
    # name, address, commune, capacity
    ("Salle de formation du CPAS d'Aywaille", "Rue de la Heid 4", "Aywaille", 24),
    ("Salle polyvalente de l'hôtel de ville", "Rue du Centre 1", "Sprimont", 40),
    ("Salle du conseil communal", "Place communale 2", "Trooz", 30),
)


@dataclass(frozen=True)
class RunSpec:
    """A run: its first session `days` ahead of today (moved to `weekday`), more sessions
    `weeks` later, seats and approval, and who is signed up (in that order)."""

    module: str
    commune: str
    venue: str | None
    days: int
    weekday: int  # 0 = Monday; never Thursday (the facilitators' intervision)
    start: dt.time
    minutes: int
    capacity: int
    weeks: tuple[int, ...] = (0,)
    approval: str = Approval.AUTOMATIC
    audience: tuple[str, ...] = ()
    online_link: str = ""
    trainers: tuple[str, ...] = ("formatrice",)
    people: tuple[str, ...] = field(default_factory=tuple)
    min_participants: int = 0


NINE = dt.time(9, 0)
HALF_ONE = dt.time(13, 30)
SPRIMONT_CPAS = "CPAS de Sprimont"

RUNS: tuple[RunSpec, ...] = (
    RunSpec(
        "RES-SEC",
        "Chaudfontaine",
        None,
        days=14,
        weekday=2,
        start=HALF_ONE,
        minutes=180,
        capacity=30,
        online_link="https://visio.reseau-secova.example/secret-partage",
        trainers=("form-02",),
        people=("professionnelle", "pro-26", "pro-27", "pro-28", "pro-30"),
    ),
    # Full: 12 seats, 15 sign-ups, three on the waiting list.
    RunSpec(
        "PR-CVP",
        "Chaudfontaine",
        "Maison de la cohésion sociale",
        days=21,
        weekday=1,
        start=NINE,
        minutes=360,
        capacity=12,
        min_participants=8,
        people=tuple(f"pro-{n:02d}" for n in range(11, 26)),
    ),
    RunSpec(
        "PR-DEP",
        "Esneux",
        "Salle du conseil du CPAS",
        days=28,
        weekday=1,
        start=NINE,
        minutes=180,
        capacity=18,
        people=("pro-36", "pro-37", "pro-38", "pro-39"),
    ),
    # Referent approval: requests of the CPAS de Sprimont's members (see `_sprimont_people`).
    RunSpec(
        "RES-COL",
        "Sprimont",
        "Salle polyvalente de l'hôtel de ville",
        days=35,
        weekday=0,
        start=NINE,
        minutes=180,
        capacity=20,
        approval=Approval.REFERENT,
        trainers=("form-02",),
    ),
    # Reserved for organisations serving Trooz (see `_trooz_people`).
    RunSpec(
        "PR-EVD",
        "Trooz",
        "Salle du conseil communal",
        days=42,
        weekday=2,
        start=NINE,
        minutes=360,
        capacity=15,
        audience=("Trooz",),
    ),
    # The run the demo professional can sign up for: automatic, seats free.
    RunSpec(
        "PR-VEP",
        "Esneux",
        "Salle du conseil du CPAS",
        days=49,
        weekday=1,
        start=NINE,
        minutes=360,
        capacity=16,
        trainers=("formatrice", "form-02"),
        people=("pro-31", "pro-32", "pro-33", "pro-34", "pro-35"),
    ),
    RunSpec(
        "ZP-CHA",
        "Sprimont",
        "Salle polyvalente de l'hôtel de ville",
        days=56,
        weekday=0,
        start=HALF_ONE,
        minutes=180,
        capacity=25,
        trainers=("form-02",),
        people=("pro-11", "pro-29", "pro-12", "pro-13"),
    ),
    RunSpec(
        "PR-DOM",
        "Chaudfontaine",
        "Maison de la cohésion sociale",
        days=63,
        weekday=1,
        start=NINE,
        minutes=360,
        capacity=16,
    ),
    RunSpec(
        "PR-TRA",
        "Esneux",
        "Salle du conseil du CPAS",
        days=70,
        weekday=4,
        weeks=(0, 1),
        start=NINE,
        minutes=360,
        capacity=14,
        trainers=("formatrice", "form-02"),
        people=("pro-01", "pro-02", "pro-03"),
    ),
    RunSpec(
        "PR-AUT",
        "Aywaille",
        "Salle de formation du CPAS d'Aywaille",
        days=84,
        weekday=1,
        weeks=(0, 1),
        start=NINE,
        minutes=360,
        capacity=14,
        approval=Approval.COORDINATOR,
        trainers=("formatrice", "form-02"),
    ),
    # Coordinator approval: two requests from people who completed PR-VEP-2026-01.
    RunSpec(
        "RES-GRP",
        "Esneux",
        "Salle du conseil du CPAS",
        days=98,
        weekday=2,
        weeks=(0, 1, 2),
        start=NINE,
        minutes=360,
        capacity=10,
        approval=Approval.COORDINATOR,
        trainers=("formatrice", "form-02"),
        people=("pro-05", "pro-06"),
    ),
    RunSpec(
        "PR-INT",
        "Aywaille",
        "Salle de formation du CPAS d'Aywaille",
        days=120,
        weekday=0,
        start=NINE,
        minutes=300,
        capacity=20,
        people=("pro-19", "pro-20"),
    ),
)

# PR-VEP-2026-01: who attended, and how (hours for a partial presence).
PAST_PEOPLE = (
    ("professionnelle", AttendanceStatus.PRESENT, None),
    ("pro-01", AttendanceStatus.PRESENT, None),
    ("pro-02", AttendanceStatus.PRESENT, None),
    ("pro-03", AttendanceStatus.PRESENT, None),
    ("pro-05", AttendanceStatus.PRESENT, None),
    ("pro-06", AttendanceStatus.PRESENT, None),
    ("pro-10", AttendanceStatus.PRESENT, None),
    ("pro-07", AttendanceStatus.PARTIAL, Decimal("4")),
    ("pro-08", AttendanceStatus.ABSENT, None),
    ("pro-09", AttendanceStatus.EXCUSED, None),
)
EVALUATIONS = (
    ("pro-01", 5, 5, 5, 4, "Très concret, les situations apportées par le groupe ont aidé."),
    ("pro-02", 4, 4, 5, 3, "La salle était un peu petite pour le travail en sous-groupes."),
    ("pro-03", 5, 4, 4, 4, ""),
)
INTERESTED = ("professionnelle", "pro-12", "pro-30")  # in PR-ADO, which has no run


# --- helpers ---------------------------------------------------------------------------


def _closed(day: dt.date) -> bool:
    """Public holidays and the offices' year-end closure."""
    return (
        day in holidays.country_holidays("BE", years=day.year)
        or (day.month == 12 and day.day >= 24)
        or (day.month == 1 and day.day == 1)
    )


def _training_days(today: dt.date, spec: RunSpec) -> list[dt.date]:
    first = today + dt.timedelta(days=spec.days)
    first += dt.timedelta(days=(spec.weekday - first.weekday()) % 7)
    days: list[dt.date] = []
    for weeks in spec.weeks:
        day = first + dt.timedelta(weeks=weeks)
        while _closed(day) or (days and day <= days[-1]):
            day += dt.timedelta(weeks=1)
        days.append(day)
    return days


def _aware(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=ZONE)


def _body(spec: ModuleSpec) -> list[dict]:
    key = spec.code.lower()
    blocks: list[dict] = [
        {"type": "heading", "id": f"{key}-h-context", "value": "Pourquoi ce module ?"},
        {"type": "paragraph", "id": f"{key}-p-context", "value": spec.context},
        {"type": "heading", "id": f"{key}-h-programme", "value": "Déroulement"},
        {
            "type": "programme",
            "id": f"{key}-programme",
            "value": [
                {"type": "item", "id": f"{key}-programme-{index}", "value": {"time": t, "topic": s}}
                for index, (t, s) in enumerate(spec.programme)
            ],
        },
    ]
    if spec.quote:
        blocks.append({"type": "quote", "id": f"{key}-quote", "value": spec.quote})
    return blocks


def _upsert(model, lookup: dict, defaults: dict):
    """update_or_create that writes nothing when the row is already as wanted."""
    row = model.objects.filter(**lookup).first()
    if row is None:
        return model.objects.create(**lookup, **defaults)
    changed = [name for name, value in defaults.items() if getattr(row, name) != value]
    if changed:
        for name in changed:
            setattr(row, name, defaults[name])
        row.save(update_fields=changed)
    return row


def _users(usernames) -> dict[str, object]:
    return {u.username: u for u in get_user_model().objects.filter(username__in=list(usernames))}


# --- pages -----------------------------------------------------------------------------


def _catalog() -> TrainingCatalogPage:
    home = HomePage.objects.first()
    if home is None:
        raise RuntimeError("The home page is missing: run `manage.py migrate` first.")
    catalog = TrainingCatalogPage.objects.child_of(home).filter(slug="formations").first()
    fields = {"title": "Formations", "intro": CATALOG_INTRO, "show_in_menus": False}
    fields["seo_title"] = "Formations du réseau intrafamilial Secova"
    fields["search_description"] = (
        "Modules et parcours de formation sur les violences entre partenaires et les enfants "
        "exposés, pour les professionnel·les d'Aywaille, Chaudfontaine, Esneux, Sprimont et Trooz."
    )
    if catalog is None:
        catalog = TrainingCatalogPage(slug="formations", **fields)
        home.add_child(instance=catalog)
        return catalog
    _update(catalog, fields)
    return catalog


def _update(page: Page, fields: dict) -> None:
    """Save a page only when a field changed, so a second run changes nothing."""
    changed = False
    for name, value in fields.items():
        current = getattr(page, name)
        if name == "body":
            current = list(current.raw_data)
        if current != value:
            setattr(page, name, value)
            changed = True
    if changed:
        page.draft_title = page.title
        page.save()


def _modules(catalog: TrainingCatalogPage, audiences: dict[str, Audience]) -> dict[str, ModulePage]:
    modules = {}
    for spec in MODULES:
        fields = {
            "title": spec.title,
            "code": spec.code,
            "provider": spec.provider,
            "hours": Decimal(spec.hours),
            "format": spec.format,
            "summary": spec.summary,
            "learning_outcomes": "\n".join(spec.outcomes),
            "completion_threshold": spec.threshold,
            "body": _body(spec),
            "search_description": spec.summary,
        }
        page = ModulePage.objects.child_of(catalog).filter(slug=spec.slug).first()
        if page is None:
            page = ModulePage(slug=spec.slug, **fields)
            catalog.add_child(instance=page)
        else:
            _update(page, fields)
        modules[spec.code] = page
    for spec in MODULES:
        page = modules[spec.code]
        wanted_audiences = {audiences[slug].pk for slug in spec.audiences}
        wanted_prerequisites = {modules[code].pk for code in spec.prerequisites}
        if (
            set(page.audiences.values_list("pk", flat=True)) != wanted_audiences
            or set(page.prerequisites.values_list("pk", flat=True)) != wanted_prerequisites
        ):
            page.audiences.set(sorted(wanted_audiences))
            page.prerequisites.set(sorted(wanted_prerequisites))
            page.save()
    return modules


def _paths(catalog: TrainingCatalogPage, modules: dict[str, ModulePage]) -> list[TrainingPathPage]:
    paths = []
    for slug, title, intro, electives, links in PATHS:
        fields = {"title": title, "intro": intro, "electives_required": electives}
        page = TrainingPathPage.objects.child_of(catalog).filter(slug=slug).first()
        if page is None:
            # The page validates its electives against its modules: they come with it.
            page = TrainingPathPage(
                slug=slug,
                path_modules=[
                    PathModule(module=modules[code], required=required, sort_order=order)
                    for order, (code, required) in enumerate(links)
                ],
                **fields,
            )
            catalog.add_child(instance=page)
            paths.append(page)
            continue
        wanted = {modules[code].pk for code, _required in links}
        PathModule.objects.filter(path=page).exclude(module_id__in=wanted).delete()
        for order, (code, required) in enumerate(links):
            _upsert(
                PathModule,
                {"path": page, "module": modules[code]},
                {"required": required, "sort_order": order},
            )
        _update(page, fields)
        paths.append(page)
    return paths


# --- runs ------------------------------------------------------------------------------


def _venues(communes: dict[str, Commune]) -> dict[str, Venue]:
    for name, address, commune, capacity in TRAINING_VENUES:
        _upsert(
            Venue,
            {"name": name, "commune": communes[commune]},
            {"address": address, "capacity": capacity, "confidential_address": False},
        )
    return {v.name: v for v in Venue.objects.filter(confidential_address=False)}


def _run_code(module: str, first_day: dt.date) -> str:
    code = f"{module}-{first_day.year}-01"
    return f"{module}-{first_day.year}-02" if code == PAST_RUN_CODE else code


def _schedule(run: CourseRun, days: list[dt.date], start: dt.time, minutes: int) -> None:
    """Give the run its sessions, unless it already has exactly these."""
    series = Series.objects.filter(pk=run.series_id).first()
    if series is not None and (
        series.duration_minutes == minutes
        and series.venue_id == run.venue_id
        and set(series.dates.values_list("date", "start_time")) == {(d, start) for d in days}
    ):
        return
    services.schedule_run(run, [(day, start) for day in days], duration_minutes=minutes)


def _staff(run: CourseRun, trainers: list) -> None:
    for session in run.sessions():
        for trainer in trainers:
            Assignment.objects.get_or_create(
                session=session, person=trainer, defaults={"role": StaffRole.TRAINER}
            )


def _run(
    module: ModulePage,
    code: str,
    commune: Commune,
    venue: Venue | None,
    **defaults,
) -> CourseRun:
    run = CourseRun.objects.filter(code=code).first()
    if run is None:
        return CourseRun.objects.create(
            code=code, module=module, commune=commune, venue=venue, **defaults
        )
    wanted = {
        "module_id": module.pk,
        "commune_id": commune.pk,
        "venue_id": getattr(venue, "pk", None),
    }
    wanted.update(defaults)
    changed = [name for name, value in wanted.items() if getattr(run, name) != value]
    if changed:
        for name in changed:
            setattr(run, name, wanted[name])
        run.save()
    return run


def _sign_up(person, run: CourseRun) -> Enrolment | None:
    """Through the service (seats, waitlist, requests, e-mails), once per person and run."""
    if person is None or Enrolment.objects.filter(run=run, person=person).exists():
        return None
    try:
        return services.enrol(person, run, origin="demo")
    except exceptions.EnrolmentError:
        return None  # e.g. an earlier day's demo left this person in another run of the module


def _members_of(organisation: str) -> list[str]:
    return list(
        MemberProfile.objects.filter(
            organisation__name=organisation, user__username__startswith="pro-"
        )
        .order_by("user__username")
        .values_list("user__username", flat=True)
    )


def _serving(commune: Commune, count: int) -> list[str]:
    return list(
        MemberProfile.objects.filter(
            organisation__communes=commune, user__username__startswith="pro-", status="active"
        )
        .order_by("user__username")
        .values_list("user__username", flat=True)
        .distinct()[:count]
    )


def _past_run(
    modules: dict[str, ModulePage],
    communes: dict[str, Commune],
    venues: dict[str, Venue],
    trainers: dict[str, object],
) -> CourseRun:
    """PR-VEP-2026-01: one 6-hour day, attendance marked by the trainer, completions."""
    run = _run(
        modules["PR-VEP"],
        PAST_RUN_CODE,
        communes["Esneux"],
        venues["Salle du conseil du CPAS"],
        capacity=14,
        approval=Approval.AUTOMATIC,
        online_link="",
        min_participants=6,
    )
    _schedule(run, [PAST_RUN_DAY], NINE, 360)
    _staff(run, [trainers["formatrice"]])
    session = run.sessions().get()
    people = _users(username for username, _status, _hours in PAST_PEOPLE)
    # The sign-up window is closed: the rows are written directly, seats counted alike.
    signed_up = _aware(PAST_RUN_DAY - dt.timedelta(days=30), dt.time(10, 0))
    for index, (username, _status, _hours) in enumerate(PAST_PEOPLE):
        moment = signed_up + dt.timedelta(hours=index)
        Enrolment.objects.get_or_create(
            run=run,
            person=people[username],
            defaults={
                "status": EnrolmentStatus.CONFIRMED,
                "requested_at": moment,
                "updated_at": moment,
            },
        )
    taken = Enrolment.objects.filter(run=run, status__in=SEAT_HOLDING).count()
    if run.seats_taken != taken:
        CourseRun.objects.filter(pk=run.pk).update(seats_taken=taken)
        run.seats_taken = taken
    now = timezone.now()
    if session.end <= now and not Attendance.objects.filter(session=session).exists():
        enrolments = {
            e.person.username: e for e in Enrolment.objects.filter(run=run).select_related("person")
        }
        marks = {
            enrolments[username].pk: services.Mark(status, hours)
            for username, status, hours in PAST_PEOPLE
        }
        services.mark_attendance(session, marks, actor=trainers["formatrice"], origin="demo")
        # As if marked and completed on the day, not when the demo was loaded.
        Attendance.objects.filter(session=session).update(
            marked_at=session.end + dt.timedelta(minutes=30)
        )
        Enrolment.objects.filter(run=run, status=EnrolmentStatus.COMPLETED).update(
            completed_at=session.end, updated_at=session.end
        )
        # What `run_due_jobs` does a day after the run: the others are not completed.
        services.close_finished_runs(now)
        Enrolment.objects.filter(run=run, status=EnrolmentStatus.NOT_COMPLETED).update(
            updated_at=session.end + dt.timedelta(days=1)
        )
    for username, relevance, clarity, trainers_, organisation, comment in EVALUATIONS:
        enrolment = Enrolment.objects.filter(
            run=run, person=people[username], status=EnrolmentStatus.COMPLETED
        ).first()
        if enrolment is None or Evaluation.objects.filter(enrolment=enrolment).exists():
            continue
        evaluation = services.submit_evaluation(
            enrolment,
            actor=people[username],
            data={
                "relevance": relevance,
                "clarity": clarity,
                "trainers": trainers_,
                "organisation": organisation,
                "comment": comment,
            },
        )
        Evaluation.objects.filter(pk=evaluation.pk).update(
            submitted_at=session.end + dt.timedelta(days=2)
        )
    return run


def load_training(
    communes: dict[str, Commune],
    organisations: dict[str, Organisation] | None,
    today: dt.date,
) -> dict[str, int]:
    """The catalogue, modules, paths, runs and enrolments; returns a few counts.

    Fake people get no e-mail: the services' notifications are muted while loading.
    """
    with notifications.muted():
        return _load_training(communes, organisations, today)


def _load_training(
    communes: dict[str, Commune],
    organisations: dict[str, Organisation] | None,
    today: dt.date,
) -> dict[str, int]:
    audiences = {}
    for name, slug in AUDIENCES:
        audiences[slug] = _upsert(Audience, {"slug": slug}, {"name": name})
    catalog = _catalog()
    modules = _modules(catalog, audiences)
    paths = _paths(catalog, modules)
    venues = _venues(communes)
    trainers = _users(["formatrice", "form-02"])

    # The past run first: its completions are prerequisites of later sign-ups.
    _past_run(modules, communes, venues, trainers)

    extra_people = {
        "RES-COL": _members_of(SPRIMONT_CPAS)[:3],  # referent approval: `referente`'s members
        "PR-EVD": _serving(communes["Trooz"], 5),
    }
    wanted = {u for spec in RUNS for u in spec.people} | {
        u for names in extra_people.values() for u in names
    }
    people = _users(wanted)
    runs = 0
    for spec in RUNS:
        days = _training_days(today, spec)
        run = _run(
            modules[spec.module],
            _run_code(spec.module, days[0]),
            communes[spec.commune],
            venues[spec.venue] if spec.venue else None,
            capacity=spec.capacity,
            approval=spec.approval,
            online_link=spec.online_link,
            min_participants=spec.min_participants,
        )
        wanted_audience = {communes[name].pk for name in spec.audience}
        if set(run.audience_communes.values_list("pk", flat=True)) != wanted_audience:
            run.audience_communes.set(sorted(wanted_audience))
        _schedule(run, days, spec.start, spec.minutes)
        _staff(run, [trainers[name] for name in spec.trainers if name in trainers])
        for username in (*spec.people, *extra_people.get(spec.module, ())):
            _sign_up(people.get(username), run)
        runs += 1

    interested = _users(INTERESTED)
    for username in INTERESTED:
        if username in interested:
            Interest.objects.get_or_create(
                module=modules["PR-ADO"],
                person=interested[username],
                defaults={"created_at": _aware(today - dt.timedelta(days=10), dt.time(11, 0))},
            )
    return {"modules": len(modules), "paths": len(paths), "runs": runs + 1}
