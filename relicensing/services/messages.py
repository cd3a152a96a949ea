"""A request's conversation: posting a message and telling every other party about it once.

Who takes part: the customer's people, the people of the partners serving it, programme staff,
and the inspector assigned to the request's inspection once one is assigned. Anyone else does
not see the request at all (404). Only staff mark a message internal; an internal note is for
staff alone: an assigned inspector who is not staff does not read it either, since what staff
note about a customer (a dispute, a price) is none of the visit's business.
"""

import unicodedata
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.choices import Role
from accounts.models import User
from common.errors import InvalidInput, NotPermitted
from notices.events import NoticeEvent
from notices.services import notice_create
from relicensing.models import Request, RequestMessage
from relicensing.models.messages import MESSAGE_MAX_CHARS
from relicensing.services.lifecycle import actor_context, request_recipients
from relicensing.services.requests import document_check


def conversation_request(*, user: User, pk: Any) -> Request:
    """The request, if the user takes part in its conversation; 404 otherwise (as for any object
    outside the caller's reach)."""
    reach = Request.objects.visible_to(user)
    try:
        if user.is_authenticated and user.is_active and user.role == Role.INSPECTOR:
            # Through the reverse relation: relicensing sits below inspections and names no model of it.
            assigned = Request.objects.filter(inspection__inspector=user).values("pk")
            reach = Request.objects.filter(Q(pk__in=reach.values("pk")) | Q(pk__in=assigned))
        return reach.select_related("customer").get(pk=pk)
    except (Request.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def messages_visible(*, request: Request, user: User) -> QuerySet[RequestMessage]:
    """The request's messages the user may read, oldest first, with their authors."""
    messages = request.messages.select_related("author__organization").order_by("at", "id")
    return messages if user.is_programme_staff else messages.filter(internal=False)


def message_body_clean(body: str) -> str:
    """Plain text: line breaks kept (CR LF made LF), no other control characters, at most
    MESSAGE_MAX_CHARS, not blank."""
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise InvalidInput({"body": ["Write a message."]})
    if len(text) > MESSAGE_MAX_CHARS:
        raise InvalidInput(
            {"body": [f"A message is at most {MESSAGE_MAX_CHARS:,} characters; this one has {len(text):,}."]}
        )
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise InvalidInput(
            {"body": ["A message is plain text: words and line breaks, without control characters."]}
        )
    return text


@transaction.atomic
def request_message_post(
    *, request: Request, user: User, body: str, internal: bool = False, attachment: Any = None
) -> RequestMessage:
    """Write a message on the request and notify every other party once (staff only for an
    internal note). The caller has found the request with `conversation_request`."""
    conversation_request(user=user, pk=request.pk)  # a service called directly checks too
    if internal and not user.is_programme_staff:
        raise NotPermitted(
            "Only programme staff write internal notes; send it as an ordinary message instead.",
            code="internal_staff_only",
        )
    text = message_body_clean(body)
    fields: dict[str, Any] = {}
    if attachment:
        fields = {
            "attachment": attachment,
            "attachment_type": document_check(upload=attachment),
            "attachment_name": attachment.name[:255],
            "attachment_size": attachment.size,
        }
    message = RequestMessage.objects.create(
        request=request, author=user, body=text, internal=internal, **fields
    )
    notice_create(
        event=NoticeEvent.REQUEST_MESSAGE_POSTED,
        occurrence=f"message:{message.pk}",
        target=request,
        recipients=[person for person in message_recipients(message) if person.pk != user.pk],
        context={
            "number": request.number,
            "customer": request.customer.name,
            "author": actor_context(user)["actor"],
            "author_org": actor_context(user)["actor_org"],
            "body": text,
            "internal": internal,
            "attachment": message.attachment_name,
        },
        link=f"/requests/{request.pk}/#conversation",
    )
    return message


def message_recipients(message: RequestMessage) -> list[User]:
    """Who hears of a message: the other staff taking part in the conversation (those who have
    posted on it; every other staff member while none has, so a customer's first question reaches
    someone), and, unless the message is internal, the customer's and partners' people and the
    assigned inspector. The author is left out by the caller too."""
    request = message.request
    staff = User.objects.filter(is_active=True).filter(Q(role=Role.STAFF) | Q(is_superuser=True))
    others = staff.exclude(pk=message.author_id)
    posted = others.filter(pk__in=request.messages.values("author_id"))
    people = list(posted) or list(others)
    if message.internal:
        return people
    people += request_recipients(request)
    inspector = User.objects.filter(is_active=True, inspections__request=request, role=Role.INSPECTOR).first()
    if inspector is not None:
        people.append(inspector)
    return people
