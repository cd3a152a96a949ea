"""Eligibility: one pure function from the facts about a chassis to a path and reason codes.

Everything that needs the answer (registration, imports, the serial check, holds and flags,
request creation) gathers the facts and calls `eligibility()`; no rule lives anywhere else.
"""

import datetime as dt
from dataclasses import dataclass, field

from relicensing.choices import AcquisitionChannel, Condition, Flag, Path, Reason


@dataclass(frozen=True)
class Facts:
    product_known: bool
    end_of_support: dt.date | None = None
    flags: frozenset[str] = field(default_factory=frozenset)
    on_hold: bool = False
    channel: str | None = None  # None when nobody has registered the serial (the buyer's check)
    condition: str = Condition.WORKING
    disputed: bool = False


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    path: str
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {"eligible": self.eligible, "path": self.path, "reasons": list(self.reasons)}


def eligibility(facts: Facts, *, today: dt.date) -> Eligibility:
    reasons = _reasons(facts, today=today)
    if reasons:
        only_environmental = reasons == (Reason.ENVIRONMENTAL_DAMAGE,)
        path = Path.COMPROMISED_REVIEW if only_environmental else Path.NONE
        return Eligibility(eligible=False, path=path, reasons=reasons)
    path = {
        AcquisitionChannel.AUTHORIZED: Path.NO_RELICENSING_NEEDED,
        AcquisitionChannel.CERTIFIED_REFURBISHED: Path.NO_INSPECTION_NEEDED,
    }.get(facts.channel, Path.INSPECTION)  # type: ignore[call-overload]
    return Eligibility(eligible=True, path=path, reasons=())


def _reasons(facts: Facts, *, today: dt.date) -> tuple[str, ...]:
    checks = [
        (Reason.UNKNOWN_PRODUCT, not facts.product_known),
        (Reason.END_OF_SUPPORT, facts.end_of_support is not None and facts.end_of_support < today),
        (Reason.PERMANENTLY_DAMAGED, Flag.PERMANENTLY_DAMAGED in facts.flags),
        (Reason.DAMAGED, Flag.DAMAGED in facts.flags or facts.condition == Condition.DAMAGED),
        (Reason.ENVIRONMENTAL_DAMAGE, facts.condition == Condition.ENVIRONMENTAL_DAMAGE),
        (Reason.REPORTED_LOST_OR_STOLEN, Flag.LOST_OR_STOLEN in facts.flags),
        (Reason.COUNTERFEIT, Flag.COUNTERFEIT in facts.flags),
        (Reason.COMPLIANCE_HOLD, facts.on_hold),
        (Reason.DONATED_EQUIPMENT, facts.channel == AcquisitionChannel.DONATED),
        (Reason.OWNERSHIP_DISPUTE, facts.disputed),
    ]
    return tuple(reason.value for reason, applies in checks if applies)


@dataclass(frozen=True)
class Explanation:
    title: str
    meaning: str
    next_step: str


# Shown wherever a result is shown: what the reason means and what the owner can do next.
REASONS: dict[str, Explanation] = {
    Reason.UNKNOWN_PRODUCT: Explanation(
        "Unknown product",
        "The product model given is not in this vendor's catalog, so no programme covers it.",
        "Check the model name on the chassis label and register it again, or ask programme "
        "staff whether the model can be added.",
    ),
    Reason.END_OF_SUPPORT: Explanation(
        "Past end of support",
        "The vendor no longer supports this product, so it cannot be put under a contract.",
        "Consider a supported model; the vendor's certified refurbished range is an option.",
    ),
    Reason.PERMANENTLY_DAMAGED: Explanation(
        "Permanently damaged",
        "The unit has been declared permanently damaged, out of commission or unusable. "
        "This is final: it can never be inspected or put under contract again.",
        "Retire the unit through the vendor's take-back and recycling programme.",
    ),
    Reason.DAMAGED: Explanation(
        "Damaged or not working",
        "A damaged or non-functioning unit cannot enter the inspection programme.",
        "Repair it first; once it works, ask programme staff to clear the flag or register "
        "its condition as working.",
    ),
    Reason.ENVIRONMENTAL_DAMAGE: Explanation(
        "Environmental damage",
        "Fire, flood, storm or another environmental event damaged this unit. Such "
        "equipment never goes through the inspection programme.",
        "It goes to the vendor's separate compromised-equipment (return-to-service) review: "
        "contact programme staff to open one.",
    ),
    Reason.REPORTED_LOST_OR_STOLEN: Explanation(
        "Reported lost or stolen",
        "This serial has been reported lost or stolen.",
        "Do not buy or deploy it. If you believe the report is wrong, contact programme "
        "staff with your proof of purchase.",
    ),
    Reason.COUNTERFEIT: Explanation(
        "Counterfeit",
        "The vendor has identified this unit or serial as counterfeit; it cannot be re-registered.",
        "Take it out of service and raise it with the seller.",
    ),
    Reason.COMPLIANCE_HOLD: Explanation(
        "Compliance hold",
        "The vendor has put this serial on hold (export control, fraud or a dispute).",
        "Nothing can proceed until programme staff release the hold; contact them with the serial number.",
    ),
    Reason.DONATED_EQUIPMENT: Explanation(
        "Donated equipment",
        "Equipment from a donation programme may not be sold or transferred.",
        "When it is no longer used, return it to the vendor's take-back and recycling programme.",
    ),
    Reason.OWNERSHIP_DISPUTE: Explanation(
        "Ownership in dispute",
        "Another organisation has also registered this serial.",
        "Programme staff will settle ownership; have your proof of purchase ready.",
    ),
}

PATHS: dict[str, Explanation] = {
    Path.INSPECTION: Explanation(
        "Eligible: inspection and relicensing",
        "The chassis can be inspected, its licence re-registered to you and a contract issued.",
        "Open a request for the site where it is installed.",
    ),
    Path.NO_RELICENSING_NEEDED: Explanation(
        "No relicensing needed",
        "You bought it new through the authorised channel, so the licence and warranty are already yours.",
        "Buy a support contract through your partner as usual; no inspection or fee applies.",
    ),
    Path.NO_INSPECTION_NEEDED: Explanation(
        "No inspection needed",
        "Vendor certified refurbished equipment comes with warranty.",
        "It can be put under contract through your partner with no inspection or special fee.",
    ),
    Path.COMPROMISED_REVIEW: Explanation(
        "Compromised-equipment review",
        "Environmentally damaged equipment is reviewed separately for return to service.",
        "Contact programme staff to open a compromised-equipment review.",
    ),
    Path.NONE: Explanation(
        "Cannot enter the programme",
        "One or more reasons below stop this chassis from entering the programme.",
        "See what each reason means and what you can do.",
    ),
}
