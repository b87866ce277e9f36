from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from .blocks import BodyBlock


class HomePage(Page):
    """The network's front page: who we are, the five communes, whom to contact."""

    intro = RichTextField(_("introduction"), features=["bold", "italic", "link"], blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)

    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["wagtailcore.Page"]
    max_count_per_parent = 1
    template = "hub/home_page.html"

    class Meta:
        verbose_name = _("home page")
        verbose_name_plural = _("home pages")


class ContentPage(Page):
    """A plain page: privacy notice, accessibility statement, about, referral guide."""

    intro = models.TextField(_("introduction"), blank=True, max_length=600)
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)
    last_reviewed = models.DateField(
        _("last reviewed"),
        null=True,
        blank=True,
        help_text=_("Shown on the page, e.g. for a privacy notice or an accessibility statement."),
    )

    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("body"),
        FieldPanel("last_reviewed"),
    ]
    parent_page_types = ["maillage_hub.HomePage", "maillage_hub.ContentPage"]
    template = "hub/content_page.html"

    class Meta:
        verbose_name = _("content page")
        verbose_name_plural = _("content pages")


@register_setting(icon="site")
class NetworkSettings(BaseSiteSetting):
    """What every page's footer shows: whom to contact, and the legal pages."""

    # The footer links to both pages on every request: fetch them with the settings.
    select_related = ["privacy_page", "accessibility_page"]

    network_name = models.CharField(
        _("network name"), max_length=160, default="Réseau intrafamilial Secova"
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_address = models.CharField(_("postal address"), max_length=255, blank=True)
    emergency_notice = models.TextField(
        _("emergency notice"),
        blank=True,
        max_length=600,
        help_text=_("Shown on every page, e.g. the emergency numbers."),
    )
    privacy_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("privacy notice"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    accessibility_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("accessibility statement"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [
        FieldPanel("network_name"),
        MultiFieldPanel(
            [
                FieldPanel("contact_email"),
                FieldPanel("contact_phone"),
                FieldPanel("contact_address"),
            ],
            heading=_("Contact"),
        ),
        FieldPanel("emergency_notice"),
        MultiFieldPanel(
            [FieldPanel("privacy_page"), FieldPanel("accessibility_page")],
            heading=_("Legal pages"),
        ),
    ]

    class Meta:
        verbose_name = _("network settings")


class DueJobRun(models.Model):
    """When each due job (see network.registries.due_jobs) was last enqueued."""

    key = models.CharField(_("job"), max_length=120, unique=True)
    last_enqueued_at = models.DateTimeField(_("last enqueued at"))
    last_task_id = models.CharField(_("last task id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("due job run")
        verbose_name_plural = _("due job runs")

    def __str__(self) -> str:
        return self.key
