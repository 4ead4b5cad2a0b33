"""Organizers' screens for sponsors and partners, and the sponsorship pipeline."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext

from citytour.admin import ScopedInline
from events.admin import OrganizerAdmin, TourAdminOnly
from events.models import Event, Tour

from . import services
from .forms import PartnerForm, PartnershipForm, SponsorForm
from .models import FulfilmentItem, Partner, Partnership, Sponsor, Sponsorship, SponsorshipTier, TierBenefit
from .selectors import pipeline


class TourScoped(OrganizerAdmin):
    """Rows of a tour; rows of one city's event only for that city's team (and the tour admins). City teams see
    the whole-tour rows with their fields read-only: only the tour admins change (or sign) them, while what is
    inside them (a benefit to deliver that a city team member owns) stays theirs to tick off."""

    def scope_queryset(self, queryset, request):
        scope = self.scope(request)
        tour_level = Q(tour_id__in=scope.tour_ids, event__isnull=True)
        return queryset.filter(tour_level | scope.tour_city_q("event__tour", "event__city"))

    def _changes(self, request, obj) -> bool:
        if obj is None or obj.event_id or request.user.is_superuser:
            return True
        return obj.tour_id in self.scope(request).admin_tour_ids

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and not self._changes(request, obj):
            readonly += [f.name for f in self.model._meta.fields if f.editable and f.name not in readonly]
        return readonly

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._changes(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        if request.user.is_superuser:
            return form_class
        admin_tour_ids = set(self.scope(request).admin_tour_ids)

        class CityTeamForm(form_class):
            def clean(self):
                cleaned = super().clean()
                tour = cleaned.get("tour")
                if tour is not None and not cleaned.get("event") and tour.id not in admin_tour_ids:
                    self.add_error("event", gettext("Choose your city's event: whole-tour rows are the tour admins'."))
                return cleaned

        return CityTeamForm

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            scope = self.scope(request)
            if db_field.name == "tour":
                kwargs["queryset"] = Tour.objects.filter(id__in=scope.tour_ids)
            elif db_field.name == "event":
                kwargs["queryset"] = Event.objects.filter(scope.tour_city_q()).select_related("city")
            elif db_field.name == "tier":
                kwargs["queryset"] = SponsorshipTier.objects.filter(tour_id__in=scope.tour_ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class TierBenefitInline(ScopedInline, admin.TabularInline):
    model = TierBenefit
    extra = 0


@admin.register(SponsorshipTier)
class SponsorshipTierAdmin(TourAdminOnly):
    list_display = ["name", "name_en", "tour", "price", "places", "position"]
    list_filter = ["tour"]
    inlines = [TierBenefitInline]


class DealtWithAdmin(OrganizerAdmin):
    """A company or community that tours and cities deal with: its name and logo show on every page and ticket of
    those deals. Those who manage every deal made with it change it (a city team its own prospects and partners);
    the others see it read-only, as the whole-tour rows (TourScoped)."""

    deals: str  # the related name of its deals

    def _manages_every_deal(self, request, obj) -> bool:
        if obj is None or request.user.is_superuser:
            return True
        scope = self.scope(request)
        deals = getattr(obj, self.deals).values_list("tour_id", "event__tour_id", "event__city_id")
        return all(
            tour_id in scope.admin_tour_ids if city_id is None else scope.may_manage(event_tour_id, city_id)
            for tour_id, event_tour_id, city_id in deals
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._manages_every_deal(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._manages_every_deal(request, obj)


@admin.register(Sponsor)
class SponsorAdmin(DealtWithAdmin):
    deals = "sponsorships"
    form = SponsorForm
    list_display = ["name", "name_en", "website", "contact_name", "contact_email"]
    search_fields = ["name", "name_en", "contact_name", "contact_email"]

    def scope_queryset(self, queryset, request):
        # A new company is everyone's prospect; a company with deals belongs to the tours it deals with.
        scope = self.scope(request)
        return queryset.filter(Q(sponsorships__isnull=True) | Q(sponsorships__tour_id__in=scope.tour_ids)).distinct()


class FulfilmentInline(ScopedInline, admin.TabularInline):
    model = FulfilmentItem
    extra = 0
    fields = ["kind", "quantity", "owner", "done", "notes"]
    readonly_fields = ["kind", "quantity"]

    def has_add_permission(self, request, obj=None):
        return False  # items come from the tier's benefits when the deal is signed

    def _manages(self, request, deal) -> bool:
        return deal is None or self.admin_site._registry[Sponsorship]._changes(request, deal)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._manages(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly if self._manages(request, obj) else [*readonly, "owner"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if self._manages(request, obj):
            return formset
        user_id = request.user.id

        class OwnItemsOnly(formset.form):
            """On a whole-tour deal a city team member ticks off only what they themselves owe."""

            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                if self.instance.owner_id != user_id:
                    for field in self.fields.values():
                        field.disabled = True

        formset.form = OwnItemsOnly
        return formset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "owner":
            # The people who can deliver: the tour's admins and city teams.
            tours = (
                Tour.objects.all()
                if request.user.is_superuser
                else Tour.objects.filter(id__in=self.admin_site._registry[Sponsorship].scope(request).tour_ids)
            )
            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(Q(administered_tours__in=tours) | Q(city_teams__tour__in=tours))
                .distinct()
                .order_by("email")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Sponsorship)
class SponsorshipAdmin(TourScoped):
    list_display = ["sponsor", "tier", "tour", "event", "status", "amount", "signed_at"]
    list_filter = ["tour", "status", "tier", "event__city"]
    search_fields = ["sponsor__name", "sponsor__name_en", "notes"]
    list_select_related = ["sponsor", "tier", "tour", "event__city"]
    inlines = [FulfilmentInline]
    autocomplete_fields = ["sponsor"]

    def save_model(self, request, obj, form, change):
        if change and not self._changes(request, obj):
            return  # the deal's own fields are read-only here; only the benefits inside it were changed
        services.save_sponsorship(sponsorship=obj)

    def get_urls(self):
        return [
            path("pipeline/", self.admin_site.admin_view(self.pipeline_view), name="sponsors_pipeline"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "pipeline_url": reverse("admin:sponsors_pipeline")}
        return super().changelist_view(request, extra_context)

    def pipeline_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Sponsorship pipeline"),
            "opts": self.model._meta,
            **pipeline(self.get_queryset(request)),
        }
        return TemplateResponse(request, "admin/sponsors/pipeline.html", context)


@admin.register(Partner)
class PartnerAdmin(DealtWithAdmin):
    deals = "partnerships"
    form = PartnerForm
    list_display = ["name", "name_en", "website"]
    search_fields = ["name", "name_en"]

    def scope_queryset(self, queryset, request):
        return queryset


@admin.register(Partnership)
class PartnershipAdmin(TourScoped):
    form = PartnershipForm
    list_display = ["partner", "role", "tour", "event", "promised"]
    list_filter = ["tour", "role"]
    list_select_related = ["partner", "tour", "event"]
