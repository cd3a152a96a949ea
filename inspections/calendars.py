"""Visits as iCalendar (RFC 5545), through the maintained `icalendar` package: the invitation
attached to the scheduled and rescheduled notices, and each inspector's private feed.

A visit is an all-day event whose UID never changes, and whose SEQUENCE counts the times it was
booked, so a calendar that already holds it updates it instead of adding a second one.
"""

import datetime as dt
from collections.abc import Iterable
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from inspections.choices import InspectionStatus
from inspections.models import Inspection

PRODID = "-//Relicensing programme//Inspections//EN"


def visit_uid(inspection: Inspection) -> str:
    return f"inspection-{inspection.pk}@{urlsplit(settings.SITE_URL).hostname or 'relicensing'}"


def _calendar(method: str = "") -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    return calendar


def visit_event(inspection: Inspection, *, cancelled: bool = False) -> Event:
    request = inspection.request
    chassis = [line.serial_number for line in inspection.lines.all()]
    assert inspection.date is not None, "only a booked visit is in a calendar"
    event = Event()
    event.add("uid", visit_uid(inspection))
    event.add("dtstamp", timezone.now())
    event.add("dtstart", inspection.date)
    event.add("dtend", inspection.date + dt.timedelta(days=1))
    event.add("summary", f"Inspection {request.number}: {request.site_name} ({len(chassis)} chassis)")
    event.add(
        "location",
        vText(", ".join(line.strip() for line in request.site_address.splitlines() if line.strip())),
    )
    event.add(
        "description",
        "\n".join(
            [
                f"Customer: {request.customer.name}",
                f"Inspector: {inspection.inspector.display_name if inspection.inspector else 'not yet assigned'}",
                f"Site contact: {request.contact_name}, {request.contact_phone}, {request.contact_email}",
                f"Chassis: {', '.join(chassis)}",
                f"{settings.SITE_URL}/inspections/{inspection.pk}/",
            ]
        ),
    )
    event.add("sequence", inspection.transitions.filter(to_status=InspectionStatus.SCHEDULED).count())
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    # RFC 5546: a published or cancelled event names its organiser (the programme) and no
    # attendees; the inspector is named in the description instead.
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = vCalAddress(f"mailto:{address or 'noreply@relicensing.example'}")
    organizer.params["cn"] = vText(name or "Relicensing programme")
    event.add("organizer", organizer, encode=False)
    return event


def visit_ics(inspection: Inspection, *, cancelled: bool = False) -> str:
    """One visit, to attach to a notice (PUBLISH: the recipient's calendar adds or updates it)."""
    calendar = _calendar("CANCEL" if cancelled else "PUBLISH")
    calendar.add_component(visit_event(inspection, cancelled=cancelled))
    return calendar.to_ical().decode()


def inspector_feed(inspector_name: str, visits: Iterable[Inspection]) -> bytes:
    """An inspector's booked visits, for their calendar application to subscribe to."""
    calendar = _calendar()
    calendar.add("x-wr-calname", f"Inspections: {inspector_name}")
    for inspection in visits:
        calendar.add_component(visit_event(inspection))
    return calendar.to_ical()


def visit_attachment(inspection: Inspection, *, cancelled: bool = False) -> dict[str, str]:
    return {
        "filename": f"inspection-{inspection.request.number}.ics",
        "content_type": f"text/calendar; method={'CANCEL' if cancelled else 'PUBLISH'}; charset=utf-8",
        "content": visit_ics(inspection, cancelled=cancelled),
    }
