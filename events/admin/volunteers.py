"""Organizers' screens for volunteers: the sign-ups, the shifts, and one board per event to run them."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from citytour.admin import change_each

from .. import services
from ..models import (
    Event,
    Shift,
    ShiftAssignment,
    ShiftAttendance,
    VolunteerApplication,
    VolunteerStatus,
)
from ..selectors import shifts_of_event, volunteers_of_event
from .base import account_of, local_datetime_with_weekday
from .registrations import EventScopedAdmin


def _decide(modeladmin, request, queryset, approve: bool):
    done = change_each(
        modeladmin,
        request,
        queryset.select_related("event"),
        lambda application: services.decide_volunteer(application=application, approve=approve, by=request.user),
    )
    if done:
        message = (
            ngettext("%(count)d volunteer approved.", "%(count)d volunteers approved.", done)
            if approve
            else ngettext("%(count)d volunteer declined.", "%(count)d volunteers declined.", done)
        )
        modeladmin.message_user(request, message % {"count": done}, messages.SUCCESS)


@admin.register(VolunteerApplication)
class VolunteerApplicationAdmin(EventScopedAdmin):
    list_display = ["name", "event", "preferred_roles", "contact", "availability", "status", "shifts", "created_at"]
    list_filter = ["status", ("event", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "phone", "wechat", "user__email"]
    list_select_related = ["event", "user"]
    fields = [
        "event",
        "name",
        "account",
        "preferred_roles",
        "availability",
        "phone",
        "wechat",
        "experience",
        "status",
        "decided_by_account",
        "decided_at",
        "created_at",
    ]
    readonly_fields = fields
    account = account_of(VolunteerApplication, "user")
    decided_by_account = account_of(VolunteerApplication, "decided_by")
    actions = ["approve", "decline"]

    def has_add_permission(self, request):
        return False  # volunteers sign up on the event page

    def has_delete_permission(self, request, obj=None):
        return False  # declined, or stepped back: the sign-up stays, with what they did

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_shifts=models.Count("assignments"))

    @admin.display(description=_("preferred roles"))
    def preferred_roles(self, obj):
        return obj.roles_text

    @admin.display(description=_("phone / WeChat"))
    def contact(self, obj):
        return " / ".join(value for value in (obj.phone, obj.wechat) if value) or "—"

    @admin.display(description=_("shifts"), ordering="_shifts")
    def shifts(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:events_event_volunteers", args=[obj.event_id]), obj._shifts
        )

    @admin.action(description=_("Approve (they are told by email)"))
    def approve(self, request, queryset):
        _decide(self, request, queryset, approve=True)

    @admin.action(description=_("Decline (they are told by email)"))
    def decline(self, request, queryset):
        _decide(self, request, queryset, approve=False)


class ShiftForm(forms.ModelForm):
    class Meta:
        model = Shift
        fields = ["event", "role", "start", "end", "head_count", "notes"]

    def _post_clean(self):
        super()._post_clean()
        if self.errors or not self.instance.event_id:
            return
        try:
            services.check_shift(self.instance)
        except ValidationError as error:
            self._update_errors(error)


@admin.register(Shift)
class ShiftAdmin(EventScopedAdmin):
    form = ShiftForm
    list_display = ["role", "event", "when", "head_count", "assigned"]
    list_filter = [("event", admin.RelatedOnlyFieldListFilter), "role"]
    list_select_related = ["event"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_assigned=models.Count("assignments"))

    @admin.display(description=_("when"), ordering="start")
    def when(self, obj):
        return f"{local_datetime_with_weekday(obj.start)}–{timezone.localtime(obj.end):%H:%M}"

    @admin.display(description=_("volunteers"), ordering="_assigned")
    def assigned(self, obj):
        return format_html(
            '<a href="{}">{} / {}</a>',
            reverse("admin:events_event_volunteers", args=[obj.event_id]),
            obj._assigned,
            obj.head_count,
        )

    def get_readonly_fields(self, request, obj=None):
        return ["event"] if obj is not None else []

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one by one, through the service that frees the volunteers
        return actions

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (obj.event.is_over or obj.start <= timezone.now()) and obj.assignments.exists():
            return False  # the record of who helped
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        services.save_shift(shift=obj, by=request.user)

    def delete_model(self, request, obj):
        services.delete_shift(shift=obj, by=request.user)


class EventVolunteersMixin:
    """On the event admin: the volunteer board (sign-ups, shifts, who is on them and whether they came)."""

    def get_urls(self):
        return [
            path(
                "<int:pk>/volunteers/",
                self.admin_site.admin_view(self.volunteers_view),
                name="events_event_volunteers",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("volunteers"))
    def volunteer_overview(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:events_event_volunteers", args=[obj.pk]), gettext("Volunteer board")
        )

    def volunteers_view(self, request, pk):
        event = get_object_or_404(self.get_queryset(request).select_related("tour", "city"), pk=pk)
        if not self.has_change_permission(request, event):
            raise PermissionDenied
        if request.method == "POST":
            self._board_change(request, event)
            return redirect("admin:events_event_volunteers", event.pk)
        volunteers = list(volunteers_of_event(event))
        approved = [v for v in volunteers if v.status == VolunteerStatus.APPROVED]
        shifts = list(shifts_of_event(event))
        now = timezone.now()
        for shift in shifts:
            shift.started = shift.start <= now
            taken = {assignment.volunteer_id for assignment in shift.assignments.all()}
            full = len(taken) >= shift.head_count
            shift.candidates = [] if full else [v for v in approved if v.id not in taken]
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Volunteers of %(event)s") % {"event": event},
            "event": event,
            "opts": self.model._meta,
            "pending": [v for v in volunteers if v.status == VolunteerStatus.PENDING],
            "approved": approved,
            "others": [v for v in volunteers if v.status not in (VolunteerStatus.PENDING, VolunteerStatus.APPROVED)],
            "shifts": shifts,
            "attendance_choices": ShiftAttendance.choices,
        }
        return TemplateResponse(request, "admin/events/event/volunteers.html", context)

    def _board_change(self, request, event: Event) -> None:
        """One change from the board's forms, through the volunteer services; a refusal is shown, not raised."""
        operation = request.POST.get("op")
        applications = VolunteerApplication.objects.filter(event=event)
        assignments = ShiftAssignment.objects.filter(shift__event=event)

        def posted(queryset, name):
            try:
                pk = int(request.POST.get(name, ""))
            except ValueError:
                raise Http404 from None
            return get_object_or_404(queryset, pk=pk)

        try:
            if operation in ("approve", "decline"):
                application = posted(applications, "volunteer")
                services.decide_volunteer(application=application, approve=operation == "approve", by=request.user)
                message = gettext("%(name)s approved.") if operation == "approve" else gettext("%(name)s declined.")
                self.message_user(request, message % {"name": application.name}, messages.SUCCESS)
            elif operation == "assign":
                shift = posted(Shift.objects.filter(event=event), "shift")
                application = posted(applications, "volunteer")
                services.assign_shift(shift=shift, application=application, by=request.user)
                self.message_user(
                    request,
                    gettext("%(name)s is on the shift %(shift)s.") % {"name": application.name, "shift": shift},
                    messages.SUCCESS,
                )
            elif operation == "unassign":
                assignment = posted(assignments, "assignment")
                services.unassign_shift(assignment=assignment, by=request.user)
                self.message_user(request, gettext("Taken off the shift."), messages.SUCCESS)
            elif operation == "attendance":
                assignment = posted(assignments, "assignment")
                services.mark_attendance(
                    assignment=assignment, attendance=request.POST.get("attendance", ""), by=request.user
                )
                self.message_user(request, gettext("Attendance saved."), messages.SUCCESS)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
