"""Pages for an organisation's people: its administrators invite, deactivate and name other
administrators; programme staff do the same for any organisation, create organisations and link
partners to customers; an invitee accepts the emailed link and chooses a password.

Objects outside a person's reach are 404s; a person who reaches the organisation but may not
manage its people gets 403 (the services decide, these pages ask them)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from accounts import selectors, services
from accounts.choices import OrganizationKind
from accounts.forms import InvitationAcceptForm, InvitationForm, OrganizationCreateForm, PartnershipForm
from accounts.invitation_tokens import invitation_token_read
from accounts.models import Invitation, Organization, Partnership, User
from accounts.permissions import people_manageable
from common.errors import DomainError, InvalidInput, NotPermitted
from common.pages import errors_onto, post_only
from relicensing.views.access import staff_page
from relicensing.views.confirm import confirm_page

PAGE_SIZE = 100


def _people_url(actor: User, organization: Organization) -> str:
    """Where an action on this organisation's people returns to: staff's page of the organisation,
    or the administrator's own people page."""
    if actor.is_programme_staff and actor.organization_id != organization.pk:
        return reverse("organization-detail", kwargs={"pk": organization.pk})
    return reverse("organization-people")


@login_required
def organization_people(request: HttpRequest) -> HttpResponse:
    """The signed-in administrator's own organisation."""
    organization = request.user.organization  # type: ignore[union-attr]
    if organization is None:
        raise Http404("You belong to no organisation.")
    return _people_page(request, organization)


@staff_page
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff: any organisation, its people and its partnerships."""
    return _people_page(request, get_object_or_404(Organization, pk=pk))


def _people_page(request: HttpRequest, organization: Organization) -> HttpResponse:
    actor = request.user
    if not people_manageable(actor, organization):
        raise NotPermitted("Only your organisation's administrators manage its people.")
    form = InvitationForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                actor=actor, organization=organization, **form.cleaned_data
            )  # type: ignore[arg-type]
        except InvalidInput as exc:
            errors_onto(form, exc)
        except (DomainError, services.TooManyInvitations) as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(
                request, f"Invitation sent to {invitation.email}. The link works once, for seven days."
            )
            return redirect(_people_url(actor, organization))  # type: ignore[arg-type]
    context = {
        "organization": organization,
        "page": Paginator(selectors.organization_user_list(organization=organization), PAGE_SIZE).get_page(
            request.GET.get("page")
        ),
        "invitations": selectors.invitation_pending_list(organization=organization),
        # The last administrator is offered no "step down" (the rule would refuse it).
        "administrators": selectors.organization_administrators(organization_id=organization.pk).count(),
        "form": form,
        "staff_view": actor.is_programme_staff,  # type: ignore[union-attr]
        "back": _people_url(actor, organization),  # type: ignore[arg-type]
    }
    if actor.is_programme_staff and organization.kind != OrganizationKind.OPERATOR:  # type: ignore[union-attr]
        context["partnerships"] = selectors.partnership_list(organization=organization)
        context["partnership_form"] = PartnershipForm(organization=organization)
    return render(request, "accounts/people.html", context)


def _person(request: HttpRequest, pk: int) -> User:
    return get_object_or_404(selectors.user_reachable(user=request.user), pk=pk)  # type: ignore[arg-type]


@login_required
@post_only("organization-people")
def person_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    back = _people_url(request.user, person.organization)  # type: ignore[arg-type]
    if not request.POST.get("confirmed"):
        if not people_manageable(request.user, person.organization):
            raise NotPermitted("Only your organisation's administrators manage its people.")
        return confirm_page(
            request,
            cancel_url=back,
            title=f"Deactivate {person.display_name}?",
            consequence=f"{person.display_name} can no longer sign in. Their open sessions end on their next "
            "click and their API keys stop working at once. Their past work stays, in their name.",
            action=f"Yes, deactivate {person.username}",
            details=[("User name", person.username), ("Email", person.email or "none")],
        )
    try:
        services.user_deactivate(actor=request.user, user=person)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"{person.display_name} is deactivated and signed out everywhere.")
    return redirect(back)


@login_required
@post_only("organization-people")
def person_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    services.user_reactivate(actor=request.user, user=person)  # type: ignore[arg-type]
    messages.success(
        request,
        f"{person.display_name} can sign in again with their password. API keys they had stay ended; "
        "name them an administrator again if they should be one.",
    )
    return redirect(_people_url(request.user, person.organization))  # type: ignore[arg-type]


@login_required
@post_only("organization-people")
def person_administrator(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    is_admin = request.POST.get("is_admin") == "yes"
    back = _people_url(request.user, person.organization)  # type: ignore[arg-type]
    try:
        services.organization_admin_set(actor=request.user, user=person, is_admin=is_admin)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect(back)
    done = "is now an administrator" if is_admin else "is no longer an administrator"
    messages.success(request, f"{person.display_name} {done} of {person.organization.name}.")  # type: ignore[union-attr]
    if not is_admin and person.pk == request.user.pk and not request.user.is_programme_staff:  # type: ignore[union-attr]
        return redirect("dashboard")  # stepped down: the people page is no longer theirs
    return redirect(back)


@login_required
@post_only("organization-people")
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(selectors.invitation_reachable(user=request.user), pk=pk)  # type: ignore[arg-type]
    if services.invitation_revoke(actor=request.user, invitation=invitation):  # type: ignore[arg-type]
        messages.success(request, f"The invitation to {invitation.email} no longer works.")
    else:
        messages.info(request, f"The invitation to {invitation.email} had already been used or withdrawn.")
    return redirect(_people_url(request.user, invitation.organization))  # type: ignore[arg-type]


@never_cache
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the email: the invitee chooses a user name and password, then signs in."""
    found = invitation_token_read(token=token)
    invitation = None
    if found is not None:
        invitation = (
            Invitation.objects.select_related("organization").filter(pk=found[0], email=found[1]).first()
        )
    if invitation is None:
        return render(request, "accounts/invitation_ended.html", {"reason": "invalid"}, status=404)
    if invitation.state != "pending":
        return render(request, "accounts/invitation_ended.html", {"reason": invitation.state}, status=410)
    if request.user.is_authenticated:
        return render(
            request, "accounts/invitation_accept.html", {"invitation": invitation, "signed_in": True}
        )
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.invitation_accept(
                invitation=invitation,
                username=data["username"],
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
        except InvalidInput as exc:
            errors_onto(form, exc, {"password": "password1"})
        except DomainError as exc:
            return render(
                request,
                "accounts/invitation_ended.html",
                {"reason": "accepted", "detail": exc.detail},
                status=409,
            )
        else:
            messages.success(
                request,
                f"Welcome to {invitation.organization.name}. Sign in as {user.username} with your new password.",
            )
            return redirect("login")
    return render(request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form})


# --- staff: organisations and partnerships -------------------------------------------------------
@staff_page
def organization_list(request: HttpRequest) -> HttpResponse:
    form = OrganizationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.organization_create(**form.cleaned_data)
        except InvalidInput as exc:
            errors_onto(form, exc)
        else:
            messages.success(
                request,
                f"{organization.name} is created. Invite its first person: they become its administrator.",
            )
            return redirect("organization-detail", pk=organization.pk)
    organizations = selectors.organization_directory(user=request.user)  # type: ignore[arg-type]
    page = Paginator(organizations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/organization_list.html", {"page": page, "form": form})


@staff_page
@post_only("organization-detail")
def partnership_add(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_object_or_404(Organization, pk=pk)
    form = PartnershipForm(request.POST, organization=organization)
    if not form.is_valid():
        messages.error(request, "Choose an organisation from the list.")
        return redirect("organization-detail", pk=pk)
    other = form.cleaned_data["other"]
    partner, customer = (
        (organization, other) if organization.kind == OrganizationKind.PARTNER else (other, organization)
    )
    try:
        services.partnership_create(partner=partner, customer=customer)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"{partner.name} now serves {customer.name}.")
    return redirect("organization-detail", pk=pk)


@staff_page
@post_only("organization-list")
def partnership_remove(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = get_object_or_404(Partnership.objects.select_related("partner", "customer"), pk=pk)
    # Back to the page it was removed from: the partner's or the customer's.
    back = partnership.customer_id if request.POST.get("from") == "customer" else partnership.partner_id
    back_url = reverse("organization-detail", kwargs={"pk": back})
    if not request.POST.get("confirmed"):
        return confirm_page(
            request,
            cancel_url=back_url,
            title=f"Stop {partnership.partner.name} serving {partnership.customer.name}?",
            consequence=f"{partnership.partner.name} no longer sees {partnership.customer.name}'s equipment, "
            "requests and contracts, and can no longer act for it. Their past work stays on record.",
            action="Yes, end the partnership",
        )
    services.partnership_remove(partnership=partnership)
    messages.success(request, f"{partnership.partner.name} no longer serves {partnership.customer.name}.")
    return redirect(back_url)
