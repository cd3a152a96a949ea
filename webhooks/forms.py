"""The register form of the webhook pages; programme staff also choose the organisation."""

from typing import Any

from django import forms

from accounts.models import User
from accounts.selectors import organization_list
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

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only staff register for another organisation (the service checks it too); everyone else's
        # endpoint is their own organisation's, and a posted `organization` is no field of theirs.
        if user.is_programme_staff:
            self.fields["organization"] = forms.ModelChoiceField(
                label="Organisation",
                queryset=organization_list(user=user),
                empty_label="Choose the organisation…",
                help_text="Whose endpoint this is: it receives that organisation's events.",
            )
            self.order_fields(["organization", "url", "events"])
