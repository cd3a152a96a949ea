"""Choices for the price book."""

from django.db import models


class SkuKind(models.TextChoices):
    INSPECTION = "inspection", "Inspection"
    SUPPORT_YEAR = "support_year", "One year of support"
    OS_LICENSE = "os_license", "Operating-system licence re-registration"
    ADDON_LICENSE = "addon_license", "Add-on licence (bought new)"
    SUBSCRIPTION = "subscription", "Subscription (bought new)"


# Every chassis product has exactly one SKU of each of these kinds; a quote is built from them.
PER_CHASSIS_KINDS = (SkuKind.INSPECTION, SkuKind.SUPPORT_YEAR, SkuKind.OS_LICENSE)


class QuoteStatus(models.TextChoices):
    ISSUED = "issued", "Issued"
    ACCEPTED = "accepted", "Accepted"
    SUPERSEDED = "superseded", "Superseded by a newer quote"
    EXPIRED = "expired", "Expired"


# Add-ons and subscriptions are bought new at list price, on top of the per-chassis fees.
ADDON_KINDS = (SkuKind.ADDON_LICENSE, SkuKind.SUBSCRIPTION)
