"""PlainSelect writes the markup Django's Select would, without a template per option."""

from django import forms

from common.widgets import PlainSelect


class Filters(forms.Form):
    vendor = forms.ChoiceField(
        required=False,
        widget=PlainSelect,
        choices=[("", "All <vendors>"), ("at&t", "AT&T"), ("cisco", "Cisco")],
    )
    customer = forms.TypedChoiceField(
        required=False,
        coerce=int,
        widget=PlainSelect,
        choices=[("", "All customers"), (3, "Acme"), (12, "Borealis")],
    )


def test_the_empty_choice_is_selected_when_nothing_is_chosen_and_labels_are_escaped():
    assert str(Filters({})["vendor"]) == (
        '<select id="id_vendor" name="vendor"><option value="" selected>All &lt;vendors&gt;</option>'
        '<option value="at&amp;t">AT&amp;T</option><option value="cisco">Cisco</option></select>'
    )


def test_the_chosen_value_is_selected_whatever_its_type():
    form = Filters({"vendor": "at&t", "customer": "12"})
    assert '<option value="at&amp;t" selected>AT&amp;T</option>' in str(form["vendor"])
    assert str(form["customer"]) == (
        '<select id="id_customer" name="customer"><option value="">All customers</option>'
        '<option value="3">Acme</option><option value="12" selected>Borealis</option></select>'
    )


def test_a_value_not_offered_selects_nothing():
    assert " selected" not in str(Filters({"vendor": "nokia"})["vendor"])
