"""The bulk coverage check: which of up to 1,000 serials a contract in the caller's reach covers
today, until when, and by which contract."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import User
from common.errors import InvalidInput
from contracts.models import Contract, ContractLine
from relicensing.models import Vendor
from relicensing.serials import serial_normalise

COVERAGE_CHECK_MAX = 1_000


@dataclass(frozen=True)
class Coverage:
    serial_number: str
    covered: bool
    contract: str | None
    ends_on: dt.date | None


def coverage_check(
    *, user: User, vendor: Vendor, serial_numbers: list[str], today: dt.date | None = None
) -> list[Coverage]:
    """One answer per distinct serial (normalised as registration does), in the order given.

    Only contracts the caller may see count: a serial on another organisation's contract reads
    as not covered, with no contract, so the check never tells one customer what another holds.
    A contract covers from its first to its last day; expired or not yet started, it does not.
    One query however many serials: the contracts in reach are a subquery of it."""
    given = [s for s in map(serial_normalise, serial_numbers) if s]
    if not given:
        raise InvalidInput({"serial_numbers": ["Enter at least one serial number."]})
    if len(given) > COVERAGE_CHECK_MAX:  # as sent, repeats included: the limit a person was told
        raise InvalidInput(
            {
                "serial_numbers": [
                    f"{len(given):,} serials; one check takes at most {COVERAGE_CHECK_MAX:,}. "
                    "Split the list and check it in parts."
                ]
            }
        )
    serials = list(dict.fromkeys(given))
    today = today or timezone.localdate()
    reach = Contract.objects.visible_to(user).covering(on=today)
    lines = (
        ContractLine.objects.filter(
            equipment__vendor=vendor, equipment__serial_number__in=serials, contract__in=reach
        )
        # The latest end first: a serial on two contracts (a renewal issued beside the old one)
        # is covered until the later one ends.
        .order_by("equipment__serial_number", "-contract__ends_on", "contract__number")
        .values_list("equipment__serial_number", "contract__number", "contract__ends_on")
    )
    found: dict[str, tuple[str, dt.date]] = {}
    for serial, number, ends_on in lines:
        found.setdefault(serial, (number, ends_on))
    return [
        Coverage(serial, True, *found[serial]) if serial in found else Coverage(serial, False, None, None)
        for serial in serials
    ]
