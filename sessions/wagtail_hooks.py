from wagtail import hooks

from .viewsets import AgendaViewSetGroup


@hooks.register("register_admin_viewset")
def register_agenda_viewsets():
    return AgendaViewSetGroup()
