"""Organizers' screens for the team's own work: the checklist (template, tasks, progress) and the city KPIs."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .. import services
from ..models import FIRST_YEAR, LAST_YEAR, OPEN_TASK_STATUSES, ChecklistTask, ChecklistTemplateItem, City, CityTarget
from ..selectors import (
    checklist_progress,
    city_kpis,
    events_organized_by,
    kpi_cities,
    organizing_team_users,
    overdue_tasks,
    task_owner_choices,
)
from .base import OrganizerAdmin, TourAdminOnly
from .registrations import EventScopedAdmin


@admin.register(ChecklistTemplateItem)
class ChecklistTemplateItemAdmin(TourAdminOnly):
    list_display = ["title", "title_en", "area", "due", "tour"]
    list_filter = ["tour", "area"]
    search_fields = ["title", "title_en"]
    ordering = ["tour", "due_offset_days", "position"]

    @admin.display(description=_("due"), ordering="due_offset_days")
    def due(self, obj):
        return obj.due_label


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue only"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(status__in=OPEN_TASK_STATUSES, due_date__lt=timezone.localdate())
        return queryset


class ChecklistTaskForm(forms.ModelForm):
    class Meta:
        model = ChecklistTask
        fields = ["event", "title", "title_en", "area", "due_date", "owner", "status", "notes"]

    def clean(self):
        cleaned = super().clean()
        event, owner = cleaned.get("event") or getattr(self.instance, "event", None), cleaned.get("owner")
        if event and owner and not task_owner_choices(event).filter(pk=owner.pk).exists():
            self.add_error("owner", gettext("The owner must be on this city's team or a tour admin."))
        return cleaned


@admin.register(ChecklistTask)
class ChecklistTaskAdmin(EventScopedAdmin):
    form = ChecklistTaskForm
    list_display = ["title", "event", "area", "due", "owner_name", "status"]
    list_editable = ["status"]
    list_filter = [OverdueFilter, "status", "area", ("event", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "title_en", "notes", "owner__email"]
    list_select_related = ["event__city", "owner"]
    ordering = ["due_date", "id"]
    list_per_page = 100

    def get_readonly_fields(self, request, obj=None):
        return ["event"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "owner":
            # People on the organizing teams the user can see; the form checks the owner fits the task's event.
            kwargs["queryset"] = organizing_team_users(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("due"), ordering="due_date")
    def due(self, obj):
        if obj.is_overdue(timezone.localdate()):
            return format_html('<span class="overdue">{} · {}</span>', obj.due_date, gettext("overdue"))
        return obj.due_date

    @admin.display(description=_("owner"), ordering="owner__first_name")
    def owner_name(self, obj):
        return (obj.owner.get_full_name() or obj.owner.email) if obj.owner_id else "—"

    def save_model(self, request, obj, form, change):
        services.save_task(task=obj, by=request.user)

    def get_urls(self):
        return [
            path("progress/", self.admin_site.admin_view(self.progress_view), name="events_checklist_progress"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "progress_url": reverse("admin:events_checklist_progress")}
        return super().changelist_view(request, extra_context)

    def progress_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        events = events_organized_by(request.user)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Checklist progress"),
            "opts": self.model._meta,
            "events": checklist_progress(events, today),
            "overdue": overdue_tasks(events, today)[:50],
            "today": today,
        }
        return TemplateResponse(request, "admin/events/checklisttask/progress.html", context)


class EventChecklistMixin:
    """On the event admin: create the checklist from the tour's template, and see how far it is."""

    def get_urls(self):
        return [
            path(
                "<int:pk>/checklist/create/",
                self.admin_site.admin_view(self.create_checklist_view),
                name="events_event_create_checklist",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("checklist"))
    def checklist_overview(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        tasks = obj.checklist.all()
        total = tasks.count()
        if not total:
            # A button of the change form that posts to the checklist's own URL (a form cannot hold another).
            return format_html(
                '{} <button type="submit" class="button" formaction="{}" formmethod="post" formnovalidate>{}</button>',
                gettext("No checklist yet."),
                reverse("admin:events_event_create_checklist", args=[obj.pk]),
                gettext("Create the checklist from the tour's template"),
            )
        done = tasks.exclude(status__in=OPEN_TASK_STATUSES).count()
        overdue = tasks.filter(status__in=OPEN_TASK_STATUSES, due_date__lt=timezone.localdate()).count()
        link = reverse("admin:events_checklisttask_changelist") + f"?event__id__exact={obj.pk}"
        return format_html(
            '<a href="{}">{}</a>',
            link,
            gettext("%(done)s of %(total)s tasks done, %(overdue)s overdue")
            % {"done": done, "total": total, "overdue": overdue},
        )

    def create_checklist_view(self, request, pk):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        event = get_object_or_404(self.get_queryset(request).select_related("tour"), pk=pk)
        if not self.has_change_permission(request, event):
            raise PermissionDenied
        self._create_checklist(request, event)
        return redirect("admin:events_event_change", event.pk)

    @admin.action(description=_("Create the checklist from the tour's template"))
    def create_checklist(self, request, queryset):
        for event in queryset.select_related("tour"):
            self._create_checklist(request, event)

    def _create_checklist(self, request, event) -> None:
        try:
            tasks = services.create_checklist(event=event)
        except ValidationError as error:
            self.message_user(request, f"{event}: {' '.join(error.messages)}", messages.ERROR)
        else:
            self.message_user(
                request,
                ngettext("%(event)s: %(count)d task added.", "%(event)s: %(count)d tasks added.", len(tasks))
                % {"event": event, "count": len(tasks)},
                messages.SUCCESS,
            )


@admin.register(CityTarget)
class CityTargetAdmin(OrganizerAdmin):
    """Targets are set by superusers, and by tour admins for the cities their tours visit; a city team sees its
    own city's."""

    list_display = ["city", "year", "events"]
    list_filter = ["year", "city"]
    list_editable = ["events"]

    def scope_queryset(self, queryset, request):
        return queryset.filter(city__in=kpi_cities(request.user))

    def _settable_cities(self, request):
        if request.user.is_superuser:
            return City.objects.all()
        return City.objects.filter(events__tour_id__in=self.scope(request).admin_tour_ids).distinct()

    def _sets_targets(self, request, obj=None) -> bool:
        settable = self._settable_cities(request)
        return settable.exists() if obj is None else settable.filter(pk=obj.city_id).exists()

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self._sets_targets(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._sets_targets(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._sets_targets(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "city":
            kwargs["queryset"] = self._settable_cities(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changelist_form(self, request, **kwargs):
        form_class = super().get_changelist_form(request, **kwargs)
        settable = set(self._settable_cities(request).values_list("id", flat=True))

        class TargetRowForm(form_class):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                if self.instance.pk and self.instance.city_id not in settable:
                    self.fields["events"].disabled = True  # seen on the list, set by others

        return TargetRowForm

    def get_urls(self):
        return [
            path("kpis/", self.admin_site.admin_view(self.kpi_view), name="events_city_kpis"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "kpi_url": reverse("admin:events_city_kpis")}
        return super().changelist_view(request, extra_context)

    def kpi_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        this_year = timezone.localdate().year
        try:
            year = int(request.GET.get("year", this_year))
        except ValueError:
            year = this_year
        year = min(max(year, FIRST_YEAR), LAST_YEAR)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("City KPIs %(year)s") % {"year": year},
            "opts": self.model._meta,
            "year": year,
            "previous_year": year - 1,
            "next_year": year + 1,
            "kpis": city_kpis(year=year, cities=kpi_cities(request.user), events=events_organized_by(request.user)),
        }
        return TemplateResponse(request, "admin/events/citytarget/kpis.html", context)
