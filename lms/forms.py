"""Forms shared by the front end and the admin."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Evaluation

RATINGS = [(n, str(n)) for n in range(1, 6)]


class EvaluationForm(forms.Form):
    """A few rated questions (1 = not at all, 5 = fully) and a comment."""

    comment = forms.CharField(
        label=_("Anything to add? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        questions = {}
        for name, label in Evaluation.QUESTIONS:
            questions[name] = forms.TypedChoiceField(
                label=label,
                choices=RATINGS,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose a rating from 1 to 5.")},
            )
        self.fields = {**questions, "comment": self.fields["comment"]}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Refuse"))],
    )
    reason = forms.CharField(
        label=_("Reason (required to refuse; the person will read it)"),
        required=False,
        max_length=300,
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("reason", "").strip():
            self.add_error("reason", _("Give a reason: the person will read it."))
        return data
