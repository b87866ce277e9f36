"""Forms of the support-group admin: programmes, cycles, participants with their consents,
safety instructions and memberships, and the swap decision.

A participant's children (consents, safety instructions, memberships) hang on plain foreign
keys, not modelcluster's ParentalKey: the participant form builds Django inline formsets
itself and saves them after the participant, in the same transaction (the view's).
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm

from certificates.admin_forms import DATE_INPUT_FORMATS, DateInput
from lms.admin_forms import communes_of, person_label
from lms.models import ModulePage
from network import permissions, roles
from sessions.models import Series, Venue

from .models import (
    Consent,
    Cycle,
    Membership,
    Participant,
    Programme,
    SafetyInstruction,
)

# The roster board is built by roster_views.py; its address is a contract of this app.
ROSTER_BOARD_PATH = "/admin/groupes/planning/"


def roster_board_url(cycle_pk: int) -> str:
    """The roster board of one cycle (the board reads `?cycle=<pk>`)."""
    return f"{ROSTER_BOARD_PATH}?cycle={int(cycle_pk)}"


def _dates(form: forms.BaseForm, *names: str) -> None:
    """The browser's date picker (no inline script) and Belgian typed dates."""
    for name in names:
        if name in form.fields:
            form.fields[name].widget = DateInput()
            form.fields[name].input_formats = DATE_INPUT_FORMATS


def coordinators():
    """Who may be in charge of a cycle: commune coordinators and the network coordination."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            groups__name__in=[roles.COMMUNE_COORDINATOR.name, roles.NETWORK_COORDINATION.name],
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


# --- programmes ------------------------------------------------------------------------------


class ModuleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} ({obj.code})" if getattr(obj, "code", "") else obj.title


class ProgrammeForm(WagtailAdminModelForm):
    """Required modules as a checkbox list: a short list, no page chooser (inline script)."""

    required_modules = ModuleChoiceField(
        label=gettext_lazy("required training modules"),
        queryset=ModulePage.objects.order_by("title"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "A facilitator must hold a valid certificate for each on the meeting's day."
        ),
    )


# --- cycles ----------------------------------------------------------------------------------


class SeriesChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} ({obj.commune})"


class CycleForm(WagtailAdminModelForm):
    """Choices narrowed to the user's communes; the meetings must be a series of the cycle's
    commune that no other cycle uses."""

    series = SeriesChoiceField(
        label=gettext_lazy("meetings"),
        queryset=Series.objects.none(),
        required=False,
        help_text=gettext_lazy(
            "The series of meetings, created in Agenda › Series. Only series of the cycle's "
            "commune that no other cycle uses can be chosen."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _dates(self, "intake_opens", "intake_closes")
        user = self.for_user
        if user is None:
            return
        instance = self.instance
        if "commune" in self.fields:
            self.fields["commune"].queryset = communes_of(user).order_by("name")
        if "programme" in self.fields:
            self.fields["programme"].queryset = Programme.objects.filter(
                Q(active=True) | Q(pk=instance.programme_id or 0)
            )
        if "venue" in self.fields:
            venues = permissions.visible(user, Venue, "view").filter(is_active=True)
            self.fields["venue"].queryset = Venue.objects.filter(
                Q(pk__in=venues.values("pk")) | Q(pk=instance.venue_id or 0)
            ).select_related("commune")
        if "series" in self.fields:
            free = permissions.visible(user, Series, "change").filter(support_cycle__isnull=True)
            own = Q(pk=instance.series_id or 0)
            self.fields["series"].queryset = (
                Series.objects.filter(Q(pk__in=free.values("pk")) | own)
                .select_related("commune")
                .order_by("commune__name", "title")
            )
        if "coordinator" in self.fields:
            self.fields["coordinator"].queryset = get_user_model().objects.filter(
                Q(pk__in=coordinators().values("pk")) | Q(pk=instance.coordinator_id or 0)
            )
            self.fields["coordinator"].label_from_instance = person_label

    def clean(self):
        cleaned = super().clean()
        series, commune = cleaned.get("series"), cleaned.get("commune")
        if series is not None and commune is not None and series.commune_id != commune.pk:
            self.add_error("series", _("These meetings are not in the cycle's commune."))
        return cleaned


# --- participants ----------------------------------------------------------------------------


class ChildForm(WagtailAdminModelForm):
    """A row of a participant's formset. A blank row is skipped when left as it came: its
    defaults (today's date for a referral) are compared with what it was shown with, which
    Wagtail's field rendering does not post back as hidden "initial-" inputs."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if field.show_hidden_initial:
                field.show_hidden_initial = False
                if callable(field.initial):
                    field.initial = field.initial()


class ConsentForm(ChildForm):
    class Meta:
        model = Consent
        fields = ["guardian", "given_on", "scope", "withdrawn_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _dates(self, "given_on", "withdrawn_on")


class SafetyInstructionForm(ChildForm):
    class Meta:
        model = SafetyInstruction
        fields = ["kind", "who", "note"]


class MembershipForm(ChildForm):
    """A place in a cycle the user may change (their communes' cycles)."""

    class Meta:
        model = Membership
        fields = ["cycle", "status", "referred_on", "intake_on", "admitted_on", "left_on"]
        fields += ["left_reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _dates(self, "referred_on", "intake_on", "admitted_on", "left_on")
        if self.for_user is not None:
            self.fields["cycle"].queryset = permissions.visible(
                self.for_user, Cycle, "change"
            ).order_by("-created_at")


class ChildFormSet(BaseInlineFormSet):
    """One blank row to add a child; rows are deleted with their checkbox."""


def _formset(model, form):
    return inlineformset_factory(
        Participant,
        model,
        form=form,
        formset=ChildFormSet,
        fields=form._meta.fields,
        extra=1,
        can_delete=True,
    )


CHILD_FORMSETS = {
    "consents": _formset(Consent, ConsentForm),
    "safety_instructions": _formset(SafetyInstruction, SafetyInstructionForm),
    "memberships": _formset(Membership, MembershipForm),
}


class ParticipantForm(WagtailAdminModelForm):
    """The participant and, in the same form, its consents, safety instructions and the
    memberships in cycles the user may change (other memberships are left untouched)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        if user is not None and "commune" in self.fields:
            self.fields["commune"].queryset = communes_of(user).order_by("name")
        data, files = (self.data, self.files) if self.is_bound else (None, None)
        instance = self.instance
        self.formsets = {}
        for name, formset_class in CHILD_FORMSETS.items():
            queryset = formset_class.model._default_manager.all()
            if name == "memberships":
                changeable = (
                    permissions.visible(user, Cycle, "change")
                    if user is not None
                    else Cycle.objects.none()
                )
                queryset = queryset.filter(cycle__in=changeable.values("pk")).select_related(
                    "cycle"
                )
            self.formsets[name] = formset_class(
                data,
                files,
                instance=instance,
                prefix=name,
                queryset=queryset,
                form_kwargs={"for_user": user},
            )

    def save(self, commit=True):
        instance = super().save(commit=commit)
        if commit:
            for formset in self.formsets.values():
                formset.instance = instance
                formset.save()
        return instance


# --- swaps -----------------------------------------------------------------------------------


class SwapDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", gettext_lazy("Approve")), ("refuse", gettext_lazy("Refuse"))]
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason (optional)"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Sent to both facilitators with the decision."),
    )
