"""One serial normalisation everywhere: look-alikes of a serial are that serial or refused.

Characters are written as escapes on purpose: a look-alike cannot be told apart on screen."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from relicensing.models import ComplianceHold, Registration, Vendor
from relicensing.serials import SerialRefused, serial_clean, serial_normalise, serial_valid
from tests.relicensing.registering import text

HELD = "AB12CD34EF56"
CYRILLIC_A = "\u0410"  # CYRILLIC CAPITAL LETTER A, drawn like "A"
GREEK_OMICRON = "\u039f"  # GREEK CAPITAL LETTER OMICRON, drawn like "O"

# Unsaved, as the demo's Juniper: the pure functions read only the pattern and the words.
JUNIPER = Vendor(
    slug="juniper",
    name="Juniper Networks",
    serial_pattern=r"^[A-Z0-9]{12}$",
    serial_format="12 letters and digits",
    serial_example="JN11AC220001",
)
# A vendor whose pattern says \w: Python's \w also matches Cyrillic and Greek letters.
LOOSE = Vendor(slug="loose", name="Loose Vendor", serial_pattern=r"^\w{12}$")

# Characters that vanish: zero-width space, non-joiner, joiner, word joiner, byte-order mark, soft
# hyphen, and whitespace (space, tab, no-break space, ideographic space).
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", " ", "\t", "\u00a0", "\u3000"]
# Latin letters and digits, each with a foreign letter drawn the same way (Cyrillic, then Greek).
FOREIGN_TWINS = {
    "A": ["\u0410", "\u0391"],
    "B": ["\u0412", "\u0392"],
    "C": ["\u0421", "\u03f9"],
    "E": ["\u0415", "\u0395"],
    "H": ["\u041d", "\u0397"],
    "K": ["\u041a", "\u039a"],
    "M": ["\u041c", "\u039c"],
    "O": ["\u041e", "\u039f"],
    "P": ["\u0420", "\u03a1"],
    "T": ["\u0422", "\u03a4"],
    "X": ["\u0425", "\u03a7"],
    "3": ["\u0417"],
}
COMBINING = ["\u0301", "\u0308", "\u0323", "\u0338"]  # acute, diaeresis, dot below, long solidus overlay

serials = st.text(alphabet="ABCDEFHKMOPTX0123456789", min_size=12, max_size=12)


def full_width(ch: str) -> str:
    return chr(ord(ch) + 0xFEE0)  # "A" (U+0041) is U+FF21, "1" (U+0031) is U+FF11


@st.composite
def disguise(draw, serial: str) -> tuple[str, bool]:
    """A look-alike of `serial` and whether it uses a foreign letter or a combining mark."""
    out, foreign = [], False
    for ch in serial:
        choices = [ch, ch.lower(), full_width(ch)]
        twins = FOREIGN_TWINS.get(ch, [])
        picked = draw(st.sampled_from(choices + twins))
        if picked in twins:
            foreign = True
        out.append(picked)
        if draw(st.booleans()):
            out.append(draw(st.sampled_from(INVISIBLE)))
        if draw(st.integers(0, 9)) == 0:
            out.append(draw(st.sampled_from(COMBINING)))
            foreign = True
    return "".join(out), foreign


# --- the rule, stated by hand -------------------------------------------------------------------
@pytest.mark.parametrize(
    "typed",
    [
        "\uff21\uff22\uff11\uff12\uff23\uff24\uff13\uff14\uff25\uff26\uff15\uff16",  # all full width
        "AB12\u200bCD34EF56",  # zero-width space
        "AB12\u200dCD34EF56",  # zero-width joiner
        "AB12\u200cCD34\u2060EF56",  # zero-width non-joiner, word joiner
        "\ufeffAB12CD34EF56",  # byte-order mark pasted in front
        "AB\u00ad12CD\u00ad34EF\u00ad56",  # soft hyphens
        "ab12\u00a0cd34\u3000ef56 ",  # no-break and ideographic spaces, lower case
        "\U0001d400B12CD34EF56",  # MATHEMATICAL BOLD CAPITAL A
    ],
)
def test_a_mangled_spelling_of_a_serial_is_that_serial(typed):
    assert serial_normalise(typed) == "AB12CD34EF56"
    assert serial_clean(JUNIPER, typed) == "AB12CD34EF56"


@pytest.mark.parametrize(
    ("typed", "named"),
    [
        (f"{CYRILLIC_A}B12CD34EF56", "U+0410 CYRILLIC CAPITAL LETTER A"),
        ("\u0391B12CD34EF56", "U+0391 GREEK CAPITAL LETTER ALPHA"),
        (f"AB12CD34EF5{GREEK_OMICRON}", "U+039F GREEK CAPITAL LETTER OMICRON"),
        ("AB12CD34E\u0301F56", "U+00C9 LATIN CAPITAL LETTER E WITH ACUTE"),  # NFKC composes E + acute
        ("AB12CD34EF5\u0338", "U+0338 COMBINING LONG SOLIDUS OVERLAY"),
        ("\u0430b12cd34ef56", "U+0410 CYRILLIC CAPITAL LETTER A"),  # lower-case Cyrillic a, upper-cased
    ],
)
def test_a_foreign_look_alike_is_refused_with_a_stable_code_naming_the_character(typed, named):
    with pytest.raises(SerialRefused) as refused:
        serial_clean(JUNIPER, typed)
    body = refused.value.as_dict()
    assert body["code"] == "serial_not_ascii"
    [message] = body["serial_number"]
    assert f"({named})" in message
    assert message.endswith(
        "Type it again in plain Latin letters and digits. Juniper Networks serials are 12 letters and "
        "digits, like JN11AC220001."
    )


def test_a_pattern_that_matches_any_letter_still_refuses_a_foreign_one():
    # \w matches Cyrillic: only the ASCII rule stops "ABCD..." with a Cyrillic A from being a serial.
    looks_like = f"{CYRILLIC_A}B12CD34EF56"
    assert not serial_valid(LOOSE, serial_normalise(looks_like))
    with pytest.raises(SerialRefused):
        serial_clean(LOOSE, looks_like)
    assert serial_clean(LOOSE, "ab12cd34ef56") == "AB12CD34EF56"


# --- properties -----------------------------------------------------------------------------------
hostile_text = st.text(
    alphabet=st.one_of(
        st.sampled_from("ABCDEFabcdef0123456789-"),
        st.sampled_from([full_width(c) for c in "ABCabc012"]),
        st.sampled_from(INVISIBLE + COMBINING),
        st.sampled_from([t for twins in FOREIGN_TWINS.values() for t in twins]),
        st.characters(),
    ),
    max_size=30,
)


@given(hostile_text)
def test_an_accepted_serial_is_plain_ascii_and_its_own_spelling(raw):
    serial = serial_normalise(raw)
    assert serial_normalise(serial) == serial
    if serial_valid(LOOSE, serial) or serial_valid(JUNIPER, serial):
        # printable ASCII with no space: what it shows is all it is ("_" is a \w character)
        assert serial.isascii() and serial.isprintable() and " " not in serial
        assert serial == serial.upper()


@given(st.data(), serials)
def test_two_spellings_that_both_pass_name_the_same_serial(data, serial):
    """No two strings that normalise differently can name the same unit: two look-alikes of one
    serial that both pass are that one serial, under the strict pattern and under `\\w`."""
    (first, _), (second, _) = data.draw(disguise(serial)), data.draw(disguise(serial))
    for vendor in (JUNIPER, LOOSE):
        a, b = serial_normalise(first), serial_normalise(second)
        if serial_valid(vendor, a) and serial_valid(vendor, b):
            assert a == b == serial


@given(st.data(), serials)
def test_a_look_alike_of_a_held_serial_is_the_held_serial_or_refused(data, held):
    typed, foreign = data.draw(disguise(held))
    if foreign:
        with pytest.raises(SerialRefused):
            serial_clean(LOOSE, typed)
    else:
        assert serial_clean(LOOSE, typed) == held
        assert serial_clean(JUNIPER, typed) == held


# --- every path, through the API and the pages --------------------------------------------------
def check(client, serial):
    return client.get("/api/v1/serial-check/", {"vendor": "juniper", "serial_number": serial}).json()


@pytest.mark.django_db
def test_registration_takes_full_width_and_refuses_cyrillic(api_as, customer, acx2200):
    client = api_as(customer)
    body = {"vendor": "juniper", "product": "ACX2200", "acquisition_channel": "secondary_market"}
    refused = client.post(
        "/api/v1/equipment/", {**body, "serial_number": f"{CYRILLIC_A}B12CD34EF56"}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "serial_not_ascii"
    assert "U+0410 CYRILLIC CAPITAL LETTER A" in refused.json()["serial_number"][0]
    created = client.post(
        "/api/v1/equipment/",
        {**body, "serial_number": "\uff21\uff22\uff11\uff12CD34\u200bEF56"},
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["serial_number"] == "AB12CD34EF56"
    assert Registration.objects.get().equipment.serial_number == "AB12CD34EF56"


@pytest.mark.django_db
def test_staff_cannot_hold_a_look_alike_and_a_hold_catches_every_harmless_spelling(
    api_as, staff, customer, acx2200
):
    client = api_as(staff)
    hold = {"vendor": "juniper", "reason": "Export control review"}
    refused = client.post(
        "/api/v1/compliance-holds/", {**hold, "serial_number": f"AB12CD34EF5{GREEK_OMICRON}"}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "serial_not_ascii"
    assert not ComplianceHold.objects.exists()
    placed = client.post(
        "/api/v1/compliance-holds/", {**hold, "serial_number": "ab12\u00adcd34\u200def56"}, format="json"
    )
    assert placed.status_code == 201
    assert ComplianceHold.objects.get().serial_number == "AB12CD34EF56"

    buyer = api_as(customer)
    seen = check(buyer, "\uff21\uff22\uff11\uff12\uff23\uff24\uff13\uff14\uff25\uff26\uff15\uff16")
    assert (seen["serial_number"], seen["format_valid"], seen["compliance_hold"]) == (HELD, True, True)
    assert seen["eligible"] is False and "compliance_hold" in seen["reasons"]
    twin = check(buyer, f"{CYRILLIC_A}B12CD34EF56")
    assert (twin["format_valid"], twin["eligible"], twin["path"]) == (False, False, "none")


@pytest.mark.django_db
def test_the_bulk_check_page_says_a_look_alike_is_not_a_valid_serial(client, customer, acx2200):
    client.force_login(customer)
    response = client.post(
        "/serial-check/bulk/",
        {"vendor": "juniper", "serials": f"AB12CD34EF56\n{CYRILLIC_A}B12CD34EF57", "product": "ACX2200"},
    )
    page = text(response)
    assert '<span class="stat-n">2</span><span class="stat-l">serials checked</span>' in page
    assert '<span class="stat-n stat-ok">1</span><span class="stat-l">eligible</span>' in page
    assert "Not a valid serial" in page
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.post(
                    "/serial-check/bulk/",
                    {"vendor": "juniper", "serials": f"{CYRILLIC_A}B12CD34EF57", "format": "csv"},
                ).content.decode()
            )
        )
    )
    assert rows[0]["eligible"] == "no"


@pytest.mark.django_db
def test_an_import_takes_full_width_and_rejects_a_foreign_row(api_as, customer, acx2200):
    rows = (
        "vendor,serial_number,product,acquisition_channel\n"
        "juniper,\uff21\uff22\uff11\uff12CD34EF56,ACX2200,secondary_market\n"
        f"juniper,{CYRILLIC_A}B12CD34EF57,ACX2200,secondary_market\n"
    )
    response = api_as(customer).post(
        "/api/v1/equipment/import/",
        {"file": SimpleUploadedFile("serials.csv", rows.encode())},
        format="multipart",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["created"] == 1
    [rejected] = body["rejected"]
    assert rejected["row"] == 3
    assert "U+0410 CYRILLIC CAPITAL LETTER A" in rejected["errors"][0]
    assert list(Registration.objects.values_list("equipment__serial_number", flat=True)) == [HELD]
