"""Context of the catalogue, module and path pages."""


def catalog_context(page, request):
    return {}


def module_context(page, request):
    return {}


def path_context(page, request):
    return {}
