"""Reads of sponsors and partners: public listings and the organizers' pipeline."""

from collections import OrderedDict
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from events.models import Event, Tour

from .models import COMMITTED_STATUSES, BenefitKind, FulfilmentItem, Partnership, Sponsorship, SponsorshipStatus


def _committed(tour: Tour, event: Event | None) -> QuerySet:
    where = Q(event__isnull=True) | (Q(event=event) if event is not None else Q(pk__in=[]))
    return (
        Sponsorship.objects.filter(where, tour=tour, status__in=COMMITTED_STATUSES)
        .select_related("sponsor", "tier")
        .order_by("tier__position", "tier_id", "sponsor__name")
    )


def sponsors_by_tier(tour: Tour, event: Event | None = None) -> list[tuple]:
    """[(tier, [sponsor, …]), …] for the public pages: the tour's sponsors, and the event's own when given."""
    grouped: OrderedDict = OrderedDict()
    for sponsorship in _committed(tour, event):
        sponsors = grouped.setdefault(sponsorship.tier, [])
        if sponsorship.sponsor not in sponsors:
            sponsors.append(sponsorship.sponsor)
    return list(grouped.items())


def partners_by_role(tour: Tour, event: Event | None = None) -> list[tuple]:
    where = Q(event__isnull=True) | (Q(event=event) if event is not None else Q(pk__in=[]))
    grouped: OrderedDict = OrderedDict()
    for partnership in Partnership.objects.filter(where, tour=tour).select_related("partner").order_by("role"):
        grouped.setdefault(partnership.get_role_display(), []).append(partnership.partner)
    return list(grouped.items())


def ticket_sponsors(event: Event) -> list:
    """Sponsors whose tier puts their logo on this event's tickets."""
    return [
        sponsorship.sponsor
        for sponsorship in _committed(event.tour, event).filter(tier__benefits__kind=BenefitKind.LOGO_TICKET)
        if sponsorship.sponsor.logo_web
    ]


def pipeline(deals) -> dict:
    """Totals of ``deals`` (the sponsorships the viewer may see) per status and per city (whole-tour deals under
    their own heading), and the benefits still owed."""
    deals = Sponsorship.objects.filter(pk__in=deals.values("pk"))
    per_status = {
        row["status"]: row for row in deals.values("status").annotate(count=Count("id"), total=Sum("amount")).order_by()
    }
    statuses = [
        {
            "status": status,
            "label": label,
            "count": per_status.get(status, {}).get("count", 0),
            "amount": per_status.get(status, {}).get("total") or Decimal(0),
        }
        for status, label in SponsorshipStatus.choices
    ]
    per_city = list(
        deals.exclude(status=SponsorshipStatus.LOST)
        .values("event__city__name_zh", "event__city__name_en")
        .annotate(
            count=Count("id"), total=Sum("amount"), committed=Sum("amount", filter=Q(status__in=COMMITTED_STATUSES))
        )
        .order_by("event__city__position")
    )
    open_items = (
        FulfilmentItem.objects.filter(sponsorship__in=deals, done=False)
        .exclude(sponsorship__status=SponsorshipStatus.LOST)  # nothing is owed on a deal that fell through
        .select_related("sponsorship__sponsor", "sponsorship__event__city", "owner")
        .order_by("sponsorship__sponsor__name", "kind")
    )
    return {"statuses": statuses, "per_city": per_city, "open_items": list(open_items)}
