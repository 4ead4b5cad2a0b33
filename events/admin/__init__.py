"""The organizers' screens for tours, cities, teams, venues and events, scoped to what each user organizes."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from citytour.admin import ScopedInline, change_each
from speakers.models import AcceptanceStatus, Submission

from .. import services
from ..date_planning import clear_weekend_days, date_warnings
from ..models import (
    FIRST_YEAR,
    LAST_YEAR,
    AgendaTemplate,
    AgendaTemplateSlot,
    City,
    CityTeamMember,
    Event,
    EventStatus,
    PosterState,
    Registration,
    Room,
    Slot,
    TicketTier,
    Tour,
    Venue,
    VenuePhoto,
)
from ..selectors import (
    agenda_warnings,
    cities_organized_by,
    events_organized_by,
    venues_organized_by,
)
from .base import (
    IMAGE_UPLOADS,
    EmailUserForm,
    OrganizerAdmin,
    TourAdminOnly,
    TourCityScopedAdmin,
    local_datetime_with_weekday,
)
from .organizing import EventChecklistMixin
from .registrations import CheckInStaffInline, EventRegistrationMixin, RegistrationQuestionInline, TicketTierInline
from .volunteers import EventVolunteersMixin


@admin.register(Tour)
class TourAdmin(OrganizerAdmin):
    list_display = ["name", "year", "theme", "is_public", "event_count"]
    list_filter = ["year", "is_public"]
    search_fields = ["name", "name_en", "theme", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
    filter_horizontal = ["admins"]
    fieldsets = [
        (None, {"fields": ["name", "name_en", "slug", "year", "is_public"]}),
        (
            _("Theme and description"),
            {"fields": ["theme", "theme_en", "description", "description_en", "banner"]},
        ),
        (_("Tour admins"), {"fields": ["admins"]}),
    ]

    def scope_queryset(self, queryset, request):
        return queryset.filter(id__in=self.scope(request).tour_ids)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_event_count=models.Count("events"))

    @admin.display(description=_("events"), ordering="_event_count")
    def event_count(self, obj):
        return obj._event_count

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        if request.user.is_superuser:
            return True
        scope = self.scope(request)
        return bool(scope.admin_tour_ids) and (obj is None or obj.id in scope.admin_tour_ids)

    def get_readonly_fields(self, request, obj=None):
        return [] if request.user.is_superuser else ["admins"]

    def save_model(self, request, obj, form, change):
        services.save_tour(tour=obj, changed=form.changed_data if change else None)


@admin.register(City)
class CityAdmin(OrganizerAdmin):
    list_display = ["name_zh", "name_en", "region", "position"]
    list_editable = ["position"]
    list_filter = ["region"]
    search_fields = ["name_zh", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}

    def scope_queryset(self, queryset, request):
        return queryset

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class CityTeamMemberForm(EmailUserForm):
    class Meta:
        model = CityTeamMember
        fields = ["tour", "city", "email", "role"]

    def clean(self):
        cleaned = super().clean()
        tour, city, user = cleaned.get("tour"), cleaned.get("city"), getattr(self.instance, "user", None)
        if self.instance.pk and tour and city and user is not None:
            others = CityTeamMember.objects.filter(tour=tour, city=city, user=user).exclude(pk=self.instance.pk)
            if others.exists():
                self.add_error("email", gettext("This person is already on the team of this city."))
        return cleaned


@admin.register(CityTeamMember)
class CityTeamMemberAdmin(TourCityScopedAdmin):
    form = CityTeamMemberForm
    list_display = ["user_email", "user_name", "city", "tour", "role", "created_at"]
    list_filter = [("tour", admin.RelatedOnlyFieldListFilter), "city", "role"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "city__name_zh", "city__name_en"]
    list_select_related = ["user", "city", "tour"]

    @admin.display(description=_("email"), ordering="user__email")
    def user_email(self, obj):
        return obj.user.email

    @admin.display(description=pgettext_lazy("of a person", "name"))
    def user_name(self, obj):
        return obj.user.get_full_name()

    def save_model(self, request, obj, form, change):
        if change:
            services.save_city_team_member(member=obj)
            return
        member = services.add_city_team_member(tour=obj.tour, city=obj.city, user=obj.user, role=obj.role)
        obj.pk = member.pk


class VenuePhotoInline(ScopedInline, admin.TabularInline):
    model = VenuePhoto
    extra = 1
    fields = ["image", "preview", "caption", "position"]
    readonly_fields = ["preview"]
    formfield_overrides = IMAGE_UPLOADS

    @admin.display(description=_("preview"))
    def preview(self, obj):
        if not obj.image:
            return "—"
        return format_html('<img src="{}" alt="{}" style="max-height:80px">', obj.image.url, obj.caption)


class VenueEventInline(ScopedInline, admin.TabularInline):
    model = Event
    fields = ["title", "tour", "start", "status"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = _("events at this venue")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return events_organized_by(request.user, super().get_queryset(request)).select_related("tour")


@admin.register(Venue)
class VenueAdmin(OrganizerAdmin):
    list_display = ["name", "city", "capacity", "address", "event_count"]
    list_filter = ["city"]
    search_fields = ["name", "name_en", "address", "city__name_zh", "city__name_en"]
    list_select_related = ["city"]
    inlines = [VenuePhotoInline, VenueEventInline]

    def scope_queryset(self, queryset, request):
        return venues_organized_by(request.user, queryset)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_event_count=models.Count("events", distinct=True))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and "capacity" in form.changed_data:
            # A larger venue seats more at its events that take their capacity from it: those waiting first.
            services.promote_where_seats_may_have_freed(events=list(form.instance.events.all()))
        if change and {"name", "name_en", "address"} & set(form.changed_data):
            # Printed on the tickets of its events.
            venue_tickets = Registration.objects.filter(event__venue=form.instance)
            _tell_tickets_rendered_again(self, request, services.request_tickets(registrations=venue_tickets))

    @admin.display(description=_("events"), ordering="_event_count")
    def event_count(self, obj):
        return obj._event_count

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "city" and not request.user.is_superuser:
            kwargs["queryset"] = cities_organized_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AgendaTemplateSlotInline(ScopedInline, admin.TabularInline):
    model = AgendaTemplateSlot
    extra = 0
    fields = ["position", "kind", "title", "title_en", "duration_minutes"]


@admin.register(AgendaTemplate)
class AgendaTemplateAdmin(TourAdminOnly):
    list_display = ["name", "tour", "slot_count", "total_minutes"]
    list_filter = ["tour"]
    inlines = [AgendaTemplateSlotInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_slots=models.Count("slots"), _minutes=models.Sum("slots__duration_minutes"))
        )

    @admin.display(description=_("slots"))
    def slot_count(self, obj):
        return obj._slots

    @admin.display(description=_("minutes"))
    def total_minutes(self, obj):
        return obj._minutes or 0


class RoomInline(ScopedInline, admin.TabularInline):
    model = Room
    extra = 0
    fields = ["name", "name_en", "position"]


class SlotInline(ScopedInline, admin.TabularInline):
    model = Slot
    extra = 0
    fields = ["start", "end", "room", "kind", "title", "title_en", "submission", "replay_url", "slides"]
    readonly_fields = ["slides"]
    verbose_name_plural = _("agenda")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        fields = formset.form.base_fields
        if obj is not None:
            fields["room"].queryset = obj.rooms.all()
            # Confirmed talks for this event, and whatever is already placed.
            fields["submission"].queryset = (
                Submission.objects.filter(
                    models.Q(acceptances__event=obj, acceptances__status=AcceptanceStatus.CONFIRMED)
                    | models.Q(slots__event=obj)
                )
                .distinct()
                .order_by("title")
            )
        else:
            fields["room"].queryset = Room.objects.none()
            fields["submission"].queryset = Submission.objects.none()
        return formset


def _status_action(status: str, description):
    def action(modeladmin, request, queryset):
        changed = change_each(
            modeladmin,
            request,
            queryset.select_related("venue", "city", "tour"),
            lambda event: services.change_event_status(event=event, status=status),
        )
        if changed:
            modeladmin.message_user(
                request,
                ngettext("%(count)d event is now “%(status)s”.", "%(count)d events are now “%(status)s”.", changed)
                % {"count": changed, "status": EventStatus(status).label},
                messages.SUCCESS,
            )

    action.__name__ = f"mark_{status}"
    return admin.action(description=description)(action)


@admin.register(Event)
class EventAdmin(EventRegistrationMixin, EventVolunteersMixin, EventChecklistMixin, TourCityScopedAdmin):
    list_display = ["title", "city", "when", "venue_name", "capacity", "status"]
    list_filter = ["tour", "city", "status", ("start", admin.DateFieldListFilter)]
    search_fields = ["title", "title_en", "slug", "city__name_zh", "city__name_en", "venue__name"]
    list_select_related = ["city", "venue", "tour"]
    date_hierarchy = "start"
    readonly_fields = [
        "date_check",
        "venue_details",
        "poster_preview",
        "agenda_check",
        "registration_overview",
        "volunteer_overview",
        "checklist_overview",
    ]
    inlines = [TicketTierInline, RegistrationQuestionInline, CheckInStaffInline, RoomInline, SlotInline]
    fieldsets = [
        (None, {"fields": ["tour", "city", "title", "title_en", "slug", "status"]}),
        (_("Time and place"), {"fields": ["start", "end", "date_check", "venue", "venue_details", "capacity"]}),
        (_("Description"), {"fields": ["description", "description_en"]}),
        (_("Online"), {"fields": ["livestream_url", "replay_url"]}),
        (_("Registration"), {"fields": ["registration_overview"]}),
        (_("Organizing team"), {"fields": ["checklist_overview", "volunteer_overview"]}),
        (_("Poster"), {"fields": ["poster_preview"]}),
        (_("Agenda check"), {"fields": ["agenda_check"]}),
    ]
    actions = [
        _status_action(EventStatus.PUBLISHED, _("Publish")),
        _status_action(EventStatus.REGISTRATION_CLOSED, _("Close registration")),
        _status_action(EventStatus.FINISHED, _("Mark as finished")),
        _status_action(EventStatus.CANCELLED, _("Cancel")),
        "render_posters",
        "create_agenda",
        "create_checklist",
    ]

    @admin.display(description=_("date"), ordering="start")
    def when(self, obj):
        return local_datetime_with_weekday(obj.start)

    @admin.display(description=_("venue"), ordering="venue__name")
    def venue_name(self, obj):
        return obj.venue.name if obj.venue_id else "—"

    @admin.display(description=_("venue details"))
    def venue_details(self, obj):
        venue = obj.venue if obj and obj.venue_id else None
        if venue is None:
            return "—"
        rows = [
            (gettext("Address"), venue.address),
            (gettext("Capacity"), venue.capacity),
            (gettext("Transport"), venue.transport_notes or "—"),
        ]
        table = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows)
        link = format_html(' <a href="{}" target="_blank" rel="noopener">{}</a>', venue.map_url, gettext("Map"))
        return format_html("<table>{}</table>{}", table, link if venue.map_url else "")

    @admin.display(description=_("poster"))
    def poster_preview(self, obj):
        if obj is None or obj.poster_state == PosterState.NONE:
            return gettext("A poster is made when the event is published.")
        if obj.poster_state == PosterState.READY and obj.poster:
            return format_html(
                '<a href="{0}" target="_blank"><img src="{0}" alt="{1}" style="max-height:240px"></a>',
                obj.poster.url,
                gettext("Poster"),
            )
        if obj.poster_state == PosterState.FAILED:
            return gettext("Failed: %(reason)s") % {"reason": obj.poster_error}
        return obj.get_poster_state_display()

    @admin.action(description=_("Render the poster again"))
    def render_posters(self, request, queryset):
        events = list(queryset)
        for event in events:
            services.request_poster(event=event)
        self.message_user(
            request,
            ngettext("Rendering %(count)d poster.", "Rendering %(count)d posters.", len(events))
            % {"count": len(events)},
        )

    def save_model(self, request, obj, form, change):
        services.save_event(event=obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        renamed = [
            tier_form.instance.pk
            for formset in formsets
            if formset.model is TicketTier
            for tier_form in formset.forms
            if tier_form.instance.pk and {"name", "name_en"} & set(tier_form.changed_data)
        ]
        requested = getattr(form.instance, "tickets_requested", 0)
        if renamed and not requested:  # a tier's name is printed on its tickets (unless all are being redrawn)
            requested = services.request_tickets(registrations=Registration.objects.filter(tier_id__in=renamed))
        _tell_tickets_rendered_again(self, request, requested)
        # A raised quota or capacity gives its seats to the people waiting, before anyone new takes them.
        for registration in services.promote_after_change(event=form.instance):
            self.message_user(
                request,
                gettext("%(name)s moved from the waiting list to “%(tier)s”.")
                % {"name": registration.name, "tier": registration.tier.display_name},
                messages.SUCCESS,
            )
        if form.instance.start and ("start" in form.changed_data or not change):
            for warning in date_warnings(timezone.localtime(form.instance.start).date()):
                self.message_user(request, warning, messages.WARNING)
        for warning in agenda_warnings(form.instance):
            self.message_user(request, warning, messages.WARNING)

    @admin.display(description=_("date check"))
    def date_check(self, obj):
        if obj is None or not obj.start:
            return "—"
        day = timezone.localtime(obj.start).date()
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            return "—"  # a date the form refuses (shown again with its error)
        warnings = date_warnings(day)
        if not warnings:
            return gettext("No holiday or adjusted working day on or next to this date.")
        suggestions = ", ".join(formats.date_format(d, "Y-m-d (D)") for d in clear_weekend_days(day))
        return format_html(
            "<ul>{}</ul><p>{} {}</p>",
            format_html_join("", "<li>{}</li>", ((w,) for w in warnings)),
            gettext("Clear weekend days nearby:"),
            suggestions,
        )

    @admin.display(description=_("agenda check"))
    def agenda_check(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        warnings = agenda_warnings(obj)
        if not warnings:
            return gettext("No conflicts found.")
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((w,) for w in warnings)))

    @admin.action(description=_("Create the agenda from the tour's template"))
    def create_agenda(self, request, queryset):
        for event in queryset.select_related("tour"):
            template = event.tour.agenda_templates.first()
            if template is None:
                self.message_user(
                    request, gettext("%(tour)s has no agenda template yet.") % {"tour": event.tour}, messages.ERROR
                )
                continue
            try:
                slots = services.create_agenda_from_template(event=event, template=template)
            except ValidationError as error:
                self.message_user(request, f"{event}: {' '.join(error.messages)}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("%(event)s: %(count)d slots from “%(template)s”.")
                    % {"event": event, "count": len(slots), "template": template},
                    messages.SUCCESS,
                )


def _tell_tickets_rendered_again(model_admin, request, count: int) -> None:
    """Organizers learn that a change they saved reaches the tickets in attendees' phones."""
    if count:
        message = ngettext(
            "%(count)d ticket is being rendered again.", "%(count)d tickets are being rendered again.", count
        )
        model_admin.message_user(request, message % {"count": count})


__all__ = ["IMAGE_UPLOADS", "OrganizerAdmin", "TourAdminOnly", "TourCityScopedAdmin"]
