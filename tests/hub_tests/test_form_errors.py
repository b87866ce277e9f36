"""The shared form pieces: hub/includes/error_summary.html and hub/includes/field.html."""

import re

import pytest
from django import forms
from django.template.loader import render_to_string

pytestmark = pytest.mark.django_db


class SampleForm(forms.Form):
    name = forms.CharField(label="Nom", help_text="Comme sur votre carte.")
    colour = forms.ChoiceField(
        label="Couleur", choices=[("r", "Rouge"), ("b", "Bleu")], widget=forms.RadioSelect
    )
    token = forms.CharField(widget=forms.HiddenInput)

    def clean(self):
        raise forms.ValidationError("Rien ne va.")


def _render(form) -> str:
    return render_to_string("hub/includes/error_summary.html", {"form": form}) + "".join(
        render_to_string("hub/includes/field.html", {"field": field}) for field in form
    )


def test_summary_counts_every_error_and_links_to_each_field():
    html = _render(SampleForm(data={}))
    summary = html[: html.index("</div>")]
    assert 'role="alert" tabindex="-1" data-error-summary' in summary
    # The form's own error, the hidden field's, and one per visible field.
    assert "Le formulaire contient 4 erreurs" in summary
    assert "<li>Rien ne va.</li>" in summary
    assert '<a href="#id_name">Nom : Champ requis.</a>' in summary
    assert '<a href="#id_colour_0">Couleur : Champ requis.</a>' in summary
    assert "<li>(champ masqué token) Champ requis.</li>" in summary


def test_one_error_is_singular():
    html = render_to_string(
        "hub/includes/error_summary.html",
        {"form": SampleForm(data={"name": "A", "colour": "r", "token": "t"})},
    )
    assert "Le formulaire contient 1 erreur<" in html


def test_no_summary_without_errors():
    assert render_to_string("hub/includes/error_summary.html", {"form": SampleForm()}).strip() == ""


def test_invalid_input_points_to_its_help_and_its_error():
    html = _render(SampleForm(data={}))
    name = re.search(r"<input[^>]*name=\"name\"[^>]*>", html).group()
    assert 'aria-invalid="true"' in name
    assert 'aria-describedby="id_name_helptext id_name_error"' in name
    assert 'id="id_name_helptext"' in html
    assert re.search(r'id="id_name_error"><p><span class="visually-hidden">Erreur : </span>', html)


def test_a_group_of_radios_is_a_fieldset_described_by_its_error():
    html = _render(SampleForm(data={}))
    assert re.search(
        r'<fieldset class="field field-group field-error" aria-describedby="id_colour_error">\s*'
        r"<legend>Couleur",
        html,
    )
    radios = re.findall(r"<input[^>]*type=\"radio\"[^>]*>", html)
    assert radios and all("aria-describedby" not in radio for radio in radios)


def test_valid_field_keeps_only_its_help():
    form = SampleForm(data={"name": "A", "colour": "r", "token": "t"})
    html = render_to_string("hub/includes/field.html", {"field": form["name"]})
    assert 'aria-describedby="id_name_helptext"' in html
    assert "aria-invalid" not in html
