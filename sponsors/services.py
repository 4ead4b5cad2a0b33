"""Writes for sponsors: the pipeline, what signing a deal sets in motion, and logo uploads."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from events.models import Event, EventStatus, InviteChannel, InviteCode, TicketTier, TierVisibility
from events.services import create_invite_codes

from .models import COMMITTED_STATUSES, BenefitKind, FulfilmentItem, Sponsorship, SponsorshipStatus


@transaction.atomic
def save_sponsorship(*, sponsorship: Sponsorship) -> Sponsorship:
    """Save a deal; when it is signed (or paid), its benefits become items to deliver and its comp tickets
    become invite codes — once, however often it is saved."""
    sponsorship.full_clean()
    was_lost = Sponsorship.objects.filter(pk=sponsorship.pk, status=SponsorshipStatus.LOST).exists()
    if was_lost and sponsorship.status in COMMITTED_STATUSES:
        # Signed again after it fell through: the codes stopped then work again.
        sponsorship.invite_codes.filter(expires_at__lte=timezone.now()).update(expires_at=None)
    if sponsorship.status in COMMITTED_STATUSES and sponsorship.signed_at is None:
        sponsorship.signed_at = timezone.now()
    sponsorship.save()
    if sponsorship.status in COMMITTED_STATUSES:
        _create_fulfilment(sponsorship)
        _create_comp_codes(sponsorship)
    elif sponsorship.status == SponsorshipStatus.LOST:
        # A deal that fell through after signing: its comp codes stop working (tickets already taken stay).
        now = timezone.now()
        sponsorship.invite_codes.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now)).update(expires_at=now)
    return sponsorship


def _create_fulfilment(sponsorship: Sponsorship) -> None:
    existing = set(sponsorship.fulfilment.values_list("kind", flat=True))
    FulfilmentItem.objects.bulk_create(
        FulfilmentItem(sponsorship=sponsorship, kind=benefit.kind, quantity=benefit.quantity)
        for benefit in sponsorship.tier.benefits.all()
        if benefit.kind not in existing
    )


def _comp_tier(event: Event) -> TicketTier | None:
    """The tier comp tickets unlock: the event's first public in-person tier, else its first in-person one."""
    in_person = event.tiers.filter(attendance="in_person").order_by("position", "id")
    return in_person.filter(visibility=TierVisibility.PUBLIC).first() or in_person.first()


def _create_comp_codes(sponsorship: Sponsorship) -> None:
    comp = sponsorship.tier.benefits.filter(kind=BenefitKind.COMP_TICKETS).first()
    if comp is None or comp.quantity < 1:
        return  # a tier that lists comp tickets but gives none yet
    events = (
        [sponsorship.event]
        if sponsorship.event_id
        else list(sponsorship.tour.events.exclude(status=EventStatus.CANCELLED))
    )
    for event in events:
        if sponsorship.invite_codes.filter(event=event).exists():
            continue  # created when the deal was first signed
        tier = _comp_tier(event)
        if tier is None:
            continue  # the event has no tiers yet; signing again later creates its codes
        codes = create_invite_codes(
            event=event,
            tier=tier,
            channel=InviteChannel.SPONSOR,
            count=1,
            max_uses=comp.quantity,
            label=sponsorship.sponsor.name[: InviteCode._meta.get_field("label").max_length],
        )
        for code in codes:
            code.sponsorship = sponsorship
            code.save(update_fields=["sponsorship"])
