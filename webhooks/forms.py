from django import forms

from webhooks.choices import WebhookEvent


class EndpointForm(forms.Form):
    url = forms.URLField(
        label="Address",
        max_length=500,
        assume_scheme="https",
        help_text="https:// and a public address; we answer within 5 seconds and retry for a day.",
    )
    events = forms.MultipleChoiceField(
        label="Events",
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Which events this address receives.",
    )
