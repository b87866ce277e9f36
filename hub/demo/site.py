"""Demo content of the site itself: home page, legal pages, settings, accounts.

Fake people only (addresses on .example domains), stable block ids, so that running it
again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from wagtail.models import Page, Site

from hub.models import ContentPage, HomePage, NetworkSettings
from network import roles

NETWORK_EMAIL = "coordination@reseau-secova.example"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    last_name: str
    email: str
    role: roles.Role
    description: str


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(
        "coordination",
        "Claire",
        "Dumont",
        "claire.dumont@chaudfontaine.example",
        roles.NETWORK_COORDINATION,
        "coordination du réseau (Chaudfontaine), accès à /admin/",
    ),
    DemoAccount(
        "coord-esneux",
        "Marc",
        "Halleux",
        "marc.halleux@esneux.example",
        roles.COMMUNE_COORDINATOR,
        "coordinateur communal d'Esneux, accès à /admin/",
    ),
    DemoAccount(
        "referente",
        "Nadia",
        "Lambert",
        "nadia.lambert@cpas-sprimont.example",
        roles.REFERENT,
        "référente d'organisation (CPAS de Sprimont)",
    ),
    DemoAccount(
        "formatrice",
        "Isabelle",
        "Warnier",
        "isabelle.warnier@pole-ressources.example",
        roles.TRAINER,
        "formatrice (Pôle Ressources)",
    ),
    DemoAccount(
        "animateur",
        "Julien",
        "Moreau",
        "julien.moreau@aywaille.example",
        roles.FACILITATOR,
        "animateur de groupes de soutien",
    ),
    DemoAccount(
        "professionnelle",
        "Camille",
        "Renson",
        "camille.renson@cpas-esneux.example",
        roles.PROFESSIONAL,
        "assistante sociale (CPAS d'Esneux)",
    ),
)


def _p(html: str) -> str:
    return html


HOME_INTRO = _p(
    "<p>Maillage relie les professionnel·les des communes d'<b>Aywaille</b>, de "
    "<b>Chaudfontaine</b>, d'<b>Esneux</b>, de <b>Sprimont</b> et de <b>Trooz</b> (zone de "
    "police Secova) qui protègent les enfants et les adultes face aux violences "
    "intrafamiliales : se former ensemble, se reconnaître, et accompagner les enfants "
    "victimes ou témoins de violences.</p>"
)

COMMUNES = (
    ("Aywaille", "CPAS, administration communale, écoles et service jeunesse."),
    (
        "Chaudfontaine",
        "Commune coordinatrice du réseau : elle anime la coordination et le "
        "calendrier des formations.",
    ),
    ("Esneux", "CPAS, écoles, accueil temps libre et groupes de parole pour enfants."),
    ("Sprimont", "CPAS, plan de cohésion sociale et écoles communales."),
    ("Trooz", "CPAS, administration communale et partenaires de l'aide à la jeunesse."),
)


def home_body() -> list[dict]:
    cards = [
        {
            "type": "item",
            "id": f"commune-{index}",
            "value": {"title": name, "text": f"<p>{text}</p>", "link": None},
        }
        for index, (name, text) in enumerate(COMMUNES)
    ]
    return [
        {"type": "heading", "id": "h-mission", "value": "Ce que fait le réseau"},
        {
            "type": "paragraph",
            "id": "p-mission",
            "value": (
                "<ul><li><b>Se former</b> : des parcours de formation, dont de nombreux "
                "modules du Pôle Ressources wallon sur les violences entre partenaires, "
                "pour les policier·es, assistant·es sociaux·ales des CPAS, enseignant·es, "
                "et le personnel de santé et de l'enfance.</li>"
                "<li><b>Se reconnaître</b> : des attestations vérifiables pour chaque "
                "module et parcours terminé.</li>"
                "<li><b>Accompagner</b> : des groupes de soutien pour les enfants et les "
                "adolescent·es victimes ou témoins de violences, animés en binôme par des "
                "professionnel·les formé·es.</li></ul>"
            ),
        },
        {"type": "heading", "id": "h-communes", "value": "Cinq communes, un réseau"},
        {"type": "cards", "id": "cards-communes", "value": cards},
        {"type": "heading", "id": "h-contact", "value": "Qui contacter ?"},
        {
            "type": "paragraph",
            "id": "p-contact",
            "value": (
                "<p>Vous êtes professionnel·le et vous souhaitez orienter un enfant vers un "
                "groupe de soutien, rejoindre une formation ou devenir partenaire du réseau ? "
                "Écrivez à la coordination ou au coordinateur de votre commune.</p>"
            ),
        },
        {
            "type": "contacts",
            "id": "contacts",
            "value": [
                {
                    "type": "item",
                    "id": "contact-coordination",
                    "value": {
                        "name": "Coordination du réseau",
                        "role": "Administration communale de Chaudfontaine",
                        "email": NETWORK_EMAIL,
                        "phone": "04 000 00 00",
                        "note": "Du lundi au vendredi, de 9 h à 16 h.",
                    },
                },
                {
                    "type": "item",
                    "id": "contact-esneux",
                    "value": {
                        "name": "Coordination communale d'Esneux",
                        "role": "Orientation vers les groupes de soutien",
                        "email": "reseau@esneux.example",
                        "phone": "",
                        "note": "",
                    },
                },
            ],
        },
    ]


PRIVACY_BODY = [
    {"type": "heading", "id": "h-who", "value": "Qui traite vos données ?"},
    {
        "type": "paragraph",
        "id": "p-who",
        "value": (
            "<p>Le responsable du traitement est l'administration communale de Chaudfontaine, "
            "commune coordinatrice du réseau intrafamilial Secova. Contact : "
            f'<a href="mailto:{NETWORK_EMAIL}">{NETWORK_EMAIL}</a>.</p>'
        ),
    },
    {"type": "heading", "id": "h-what", "value": "Quelles données, et pourquoi ?"},
    {
        "type": "paragraph",
        "id": "p-what",
        "value": (
            "<ul><li>Professionnel·les : identité, organisation, fonction, coordonnées "
            "professionnelles, inscriptions, présences et attestations, pour organiser les "
            "formations et délivrer les attestations.</li>"
            "<li>Enfants participant aux groupes de soutien : aucun compte, un code "
            "pseudonyme, un prénom ou un alias, l'année de naissance, le consentement des "
            "parents et les consignes de sécurité, rien de plus. Ces données ne sont "
            "visibles que des animateur·rices du groupe et de la coordination "
            "concernée.</li></ul>"
        ),
    },
    {"type": "heading", "id": "h-rights", "value": "Vos droits"},
    {
        "type": "paragraph",
        "id": "p-rights",
        "value": (
            "<p>Vous pouvez obtenir une copie des données qui vous concernent, les faire "
            "rectifier ou effacer, en écrivant à la coordination. Vous pouvez aussi "
            "introduire une plainte auprès de l'Autorité de protection des données.</p>"
        ),
    },
]

ACCESSIBILITY_BODY = [
    {"type": "heading", "id": "h-state", "value": "État de conformité"},
    {
        "type": "paragraph",
        "id": "p-state",
        "value": (
            "<p>Le réseau s'engage à rendre Maillage accessible conformément au décret "
            "wallon relatif à l'accessibilité des sites internet des organismes du secteur "
            "public. Le site vise la conformité aux WCAG 2.1 niveau AA : navigation au "
            "clavier, lien d'évitement, contrastes suffisants, affichage sur petit écran et "
            "agrandissement à 200 %. Les pages principales sont testées automatiquement "
            "avec axe-core.</p>"
        ),
    },
    {"type": "heading", "id": "h-feedback", "value": "Signaler un problème"},
    {
        "type": "paragraph",
        "id": "p-feedback",
        "value": (
            "<p>Si vous rencontrez un obstacle, écrivez à "
            f'<a href="mailto:{NETWORK_EMAIL}">{NETWORK_EMAIL}</a> : nous vous répondrons '
            "et vous fournirons l'information sous une autre forme.</p>"
        ),
    },
]


def _ensure_child(parent: Page, slug: str, **fields) -> ContentPage:
    page = ContentPage.objects.child_of(parent).filter(slug=slug).first()
    if page is None:
        page = ContentPage(slug=slug, **fields)
        parent.add_child(instance=page)
        return page
    for name, value in fields.items():
        setattr(page, name, value)
    page.draft_title = page.title
    page.save()
    return page


def load_site(today) -> dict[str, object]:
    """Home page content, legal pages and network settings; returns what it made."""
    home = HomePage.objects.first()
    if home is None:
        raise RuntimeError("The home page is missing: run `manage.py migrate` first.")
    home.title = home.draft_title = "Réseau intrafamilial Secova"
    home.seo_title = "Maillage : réseau intrafamilial Secova"
    home.search_description = (
        "Formations, attestations et groupes de soutien du réseau contre les violences "
        "intrafamiliales d'Aywaille, Chaudfontaine, Esneux, Sprimont et Trooz."
    )
    home.intro = HOME_INTRO
    home.body = home_body()
    home.save()

    privacy = _ensure_child(
        home,
        "vie-privee",
        title="Protection de la vie privée",
        intro="Comment le réseau traite les données des professionnel·les et des enfants.",
        body=PRIVACY_BODY,
        last_reviewed=today.replace(day=1),
        show_in_menus=False,
    )
    accessibility = _ensure_child(
        home,
        "accessibilite",
        title="Déclaration d'accessibilité",
        intro="Ce que nous faisons pour que chacun·e puisse utiliser Maillage.",
        body=ACCESSIBILITY_BODY,
        last_reviewed=today.replace(day=1),
        show_in_menus=False,
    )

    site = Site.objects.get(is_default_site=True)
    network = NetworkSettings.for_site(site)
    network.network_name = "Réseau intrafamilial Secova"
    network.contact_email = NETWORK_EMAIL
    network.contact_phone = "04 000 00 00"
    network.contact_address = "Coordination du réseau, Administration communale, 4050 Chaudfontaine"
    network.emergency_notice = (
        "Danger immédiat : appelez le 112 ou la police au 101. "
        "Écoute violences conjugales : 0800 30 030 (gratuit, 24 h/24). "
        "Enfants et adolescents : 103 (Écoute-Enfants)."
    )
    network.privacy_page = privacy
    network.accessibility_page = accessibility
    network.save()
    return {"home": home, "privacy": privacy, "accessibility": accessibility}


def load_accounts() -> list:
    """The demo accounts of DESIGN's contracts, each in its role's group."""
    roles.setup_roles()
    user_model = get_user_model()
    users = []
    for account in DEMO_ACCOUNTS:
        user, _created = user_model.objects.get_or_create(username=account.username)
        user.first_name = account.first_name
        user.last_name = account.last_name
        user.email = account.email
        user.is_active = True
        if not user.check_password(settings.MAILLAGE_DEMO_PASSWORD):
            user.set_password(settings.MAILLAGE_DEMO_PASSWORD)
        user.save()
        user.groups.set([Group.objects.get(name=account.role.name)])
        users.append(user)
    return users
