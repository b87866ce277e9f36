from django.utils.translation import gettext_lazy as _
from wagtail import blocks


class ContactBlock(blocks.StructBlock):
    name = blocks.CharBlock(label=_("Name or service"), max_length=120)
    role = blocks.CharBlock(label=_("Role"), max_length=160, required=False)
    email = blocks.EmailBlock(label=_("E-mail"), required=False)
    phone = blocks.CharBlock(label=_("Phone"), max_length=40, required=False)
    note = blocks.TextBlock(label=_("Note"), required=False, max_length=400)

    class Meta:
        icon = "user"
        label = _("Contact")
        template = "hub/blocks/contact.html"


class CardBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Title"), max_length=120)
    text = blocks.RichTextBlock(label=_("Text"), features=["bold", "italic", "link"])
    link = blocks.PageChooserBlock(label=_("Link"), required=False)

    class Meta:
        icon = "doc-full"
        label = _("Card")
        template = "hub/blocks/card.html"


class BodyBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(
        label=_("Heading"),
        max_length=120,
        form_classname="title",
        template="hub/blocks/heading.html",
    )
    paragraph = blocks.RichTextBlock(
        label=_("Paragraph"), features=["h3", "bold", "italic", "link", "ol", "ul", "document-link"]
    )
    cards = blocks.ListBlock(CardBlock(), label=_("Cards"), template="hub/blocks/cards.html")
    contacts = blocks.ListBlock(
        ContactBlock(), label=_("Contacts"), template="hub/blocks/contacts.html"
    )
