"""Organisation kinds and user roles, and which role belongs in which kind of organisation."""

from django.db import models


class OrganizationKind(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    PARTNER = "partner", "Partner"
    OPERATOR = "operator", "Programme operator"


class Role(models.TextChoices):
    CUSTOMER = "customer", "Customer user"
    PARTNER = "partner", "Partner user"
    INSPECTOR = "inspector", "Inspector"
    STAFF = "staff", "Programme staff"


ROLE_ORGANIZATION_KIND = {
    Role.CUSTOMER: OrganizationKind.CUSTOMER,
    Role.PARTNER: OrganizationKind.PARTNER,
    Role.INSPECTOR: OrganizationKind.OPERATOR,
    Role.STAFF: OrganizationKind.OPERATOR,
}
