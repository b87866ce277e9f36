from wagtail import hooks

from .viewsets import TrainingViewSetGroup


@hooks.register("register_admin_viewset")
def register_training_viewsets():
    return TrainingViewSetGroup()
