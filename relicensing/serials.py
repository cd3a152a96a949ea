"""Serial numbers: normalised before anything else, then checked against the vendor's pattern."""

import re
from functools import lru_cache

from common.errors import InvalidInput
from relicensing.models import Vendor

MAX_LENGTH = 64  # the column's width; upper-casing can lengthen a string ("ß" becomes "SS")


def serial_normalise(raw: str) -> str:
    """Trim, upper-case and remove inner whitespace: ' abc 123 ' and 'ABC123' are one serial."""
    return "".join(str(raw).split()).upper()


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def serial_matches(vendor: Vendor, serial: str) -> bool:
    return bool(serial) and _compiled(vendor.serial_pattern).fullmatch(serial) is not None


def serial_clean(vendor: Vendor, raw: str) -> str:
    serial = serial_normalise(raw)
    if not serial:
        raise InvalidInput({"serial_number": ["Enter the serial number."]})
    if len(serial) > MAX_LENGTH or not serial_matches(vendor, serial):
        raise InvalidInput(
            {
                "serial_number": [
                    f"{serial} is not a {vendor.name} serial number (expected pattern {vendor.serial_pattern})."
                ]
            }
        )
    return serial
