"""Wagtail's admin choosers facing a tampered form, installed once by HubConfig.ready().

A refused admin form is shown again with what was sent. Wagtail (8.0) looks each chooser's
value up to display it (`BaseChooser.get_instance`) and only expects "no such object": a value
that is not a key ("abc" for a page, an image or a snippet) raises ValueError there, a 500
instead of the form's errors. Every chooser inherits that method, and Wagtail registers some of
them late (when the admin's URLs load), so the guard goes on the base class.

A page's key is a one-to-one link (`page_ptr`): Django's guard against integers beyond 64 bits
covers integer fields only, and SQLite raises OverflowError for such an id, in the form field's
validation as in the chooser. Every foreign key to a page gets PageChoiceField.
"""

from __future__ import annotations

import functools
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from wagtail.admin.forms.models import register_form_field_override
from wagtail.admin.widgets import AdminPageChooser
from wagtail.admin.widgets.chooser import BaseChooser
from wagtail.models import AbstractPage

NOT_A_KEY = (ValueError, TypeError, OverflowError, ValidationError)


class PageChoiceField(forms.ModelChoiceField):
    """A page field that says "not one of the available choices" for an id too large."""

    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except OverflowError:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ) from None


def install() -> None:
    original = BaseChooser.get_instance
    if not getattr(original, "maillage_guarded", False):

        @functools.wraps(original)
        def get_instance(self: BaseChooser, value: Any) -> Any:
            try:
                return original(self, value)
            except NOT_A_KEY:
                return None  # an empty chooser; the form field reports the bad value

        get_instance.maillage_guarded = True  # type: ignore[attr-defined]
        BaseChooser.get_instance = get_instance  # type: ignore[method-assign]

    register_form_field_override(
        models.ForeignKey,
        to=AbstractPage,
        override=lambda db_field: {
            "form_class": PageChoiceField,
            "widget": AdminPageChooser(target_models=[db_field.remote_field.model]),
        },
    )
