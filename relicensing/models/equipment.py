"""The installed base: one unit per vendor + serial, each organisation's registration of it,
compliance holds, the audited history of both, and the software licences on a chassis."""

from collections.abc import Callable

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q

from accounts.visibility import Scope, VisibleQuerySet
from common.workflow import WorkflowModel, WorkflowQuerySet
from relicensing.choices import (
    REGISTRATION_WORKFLOW,
    AcquisitionChannel,
    Condition,
    EventKind,
    Flag,
    LicenceKind,
    LicenceStatus,
    Path,
    RegistrationStatus,
    Retirement,
)


class EquipmentQuerySet(VisibleQuerySet):
    scope = Scope(organization="current_owner")


def flags_set(is_set: Callable[[str], object]) -> frozenset[str]:
    """The staff flags set on a unit, by name; `is_set(name)` reads one (off a unit, or off a
    list's row of its columns)."""
    return frozenset(flag.value for flag in Flag if is_set(flag.value))


class Equipment(models.Model):
    """A physical chassis, known by vendor and normalised serial, whoever claims it."""

    # Indexed by equipment_serial_unique (vendor, serial_number), which leads with it.
    vendor = models.ForeignKey(
        "relicensing.Vendor", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    serial_number = models.CharField(max_length=64)
    product = models.ForeignKey(
        "relicensing.Product", on_delete=models.PROTECT, null=True, blank=True, related_name="units"
    )
    reported_model = models.CharField(
        max_length=100, blank=True, help_text="The model as registered, when the catalog lacks it."
    )
    lost_or_stolen = models.BooleanField(default=False)
    counterfeit = models.BooleanField(default=False)
    permanently_damaged = models.BooleanField(default=False)
    damaged = models.BooleanField(default=False)
    original_owner = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    current_owner = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    retired = models.CharField(
        max_length=16,
        choices=Retirement.choices,
        blank=True,
        help_text="Left service for good (returned under an RMA, or taken back); never registered again.",
    )
    retired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EquipmentQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "equipment"
        ordering = ["vendor_id", "serial_number"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "serial_number"], name="equipment_serial_unique"),
        ]
        indexes = [
            # `?serial_number=` and the equipment page's search match a normalised serial by its
            # start (the whole serial is the exact match): a pattern index answers LIKE 'ABC%'.
            models.Index(
                fields=["serial_number"], name="equipment_serial_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.serial_number

    @property
    def flags(self) -> frozenset[str]:
        return flags_set(lambda flag: getattr(self, flag))

    @property
    def model_name(self) -> str:
        return self.product.model if self.product is not None else self.reported_model


class RegistrationQuerySet(WorkflowQuerySet, VisibleQuerySet):  # type: ignore[override]  # django-stubs: as_manager of two bases
    scope = Scope(organization="organization")

    def active(self) -> "RegistrationQuerySet":
        return self.filter(status=RegistrationStatus.ACTIVE)

    def with_facts(self) -> "RegistrationQuerySet":
        """Annotate what eligibility needs beyond the row itself: a hold, a rival claim."""
        return self.select_related("equipment__product", "equipment__vendor").annotate(
            on_hold=Exists(
                ComplianceHold.objects.active().filter(
                    vendor_id=OuterRef("equipment__vendor_id"),
                    serial_number=OuterRef("equipment__serial_number"),
                )
            ),
            disputed=Exists(
                Registration.objects.active()
                .filter(equipment_id=OuterRef("equipment_id"))
                .exclude(organization_id=OuterRef("organization_id"))
            ),
        )


# Each statement that adds, removes or changes registrations adds one row per (organisation,
# eligible) it moved to RegistrationTally: insert-only, so concurrent writers never wait on a
# counter row, and COPY, bulk_create and the ORM are all counted alike.
REGISTRATION_TALLY_TRIGGERS = [
    pgtrigger.Trigger(
        name="tally_insert",
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=pgtrigger.Insert,
        referencing=pgtrigger.Referencing(new="added"),
        func="INSERT INTO relicensing_registrationtally (organization_id, eligible, n) "
        "SELECT organization_id, eligible, count(*) FROM added GROUP BY 1, 2; RETURN NULL;",
    ),
    pgtrigger.Trigger(
        name="tally_delete",
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=pgtrigger.Delete,
        referencing=pgtrigger.Referencing(old="removed"),
        func="INSERT INTO relicensing_registrationtally (organization_id, eligible, n) "
        "SELECT organization_id, eligible, -count(*) FROM removed GROUP BY 1, 2; RETURN NULL;",
    ),
    pgtrigger.Trigger(
        name="tally_update",
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=pgtrigger.Update,
        referencing=pgtrigger.Referencing(old="before_rows", new="after_rows"),
        func="INSERT INTO relicensing_registrationtally (organization_id, eligible, n) "
        "SELECT organization_id, eligible, sum(n) FROM ("
        "  SELECT organization_id, eligible, -1 AS n FROM before_rows"
        "  UNION ALL SELECT organization_id, eligible, 1 FROM after_rows"
        ") AS moved GROUP BY 1, 2 HAVING sum(n) <> 0; RETURN NULL;",
    ),
]


class RegistrationTallyQuerySet(VisibleQuerySet):
    scope = Scope(organization="organization")  # the registrations' own reach


class RegistrationTally(models.Model):
    """How many registrations each organisation holds, eligible or not, kept by the triggers above
    as rows of changes: the dashboard sums a handful of rows instead of counting half a million.
    A sweep folds each organisation's rows into one (`registration_tallies_fold`)."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    eligible = models.BooleanField()
    n = models.BigIntegerField()

    objects = RegistrationTallyQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["organization", "eligible"], name="tally_by_org")]

    def __str__(self) -> str:
        return f"{self.organization_id} eligible={self.eligible}: {self.n:+}"


class Registration(WorkflowModel):
    """An organisation's claim to a unit: how and when it acquired it, in what condition.

    Its eligibility is stored so lists can filter on it; services refresh it whenever a fact
    changes (a hold, a flag, a rival claim, the catalog), always through `eligibility()`.
    """

    # Both indexed by a composite index that leads with them: registration_once_per_organization
    # (equipment, organization) and registration_list (organization, -created_at, -id).
    equipment = models.ForeignKey(
        Equipment, on_delete=models.CASCADE, related_name="registrations", db_index=False
    )
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="registrations", db_index=False
    )
    acquisition_channel = models.CharField(max_length=32, choices=AcquisitionChannel.choices)
    acquired_from = models.CharField(max_length=200, blank=True)
    acquired_on = models.DateField(null=True, blank=True)
    condition = models.CharField(max_length=32, choices=Condition.choices, default=Condition.WORKING)
    status = models.CharField(
        max_length=32, choices=RegistrationStatus.choices, default=RegistrationStatus.ACTIVE, editable=False
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    eligible = models.BooleanField(default=False)
    path = models.CharField(max_length=32, choices=Path.choices, default=Path.NONE)
    reasons = ArrayField(models.CharField(max_length=32), default=list, blank=True)

    objects = RegistrationQuerySet.as_manager()
    workflow = REGISTRATION_WORKFLOW

    class Meta:
        base_manager_name = "objects"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["equipment", "organization"], name="registration_once_per_organization"
            ),
        ]
        # Each list reads its page straight off an index in the list's own order (newest first):
        # an organisation's equipment, filtered by eligibility or not, and everyone's (staff, and
        # partners whose customers own most of the base).
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="registration_list"),
            models.Index(
                fields=["organization", "eligible", "-created_at", "-id"], name="registration_eligible"
            ),
            models.Index(fields=["-created_at", "-id"], name="registration_recent"),
        ]
        triggers = REGISTRATION_TALLY_TRIGGERS

    def __str__(self) -> str:
        return f"{self.equipment} ({self.organization_id})"

    @property
    def is_active(self) -> bool:
        return self.status == RegistrationStatus.ACTIVE

    @property
    def can_enter_request(self) -> bool:
        """The paid inspection path: an active, eligible claim that needs inspection (bought
        new or certified refurbished chassis are answered as such, not pushed through)."""
        return self.is_active and self.eligible and self.path == Path.INSPECTION


class ComplianceHoldQuerySet(models.QuerySet):
    def active(self) -> "ComplianceHoldQuerySet":
        return self.filter(released_at__isnull=True)


class ComplianceHold(models.Model):
    """The vendor's hold on a serial; it may exist before anyone registers the serial."""

    vendor = models.ForeignKey("relicensing.Vendor", on_delete=models.PROTECT, related_name="+")
    serial_number = models.CharField(max_length=64)
    reason = models.TextField(max_length=2000, validators=[MaxLengthValidator(2000)])
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    release_note = models.TextField(blank=True, max_length=2000, validators=[MaxLengthValidator(2000)])

    objects = ComplianceHoldQuerySet.as_manager()

    class Meta:
        ordering = ["-placed_at"]
        indexes = [
            models.Index(
                fields=["vendor", "serial_number"],
                condition=Q(released_at__isnull=True),
                name="hold_active_by_serial",
            )
        ]

    def __str__(self) -> str:
        return f"Hold on {self.serial_number}"

    @property
    def is_active(self) -> bool:
        return self.released_at is None


class EquipmentEvent(models.Model):
    """One audited fact in a serial's history: who did what, when and why.

    Keyed by vendor + serial (not the unit) so holds placed before registration belong too.
    """

    # Indexed by event_by_serial (vendor, serial_number, at), which leads with it.
    vendor = models.ForeignKey(
        "relicensing.Vendor", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    serial_number = models.CharField(max_length=64)
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["vendor", "serial_number", "at"], name="event_by_serial")]

    def __str__(self) -> str:
        return f"{self.serial_number}: {self.kind}"


class SoftwareLicence(models.Model):
    equipment = models.ForeignKey(Equipment, on_delete=models.CASCADE, related_name="licences")
    kind = models.CharField(max_length=16, choices=LicenceKind.choices)
    description = models.CharField(max_length=255)
    sku_code = models.CharField(
        max_length=64,
        blank=True,
        help_text="The price-book SKU it was sold as, if known (a record, as on a quote).",
    )
    licensee = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="licences")
    status = models.CharField(max_length=16, choices=LicenceStatus.choices, default=LicenceStatus.ACTIVE)
    starts_on = models.DateField()
    ends_on = models.DateField(
        null=True, blank=True, help_text="Subscriptions end; embedded licences do not."
    )
    terminated_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=LicenceStatus.ACTIVE, terminated_on__isnull=True)
                | Q(status=LicenceStatus.TERMINATED, terminated_on__isnull=False),
                name="licence_terminated_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.equipment}"
