"""StreamField blocks of module and path pages (lms cannot use hub's: hub sits above it)."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks


class ProgrammeItemBlock(blocks.StructBlock):
    time = blocks.CharBlock(label=_("When"), max_length=40, help_text=_("e.g. 9:00–10:30"))
    topic = blocks.CharBlock(label=_("Topic"), max_length=200)

    class Meta:
        icon = "time"
        label = _("Programme item")


class ModuleBodyBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(
        label=_("Heading"),
        max_length=120,
        form_classname="title",
        template="lms/blocks/heading.html",
    )
    paragraph = blocks.RichTextBlock(
        label=_("Paragraph"), features=["h3", "bold", "italic", "link", "ol", "ul", "document-link"]
    )
    programme = blocks.ListBlock(
        ProgrammeItemBlock(), label=_("Programme"), template="lms/blocks/programme.html"
    )
    quote = blocks.BlockQuoteBlock(label=_("Quote"))
