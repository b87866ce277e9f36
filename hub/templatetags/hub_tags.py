from django import template
from django.urls import NoReverseMatch, reverse

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
