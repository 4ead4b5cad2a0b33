"""Organizers' screens for registration: tiers, questions, invite codes, registrations, CSV in and out."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from citytour.admin import ScopedInline
from citytour.phones import PhoneField

from .. import services
from ..models import (
    Attendance,
    CheckInStaff,
    Event,
    ImportState,
    InviteChannel,
    InviteCode,
    ReferralChannel,
    Registration,
    RegistrationQuestion,
    RegistrationStatus,
    TicketTier,
)
from .base import EmailUserForm, OrganizerAdmin, TourAdminOnly, account_of


class TicketTierInline(ScopedInline, admin.TabularInline):
    model = TicketTier
    extra = 0
    fields = ["name", "name_en", "attendance", "price", "quota", "sale_starts", "sale_ends", "visibility", "position"]


class RegistrationQuestionInline(ScopedInline, admin.TabularInline):
    model = RegistrationQuestion
    extra = 0
    fields = ["text", "text_en", "required", "position"]


class CheckInStaffForm(EmailUserForm):
    class Meta:
        model = CheckInStaff
        fields = ["email"]

    def clean_email(self):
        email = super().clean_email()
        # The person is named by email, not by a model field, so Django's own uniqueness check does not see them.
        taken = CheckInStaff.objects.filter(event_id=self.instance.event_id, user=self.instance.user)
        if self.instance.event_id and taken.exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("%(email)s already checks people in at this event.") % {"email": email})
        return email


class CheckInStaffFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            email = (form.cleaned_data or {}).get("email") if not self._should_delete_form(form) else None
            if email and email.lower() in seen:
                form.add_error("email", _("%(email)s is in the list twice.") % {"email": email})
            elif email:
                seen.add(email.lower())


class CheckInStaffInline(ScopedInline, admin.TabularInline):
    model = CheckInStaff
    form = CheckInStaffForm
    formset = CheckInStaffFormSet
    extra = 0
    verbose_name_plural = _("check-in helpers (besides the city team)")


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8, with a header row: name, email, and optionally phone, company, job_role, tier (or in Chinese: "
            "姓名, 邮箱, 手机, 公司, 职位, 票种)."
        ),
    )
    notify = forms.BooleanField(
        label=_("Email the confirmations"),
        required=False,
        initial=True,
        help_text=_(
            "Each person gets the confirmation email with their ticket, as if they had registered on the site. "
            "Leave it unticked for people already told elsewhere (an export of another platform); their tickets "
            "are on “My tickets” all the same."
        ),
    )


class EventRegistrationMixin:
    """On the event admin: registration figures, CSV export and import, the check-in page."""

    @admin.display(description=_("registration"))
    def registration_overview(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        figures = services.registration_figures(obj)
        links = format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:events_event_export", args=[obj.pk]),
            gettext("Export registrations (CSV)"),
            reverse("admin:events_event_import", args=[obj.pk]),
            gettext("Import registrations (CSV)"),
            reverse("events:checkin", args=[obj.tour.slug, obj.slug]),
            gettext("Check-in page"),
        )
        summary = gettext(
            "%(in_person)s in person (of %(capacity)s seats; %(reserved)s more held for invite codes), "
            "%(online)s online, %(checked_in)s checked in, %(waiting)s waiting."
        ) % {**figures, "capacity": figures["capacity"] or "—"}
        return format_html("<p>{}</p><p>{}</p>", summary, links)

    def get_urls(self):
        return [
            path(
                "<int:pk>/registrations.csv", self.admin_site.admin_view(self.export_view), name="events_event_export"
            ),
            path("<int:pk>/import/", self.admin_site.admin_view(self.import_view), name="events_event_import"),
            path(
                "<int:pk>/import/sample.csv",
                self.admin_site.admin_view(self.import_sample_view),
                name="events_event_import_sample",
            ),
            path(
                "<int:pk>/import/<int:job>/",
                self.admin_site.admin_view(self.import_job_view),
                name="events_event_import_job",
            ),
            *super().get_urls(),
        ]

    def _event(self, request, pk) -> Event:
        event = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_change_permission(request, event):
            raise PermissionDenied
        return event

    def export_view(self, request, pk):
        event = self._event(request, pk)
        response = StreamingHttpResponse(services.export_rows(event), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="registrations-{event.tour.slug}-{event.slug}.csv"'
        return response

    def import_view(self, request, pk):
        event = self._event(request, pk)
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            job = services.queue_import(
                event=event,
                file_name=upload.name,
                data=upload.read(),
                by=request.user,
                language=request.LANGUAGE_CODE,
                notify=form.cleaned_data["notify"],
            )
            return redirect("admin:events_event_import_job", event.pk, job.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Import registrations"),
            "event": event,
            "form": form,
            "imports": event.registration_imports.select_related("created_by")[:10],
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/events/event/import.html", context)

    def import_sample_view(self, request, pk):
        event = self._event(request, pk)
        response = HttpResponse(services.sample_file(event), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{event.tour.slug}-{event.slug}.csv"'
        return response

    def import_job_view(self, request, pk, job):
        event = self._event(request, pk)
        job = get_object_or_404(event.registration_imports.select_related("created_by"), pk=job)
        waited = timezone.now() - job.created_at
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Import of %(file)s") % {"file": job.file_name},
            "event": event,
            "job": job,
            "errors": [services.RowError(**error) for error in job.errors],
            # The page follows the import until it ends; a file still waiting after some minutes is said to be.
            "refresh": not job.finished,
            "late": job.state == ImportState.QUEUED and waited > IMPORT_LATE,
            "form": ImportForm(),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/events/event/import_job.html", context)


IMPORT_LATE = dt.timedelta(minutes=2)


class EventScopedAdmin(OrganizerAdmin):
    """Rows of one event: its city team and its tour admins see them."""

    def scope_queryset(self, queryset, request):
        return queryset.filter(self.scope(request).tour_city_q("event__tour", "event__city"))

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "phone":
            # As on the attendees' and volunteers' own forms: checked, and kept in one spelling.
            return PhoneField(label=capfirst(db_field.verbose_name), required=not db_field.blank)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "event" and not request.user.is_superuser:
            kwargs["queryset"] = Event.objects.filter(self.scope(request).tour_city_q())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Registration)
class RegistrationAdmin(EventScopedAdmin):
    list_display = [
        "name",
        "email",
        "event",
        "tier",
        "status",
        "channel_name",
        "paid_at",
        "checked_in_at",
        "created_at",
    ]
    list_filter = [
        "event__tour",
        "event",
        "status",
        "tier__attendance",
        "invite_code__channel",
        ("checked_in_at", admin.EmptyFieldListFilter),
        ("paid_at", admin.EmptyFieldListFilter),
        "ticket_state",
    ]
    search_fields = ["name", "email", "phone", "company", "ticket_code"]
    list_select_related = ["event", "tier", "invite_code"]
    account = account_of(Registration, "user")
    checked_in_by_account = account_of(Registration, "checked_in_by")
    readonly_fields = [
        "event",
        "tier",
        "account",
        "email",
        "invite_code",
        "status",
        "ticket_code",
        "ticket_state",
        "checked_in_at",
        "checked_in_by_account",
        "created_at",
        "cancelled_at",
        "reminder_sent_at",
        "source",
    ]
    fields = [
        "event",
        "tier",
        "status",
        "name",
        "email",
        "account",
        "company",
        "job_role",
        "phone",
        "heard_from",
        "answers",
        "invite_code",
        "paid_at",
        "ticket_code",
        "ticket_state",
        "checked_in_at",
        "checked_in_by_account",
        "reminder_sent_at",
        "source",
        "created_at",
        "cancelled_at",
    ]
    actions = ["mark_paid", "cancel", "render_tickets"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False  # people register on the site, or come in by CSV import

    def has_delete_permission(self, request, obj=None):
        # Organizers cancel: the seat goes to the waiting list and the record stays. Superusers may delete (a test
        # row, a request to erase someone's data); the seats freed still go to those waiting.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        services.delete_registrations(registrations=[obj])

    def delete_queryset(self, request, queryset):
        services.delete_registrations(registrations=queryset.select_related("event"))

    def save_model(self, request, obj, form, change):
        services.save_registration(registration=obj, changed=form.changed_data)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None and "heard_from" in form.base_fields:
            # The channels of the registration's own tour, as its attendee chose from.
            form.base_fields["heard_from"].queryset = ReferralChannel.objects.filter(tour_id=obj.event.tour_id)
        return form

    @admin.display(description=_("channel"), ordering="invite_code__channel")
    def channel_name(self, obj):
        return obj.invite_code.get_channel_display() if obj.invite_code_id else gettext("Public registration")

    @admin.action(description=_("Mark as paid"))
    def mark_paid(self, request, queryset):
        # Only a confirmed seat with a price its holder pays (not a sponsor's ticket nor a comp) is paid for, once.
        payable = [
            registration
            for registration in queryset.filter(paid_at__isnull=True).select_related("tier", "invite_code")
            if registration.owes_payment
        ]
        for registration in payable:
            services.mark_paid(registration=registration)
        done, skipped = len(payable), queryset.count() - len(payable)
        self._tell(
            request,
            ngettext("%(count)d registration marked as paid.", "%(count)d registrations marked as paid.", done),
            done,
            ngettext(
                "%(count)d left as it was: already paid, free, waiting or cancelled.",
                "%(count)d left as they were: already paid, free, waiting or cancelled.",
                skipped,
            ),
            skipped,
        )

    @admin.action(description=_("Render the tickets again"))
    def render_tickets(self, request, queryset):
        # Only a confirmed seat at the venue has a ticket: online registrants get the livestream instead.
        door_tickets = list(queryset.filter(status=RegistrationStatus.CONFIRMED, tier__attendance=Attendance.IN_PERSON))
        for registration in door_tickets:
            services.request_ticket(registration=registration)
        done, skipped = len(door_tickets), queryset.count() - len(door_tickets)
        self._tell(
            request,
            ngettext("%(count)d ticket is being rendered again.", "%(count)d tickets are being rendered again.", done),
            done,
            ngettext(
                "%(count)d has no ticket: online, waiting or cancelled.",
                "%(count)d have no ticket: online, waiting or cancelled.",
                skipped,
            ),
            skipped,
        )

    def _tell(self, request, done_message: str, done: int, skipped_message: str, skipped: int) -> None:
        """What a bulk action did, and (if any) how many of the chosen rows it left alone."""
        self.message_user(request, done_message % {"count": done}, messages.SUCCESS)
        if skipped:
            self.message_user(request, skipped_message % {"count": skipped}, messages.WARNING)

    @admin.action(description=_("Cancel (the seats go to the waiting list)"))
    def cancel(self, request, queryset):
        cancelled = 0
        for registration in queryset.exclude(status=RegistrationStatus.CANCELLED):
            try:
                services.cancel_registration(registration=registration)
            except ValidationError as error:
                self.message_user(request, f"{registration}: {' '.join(error.messages)}", messages.ERROR)
            else:
                cancelled += 1
        message = ngettext("%(count)d registration cancelled.", "%(count)d registrations cancelled.", cancelled)
        self.message_user(request, message % {"count": cancelled}, messages.SUCCESS if cancelled else messages.WARNING)


class InviteBatchForm(forms.Form):
    event = forms.ModelChoiceField(label=_("event"), queryset=Event.objects.none())
    tier = forms.ModelChoiceField(label=_("tier"), queryset=TicketTier.objects.none())
    channel = forms.ChoiceField(label=_("channel"), choices=InviteChannel.choices)
    label = forms.CharField(label=_("for"), max_length=100, required=False)
    count = forms.IntegerField(label=_("how many codes"), min_value=1, max_value=1000, initial=10)
    max_uses = forms.IntegerField(label=_("uses per code"), min_value=1, initial=1)
    expires_at = forms.SplitDateTimeField(
        label=_("expires at"), required=False, widget=admin.widgets.AdminSplitDateTime
    )
    reserves_seats = forms.BooleanField(label=_("reserve the seats"), required=False)

    def __init__(self, *args, events, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].queryset = events
        self.fields["tier"].queryset = TicketTier.objects.filter(event__in=events).select_related("event")
        self.fields["tier"].label_from_instance = _tier_of_event


def _tier_of_event(tier: TicketTier) -> str:
    return f"{tier.event} · {tier.display_name}"


class _SaveRefused(Exception):
    """The service refused what the form had let through (another organizer took the seats meanwhile)."""

    def __init__(self, error: ValidationError):
        super().__init__(error)
        self.error = error


@admin.register(InviteCode)
class InviteCodeAdmin(EventScopedAdmin):
    list_display = [
        "code",
        "channel",
        "label",
        "event",
        "tier",
        "uses",
        "waiting",
        "came",
        "max_uses",
        "expires_at",
        "reserves_seats",
    ]
    list_filter = [("event", admin.RelatedOnlyFieldListFilter), "channel", "reserves_seats"]
    search_fields = ["code", "label"]
    list_select_related = ["event", "tier"]
    fields = ["event", "tier", "channel", "label", "code", "max_uses", "expires_at", "reserves_seats"]

    def get_fields(self, request, obj=None):
        # A new code is made when it is saved (unique, under the event's lock): it is shown from then on.
        fields = super().get_fields(request, obj)
        return fields if obj is not None else [name for name in fields if name != "code"]

    def get_readonly_fields(self, request, obj=None):
        # What a code claims (its event, tier, uses, reservation) is set once, through the service that checks
        # the capacity; afterwards only who it is for and when it expires change.
        return ["code"] if obj is None else ["code", "event", "tier", "max_uses", "reserves_seats"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "tier":
            tiers = TicketTier.objects.select_related("event").order_by("event__start", "event_id", "position")
            if not request.user.is_superuser:
                tiers = tiers.filter(self.scope(request).tour_city_q("event__tour", "event__city"))
            kwargs["queryset"] = tiers
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "tier" and field is not None:
            field.label_from_instance = _tier_of_event  # every event has its 普通票: say whose
        return field

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _SaveRefused as refused:
            # Seats taken by someone else between the form's check and the save (which checks again, under the
            # event's lock): nothing was saved, and the form comes back with why.
            request.code_refused = refused.error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        refused = getattr(request, "code_refused", None)
        if obj is not None:

            class ChangedCodeForm(form_class):
                def _post_clean(self):
                    super()._post_clean()
                    if self.errors:
                        return
                    try:
                        if refused is not None:
                            raise refused
                        services.check_code_change(self.instance)
                    except ValidationError as error:
                        self.add_error("expires_at", error.messages)

            return ChangedCodeForm

        class NewCodeForm(form_class):
            def clean(self):
                cleaned = super().clean()
                if refused is not None:
                    self.add_error(None, refused.messages)
                event, tier = cleaned.get("event"), cleaned.get("tier")
                expires_at = cleaned.get("expires_at")
                if expires_at and expires_at <= timezone.now():
                    self.add_error(
                        "expires_at", gettext("This expiry has already passed: the codes would refuse everyone.")
                    )
                if event and tier and tier.event_id != event.id:
                    self.add_error("tier", gettext("This tier belongs to another event."))
                elif event and tier and cleaned.get("reserves_seats") and cleaned.get("max_uses"):
                    try:
                        services.check_reservation(event=event, tier=tier, seats=cleaned["max_uses"])
                    except ValidationError as error:
                        self.add_error("max_uses", error.messages)
                return cleaned

        return NewCodeForm

    def save_model(self, request, obj, form, change):
        try:
            if change:
                services.save_invite_code(code=obj)
                return
            [created] = services.create_invite_codes(
                event=obj.event,
                tier=obj.tier,
                channel=obj.channel,
                count=1,
                label=obj.label,
                max_uses=obj.max_uses,
                expires_at=obj.expires_at,
                reserves_seats=obj.reserves_seats,
            )
        except ValidationError as error:
            raise _SaveRefused(error) from None
        obj.pk, obj.code = created.pk, created.code

    # An unused reserving code that goes gives its seats back: to those waiting first.
    def delete_model(self, request, obj):
        event = obj.event
        super().delete_model(request, obj)
        services.promote_where_seats_may_have_freed(events=[event])

    def delete_queryset(self, request, queryset):
        events = list(Event.objects.filter(pk__in=queryset.values("event_id")))
        super().delete_queryset(request, queryset)
        services.promote_where_seats_may_have_freed(events=events)

    def get_queryset(self, request):
        confirmed = Q(registrations__status=RegistrationStatus.CONFIRMED)
        return (
            super()
            .get_queryset(request)
            .annotate(
                # As the check-in page counts a channel: confirmed seats; those waiting (who hold a use of the
                # code too) apart.
                _uses=Count("registrations", filter=confirmed),
                _waiting=Count("registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)),
                _came=Count("registrations", filter=confirmed & Q(registrations__checked_in_at__isnull=False)),
            )
        )

    @admin.display(description=_("registered"), ordering="_uses")
    def uses(self, obj):
        return obj._uses

    @admin.display(description=_("waiting"), ordering="_waiting")
    def waiting(self, obj):
        return obj._waiting

    @admin.display(description=_("came"), ordering="_came")
    def came(self, obj):
        return obj._came

    def get_urls(self):
        return [
            path("batch/", self.admin_site.admin_view(self.batch_view), name="events_invitecode_batch"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "batch_url": reverse("admin:events_invitecode_batch")}
        return super().changelist_view(request, extra_context)

    def batch_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        events = (
            Event.objects.all()
            if request.user.is_superuser
            else Event.objects.filter(self.scope(request).tour_city_q())
        )
        form = InviteBatchForm(request.POST or None, events=events)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                codes = services.create_invite_codes(
                    event=data["event"],
                    tier=data["tier"],
                    channel=data["channel"],
                    count=data["count"],
                    label=data["label"],
                    max_uses=data["max_uses"],
                    expires_at=data["expires_at"],
                    reserves_seats=data["reserves_seats"],
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                self.message_user(
                    request,
                    ngettext("%(count)d code created.", "%(count)d codes created.", len(codes)) % {"count": len(codes)},
                    messages.SUCCESS,
                )
                return redirect("admin:events_invitecode_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Create invite codes"),
            "form": form,
            "opts": self.model._meta,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/events/invitecode/batch.html", context)


@admin.register(ReferralChannel)
class ReferralChannelAdmin(TourAdminOnly):
    """The tour's one list of "how did you hear of us" answers: its admins keep it (a city team renaming or
    deleting an option would change the answers of every city's attendees); city teams see it."""

    list_display = ["name", "name_en", "tour", "position"]
    list_editable = ["position"]
    list_filter = ["tour"]
