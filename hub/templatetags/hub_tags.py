from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _

from network.registries import navigation

register = template.Library()


def _resolve(url, request) -> str:
    if callable(url):
        return url(request)
    if url.startswith("/"):
        return url
    try:
        return reverse(url)
    except NoReverseMatch:
        return ""


@register.inclusion_tag("hub/includes/navigation.html", takes_context=True)
def main_navigation(context):
    """The main menu, made of the entries the installed apps registered."""
    request = context["request"]
    entries = []
    for entry in navigation:
        if not entry.visible(request):
            continue
        url = _resolve(entry.url, request)
        if not url:
            continue
        current = request.path == url or (url != "/" and request.path.startswith(url))
        entries.append({"label": entry.label, "url": url, "current": current})
    return {"entries": entries}


def _error_target(field) -> str:
    """The id of the input a summary link goes to: the first choice of a radio/checkbox group."""
    if field.is_hidden:
        return ""
    if field.id_for_label:
        return field.id_for_label
    if field.auto_id and field.subwidgets:
        return field.subwidgets[0].id_for_label or field.auto_id
    return field.auto_id or ""


@register.filter
def error_summary(form) -> list[dict[str, str]]:
    """Every error of a bound form, in field order: the form's own first, then each field's.

    Each item has `message`, and for a visible field its `label` and the `target` id of its
    input (the summary links to it); errors of hidden fields count as the form's own.
    """
    if form is None or not getattr(form, "errors", None):
        return []
    items = [
        {"message": str(error), "label": "", "target": ""} for error in form.non_field_errors()
    ]
    for field in form:
        for error in field.errors:
            if field.is_hidden:
                # Django's own wording (and translation) for the errors of a hidden field.
                message = _("(Hidden field %(name)s) %(error)s") % {
                    "name": field.name,
                    "error": error,
                }
                items.append({"message": message, "label": "", "target": ""})
            else:
                items.append(
                    {
                        "message": str(error),
                        "label": str(field.label or ""),
                        "target": _error_target(field),
                    }
                )
    return items


@register.filter
def described_widget(field):
    """The field's widget pointing (aria-describedby) to its help and error texts as
    `hub/includes/field.html` renders them; Django adds aria-invalid itself."""
    ids = []
    if field.auto_id:
        if field.help_text:
            ids.append(f"{field.auto_id}_helptext")
        if field.errors:
            ids.append(f"{field.auto_id}_error")
    if field.use_fieldset:
        # The <fieldset> carries the description: not each radio or checkbox of the group.
        attrs = {"aria-describedby": False}
    else:
        attrs = {"aria-describedby": " ".join(ids)} if ids else {}
    return field.as_widget(attrs=attrs)


@register.filter
def get(mapping, key):
    """`mapping|get:key`: a dictionary's value for a key that is a variable (else "")."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.filter
def long_date(value) -> str:
    """The long date, with "1er novembre 2026" for the first of a month as French writes it."""
    if not value:
        return ""
    text = formats.date_format(value, "DATE_FORMAT")
    if (
        value.day == 1
        and (translation.get_language() or "").startswith("fr")
        and text.startswith("1 ")
    ):
        return "1er" + text[1:]
    return text
