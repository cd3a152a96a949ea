import pytest

from tests.inspections.visits import accepted_inspection, checklist, coverage


@pytest.fixture
def gb_inspector(inspector):
    return coverage(inspector, "GB", "IE")


@pytest.fixture
def juniper_checklist(juniper):
    return checklist(juniper)


@pytest.fixture
def inspection(frozen_friday, customer, partner, acx2200, gb_inspector, juniper_checklist):
    """Acme's accepted request for two ACX2200 at its GB site: the visit, not yet booked."""
    return accepted_inspection(customer, partner)
