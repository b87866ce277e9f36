"""Demo content of the site itself: home page, legal pages, settings, accounts.

Fake people only (addresses on .example domains), stable block ids, so that running it
again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import translation
from wagtail.models import Page, Site

from hub.models import ContentPage, HomePage, NetworkSettings
from hub.templatetags.hub_tags import long_date
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
    "<p>Maillage relie les professionnel·le·s des communes d'<b>Aywaille</b>, de "
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
                "pour les policier·ère·s, assistant·e·s sociaux·ales des CPAS, enseignant·e·s, "
                "et le personnel de santé et de l'enfance.</li>"
                "<li><b>Se reconnaître</b> : des attestations vérifiables pour chaque "
                "module et parcours terminé.</li>"
                "<li><b>Accompagner</b> : des groupes de soutien pour les enfants et les "
                "adolescent·e·s victimes ou témoins de violences, animés en binôme par des "
                "professionnel·le·s formé·e·s.</li></ul>"
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
                "Écrivez à la coordination du réseau ou à celle de votre commune.</p>"
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
            "<ul><li>Professionnel·le·s : identité, organisation, fonction, coordonnées "
            "professionnelles, inscriptions, présences et attestations, pour organiser les "
            "formations et délivrer les attestations.</li>"
            "<li>Enfants participant aux groupes de soutien : aucun compte, un code "
            "pseudonyme, un prénom ou un alias, l'année de naissance, le consentement des "
            "parents et les consignes de sécurité, rien de plus. Ces données ne sont "
            "visibles que des animateur·rice·s du groupe et de la coordination "
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

MEDIATOR_URL = "https://www.le-mediateur.be/"


def _french_date(day: dt.date) -> str:
    """A date as a French statement writes it: 1er novembre 2026, 27 novembre 2026."""
    with translation.override("fr"):
        return long_date(day)


def accessibility_body(today: dt.date) -> list[dict]:
    """The accessibility statement, after the model of the EU (implementing decision 2018/1523)
    as Walloon public bodies publish it; dated relative to `today` like the rest of the demo."""
    reviewed = today.replace(day=1)
    established = (reviewed - dt.timedelta(days=150)).replace(day=1)
    mail = f'<a href="mailto:{NETWORK_EMAIL}">{NETWORK_EMAIL}</a>'
    return [
        {"type": "heading", "id": "h-commitment", "value": "Notre engagement"},
        {
            "type": "paragraph",
            "id": "p-commitment",
            "value": (
                "<p>Le réseau intrafamilial Secova, coordonné par l'administration communale "
                "de Chaudfontaine, s'engage à rendre Maillage accessible conformément au décret "
                "wallon du 2 mai 2019 relatif à l'accessibilité des sites internet et des "
                "applications mobiles des organismes du secteur public, qui transpose la "
                "directive (UE) 2016/2102.</p>"
                "<p>La présente déclaration s'applique à l'ensemble de Maillage : les pages "
                "publiques, la vérification des attestations, l'espace personnel des "
                "professionnel·le·s (Mon parcours, Mon agenda, Mes groupes, Mon compte) et les "
                "écrans d'administration propres au réseau.</p>"
            ),
        },
        {"type": "heading", "id": "h-state", "value": "État de conformité"},
        {
            "type": "paragraph",
            "id": "p-state",
            "value": (
                "<p>Maillage est <b>partiellement conforme</b> aux règles pour l'accessibilité "
                "des contenus web WCAG 2.1, niveau AA, et à la norme européenne EN 301 549 "
                "(version 3.2.1), en raison des non-conformités et des exemptions énumérées "
                "ci-dessous.</p>"
                "<p>Ce qui est en place :</p>"
                "<ul><li>toutes les pages s'utilisent au clavier seul, avec un lien "
                "d'évitement vers le contenu et un focus toujours visible ;</li>"
                "<li>chaque champ de formulaire a une étiquette ; les erreurs sont décrites "
                "sous le champ concerné et résumées en tête du formulaire, avec un lien vers "
                "chaque champ ;</li>"
                "<li>les contrastes de couleurs sont suffisants et aucune information ne "
                "passe par la couleur seule ;</li>"
                "<li>les pages s'affichent sans défilement horizontal sur un écran de "
                "320 pixels de large et avec un agrandissement à 200 % ;</li>"
                "<li>la langue, les titres, les régions de la page et les tableaux sont "
                "balisés pour les technologies d'assistance.</li></ul>"
            ),
        },
        {"type": "heading", "id": "h-not-accessible", "value": "Contenus non accessibles"},
        {
            "type": "paragraph",
            "id": "p-not-accessible",
            "value": (
                "<h3>Non-conformités</h3>"
                "<ul><li>Les attestations au format PDF ne sont pas balisées : un lecteur "
                "d'écran en lit le texte, mais pas la structure (critère 1.3.1). La page de "
                "vérification de chaque attestation, ouverte par le lien ou le code imprimé "
                "sous le code QR, donne les mêmes informations en HTML accessible.</li>"
                "<li>Les rapports exportés en PDF ne sont pas balisés non plus ; les mêmes "
                "chiffres sont disponibles dans les tableaux de la page Rapports et dans "
                "l'export XLSX.</li>"
                "<li>Les écrans standard de l'interface d'administration, fournis par le "
                "logiciel libre Wagtail (éditeur de pages et de texte riche, sélecteurs de "
                "date, listes), ne sont pas tous testés par le réseau : ils suivent la "
                "politique d'accessibilité du projet Wagtail. Les écrans propres au réseau "
                "(tableau de bord, planning des groupes, statistiques, import de fichiers, "
                "émission des attestations, demandes relatives à la vie privée) sont "
                "testés.</li></ul>"
                "<h3>Charge disproportionnée</h3>"
                "<p>Le réseau n'invoque aucune dérogation pour charge disproportionnée.</p>"
                "<h3>Contenus non soumis à l'obligation d'accessibilité</h3>"
                "<ul><li>les documents bureautiques (PDF, traitement de texte) publiés avant "
                "le 23 septembre 2018, notamment d'anciens supports de formation transmis par "
                "des partenaires ;</li>"
                "<li>les contenus de tiers que le réseau ne finance ni ne contrôle, comme les "
                "sites des partenaires vers lesquels Maillage renvoie ;</li>"
                "<li>l'affichage de votre agenda synchronisé (adresse .ics) dans votre "
                "application de calendrier, qui ne dépend pas du réseau.</li></ul>"
            ),
        },
        {"type": "heading", "id": "h-method", "value": "Établissement de cette déclaration"},
        {
            "type": "paragraph",
            "id": "p-method",
            "value": (
                f"<p>Cette déclaration a été établie le {_french_date(established)}. "
                f"Elle a été revue pour la dernière fois le {_french_date(reviewed)}.</p>"
                "<p>Méthode : auto-évaluation par l'équipe du réseau. À chaque modification du "
                "logiciel, des tests automatiques parcourent chaque page de chaque parcours "
                "(professionnel·le, référent·e, formateur·rice, animateur·rice, "
                "coordinateur·rice communal·e, coordination du réseau) dans le navigateur "
                "Chromium et les vérifient avec l'outil axe-core, en pleine largeur et sur "
                "un écran de 320 pixels. Une revue manuelle de chaque parcours au clavier "
                "seul les complète.</p>"
                "<p>Technologies utilisées : HTML, CSS, WAI-ARIA et un peu de JavaScript ; "
                "les pages publiques et l'espace personnel restent utilisables sans "
                "JavaScript.</p>"
            ),
        },
        {"type": "heading", "id": "h-feedback", "value": "Signaler un problème"},
        {
            "type": "paragraph",
            "id": "p-feedback",
            "value": (
                "<p>Si vous ne parvenez pas à accéder à un contenu ou à un service, dites-le "
                "nous : nous vous répondrons et vous fournirons l'information sous une autre "
                "forme (par e-mail, par téléphone ou sur papier).</p>"
                f"<ul><li>par e-mail : {mail} ;</li>"
                "<li>par téléphone : 04 000 00 00, du lundi au vendredi, de 9 h à 16 h ;</li>"
                "<li>par courrier : Coordination du réseau, Administration communale, "
                "4050 Chaudfontaine.</li></ul>"
                "<p>Indiquez la page concernée et ce qui vous bloque. Nous accusons réception "
                "de votre message dans les 5 jours ouvrables.</p>"
            ),
        },
        {"type": "heading", "id": "h-enforcement", "value": "Procédure de recours"},
        {
            "type": "paragraph",
            "id": "p-enforcement",
            "value": (
                "<p>Si notre réponse ne vous satisfait pas, ou si vous n'en avez pas reçu, "
                "vous pouvez introduire gratuitement une réclamation auprès du Médiateur "
                "commun de la Fédération Wallonie-Bruxelles et de la Wallonie, compétent pour "
                "l'accessibilité des sites internet des organismes publics wallons :</p>"
                "<ul><li>par courrier : Le Médiateur, rue Lucien Namèche 54, 5000 Namur ;</li>"
                "<li>par téléphone (numéro gratuit) : 0800 19 199 ;</li>"
                f'<li>en ligne : <a href="{MEDIATOR_URL}">www.le-mediateur.be</a>.</li></ul>'
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
        intro="Comment le réseau traite les données des professionnel·le·s et des enfants.",
        body=PRIVACY_BODY,
        last_reviewed=today.replace(day=1),
        show_in_menus=False,
    )
    accessibility = _ensure_child(
        home,
        "accessibilite",
        title="Déclaration d'accessibilité",
        intro="Ce que nous faisons pour que chacun·e puisse utiliser Maillage.",
        body=accessibility_body(today),
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
