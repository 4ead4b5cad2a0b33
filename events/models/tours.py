"""Tours, cities, the teams that organize them, venues and events."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from citytour.i18n import localized, time_range

# The years a tour and its events may fall in.
FIRST_YEAR, LAST_YEAR = 2000, 2100


class Tour(models.Model):
    """A series: one theme taken on a tour of several cities."""

    name = models.CharField(pgettext_lazy("of a thing", "name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    slug = models.SlugField(_("slug"), unique=True)
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    theme = models.CharField(_("theme"), max_length=300, blank=True)
    theme_en = models.CharField(_("theme (English)"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    banner = models.ImageField(_("banner image"), upload_to="tours/banners/", blank=True)
    is_public = models.BooleanField(
        _("shown on the site"), default=True, help_text=_("Hidden tours are visible to organizers only.")
    )
    admins = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tour admins"),
        related_name="administered_tours",
        blank=True,
        help_text=_("Tour admins see and edit every city of the tour."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("tour")
        verbose_name_plural = _("tours")
        ordering = ["-year", "name"]

    def __str__(self):
        return self.name

    @property
    def display_name(self) -> str:
        return localized(self, "name")

    @property
    def display_theme(self) -> str:
        return localized(self, "theme")

    @property
    def display_description(self) -> str:
        return localized(self, "description")

    def get_absolute_url(self):
        return reverse("events:tour", kwargs={"tour_slug": self.slug})


class Region(models.TextChoices):
    NORTH = "north", _("North China")
    NORTHEAST = "northeast", _("Northeast China")
    EAST = "east", _("East China")
    SOUTH = "south", _("South China")
    CENTRAL = "central", _("Central China")
    SOUTHWEST = "southwest", _("Southwest China")
    NORTHWEST = "northwest", _("Northwest China")


class City(models.Model):
    name_zh = models.CharField(_("name (Chinese)"), max_length=50, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=80)
    slug = models.SlugField(_("slug"), unique=True)
    region = models.CharField(_("region"), max_length=20, choices=Region.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0, help_text=_("Order in lists."))

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["position", "name_en"]

    def __str__(self):
        return self.name_zh

    @property
    def display_name(self) -> str:
        return localized(self, "name", default_suffix="_zh")


class TeamRole(models.TextChoices):
    LEAD = "lead", _("Lead")
    MEMBER = "member", _("Member")


class CityTeamMember(models.Model):
    """A user who organizes one city of one tour."""

    tour = models.ForeignKey(Tour, on_delete=models.CASCADE, related_name="team_members", verbose_name=_("tour"))
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="team_members", verbose_name=_("city"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="city_teams",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=10, choices=TeamRole.choices, default=TeamRole.MEMBER)
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("city team member")
        verbose_name_plural = _("city team members")
        ordering = ["tour", "city__position", "role", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["tour", "city", "user"],
                name="one_membership_per_city_team",
                violation_error_message=_("This person is already on the team of this city."),
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.city} · {self.get_role_display()}"


class Venue(models.Model):
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="venues", verbose_name=_("city"))
    name = models.CharField(pgettext_lazy("of a thing", "name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300)
    capacity = models.PositiveIntegerField(
        _("capacity"),
        validators=[MinValueValidator(1, message=_("The capacity must be at least 1."))],
        help_text=_("Seats in the room."),
    )
    map_url = models.URLField(_("map link"), blank=True)
    transport_notes = models.TextField(
        _("transport notes"), blank=True, help_text=_("Metro stations, parking, which entrance to use.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["city__position", "name"]

    def __str__(self):
        return f"{self.name} ({self.city})"

    def clean(self):
        super().clean()
        if self.pk and self.capacity:
            # An event's own capacity never exceeds its venue's (Event.clean): the venue cannot shrink below it.
            larger = (
                self.events.filter(capacity__gt=self.capacity)
                .exclude(status__in=[EventStatus.FINISHED, EventStatus.CANCELLED])
                .order_by("-capacity", "start")
                .first()
            )
            if larger is not None:
                raise ValidationError(
                    {
                        "capacity": _(
                            "%(event)s seats %(seats)s here: lower its capacity first, or choose another venue for it."
                        )
                        % {"event": larger.display_title, "seats": larger.capacity}
                    }
                )

    @property
    def display_name(self) -> str:
        return localized(self, "name")


class VenuePhoto(models.Model):
    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="photos", verbose_name=_("venue"))
    image = models.ImageField(_("photo"), upload_to="venues/")
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("venue photo")
        verbose_name_plural = _("venue photos")
        ordering = ["position", "id"]

    def __str__(self):
        return self.caption or self.image.name


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    REGISTRATION_CLOSED = "registration_closed", _("Registration closed")
    FINISHED = "finished", _("Finished")
    CANCELLED = "cancelled", _("Cancelled")


# Which status an event may move to from each status.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    # Not DRAFT → CANCELLED: a cancelled event is shown (to tell those who planned to come), a draft never was.
    EventStatus.DRAFT: frozenset({EventStatus.PUBLISHED}),
    EventStatus.PUBLISHED: frozenset(
        {EventStatus.DRAFT, EventStatus.REGISTRATION_CLOSED, EventStatus.FINISHED, EventStatus.CANCELLED}
    ),
    EventStatus.REGISTRATION_CLOSED: frozenset({EventStatus.PUBLISHED, EventStatus.FINISHED, EventStatus.CANCELLED}),
    EventStatus.FINISHED: frozenset(),
    EventStatus.CANCELLED: frozenset({EventStatus.DRAFT}),
}
PUBLIC_STATUSES = frozenset(
    {EventStatus.PUBLISHED, EventStatus.REGISTRATION_CLOSED, EventStatus.FINISHED, EventStatus.CANCELLED}
)
# Statuses in which the event is announced and so must have a place and a time.
ANNOUNCED_STATUSES = frozenset({EventStatus.PUBLISHED, EventStatus.REGISTRATION_CLOSED, EventStatus.FINISHED})


class PosterState(models.TextChoices):
    NONE = "none", _("Not rendered")
    PENDING = "pending", _("Rendering")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class Event(models.Model):
    """One city's event of a tour."""

    tour = models.ForeignKey(Tour, on_delete=models.PROTECT, related_name="events", verbose_name=_("tour"))
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="events", verbose_name=_("city"))
    venue = models.ForeignKey(
        Venue,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("venue"),
        null=True,
        blank=True,
    )
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    slug = models.SlugField(
        _("slug"), blank=True, help_text=_("Part of the event's address; filled in from the city when empty.")
    )
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    start = models.DateTimeField(_("starts at"), null=True, blank=True)
    end = models.DateTimeField(_("ends at"), null=True, blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1, message=_("The capacity must be at least 1."))],
        help_text=_("In-person seats; empty means the venue's capacity."),
    )
    status = models.CharField(_("status"), max_length=20, choices=EventStatus.choices, default=EventStatus.DRAFT)
    livestream_url = models.URLField(_("livestream URL"), blank=True)
    replay_url = models.URLField(_("replay URL"), blank=True)
    poster = models.ImageField(_("poster"), upload_to="posters/", blank=True, editable=False)
    poster_state = models.CharField(
        _("poster"), max_length=10, choices=PosterState.choices, default=PosterState.NONE, editable=False
    )
    poster_error = models.CharField(_("poster error"), max_length=500, blank=True, editable=False)
    # Set when the notices of a cancellation went out (were queued); empty on a cancelled event until they have.
    cancellation_notices_at = models.DateTimeField(
        _("cancellation notices sent at"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = [models.F("start").asc(nulls_last=True), "city__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["tour", "slug"],
                name="event_slug_unique_in_tour",
                violation_error_message=_("Another event of this tour already uses this slug."),
            )
        ]
        indexes = [models.Index(fields=["tour", "city", "start"])]

    def __str__(self):
        return self.title

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Remember the stored status so that clean() can check the transition.
        instance._stored_status = instance.__dict__.get("status")
        return instance

    @property
    def display_title(self) -> str:
        return localized(self, "title")

    @property
    def when(self) -> str:
        """Its date and times in Shanghai time, in the current language ("" before they are set)."""
        return time_range(self.start, self.end) if self.start else ""

    @property
    def display_description(self) -> str:
        return localized(self, "description")

    @property
    def effective_capacity(self) -> int | None:
        if self.capacity:
            return self.capacity
        return self.venue.capacity if self.venue_id else None

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES and self.tour.is_public

    @property
    def is_over(self) -> bool:
        return bool(self.end and self.end <= timezone.now())

    @property
    def takes_registrations(self) -> bool:
        """Registration is open while the event is published and until it ends (people register at the door
        while it runs)."""
        return self.status == EventStatus.PUBLISHED and not self.is_over

    def upcoming(self, now=None) -> bool:
        """Announced (published, or with registration closed) and not begun: what attendees may still change
        their plans for, and what a freed seat is still worth giving to someone waiting."""
        return self.status in (EventStatus.PUBLISHED, EventStatus.REGISTRATION_CLOSED) and (
            self.start is None or self.start > (now or timezone.now())
        )

    @property
    def local_date(self) -> dt.date | None:
        return timezone.localtime(self.start).date() if self.start else None

    def get_absolute_url(self):
        return reverse("events:event", kwargs={"tour_slug": self.tour.slug, "event_slug": self.slug})

    def clean(self):
        errors: dict[str, list] = {}

        def add(field, message):
            errors.setdefault(field, []).append(message)

        if bool(self.start) != bool(self.end):
            add("end" if self.start else "start", _("Give both the start and the end time, or neither."))
        for name in ("start", "end"):
            moment = getattr(self, name)
            if moment and not FIRST_YEAR <= timezone.localtime(moment).year <= LAST_YEAR:
                add(name, _("Choose a date between the years 2000 and 2100."))
        if self.start and self.end and self.end <= self.start:
            add("end", _("The event must end after it starts."))
        if self.venue_id and self.city_id and self.venue.city_id != self.city_id:
            add("venue", _("This venue is in another city."))
        if self.capacity and self.venue_id and self.capacity > self.venue.capacity:
            add(
                "capacity",
                _("The capacity (%(capacity)s) exceeds the venue's capacity (%(venue_capacity)s).")
                % {"capacity": self.capacity, "venue_capacity": self.venue.capacity},
            )
        if self.status in ANNOUNCED_STATUSES:
            if not self.venue_id:
                add("venue", _("An event needs a venue before it is published."))
            if not self.start:
                add("start", _("An event needs a date before it is published."))
        stored = getattr(self, "_stored_status", None)
        if not stored and not self.pk and self.status == EventStatus.CANCELLED:
            add("status", _("A new event starts as a draft (or already published), not cancelled."))
        if stored and stored != self.status and self.status not in STATUS_TRANSITIONS[stored]:
            add(
                "status",
                _("An event cannot go from “%(old)s” to “%(new)s”.")
                % {"old": EventStatus(stored).label, "new": EventStatus(self.status).label},
            )
        if self.start and self.tour_id and self.city_id and self.status != EventStatus.CANCELLED:
            same_day = (
                Event.objects.filter(tour_id=self.tour_id, city_id=self.city_id, start__date=self.local_date)
                .exclude(pk=self.pk)
                .exclude(status=EventStatus.CANCELLED)
            )
            if same_day.exists():
                add("start", _("This tour already has an event in this city on that day."))
        if errors:
            raise ValidationError(errors)
