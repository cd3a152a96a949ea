"""Serial numbers: normalised before anything else, then checked against the vendor's pattern,
and the vendor's rule told to people in words (the pattern itself is for the machine)."""

import re
from functools import lru_cache

from common.errors import InvalidInput
from relicensing.models import Vendor

MAX_LENGTH = 64  # the column's width; upper-casing can lengthen a string ("ß" becomes "SS")
SHOWN_LENGTH = 30  # a pasted paragraph is not echoed back whole in a message


def serial_normalise(raw: str) -> str:
    """Trim, upper-case and remove inner whitespace: ' abc 123 ' and 'ABC123' are one serial."""
    return "".join(str(raw).split()).upper()


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def serial_matches(vendor: Vendor, serial: str) -> bool:
    return bool(serial) and _compiled(vendor.serial_pattern).fullmatch(serial) is not None


def serial_valid(vendor: Vendor, serial: str) -> bool:
    """Whether a normalised serial can be one of this vendor's: what registration accepts."""
    return len(serial) <= MAX_LENGTH and serial_matches(vendor, serial)


def serial_rule(vendor: Vendor) -> str:
    """The vendor's serial rule as a sentence: "Cisco Systems serials are 11 characters: ...,
    like FOC1234X0AB." A vendor whose rule nobody has put in words still gets advice a person can
    follow, never the regular expression."""
    words, example = vendor.serial_format.strip(), vendor.serial_example.strip()
    if words and example:
        return f"{vendor.name} serials are {words}, like {example}."
    if words:
        return f"{vendor.name} serials are {words}."
    if example:
        return f"{_article(vendor).capitalize()} {vendor.name} serial looks like {example}."
    return f"Copy the serial exactly as printed on the {vendor.name} label on the chassis."


def serial_refusal(vendor: Vendor, serial: str) -> str:
    """Why a serial is refused, with the rule it breaks: "FOC12 is not a Cisco Systems serial
    number: Cisco Systems serials are 11 characters: ..., like FOC1234X0AB." """
    shown = serial if len(serial) <= SHOWN_LENGTH else f"{serial[: SHOWN_LENGTH - 1]}…"
    # Only a rule in words reads on after a colon; the fallback advice is its own sentence.
    joint = ":" if vendor.serial_format.strip() or vendor.serial_example.strip() else "."
    return f"{shown} is not {_article(vendor)} {vendor.name} serial number{joint} {serial_rule(vendor)}"


def _article(vendor: Vendor) -> str:
    return "an" if vendor.name[:1].lower() in "aeiou" else "a"


def serial_clean(vendor: Vendor, raw: str) -> str:
    serial = serial_normalise(raw)
    if not serial:
        raise InvalidInput({"serial_number": ["Enter the serial number."]})
    if not serial_valid(vendor, serial):
        raise InvalidInput({"serial_number": [serial_refusal(vendor, serial)]})
    return serial
