"""Organisations, the partner-to-customer links between them, and users with a role."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from accounts.choices import ROLE_ORGANIZATION_KIND, OrganizationKind, Role
from accounts.visibility import Scope, VisibleQuerySet


class OrganizationQuerySet(VisibleQuerySet):
    scope = Scope(organization="pk")


class Organization(models.Model):
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=16, choices=OrganizationKind.choices)
    customers = models.ManyToManyField(
        "self",
        through="Partnership",
        through_fields=("partner", "customer"),
        symmetrical=False,
        related_name="partners",
        blank=True,
        help_text="For a partner: the customer organisations it serves and may act for.",
    )
    address = models.TextField(blank=True, help_text="Postal address, as printed on quotes.")
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 alpha-2 code.")
    email = models.EmailField(blank=True, help_text="Where customers reach the organisation.")
    phone = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=OrganizationKind.values), name="organization_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Partnership(models.Model):
    """A partner serves a customer: it sees the customer's data and acts on its behalf."""

    partner = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "customer"], name="partnership_unique"),
            models.CheckConstraint(
                condition=~models.Q(partner=models.F("customer")), name="partnership_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} serves {self.customer}"

    def clean(self) -> None:
        if self.partner_id and self.partner.kind != OrganizationKind.PARTNER:
            raise ValidationError({"partner": "Only a partner organisation can serve customers."})
        if self.customer_id and self.customer.kind != OrganizationKind.CUSTOMER:
            raise ValidationError({"customer": "A partner can only serve customer organisations."})


class User(AbstractUser):
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="users", null=True, blank=True
    )
    role = models.CharField(max_length=16, choices=Role.choices, blank=True)
    is_organization_admin = models.BooleanField(
        "organisation administrator",
        default=False,
        help_text="Invites people to the organisation, deactivates them and names other administrators.",
    )

    class Meta:
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="") | models.Q(organization__isnull=False),
                name="user_with_role_has_organization",
            )
        ]

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        # A new password (set_password, from any path: the admin, a reset, a service) ends every
        # API key the old one obtained; sessions end by Django's own session hash.
        password_changed = self._password is not None and self.pk is not None  # type: ignore[attr-defined]
        super().save(*args, **kwargs)
        if password_changed:
            self.auth_token_set.all().delete()  # type: ignore[attr-defined]  # knox's reverse relation

    @property
    def is_programme_staff(self) -> bool:
        return self.role == Role.STAFF or self.is_superuser

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def clean(self) -> None:
        super().clean()
        if self.role and self.organization is not None:
            expected = ROLE_ORGANIZATION_KIND[Role(self.role)]
            if self.organization.kind != expected:
                raise ValidationError(
                    {
                        "role": f"A {self.get_role_display().lower()} belongs to a "
                        f"{OrganizationKind(expected).label.lower()} organisation."
                    }
                )


class InvitationQuerySet(VisibleQuerySet):
    scope = Scope(organization="organization")

    def pending(self) -> "InvitationQuerySet":
        """Still usable: neither accepted nor revoked, and not expired."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """An organisation's administrator (or staff) asks a person, by email, to join it.

    The email carries a signed link (accounts.invitation_tokens); this row says whether the link
    still works. It is accepted once: `accounts.services.invitation_accept` claims it with a
    compare-and-set on `accepted_at IS NULL`, so two clicks at once make one account."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.OneToOneField(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitation"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="invitation_accepted_or_revoked_not_both",
            ),
        ]
        indexes = [models.Index(fields=["organization", "-created_at"], name="invitation_by_organization")]

    def __str__(self) -> str:
        return f"{self.email} to {self.organization}"

    @property
    def state(self) -> str:
        """accepted, revoked, expired or pending: what the people page shows."""
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"
