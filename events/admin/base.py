"""The base of the organizers' admin screens: scoped to what each user organizes."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from citytour.admin import ScopedModelAdmin
from citytour.images import NormalizedImageField

from .. import services
from ..models import Tour
from ..selectors import cities_organized_by, organizer_scope, venues_organized_by

IMAGE_UPLOADS = {models.ImageField: {"form_class": NormalizedImageField}}


def local_datetime_with_weekday(value) -> str:
    if not value:
        return "—"
    return formats.date_format(timezone.localtime(value), "Y-m-d（D）H:i")


def account_of(model, field: str):
    """A readonly account shown as its name and email, not as a link: the user admin is the superusers', and a
    link to it would answer organizers with 403."""

    @admin.display(description=model._meta.get_field(field).verbose_name)
    def show(self, obj):
        user = getattr(obj, field)
        if user is None:
            return "—"
        name = user.get_full_name()
        return f"{name} <{user.email}>" if name else user.email

    return show


class OrganizerAdmin(ScopedModelAdmin):
    """Open to tour admins and city team members; each sees the rows of what they organize."""

    formfield_overrides = IMAGE_UPLOADS

    def may_organize(self, request) -> bool:
        return organizer_scope(request.user).is_organizer

    def scope(self, request):
        return organizer_scope(request.user)


class TourCityScopedAdmin(OrganizerAdmin):
    """Rows that belong to one city of one tour: a city team sees its city, a tour admin the whole tour."""

    def scope_queryset(self, queryset, request):
        return queryset.filter(self.scope(request).tour_city_q())

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            scope = self.scope(request)
            if db_field.name == "tour":
                kwargs["queryset"] = Tour.objects.filter(id__in=scope.tour_ids)
            elif db_field.name == "city":
                kwargs["queryset"] = cities_organized_by(request.user)
            elif db_field.name == "venue":
                kwargs["queryset"] = venues_organized_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        if request.user.is_superuser:
            return form_class
        scope = self.scope(request)

        class ScopedForm(form_class):
            def clean(self):
                cleaned = super().clean()
                tour, city = cleaned.get("tour"), cleaned.get("city")
                if tour and city and not scope.may_manage(tour.id, city.id):
                    raise ValidationError(gettext("You do not organize %(city)s for this tour.") % {"city": city})
                return cleaned

        return ScopedForm


class EmailUserForm(forms.ModelForm):
    """Names a person by the email address of their account, so that no list of every user is shown."""

    email = forms.EmailField(label=_("email of their account"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["email"].initial = self.instance.user.email

    def clean_email(self):
        user = services.user_for_email(self.cleaned_data["email"])
        self.instance.user = user
        return user.email


class TourAdminOnly(OrganizerAdmin):
    """Rows of a tour (with a ``tour`` field) that only its tour admins change; its city teams may look."""

    def scope_queryset(self, queryset, request):
        return queryset.filter(tour_id__in=self.scope(request).tour_ids)

    def _is_tour_admin(self, request, obj=None) -> bool:
        if request.user.is_superuser:
            return True
        admin_tours = self.scope(request).admin_tour_ids
        return bool(admin_tours) if obj is None else obj.tour_id in admin_tours

    def has_add_permission(self, request, *args):
        return self._is_tour_admin(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._is_tour_admin(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._is_tour_admin(request, obj)

    def save_model(self, request, obj, form, change):
        # The list's editable columns save rows without asking about each one: a tour admin of one tour who is
        # only on a city team of another must not change the other's rows from the list either.
        if not self._is_tour_admin(request, obj):
            raise PermissionDenied
        super().save_model(request, obj, form, change)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "tour" and not request.user.is_superuser:
            kwargs["queryset"] = Tour.objects.filter(id__in=self.scope(request).admin_tour_ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
