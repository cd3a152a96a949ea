"""Serial numbers: normalised before anything else, then checked against the vendor's pattern,
and the vendor's rule told to people in words (the pattern itself is for the machine).

One normalisation for every path (registration, import, holds, the serial checks, RMA, search):
Unicode NFKC (full-width letters and digits, U+FF21..., become ASCII), then format characters
(zero-width space and joiners, soft hyphen, byte-order mark) and all whitespace removed, then
upper-cased. What is still not ASCII after that (a Cyrillic or Greek letter that looks Latin, a
combining accent) is refused: it only looks like a serial, and a hold or a registration on it would
never meet the real unit."""

import re
import sys
import unicodedata
from functools import lru_cache

from common.errors import InvalidInput
from relicensing.models import Vendor

MAX_LENGTH = 64  # the column's width; upper-casing can lengthen a string ("ß" becomes "SS")
SHOWN_LENGTH = 30  # a pasted paragraph is not echoed back whole in a message
NAMED_CHARACTERS = 3  # a refusal names this many foreign characters, not a whole alphabet
_NORMALISING_ROUNDS = 4  # upper-casing can undo NFKC ("ΐ" upper-cases to three code points)


class SerialRefused(InvalidInput):
    """A serial refused with a stable code beside the usual field error:
    `{"serial_number": ["..."], "code": "serial_not_ascii"}`."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__({"serial_number": [message]})
        self.code = code

    def as_dict(self) -> dict[str, list[str] | str]:
        return {**self.fields, "code": self.code}


@lru_cache(maxsize=1)
def _invisible() -> dict[int, None]:
    """Every format character (Cf) and every whitespace character, mapped to nothing; built once,
    on the first serial that is not plain ASCII (plain ASCII never needs it)."""
    return {
        code: None
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) == "Cf" or chr(code).isspace()
    }


def _normalised_once(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_invisible()).upper()


def serial_normalise(raw: str) -> str:
    """The one spelling of a serial: ' abc 123 ', 'ABC123' and the same in full-width letters
    are one serial."""
    text = str(raw)
    if text.isascii():  # nearly every serial, and every row of a large import: no Unicode work
        return "".join(text.split()).upper()
    for _ in range(_NORMALISING_ROUNDS):
        again = _normalised_once(text)
        if again == text:
            break
        text = again
    return text


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def serial_matches(vendor: Vendor, serial: str) -> bool:
    """Whether a normalised serial fits the vendor's pattern. Never for a serial that is not ASCII,
    whatever the pattern: `\\w` and `\\d` also match Cyrillic letters and Arabic-Indic digits."""
    return (
        bool(serial) and serial.isascii() and _compiled(vendor.serial_pattern).fullmatch(serial) is not None
    )


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
    if not serial.isascii():
        return (
            f"{shown} is not {_article(vendor)} {vendor.name} serial number: it has characters that "
            f"only look like Latin letters or digits ({_foreign(serial)}). Type it again in plain "
            f"Latin letters and digits. {serial_rule(vendor)}"
        )
    # Only a rule in words reads on after a colon; the fallback advice is its own sentence.
    joint = ":" if vendor.serial_format.strip() or vendor.serial_example.strip() else "."
    return f"{shown} is not {_article(vendor)} {vendor.name} serial number{joint} {serial_rule(vendor)}"


def _foreign(serial: str) -> str:
    """The characters that are not ASCII, by code point and name: "U+0421 CYRILLIC CAPITAL
    LETTER ES" (a look-alike cannot be told apart by showing it)."""
    foreign = list(dict.fromkeys(ch for ch in serial if not ch.isascii()))
    named = [f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed character')}" for ch in foreign]
    more = len(named) - NAMED_CHARACTERS
    return ", ".join(named[:NAMED_CHARACTERS]) + (f" and {more} more" if more > 0 else "")


def _article(vendor: Vendor) -> str:
    return "an" if vendor.name[:1].lower() in "aeiou" else "a"


def serial_clean(vendor: Vendor, raw: str) -> str:
    """The normalised serial, or InvalidInput keyed by `serial_number`; a serial with characters
    that are not ASCII is refused with the code `serial_not_ascii`."""
    serial = serial_normalise(raw)
    if not serial:
        raise InvalidInput({"serial_number": ["Enter the serial number."]})
    if not serial.isascii():
        raise SerialRefused(serial_refusal(vendor, serial), code="serial_not_ascii")
    if not serial_valid(vendor, serial):
        raise InvalidInput({"serial_number": [serial_refusal(vendor, serial)]})
    return serial
