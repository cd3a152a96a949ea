"""Forms for the inspection pages: booking (staff), moving the visit (the customer or its
partner), the results of a visit chassis by chassis (and a staff correction of one), and a
vendor's checklist. They read what a person entered and keep it for a refused submit; the rules
stay in the services, whose refusals they place beside the fields they concern."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils import timezone

from common.errors import DomainError, InvalidInput
from common.formats import day, visit_day
from common.widgets import ISO_DATE, IsoDateInput
from inspections.models import Absence, ChecklistVersion, Inspection, InspectionLine, InspectionResult
from inspections.selectors import suitable_inspectors
from relicensing.business_days import earliest_inspection_date, holidays_between
from relicensing.templatetags.request_display import country_name

PHOTO_ACCEPT = "image/png,image/jpeg,.png,.jpg,.jpeg"


# --- booking and moving ------------------------------------------------------------------
class BookForm(forms.Form):
    """Staff book the visit: a date (YYYY-MM-DD) and an inspector who covers the site's country."""

    date = forms.DateField(
        label="Visit date",
        input_formats=[ISO_DATE],
        error_messages={"required": "Choose the visit date.", "invalid": "Enter the date as YYYY-MM-DD."},
    )
    inspector = forms.TypedChoiceField(
        label="Inspector",
        coerce=int,
        error_messages={
            "required": "Choose the inspector.",
            "invalid_choice": "That inspector does not cover the site's country; choose one from the list.",
        },
    )

    def __init__(self, *args: Any, inspection: Inspection, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = inspection.request
        country = request.site_country
        self.earliest = earliest_inspection_date(
            today=timezone.localdate(),
            lead_business_days=request.vendor.inspection_lead_business_days,
            country=country,
        )
        date = self.fields["date"]
        date.widget = IsoDateInput(
            earliest=self.earliest,
            weekdays_only=True,
            closed_days=holidays_between(self.earliest, self.earliest + dt.timedelta(days=366), country),
        )
        date.help_text = (
            f"As YYYY-MM-DD: a weekday that is not a public holiday in {country_name(country)}, "
            f"{self.earliest.isoformat()} or later."
        )
        self.profiles = suitable_inspectors(inspection=inspection)
        inspector: Any = self.fields["inspector"]
        inspector.choices = [("", "Choose the inspector")] + [
            (profile.user_id, _inspector_label(profile)) for profile in self.profiles
        ]
        self.fields["inspector"].help_text = f"Inspectors who cover {country_name(country)}."
        preferred = request.preferred_inspection_date
        self.initial.setdefault(
            "date", inspection.date or (preferred if preferred and preferred >= self.earliest else None)
        )
        only = self.profiles[0].user_id if len(self.profiles) == 1 else None
        self.initial.setdefault("inspector", inspection.inspector_id or only)

    def refused(self, exc: DomainError) -> None:
        """Place a refusal of inspection_schedule beside the field it concerns."""
        if isinstance(exc, InvalidInput):
            for name, messages in exc.fields.items():
                self.add_error(name if name in self.fields else None, messages)
        elif exc.code in ("lead_time", "not_a_business_day"):
            self.add_error("date", exc.detail)
        elif exc.code in ("inspector_unavailable", "capacity_full"):
            self.add_error("inspector", exc.detail)
        else:
            self.add_error(None, exc.detail)


def _inspector_label(profile: Any) -> str:
    """The inspector's name, with their next days away (staff pick around them)."""
    today = timezone.localdate()
    away = [
        day(absence.starts_on)
        + ("" if absence.ends_on == absence.starts_on else f" to {day(absence.ends_on)}")
        for absence in Absence.objects.filter(inspector=profile, ends_on__gte=today).order_by("starts_on")[:3]
    ]
    return profile.user.display_name + (f" (away {', '.join(away)})" if away else "")


class MoveForm(forms.Form):
    """The customer or its partner move the visit to one of the days offered."""

    date = forms.TypedChoiceField(
        label="New date",
        coerce=dt.date.fromisoformat,
        error_messages={
            "required": "Choose the new date.",
            "invalid_choice": "That day is no longer free; choose one of the days offered.",
        },
    )

    def __init__(self, *args: Any, dates: list[dt.date], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["date"]
        field.choices = [("", "Choose a day")] + [(d.isoformat(), visit_day(d)) for d in dates]


# --- results -----------------------------------------------------------------------------
YES, NO = "yes", "no"
PASSED, FAILED = "passed", "failed"


@dataclass
class ItemField:
    """One checklist item of one chassis, answered Yes or No."""

    key: str
    text: str
    required: bool
    name: str
    value: str = ""
    errors: list[str] = field(default_factory=list)


@dataclass
class ChassisFields:
    """What was entered for one chassis, and what was wrong with it."""

    line: InspectionLine
    prefix: str
    items: list[ItemField]
    verdict: str = ""  # PASSED, FAILED or ""
    notes: str = ""
    uploads: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    verdict_errors: list[str] = field(default_factory=list)
    photo_errors: list[str] = field(default_factory=list)

    @property
    def serial(self) -> str:
        return self.line.serial_number

    @property
    def entered(self) -> bool:
        return bool(self.verdict or self.notes or any(item.value for item in self.items))

    @property
    def has_errors(self) -> bool:
        return bool(
            self.errors or self.verdict_errors or self.photo_errors or any(i.errors for i in self.items)
        )

    def result(self) -> dict[str, Any]:
        """The chassis' result as inspection_results_record takes it."""
        return {
            "serial_number": self.serial,
            "passed": {PASSED: True, FAILED: False}.get(self.verdict),
            "checklist": {item.key: item.value == YES for item in self.items if item.value in (YES, NO)},
            "notes": self.notes,
        }


class ResultsForm:
    """The visit's chassis, one fieldset each: passed or failed, the checklist version's items as
    Yes/No, notes and photos; and the confirmation that results are final once submitted.

    It does not judge the results: the service does, and `refused` puts what it names as missing
    beside the chassis and items concerned, keeping everything entered."""

    confirm_name = "final"

    def __init__(
        self,
        *,
        lines: list[InspectionLine],
        checklist: ChecklistVersion,
        data: Any = None,
        files: Any = None,
        initial: dict[int, InspectionResult] | None = None,
    ) -> None:
        self.checklist = checklist
        self.bound = data is not None
        self.errors: list[str] = []
        self.confirm_errors: list[str] = []
        self.confirmed = bool(data and data.get(self.confirm_name))
        self.chassis = [self._chassis(line, data, files, (initial or {}).get(line.pk)) for line in lines]

    def _chassis(
        self, line: InspectionLine, data: Any, files: Any, result: InspectionResult | None
    ) -> ChassisFields:
        prefix = f"c{line.pk}"
        items = [
            ItemField(
                key=item["key"],
                text=item["text"],
                required=bool(item.get("required")),
                name=f"{prefix}-{item['key']}",
            )
            for item in self.checklist.items
        ]
        chassis = ChassisFields(line=line, prefix=prefix, items=items)
        if data is not None:
            chassis.verdict = (
                data.get(f"{prefix}-verdict", "") if data.get(f"{prefix}-verdict") in (PASSED, FAILED) else ""
            )
            chassis.notes = data.get(f"{prefix}-notes", "").strip()
            for item in items:
                item.value = data.get(item.name, "") if data.get(item.name) in (YES, NO) else ""
            chassis.uploads = files.getlist(f"{prefix}-photos") if files is not None else []
        elif result is not None:  # a correction starts from the result in force
            chassis.verdict = PASSED if result.passed else FAILED
            chassis.notes = result.notes
            for item in items:
                if item.key in result.answers:
                    item.value = YES if result.answers[item.key] else NO
        return chassis

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.confirm_errors or any(c.has_errors for c in self.chassis))

    @property
    def photos_refused(self) -> bool:
        return any(c.uploads for c in self.chassis)

    def results(self) -> list[dict[str, Any]]:
        """The chassis something was entered for (one left blank is named as having no result)."""
        return [chassis.result() for chassis in self.chassis if chassis.entered]

    def check_confirmed(self, message: str) -> None:
        if not self.confirmed:
            self.confirm_errors.append(message)

    def refused(self, exc: DomainError) -> None:
        """Place the service's refusal beside what it concerns; what fits nowhere goes on top."""
        by_serial = {chassis.serial: chassis for chassis in self.chassis}
        if isinstance(exc, InvalidInput):
            for message in (m for messages in exc.fields.values() for m in messages):
                serial, _, what = message.partition(": ")
                if serial in by_serial:  # "JN11AC220001: marked passed, but ..."
                    by_serial[serial].errors.append(what[:1].upper() + what[1:])
                else:
                    self.errors.append(message)
            return
        if exc.code != "results_incomplete":
            self.errors.append(exc.detail)
            return
        for missing in exc.extra.get("missing", []):
            serial, _, what = str(missing).partition(": ")
            chassis = by_serial.get(serial)
            if chassis is None:
                self.errors.append(str(missing))
            elif what == "no result":
                chassis.errors.append(
                    "No result for this chassis yet: choose Passed or Failed and answer every required item."
                )
            elif what == "passed or failed":
                chassis.verdict_errors.append("Choose Passed or Failed.")
            else:
                item = next((i for i in chassis.items if i.text == what), None)
                if item is None:
                    chassis.errors.append(f"Missing: {what}.")
                else:
                    item.errors.append("Required: answer Yes or No.")


REASON_MAX_CHARS = 2000  # InspectionResult.reason


class CorrectionForm(ResultsForm):
    """Staff replace one chassis' result, saying why; starts from the result in force."""

    def __init__(self, *, line: InspectionLine, current: InspectionResult, **kwargs: Any) -> None:
        super().__init__(lines=[line], initial={line.pk: current}, **kwargs)
        data = kwargs.get("data")
        self.reason = (data.get("reason", "") if data is not None else "").strip()
        self.reason_errors: list[str] = []
        if len(self.reason) > REASON_MAX_CHARS:
            self.reason_errors.append(
                f"At most {REASON_MAX_CHARS:,} characters; this has {len(self.reason):,}."
            )

    @property
    def has_errors(self) -> bool:
        return super().has_errors or bool(self.reason_errors)

    def result(self) -> dict[str, Any]:
        return self.chassis[0].result()

    def refused(self, exc: DomainError) -> None:
        if isinstance(exc, InvalidInput) and "reason" in exc.fields:
            self.reason_errors += exc.fields.pop("reason")
            if not exc.fields:
                return
        super().refused(exc)


# --- checklists --------------------------------------------------------------------------
@dataclass
class ChecklistRow:
    number: int
    key: str = ""
    text: str = ""
    required: bool = False


class ChecklistForm:
    """A vendor's checklist as editable rows (text and required), with a few empty rows to add
    items; clearing a row's text removes the item. Each row keeps its item's key, so answers to an
    edited item still compare across versions."""

    EXTRA = 3
    MAX_ROWS = 60

    def __init__(self, *, current: ChecklistVersion | None, data: Any = None) -> None:
        self.errors: list[str] = []
        self.bound = data is not None
        if data is None:
            items = current.items if current else []
            self.rows = [
                ChecklistRow(n, item["key"], item["text"], bool(item.get("required")))
                for n, item in enumerate(items, start=1)
            ]
            self.note = ""
            self.add_rows(self.EXTRA)
            return
        try:
            count = min(int(data.get("rows", 0)), self.MAX_ROWS)
        except ValueError:
            count = 0
        self.rows = [
            ChecklistRow(
                n,
                data.get(f"item-{n}-key", "").strip(),
                data.get(f"item-{n}-text", "").strip(),
                bool(data.get(f"item-{n}-required")),
            )
            for n in range(1, count + 1)
        ]
        self.note = data.get("note", "").strip()

    def add_rows(self, count: int) -> None:
        start = len(self.rows)
        self.rows += [ChecklistRow(start + n) for n in range(1, min(count, self.MAX_ROWS - start) + 1)]

    def items(self) -> list[dict[str, Any]]:
        return [{"text": row.text, "required": row.required, "key": row.key} for row in self.rows]

    def refused(self, exc: DomainError) -> None:
        if isinstance(exc, InvalidInput):
            self.errors += [m for messages in exc.fields.values() for m in messages]
        else:
            self.errors.append(exc.detail)
