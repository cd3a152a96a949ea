"""The price book (SKUs and the products they price), quotes, and service contracts with
their inventory."""

import datetime as dt
import uuid
from pathlib import PurePath

import pghistory
from django.apps import apps
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models

from accounts.visibility import Scope, VisibleQuerySet
from common.history import price_book_trackers
from common.workflow import WorkflowModel, WorkflowQuerySet
from contracts.choices import (
    APPROVAL_WORKFLOW,
    CURRENT_QUOTE_STATUSES,
    PER_CHASSIS_KINDS,
    PURCHASE_ORDER_WORKFLOW,
    QUOTE_WORKFLOW,
    RENEWAL_QUOTE_WORKFLOW,
    ApprovalStatus,
    ContractEventKind,
    PurchaseOrderStatus,
    QuoteStatus,
    RenewalLineKind,
    RenewalQuoteStatus,
    SkuKind,
)


class SkuQuerySet(models.QuerySet):
    def with_revision(self) -> "SkuQuerySet":
        """Each SKU with `revision`: its latest history row (SkuEvent), read in the same statement as
        its price, so a quote line names exactly the price-book state it was priced from."""
        events = apps.get_model("contracts", "SkuEvent").objects
        return self.annotate(
            revision=models.Subquery(
                events.filter(pgh_obj=models.OuterRef("pk")).order_by("-pgh_id").values("pgh_id")[:1]
            )
        )


@pghistory.track(
    *price_book_trackers(),
    model_name="SkuEvent",
    obj_field=pghistory.ObjForeignKey(related_name="history"),
    append_only=True,
)
class Sku(models.Model):
    code = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=16, choices=SkuKind.choices)
    description = models.CharField(max_length=255)
    vendor = models.ForeignKey("relicensing.Vendor", on_delete=models.PROTECT, related_name="skus")
    price = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    products = models.ManyToManyField(
        "relicensing.Product", through="SkuProduct", related_name="skus", blank=True
    )
    non_refundable = models.BooleanField(default=True)

    objects = SkuQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = "SKU"
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="sku_price_not_negative"),
            models.CheckConstraint(condition=models.Q(kind__in=SkuKind.values), name="sku_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.code


@pghistory.track(
    *price_book_trackers(),
    model_name="SkuProductEvent",
    obj_field=pghistory.ObjForeignKey(related_name="history"),
    append_only=True,
)
class SkuProduct(models.Model):
    """A SKU applies to a product. `kind` repeats the SKU's so the database itself can hold
    a chassis to exactly one inspection, support-year and OS-licence SKU."""

    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="applies_to")
    product = models.ForeignKey("relicensing.Product", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=SkuKind.choices, editable=False)

    class Meta:
        verbose_name = "product the SKU applies to"
        verbose_name_plural = "products the SKU applies to"
        constraints = [
            models.UniqueConstraint(fields=["sku", "product"], name="sku_product_unique"),
            models.UniqueConstraint(
                fields=["product", "kind"],
                condition=models.Q(kind__in=[k.value for k in PER_CHASSIS_KINDS]),
                name="one_fee_sku_of_each_kind_per_product",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} → {self.product}"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.kind = self.sku.kind
        super().save(*args, **kwargs)


class ContractQuerySet(VisibleQuerySet):
    scope = Scope(organization="owner")

    def covering(self, *, on: dt.date) -> "ContractQuerySet":
        return self.filter(starts_on__lte=on, ends_on__gte=on)


class Contract(models.Model):
    """A service contract in the owner's name: a site, a coverage period, an inventory. One per
    reinstated request, held by the database (`request` is unique), however often the
    reinstatement runs."""

    number = models.CharField(max_length=32, unique=True)
    owner = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="contracts")
    request = models.OneToOneField(
        "relicensing.Request", on_delete=models.PROTECT, null=True, blank=True, related_name="contract"
    )
    site_name = models.CharField(max_length=200)
    site_address = models.TextField(max_length=500, validators=[MaxLengthValidator(500)])
    site_country = models.CharField(max_length=2)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField()
    sales_order = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")), name="contract_period_positive"
            )
        ]

    def __str__(self) -> str:
        return self.number

    def status_on(self, day: dt.date) -> str:
        """`future`, `active` or `expired` on that day (API.md), by the coverage dates."""
        if day < self.starts_on:
            return "future"
        return "active" if day <= self.ends_on else "expired"


class ContractEvent(models.Model):
    """The contract's history: issued, and each change since, with who and why."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=ContractEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.contract}: {self.kind}"


class PurchaseOrderQuerySet(WorkflowQuerySet, VisibleQuerySet):  # type: ignore[override]  # django-stubs: as_manager of two bases
    scope = Scope(organization="request__customer")


def order_document_path(order: "PurchaseOrder", filename: str) -> str:
    # Generated names: nothing a user typed ends up in a path on disk.
    return f"orders/{order.request_id}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()[:8]}"


class PurchaseOrder(WorkflowModel):
    """The customer's order for the final quote's total: one per request."""

    workflow = PURCHASE_ORDER_WORKFLOW

    request = models.OneToOneField(
        "relicensing.Request", on_delete=models.CASCADE, related_name="purchase_order"
    )
    quote = models.ForeignKey("contracts.Quote", on_delete=models.PROTECT, related_name="+")
    po_number = models.CharField(max_length=64, help_text="The customer's own order number.")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=16,
        choices=PurchaseOrderStatus.choices,
        default=PurchaseOrderStatus.RECEIVED,
        editable=False,
    )
    sales_order = models.CharField(
        max_length=32,
        unique=True,
        null=True,
        blank=True,
        help_text="The number the system gives the order on approval.",
    )
    document = models.FileField(upload_to=order_document_path, max_length=255, blank=True)
    document_name = models.CharField(max_length=255, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(auto_now_add=True)

    objects = PurchaseOrderQuerySet.as_manager()

    class Meta:
        base_manager_name = "objects"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="purchase_order_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.po_number


class ApprovalQuerySet(WorkflowQuerySet, VisibleQuerySet):  # type: ignore[override]  # django-stubs: as_manager of two bases
    scope = Scope(organization="request__customer")


class Approval(WorkflowModel):
    """One staff member's approval of a request's reinstatement (two are needed above the
    vendor's amount, from different people)."""

    workflow = APPROVAL_WORKFLOW

    request = models.ForeignKey("relicensing.Request", on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=16, choices=ApprovalStatus.choices, default=ApprovalStatus.GIVEN, editable=False
    )
    at = models.DateTimeField(auto_now_add=True)

    objects = ApprovalQuerySet.as_manager()

    class Meta:
        base_manager_name = "objects"
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "approver"],
                condition=models.Q(status="given"),
                name="one_approval_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request} approved by {self.approver_id}"


class ContractLine(models.Model):
    """A serial on a contract's inventory; an RMA swaps one line's serial for another."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="lines")
    equipment = models.ForeignKey(
        "relicensing.Equipment", on_delete=models.PROTECT, related_name="contract_lines"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contract", "equipment"], name="contract_line_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.contract} / {self.equipment}"


def quote_pdf_path(quote: "Quote", filename: str) -> str:
    return f"quotes/{quote.request_id}/{quote.number}-{uuid.uuid4().hex[:8]}.pdf"


class QuoteQuerySet(WorkflowQuerySet, VisibleQuerySet):  # type: ignore[override]  # django-stubs: as_manager of two bases
    scope = Scope(organization="request__customer")


def sku_revision_field() -> models.ForeignKey:
    return models.ForeignKey(
        "contracts.SkuEvent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The SKU as it stood in the price book when this line was priced (empty on lines priced "
        "before the price book kept its history).",
    )


class Quote(WorkflowModel):
    """A priced offer for a request, from the price book only; a new one supersedes the last."""

    workflow = QUOTE_WORKFLOW

    request = models.ForeignKey("relicensing.Request", on_delete=models.CASCADE, related_name="quotes")
    number = models.CharField(max_length=32, unique=True)
    revision = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=16, choices=QuoteStatus.choices, default=QuoteStatus.ISSUED, editable=False
    )
    currency = models.CharField(max_length=3)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    valid_until = models.DateField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)
    issuer = models.JSONField(
        default=dict,
        blank=True,
        help_text="Who it is from, as it stood when issued (firm, address, contact, person): a quote "
        "is a document, so a later change of address does not rewrite it.",
    )
    reference = models.CharField(max_length=64, blank=True, help_text="The issuing partner's own reference.")
    note = models.TextField(
        max_length=1000, blank=True, help_text="The issuing partner's note to the customer."
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    is_final = models.BooleanField(
        default=False,
        help_text="Issued after inspection: the accepted quote less every fee but inspection on the "
        "chassis that failed. What the purchase order must cover.",
    )
    pdf = models.FileField(
        upload_to=quote_pdf_path,
        max_length=255,
        blank=True,
        editable=False,
        help_text="The quote as a PDF, drawn once on its first download and served from here after.",
    )
    pdf_status = models.CharField(
        max_length=16,
        blank=True,
        editable=False,
        help_text="The status the stored PDF shows; it is drawn again only when the status moves on.",
    )

    objects = QuoteQuerySet.as_manager()

    class Meta:
        base_manager_name = "objects"
        ordering = ["-revision"]
        constraints = [
            models.UniqueConstraint(fields=["request", "revision"], name="quote_revision_unique"),
            models.UniqueConstraint(
                fields=["request"],
                condition=models.Q(status__in=["issued", "accepted"]),
                name="one_current_quote_per_request",
            ),
            models.CheckConstraint(condition=models.Q(total__gte=0), name="quote_total_not_negative"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_current(self) -> bool:
        return self.status in CURRENT_QUOTE_STATUSES


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    sku = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, choices=SkuKind.choices)
    description = models.CharField(max_length=255)
    equipment = models.ForeignKey("relicensing.Equipment", on_delete=models.PROTECT, related_name="+")
    serial_number = models.CharField(max_length=64)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    non_refundable = models.BooleanField(default=True)
    sku_revision = sku_revision_field()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["quote", "position"], name="quote_line_position_unique"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="quote_line_quantity_positive"),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0, amount__gte=0), name="quote_line_amounts_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quote} #{self.position} {self.sku}"


# --- renewals (issue 10, item 6) ------------------------------------------------------------
class RenewalQuoteQuerySet(WorkflowQuerySet, VisibleQuerySet):  # type: ignore[override]  # django-stubs: as_manager of two bases
    scope = Scope(organization="contract__owner")


class RenewalQuote(WorkflowModel):
    """One more year of a contract's support, priced from the price book, with back-support for
    the lapsed days when renewed after the vendor's grace period. Its terms (the new coverage
    dates, the lapsed days) are fixed when it is issued; approval applies them to the contract.
    Not a `Quote`: those belong to a relicensing request, one current quote per request."""

    workflow = RENEWAL_QUOTE_WORKFLOW

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="renewal_quotes")
    number = models.CharField(max_length=48, unique=True)
    revision = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=16,
        choices=RenewalQuoteStatus.choices,
        default=RenewalQuoteStatus.ISSUED,
        editable=False,
    )
    currency = models.CharField(max_length=3)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    renewal_date = models.DateField(help_text="The day the renewal was quoted; the lapse is counted to it.")
    old_ends_on = models.DateField(help_text="The contract's end date the renewal continues from.")
    starts_on = models.DateField(help_text="First day of the new year of coverage.")
    ends_on = models.DateField(help_text="Last day of the new year of coverage: the contract's new end.")
    lapsed_days = models.PositiveIntegerField(
        default=0, help_text="Days without coverage charged as back-support (0 within the grace period)."
    )
    valid_until = models.DateField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)
    po_number = models.CharField(max_length=64, blank=True)
    ordered_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ordered_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    objects = RenewalQuoteQuerySet.as_manager()

    class Meta:
        base_manager_name = "objects"
        ordering = ["-revision"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "revision"], name="renewal_quote_revision_unique"),
            models.UniqueConstraint(
                fields=["contract"],
                condition=models.Q(status__in=["issued", "ordered"]),
                name="one_open_renewal_quote_per_contract",
            ),
            models.CheckConstraint(condition=models.Q(total__gte=0), name="renewal_quote_total_not_negative"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")), name="renewal_quote_period_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class RenewalQuoteLine(models.Model):
    quote = models.ForeignKey(RenewalQuote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=RenewalLineKind.choices)
    sku = models.CharField(max_length=64)
    description = models.CharField(max_length=255)
    equipment = models.ForeignKey("relicensing.Equipment", on_delete=models.PROTECT, related_name="+")
    serial_number = models.CharField(max_length=64)
    days = models.PositiveIntegerField(help_text="Days of support this line pays for.")
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, help_text="The SKU's one-year price.")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    sku_revision = sku_revision_field()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["quote", "position"], name="renewal_quote_line_position_unique"),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0, amount__gte=0),
                name="renewal_quote_line_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quote} #{self.position} {self.sku}"


class ContractExpiry(models.Model):
    """The contract's expiry at one end date, recorded once: the sweep's mark (a renewed contract
    can expire again at its new end, so the key is the contract and the end date)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="expiries")
    ends_on = models.DateField()
    event = models.OneToOneField(ContractEvent, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contract", "ends_on"], name="one_expiry_per_contract_end"),
        ]

    def __str__(self) -> str:
        return f"{self.contract} expired after {self.ends_on}"
