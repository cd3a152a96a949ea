"""The eligibility function: each rule of DOMAIN.md, and properties that hold for all facts."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relicensing.choices import AcquisitionChannel, Condition, Flag, Path, Reason
from relicensing.eligibility import PATHS, REASONS, Facts, eligibility
from relicensing.serials import serial_normalise

TODAY = dt.date(2026, 11, 21)
SOUND = Facts(
    product_known=True, end_of_support=dt.date(2030, 1, 1), channel=AcquisitionChannel.SECONDARY_MARKET
)


def judge(**changes):
    return eligibility(Facts(**{**SOUND.__dict__, **changes}), today=TODAY)


def test_sound_secondary_market_chassis_goes_to_inspection():
    assert judge().as_dict() == {"eligible": True, "path": "inspection", "reasons": []}


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"end_of_support": dt.date(2026, 11, 20)}, Reason.END_OF_SUPPORT),
        ({"flags": frozenset({Flag.PERMANENTLY_DAMAGED})}, Reason.PERMANENTLY_DAMAGED),
        ({"flags": frozenset({Flag.DAMAGED})}, Reason.DAMAGED),
        ({"condition": Condition.DAMAGED}, Reason.DAMAGED),
        ({"flags": frozenset({Flag.LOST_OR_STOLEN})}, Reason.REPORTED_LOST_OR_STOLEN),
        ({"flags": frozenset({Flag.COUNTERFEIT})}, Reason.COUNTERFEIT),
        ({"on_hold": True}, Reason.COMPLIANCE_HOLD),
        ({"channel": AcquisitionChannel.DONATED}, Reason.DONATED_EQUIPMENT),
        ({"disputed": True}, Reason.OWNERSHIP_DISPUTE),
        ({"product_known": False, "end_of_support": None}, Reason.UNKNOWN_PRODUCT),
    ],
)
def test_each_rule_keeps_the_chassis_out_with_its_code(changes, reason):
    result = judge(**changes)
    assert result.eligible is False
    assert result.reasons == (reason,)
    assert result.path == Path.NONE


def test_support_ending_today_is_still_supported():
    assert judge(end_of_support=TODAY).eligible


def test_environmental_damage_goes_to_the_compromised_review():
    result = judge(condition=Condition.ENVIRONMENTAL_DAMAGE)
    assert (result.eligible, result.path, result.reasons) == (
        False,
        "compromised_review",
        ("environmental_damage",),
    )


def test_authorised_channel_needs_no_relicensing_and_refurbished_no_inspection():
    assert judge(channel=AcquisitionChannel.AUTHORIZED).path == "no_relicensing_needed"
    assert judge(channel=AcquisitionChannel.CERTIFIED_REFURBISHED).path == "no_inspection_needed"


def test_every_reason_and_path_is_explained():
    assert set(REASONS) == set(Reason.values)
    assert set(PATHS) == set(Path.values)
    assert all(e.meaning and e.next_step for e in [*REASONS.values(), *PATHS.values()])


facts = st.builds(
    Facts,
    product_known=st.booleans(),
    end_of_support=st.none() | st.dates(dt.date(2015, 1, 1), dt.date(2035, 1, 1)),
    flags=st.frozensets(st.sampled_from(Flag.values)),
    on_hold=st.booleans(),
    channel=st.none() | st.sampled_from(AcquisitionChannel.values),
    condition=st.sampled_from(Condition.values),
    disputed=st.booleans(),
)


@given(facts)
def test_eligible_exactly_when_no_reason(f):
    result = eligibility(f, today=TODAY)
    assert result.eligible == (result.reasons == ())
    assert set(result.reasons) <= set(Reason.values)
    assert (result.path == Path.NONE) == (
        bool(result.reasons) and result.reasons != ("environmental_damage",)
    )


@given(facts)
def test_permanently_damaged_is_never_eligible_whatever_else_is_true(f):
    result = eligibility(Facts(**{**f.__dict__, "flags": f.flags | {Flag.PERMANENTLY_DAMAGED}}), today=TODAY)
    assert not result.eligible
    assert "permanently_damaged" in result.reasons
    assert result.path == "none"


@given(st.text())
def test_normalising_is_idempotent_and_leaves_no_space_or_lower_case(raw):
    once = serial_normalise(raw)
    assert serial_normalise(once) == once
    assert not any(ch.isspace() for ch in once)
    assert once == once.upper()


@given(st.text(alphabet="abcdefXYZ0123456789", min_size=1, max_size=20), st.text(alphabet=" \t", max_size=3))
def test_case_and_spacing_do_not_make_a_new_serial(serial, pad):
    spaced = pad + " ".join(serial.lower()) + pad
    assert serial_normalise(spaced) == serial.upper()
