"""Sponsors and their tiers, benefits and fulfilment; partner communities and what they ask for."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from citytour.i18n import localized
from events.models import Event, Tour


class Sponsor(models.Model):
    name = models.CharField(_("company name"), max_length=150)
    name_en = models.CharField(_("company name (English)"), max_length=150, blank=True)
    logo = models.ImageField(_("logo (print size)"), upload_to="sponsors/print/", blank=True)
    logo_web = models.ImageField(_("logo (web size)"), upload_to="sponsors/web/", blank=True, editable=False)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("sponsor")
        verbose_name_plural = _("sponsors")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def display_name(self) -> str:
        return localized(self, "name")


class BenefitKind(models.TextChoices):
    LOGO_TICKET = "logo_ticket", _("Logo on the ticket")
    LOGO_LANYARD = "logo_lanyard", _("Logo on the lanyard")
    LOGO_BADGE = "logo_badge", _("Logo on the badge")
    LOGO_BAG = "logo_bag", _("Logo on the bag")
    BOOTH = "booth", _("A fixed booth")
    GIFTS = "gifts", _("Gifts for attendees")
    SPEAKING_SLOT = "speaking_slot", _("A speaking slot")
    LOGO_VIDEO = "logo_video", _("Logo in the opening video")
    COMP_TICKETS = "comp_tickets", _("Comp tickets")


class SponsorshipTier(models.Model):
    tour = models.ForeignKey(Tour, on_delete=models.CASCADE, related_name="sponsorship_tiers", verbose_name=_("tour"))
    name = models.CharField(pgettext_lazy("of a thing", "name"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=50, blank=True)
    price = models.DecimalField(
        _("price (CNY)"), max_digits=10, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    places = models.PositiveSmallIntegerField(_("places"), default=1, help_text=_("How many sponsors it takes."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("sponsorship tier")
        verbose_name_plural = _("sponsorship tiers")
        ordering = ["tour", "position", "id"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return localized(self, "name")


class TierBenefit(models.Model):
    tier = models.ForeignKey(SponsorshipTier, on_delete=models.CASCADE, related_name="benefits", verbose_name=_("tier"))
    kind = models.CharField(_("benefit"), max_length=20, choices=BenefitKind.choices)
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1, help_text=_("For comp tickets: how many."))

    class Meta:
        verbose_name = _("benefit")
        verbose_name_plural = _("benefits")
        constraints = [models.UniqueConstraint(fields=["tier", "kind"], name="one_benefit_kind_per_tier")]

    def __str__(self):
        label = self.get_kind_display()
        return f"{label} × {self.quantity}" if self.kind == BenefitKind.COMP_TICKETS else label


class SponsorshipStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    NEGOTIATING = "negotiating", _("Negotiating")
    SIGNED = "signed", _("Signed")
    PAID = "paid", _("Paid")
    LOST = "lost", _("Lost")


COMMITTED_STATUSES = frozenset({SponsorshipStatus.SIGNED, SponsorshipStatus.PAID})


class Sponsorship(models.Model):
    """A sponsor's deal with the whole tour or with one city's event."""

    sponsor = models.ForeignKey(
        Sponsor, on_delete=models.PROTECT, related_name="sponsorships", verbose_name=_("sponsor")
    )
    tour = models.ForeignKey(Tour, on_delete=models.CASCADE, related_name="sponsorships", verbose_name=_("tour"))
    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        related_name="sponsorships",
        verbose_name=_("event"),
        null=True,
        blank=True,
        help_text=_("Empty: the whole tour."),
    )
    tier = models.ForeignKey(
        SponsorshipTier, on_delete=models.PROTECT, related_name="sponsorships", verbose_name=_("tier")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=SponsorshipStatus.choices, default=SponsorshipStatus.PROSPECT
    )
    amount = models.DecimalField(
        _("amount (CNY)"), max_digits=10, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    notes = models.TextField(_("notes"), blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sponsorship")
        verbose_name_plural = _("sponsorships")
        ordering = ["tour", "tier__position", "sponsor__name"]

    def __str__(self):
        return f"{self.sponsor} · {self.tier}"

    def clean(self):
        errors = {}
        if self.event_id and self.tour_id and self.event.tour_id != self.tour_id:
            errors["event"] = _("This event belongs to another tour.")
        if self.tier_id and self.tour_id and self.tier.tour_id != self.tour_id:
            errors["tier"] = _("This tier belongs to another tour.")
        if errors:
            raise ValidationError(errors)


class FulfilmentItem(models.Model):
    """One benefit owed to a sponsor, with who delivers it and whether it is done."""

    sponsorship = models.ForeignKey(
        Sponsorship, on_delete=models.CASCADE, related_name="fulfilment", verbose_name=_("sponsorship")
    )
    kind = models.CharField(_("benefit"), max_length=20, choices=BenefitKind.choices)
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    done = models.BooleanField(_("done"), default=False)
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("benefit to deliver")
        verbose_name_plural = _("benefits to deliver")
        ordering = ["sponsorship", "kind"]
        constraints = [models.UniqueConstraint(fields=["sponsorship", "kind"], name="one_item_per_benefit")]

    def __str__(self):
        return f"{self.sponsorship.sponsor}: {self.get_kind_display()}"


class PartnerRole(models.TextChoices):
    CO_HOST = "co_host", _("Co-host (联合主办)")
    CO_ORGANIZER = "co_organizer", _("Co-organizer (协办)")
    VENUE = "venue", _("Venue support (场地支持)")
    LIVESTREAM = "livestream", _("Livestream (直播)")
    PROMOTION = "promotion", _("Promotion (宣传)")
    PRIZES = "prizes", _("Prizes (奖品)")
    VIDEO = "video", _("Video (视频)")


class PartnerAsk(models.TextChoices):
    NEW_MEMBERS = "new_members", _("New members (拉新)")
    REACH = "reach", _("Reach and influence (影响力)")
    CONTENT = "content", _("Content (内容)")
    CONVERSION = "conversion", _("User conversion (用户转化)")
    SPEAKERS = "speakers", _("Speakers and KOLs")


class Partner(models.Model):
    """A partner community or organization (合作方)."""

    name = models.CharField(pgettext_lazy("of a thing", "name"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    logo = models.ImageField(_("logo"), upload_to="partners/", blank=True)
    website = models.URLField(_("website"), blank=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def display_name(self) -> str:
        return localized(self, "name")


class Partnership(models.Model):
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="partnerships", verbose_name=_("partner")
    )
    tour = models.ForeignKey(Tour, on_delete=models.CASCADE, related_name="partnerships", verbose_name=_("tour"))
    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        related_name="partnerships",
        verbose_name=_("event"),
        null=True,
        blank=True,
        help_text=_("Empty: the whole tour."),
    )
    role = models.CharField(_("role"), max_length=20, choices=PartnerRole.choices)
    asks = models.JSONField(_("what they ask for"), default=list, blank=True)
    promised = models.TextField(_("what we promised"), blank=True)

    class Meta:
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        ordering = ["tour", "role", "partner__name"]

    def __str__(self):
        return f"{self.partner} · {self.get_role_display()}"

    def clean(self):
        if self.event_id and self.tour_id and self.event.tour_id != self.tour_id:
            raise ValidationError({"event": _("This event belongs to another tour.")})
