"""The organizers' admin site and the base of every admin whose rows are limited to what a user may see."""

from django.contrib import admin, messages
from django.contrib.admin.utils import get_fields_from_path, unquote
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _


class CityTourAdminSite(admin.AdminSite):
    site_header = _("citytour · organizers")
    site_title = _("citytour organizers")
    index_title = _("Run the tour")
    # Organizers work on wide lists (the review dashboard, the agenda); the index page already lists every model.
    enable_nav_sidebar = False

    def get_urls(self):
        urls = super().get_urls()
        view_on_site = path(
            "r/<int:content_type_id>/<path:object_id>/", self.admin_view(self.view_on_site), name="view_on_site"
        )
        return [view_on_site if getattr(url, "name", None) == "view_on_site" else url for url in urls]

    def view_on_site(self, request, content_type_id, object_id):
        """The admin's "View on site" link: the object's page on the site, for an object this user may see here.
        Django's own answers any staff member for any object with a page, whatever its admin lets them see; an
        object of a model without an admin here (one shown inside another's page) has no such link."""
        try:
            model = ContentType.objects.get_for_id(content_type_id).model_class()
        except ContentType.DoesNotExist:
            raise Http404 from None
        model_admin = self._registry.get(model)
        if model_admin is None:
            raise Http404
        obj = model_admin.get_object(request, unquote(object_id))  # a scoped admin answers 404 for others' rows
        if obj is None or not model_admin.has_view_permission(request, obj):
            raise Http404
        return contenttype_views.shortcut(request, content_type_id, object_id)


class ScopedModelAdmin(admin.ModelAdmin):
    """Rows start from what the user may see; any other row answers 404, as if it did not exist.

    Subclasses say what that is with ``scope_queryset`` and who may use the admin at all with ``may_organize``.
    Superusers see everything.
    """

    def scope_queryset(self, queryset, request):
        raise NotImplementedError

    def may_organize(self, request) -> bool:
        raise NotImplementedError

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return self.scope_queryset(queryset, request)

    def get_list_filter(self, request):
        """A filter on a related row (a tour, an event, a track …) offers only the rows the list holds: the
        others' names (a hidden tour, another city's draft) are not the user's to see."""
        filters = super().get_list_filter(request)
        if request.user.is_superuser:
            return filters
        return [
            (entry, admin.RelatedOnlyFieldListFilter)
            if isinstance(entry, str) and get_fields_from_path(self.model, entry)[-1].is_relation
            else entry
            for entry in filters
        ]

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("No such object, or it is not yours to see."))
        return obj

    def _allowed(self, request, obj=None) -> bool:
        if request.user.is_superuser:
            return True
        if not (request.user.is_active and request.user.is_staff and self.may_organize(request)):
            return False
        # get_queryset is already scoped, so an object fetched through it is visible; this guards the rest.
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request, obj)


class ScopedInline:
    """An inline that may do what its parent admin may do with the parent object (mix in before the inline)."""

    def _parent_admin(self):
        return self.admin_site._registry[self.parent_model]

    def has_view_permission(self, request, obj=None):
        return self._parent_admin().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._parent_admin().has_change_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._parent_admin().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._parent_admin().has_change_permission(request, obj)


def change_each(modeladmin, request, objects, change) -> int:
    """Apply ``change(obj)`` (a service call) to each object of a bulk action. A refusal (a ValidationError) is
    reported (each of its messages) under the object's name and the others go on. Returns how many were changed."""
    changed = 0
    for obj in objects:
        try:
            change(obj)
        except ValidationError as error:
            for message in error.messages:
                modeladmin.message_user(request, f"{obj}: {message}", messages.ERROR)
        else:
            changed += 1
    return changed
