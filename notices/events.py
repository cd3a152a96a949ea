"""Every notice the system sends: a fixed list. Each event has `subject.txt`, `body.txt` and
`body.html` under templates/notices/<event>/ (a system check fails otherwise); the label is
shown when a notice cannot be rendered."""

from django.db import models


class NoticeEvent(models.TextChoices):
    API_TOKEN_ISSUED = "api_token_issued", "An API key was issued"
    REQUEST_SUBMITTED = "request_submitted", "Request submitted"
    QUOTE_ISSUED = "quote_issued", "Quote issued"
    QUOTE_ACCEPTED = "quote_accepted", "Quote accepted"
    QUOTE_EXPIRED = "quote_expired", "Quote expired"
    REQUEST_CANCELLED = "request_cancelled", "Request cancelled"
    REQUEST_REJECTED = "request_rejected", "Request rejected"
    INSPECTION_SCHEDULED = "inspection_scheduled", "Inspection scheduled"
    INSPECTION_RESCHEDULED = "inspection_rescheduled", "Inspection rescheduled"
    INSPECTION_REMINDER = "inspection_reminder", "Inspection tomorrow (reminder)"
    INSPECTION_CANCELLED = "inspection_cancelled", "Inspection cancelled"
    INSPECTION_RESULTS_RECORDED = "inspection_results_recorded", "Inspection results recorded"
    FINAL_QUOTE_ISSUED = "final_quote_issued", "Final quote issued"
    PURCHASE_ORDER_RECEIVED = "purchase_order_received", "Purchase order received"
    REQUEST_REINSTATED = "request_reinstated", "Reinstated: welcome to your service contract"
    CONTRACT_RENEWAL_REMINDER = "contract_renewal_reminder", "Service contract ending: time to renew"
    RENEWAL_QUOTE_ISSUED = "renewal_quote_issued", "Renewal quote issued"
    RENEWAL_APPROVED = "renewal_approved", "Renewal approved: coverage extended"
    REQUEST_WAITING_ON_VENDOR = "request_waiting_on_vendor", "A request waits on the vendor too long"
    PASSWORD_RESET = "password_reset", "Password reset"
    REQUEST_MESSAGE_POSTED = "request_message_posted", "New message on a request"
    ORGANIZATION_INVITATION = "organization_invitation", "Invitation to join an organisation"
    WEBHOOK_ENDPOINT_PAUSED = "webhook_endpoint_paused", "A webhook endpoint was paused"
    EXPORT_FINISHED = "export_finished", "A spreadsheet export finished"


PARTS = ("subject.txt", "body.txt", "body.html")
