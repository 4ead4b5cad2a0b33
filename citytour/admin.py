"""The organizers' admin site and the base of every admin whose rows are limited to what a user may see."""

from django.contrib import admin, messages
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _


class CityTourAdminSite(admin.AdminSite):
    site_header = _("citytour · organizers")
    site_title = _("citytour organizers")
    index_title = _("Run the tour")
    # Organizers work on wide lists (the review dashboard, the agenda); the index page already lists every model.
    enable_nav_sidebar = False


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
