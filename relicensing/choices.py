"""Choices for the catalog."""

from django.db import models


class ProductCategory(models.TextChoices):
    ROUTER = "router", "Router"
    SWITCH = "switch", "Switch"
    SECURITY = "security", "Security"
    OTHER = "other", "Other"
