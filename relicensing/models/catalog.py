"""The catalog: vendors with their programme policy, and the product models they make."""

import re
from decimal import Decimal

import pghistory
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from common.history import price_book_trackers
from relicensing.choices import ProductCategory


def validate_regex(value: str) -> None:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValidationError(f"Not a valid regular expression: {exc}.") from exc


def default_reminder_days() -> list[int]:
    return [90, 30, 7]


@pghistory.track(
    *price_book_trackers(),
    model_name="VendorEvent",
    obj_field=pghistory.ObjForeignKey(related_name="history"),
    append_only=True,
)
class Vendor(models.Model):
    """A vendor running a programme; its policy fields are the programme's rules.

    Every change is kept (VendorEvent, written by a database trigger, so the admin, the API and a
    shell all leave one): who, when, before and after, shown on its admin page."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    inspection_lead_business_days = models.PositiveSmallIntegerField(
        default=10, help_text="Advance notice an inspection needs, in business days."
    )
    quote_valid_days = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(1)], help_text="How long a quote stands."
    )
    inspections_per_inspector_per_day = models.PositiveSmallIntegerField(
        default=4, validators=[MinValueValidator(1)], help_text="Visits one inspector makes in a day."
    )
    reschedule_cutoff_business_days = models.PositiveSmallIntegerField(
        default=2,
        help_text="A customer or partner may move a visit until this many business days before it.",
    )
    max_customer_reschedules = models.PositiveSmallIntegerField(
        default=2, help_text="How many times a customer or partner may move one visit."
    )
    two_approvals_above = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("25000.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="A reinstatement whose final total is above this needs two different staff approvals.",
    )
    renewal_grace_days = models.PositiveSmallIntegerField(
        default=90,
        help_text="A contract renewed within this many days after its end runs on from the old end date.",
    )
    reinspection_after_days = models.PositiveSmallIntegerField(
        default=365,
        help_text="Lapsed longer than this, a contract cannot be renewed: the chassis goes through a new "
        "relicensing request (re-inspection).",
    )
    escalate_after_business_days = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1)],
        help_text="Programme staff are told about a request that waited this many business days on the "
        "vendor's side (for a quote, an inspection date, a purchase order's approval, reinstatement).",
    )
    serial_pattern = models.CharField(
        max_length=200,
        default=r"^[A-Z0-9]{6,20}$",
        validators=[validate_regex],
        help_text="Regular expression a normalised serial number must match.",
    )
    serial_format = models.CharField(
        max_length=200,
        blank=True,
        help_text='The serial rule in words, for people: "11 letters and digits". Shown instead of the pattern.',
    )
    serial_example = models.CharField(
        max_length=64, blank=True, help_text="A well-formed serial of this vendor, shown as an example."
    )
    renewal_reminder_days = ArrayField(
        models.PositiveSmallIntegerField(),
        default=default_reminder_days,
        help_text="Days before a contract ends on which the owner is reminded to renew.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@pghistory.track(
    *price_book_trackers(),
    model_name="ProductEvent",
    obj_field=pghistory.ObjForeignKey(related_name="history"),
    append_only=True,
)
class Product(models.Model):
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="products")
    model = models.CharField(max_length=100)
    family = models.CharField(max_length=100, blank=True)
    category = models.CharField(max_length=16, choices=ProductCategory.choices)
    is_chassis = models.BooleanField(
        default=True, help_text="Chassis are inspected and priced; line cards and FRUs ride on one."
    )
    end_of_sale = models.DateField(null=True, blank=True)
    end_of_support = models.DateField(null=True, blank=True)
    list_price = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The vendor's list price for the product new.",
    )
    currency = models.CharField(max_length=3, default="USD")

    class Meta:
        ordering = ["vendor__name", "model"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "model"], name="product_model_unique_per_vendor"),
            models.CheckConstraint(
                condition=models.Q(list_price__gte=0), name="product_list_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(category__in=ProductCategory.values),
                name="product_category_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor.name} {self.model}"

    @property
    def is_past_end_of_support(self) -> bool:
        return self.end_of_support is not None and self.end_of_support < timezone.localdate()
