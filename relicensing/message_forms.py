"""The request page's form for posting in the conversation (the rules are the service's)."""

from typing import Any

from django import forms

from accounts.models import User
from relicensing.models.messages import MESSAGE_MAX_CHARS
from relicensing.request_forms import DOCUMENT_ACCEPT, checked_document


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Message",
        max_length=MESSAGE_MAX_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"Plain text, at most {MESSAGE_MAX_CHARS:,} characters. Everyone on the request is told.",
        error_messages={"required": "Write a message."},
    )
    internal = forms.BooleanField(
        label="Internal note — staff only (the customer and its partner never see it)", required=False
    )
    attachment = forms.FileField(
        label="Attachment",
        required=False,
        help_text="A PDF, PNG or JPEG, at most 10 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not user.is_programme_staff:
            del self.fields["internal"]

    def clean_attachment(self) -> Any:
        return checked_document(self.cleaned_data.get("attachment"))
