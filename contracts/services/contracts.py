"""Service contracts after issue: the owner corrects the install site and its contact, recorded
in the contract's history with what it was, what it is now, and why."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django_countries import countries

from accounts.models import User
from accounts.permissions import action_require
from common.errors import InvalidInput
from contracts.choices import ContractEventKind
from contracts.models import Contract, ContractEvent

# The site's fields as the request takes them (API.md, "Requests": site), with the contract's
# column each one is kept in and the longest it may be (None: no limit).
SITE_FIELDS: dict[str, tuple[str, int | None]] = {
    "name": ("site_name", 200),
    "address": ("site_address", None),
    "country": ("site_country", 2),
    "contact_name": ("contact_name", 200),
    "contact_email": ("contact_email", 254),
    "contact_phone": ("contact_phone", 40),
}
LABELS = {
    "name": "the site's name",
    "address": "the street address",
    "country": "the country",
    "contact_name": "the contact's name",
    "contact_email": "the contact's email",
    "contact_phone": "the contact's phone",
}
REASON_MAX = 1000


def contract_site(contract: Contract) -> dict[str, str]:
    """The install site and contact as the API names them."""
    return {key: getattr(contract, column) for key, (column, _) in SITE_FIELDS.items()}


@transaction.atomic
def contract_site_correct(*, contract: Contract, user: User, site: dict[str, Any], reason: str) -> Contract:
    """The owner (or its partner) corrects the install site and contact. Fields left out keep their
    value; every field is checked as when the request was opened. A ContractEvent SITE_CORRECTED
    records each change, old → new, and the reason. Nothing changed: no event."""
    action_require(user, "contract_site_correct", contract)
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    before = contract_site(contract)
    after = _site_check({**before, **{k: v for k, v in site.items() if k in SITE_FIELDS}}, site)
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise InvalidInput({"reason": ["Say why the site or contact changes; it is kept in the history."]})
    if len(reason) > REASON_MAX:
        raise InvalidInput({"reason": [f"Keep the reason to at most {REASON_MAX} characters."]})
    changes = [key for key in SITE_FIELDS if after[key] != before[key]]
    if not changes:
        return contract
    for key in changes:
        setattr(contract, SITE_FIELDS[key][0], after[key])
    contract.save(update_fields=[SITE_FIELDS[key][0] for key in changes])
    ContractEvent.objects.create(
        contract=contract,
        kind=ContractEventKind.SITE_CORRECTED,
        actor=user,
        note="; ".join(f"{LABELS[k].capitalize()}: {_shown(before[k])} → {_shown(after[k])}" for k in changes)
        + f". Why: {reason}",
    )
    return contract


def _shown(value: str) -> str:
    return " ".join(value.split()) or "(none)"


def _site_check(site: dict[str, Any], given: dict[str, Any]) -> dict[str, str]:
    """The site cleaned, or InvalidInput keyed by field; unknown keys are refused by name."""
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(given) - set(SITE_FIELDS))
    if unknown:
        errors["site"] = [f"Unknown field {', '.join(unknown)}: give {', '.join(SITE_FIELDS)}."]
    cleaned: dict[str, str] = {}
    for key, (_, longest) in SITE_FIELDS.items():
        value = site.get(key)
        if value is not None and not isinstance(value, str):
            errors[key] = [f"Give {LABELS[key]} as text."]
            continue
        value = (value or "").strip() if key == "address" else " ".join((value or "").split())
        if not value:
            errors[key] = [f"Give {LABELS[key]}."]
        elif longest is not None and len(value) > longest:
            errors[key] = [f"Keep {LABELS[key]} to at most {longest} characters."]
        cleaned[key] = value
    country = cleaned.get("country", "").upper()
    cleaned["country"] = country
    if "country" not in errors and country not in dict(countries):
        errors["country"] = ["Choose the country from the list (a two-letter code, such as GB)."]
    if "contact_email" not in errors:
        try:
            validate_email(cleaned["contact_email"])
        except ValidationError:
            errors["contact_email"] = ["Give an email address such as casey@example.com."]
    if errors:
        raise InvalidInput(errors)
    return cleaned
