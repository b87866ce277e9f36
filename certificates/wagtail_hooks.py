from wagtail import hooks

from lms.registries import RUN_HEADER_BUTTONS

from . import viewsets


@hooks.register("register_admin_viewset")
def register_certificate_viewsets():
    return [viewsets.CertificatesViewSetGroup(), viewsets.BulkIssueViewSet()]


hooks.register(RUN_HEADER_BUTTONS, viewsets.run_header_buttons)
hooks.register("before_delete_snippet", viewsets.refuse_deleting_used_templates)
