"""Organizers' screens for the call for papers: the review dashboard, decisions, reviewers and emails."""

from functools import reduce
from operator import or_

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from citytour.admin import ScopedInline, change_each
from citytour.i18n import listed
from citytour.phones import PhoneField
from events.admin import IMAGE_UPLOADS, OrganizerAdmin, TourAdminOnly
from events.admin.base import account_of
from events.models import Event
from events.selectors import public_talks_of
from events.services import user_for_email

from . import services
from .emails import PLACEHOLDERS, check_template_text
from .forms import speaker_photo_field
from .models import (
    Acceptance,
    AudienceLevel,
    CallForPapers,
    CfpQuestion,
    DecisionEmailTemplate,
    Review,
    ReviewTeamMember,
    SessionFormat,
    SpeakerProfile,
    Submission,
    SubmissionState,
    Track,
)
from .selectors import with_review_figures


class TrackInline(ScopedInline, admin.TabularInline):
    model = Track
    extra = 0
    fields = ["name", "name_en", "position"]


class QuestionInline(ScopedInline, admin.TabularInline):
    model = CfpQuestion
    extra = 0
    fields = ["text", "text_en", "required", "position"]


class CallForPapersForm(forms.ModelForm):
    formats = forms.MultipleChoiceField(
        label=_("accepted formats"), choices=SessionFormat.choices, widget=forms.CheckboxSelectMultiple
    )
    levels = forms.MultipleChoiceField(
        label=_("audience levels"), choices=AudienceLevel.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = CallForPapers
        fields = [
            "tour",
            "title",
            "title_en",
            "description",
            "description_en",
            "opens_at",
            "closes_at",
            "formats",
            "levels",
            "anonymous_review",
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("opens_at") and cleaned.get("closes_at") and cleaned["closes_at"] <= cleaned["opens_at"]:
            self.add_error("closes_at", gettext("The call for papers must close after it opens."))
        return cleaned


@admin.register(CallForPapers)
class CallForPapersAdmin(TourAdminOnly):
    form = CallForPapersForm
    list_display = ["title", "tour", "opens_at", "closes_at", "is_open_now", "anonymous_review", "submission_count"]
    list_filter = ["tour", "anonymous_review"]
    inlines = [TrackInline, QuestionInline]
    fieldsets = [
        (None, {"fields": ["tour", "title", "title_en", "description", "description_en"]}),
        (_("When"), {"fields": ["opens_at", "closes_at"]}),
        (_("What it takes"), {"fields": ["formats", "levels"]}),
        (_("Review"), {"fields": ["anonymous_review"]}),
    ]

    @admin.display(description=_("open now"), boolean=True)
    def is_open_now(self, obj):
        return obj.is_open()

    @admin.display(description=_("submissions"))
    def submission_count(self, obj):
        return obj.submissions.exclude(state=SubmissionState.WITHDRAWN).count()


class AcceptanceInline(ScopedInline, admin.TabularInline):
    model = Acceptance
    extra = 0
    # Its page on the site is the speaker's own (the link in their email, where they confirm or decline).
    view_on_site = False
    fields = ["event", "status", "responded_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReviewInline(ScopedInline, admin.TabularInline):
    model = Review
    extra = 0
    fields = ["reviewer", "score", "comment", "updated_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DecideForm(forms.Form):
    state = forms.ChoiceField(
        label=_("decision"),
        widget=forms.RadioSelect,
        choices=[
            (s.value, s.label) for s in (SubmissionState.ACCEPTED, SubmissionState.WAITLISTED, SubmissionState.REJECTED)
        ],
    )
    events = forms.ModelMultipleChoiceField(
        label=_("accept for"), queryset=Event.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, events, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].queryset = events
        self.fields["events"].label_from_instance = lambda e: (
            f"{e.city.display_name} · {e.display_title}" + (f" · {e.local_date}" if e.start else "")
        )


@admin.register(Submission)
class SubmissionAdmin(OrganizerAdmin):
    """The review dashboard: every talk with its review figures, to sort, filter and decide."""

    view_on_site = False  # its page on the site is the speakers' own editing form

    list_display = [
        "title",
        "speaker_name",
        "track",
        "city_list",
        "review_count",
        "mean",
        "spread",
        "status",
        "emailed",
        "decide_link",
    ]
    list_filter = ["state", "format", "track", "cities", "level", "language", "cfp__tour"]
    search_fields = [
        "title",
        "abstract",
        "speaker__email",
        "speaker__speaker_profile__name",
        "speaker__speaker_profile__name_en",
        "speaker__speaker_profile__company",
    ]
    list_select_related = ["speaker__speaker_profile", "track", "cfp__tour"]
    readonly_fields = ["cfp", "speaker", "state", "notified_state", "notified_at", "created_at", "decide_link"]
    fields = [
        "cfp",
        "speaker",
        "title",
        "abstract",
        "outline",
        "format",
        "track",
        "level",
        "language",
        "cities",
        "notes",
        "answers",
        "state",
        "decide_link",
        "notified_state",
        "notified_at",
        "created_at",
    ]
    inlines = [AcceptanceInline, ReviewInline]
    actions = ["waitlist", "reject", "send_decision_emails"]
    list_per_page = 50

    def scope_queryset(self, queryset, request):
        scope = self.scope(request)
        offered = Submission.cities.through.objects.filter(submission_id=OuterRef("pk"))
        parts = [Q(cfp__tour_id__in=scope.admin_tour_ids)] + [
            Q(cfp__tour_id=tour_id) & Exists(offered.filter(city_id=city_id))
            for tour_id, city_id in sorted(scope.city_teams)
        ]
        return queryset.filter(reduce(or_, parts))

    def get_queryset(self, request):
        queryset = with_review_figures(super().get_queryset(request))
        return queryset.prefetch_related("cities", "acceptances__event__city")

    def has_add_permission(self, request):
        return False  # talks come in through the call for papers

    def _runs_the_talk(self, request, obj) -> bool:
        """A talk belongs to the tour's call for papers: its tour admins edit or delete it; city teams see the
        talks offered to their city and decide for it on the decision page."""
        if request.user.is_superuser:
            return True
        admin_tours = self.scope(request).admin_tour_ids
        return bool(admin_tours) if obj is None else obj.cfp.tour_id in admin_tours

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or self._runs_the_talk(request, obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._runs_the_talk(request, obj)

    def delete_queryset(self, request, queryset):
        if not request.user.is_superuser:
            queryset = queryset.filter(cfp__tour_id__in=self.scope(request).admin_tour_ids)
        super().delete_queryset(request, queryset)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None and "track" in form.base_fields:
            form.base_fields["track"].queryset = obj.cfp.tracks.all()
        return form

    @admin.display(description=_("speaker"), ordering="speaker__speaker_profile__name")
    def speaker_name(self, obj):
        profile = getattr(obj.speaker, "speaker_profile", None)
        return profile.display_name if profile else obj.speaker.email

    @admin.display(description=_("cities offered"))
    def city_list(self, obj):
        return listed(city.display_name for city in obj.cities.all())

    @admin.display(description=_("reviews"), ordering="review_count")
    def review_count(self, obj):
        return obj.review_count

    @admin.display(description=_("mean score"), ordering="mean_score")
    def mean(self, obj):
        return f"{obj.mean_score:.2f}" if obj.mean_score is not None else "—"

    @admin.display(description=_("spread (max − min)"), ordering="score_spread")
    def spread(self, obj):
        return obj.score_spread if obj.score_spread is not None else "—"

    @admin.display(description=_("state"), ordering="state")
    def status(self, obj):
        """The state, and for an accepted talk each city with the speaker's answer."""
        cities = format_html_join(
            "", "<br>{}: {}", ((a.event.city.display_name, a.get_status_display()) for a in obj.acceptances.all())
        )
        return format_html("{}{}", obj.get_state_display(), cities)

    @admin.display(description=_("emailed"), boolean=True)
    def emailed(self, obj):
        return obj.notified_state == obj.state if obj.state in {"accepted", "waitlisted", "rejected"} else None

    @admin.display(description=_("decision"))
    def decide_link(self, obj):
        if obj.pk is None or obj.state == SubmissionState.WITHDRAWN:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:speakers_submission_decide", args=[obj.pk]), gettext("Decide…")
        )

    def get_urls(self):
        return [
            path("<int:pk>/decide/", self.admin_site.admin_view(self.decide_view), name="speakers_submission_decide"),
            *super().get_urls(),
        ]

    def _decidable_events(self, request, submission):
        events = Event.objects.filter(tour_id=submission.cfp.tour_id, city__in=submission.cities.all()).select_related(
            "city", "tour"
        )
        if request.user.is_superuser:
            return events
        return events.filter(self.scope(request).tour_city_q())

    def _accepted_elsewhere(self, request, submission) -> list[Event]:
        """Events the talk is accepted for that this user does not organize: not on their form, kept as they are."""
        if request.user.is_superuser:
            return []
        scope = self.scope(request)
        return [a.event for a in submission.acceptances.all() if not scope.may_manage(a.event.tour_id, a.event.city_id)]

    def decide_view(self, request, pk):
        submission = get_object_or_404(self.get_queryset(request), pk=pk)
        # Not the talk's own change permission (the tour admins'): a city team decides for its city here, and the
        # service refuses any decision that is not theirs.
        if not super().has_change_permission(request, submission):
            raise PermissionDenied
        events = self._decidable_events(request, submission)
        initial = {"state": submission.state, "events": [a.event_id for a in submission.acceptances.all()]}
        form = DecideForm(request.POST or None, events=events, initial=initial)
        if request.method == "POST" and form.is_valid():
            chosen = [*form.cleaned_data["events"], *self._accepted_elsewhere(request, submission)]
            try:
                services.decide(submission=submission, state=form.cleaned_data["state"], events=chosen, by=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(
                    request, gettext("The decision is saved. Send the email from the list."), messages.SUCCESS
                )
                return redirect("admin:speakers_submission_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Decide: %(title)s") % {"title": submission.title},
            "submission": submission,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/speakers/submission/decide.html", context)

    def _decide_many(self, request, queryset, state):
        """Decide each talk the user may decide; name each refused one with the reason."""
        done = change_each(
            self,
            request,
            queryset,
            lambda submission: services.decide(submission=submission, state=state, by=request.user),
        )
        if done:
            self.message_user(
                request,
                ngettext("%(count)d talk is now “%(state)s”.", "%(count)d talks are now “%(state)s”.", done)
                % {"count": done, "state": SubmissionState(state).label},
                messages.SUCCESS,
            )

    @admin.action(description=_("Waitlist"))
    def waitlist(self, request, queryset):
        self._decide_many(request, queryset, SubmissionState.WAITLISTED)

    @admin.action(description=_("Reject"))
    def reject(self, request, queryset):
        self._decide_many(request, queryset, SubmissionState.REJECTED)

    @admin.action(description=_("Email the decision to the speakers (once per decision)"))
    def send_decision_emails(self, request, queryset):
        queued, skipped, refused = services.notify_decisions(
            submissions=queryset.select_related("cfp"), by=request.user
        )
        self.message_user(
            request,
            gettext("%(queued)d email(s) on their way; %(skipped)d talk(s) skipped (undecided or already told).")
            % {"queued": queued, "skipped": skipped},
            messages.SUCCESS,
        )
        if refused:
            self.message_user(
                request,
                gettext("%(count)d talk(s) not emailed: only the tour's admins send decision emails.")
                % {"count": refused},
                messages.WARNING,
            )


class ReviewTeamMemberForm(forms.ModelForm):
    email = forms.EmailField(label=_("email of their account"))

    class Meta:
        model = ReviewTeamMember
        fields = ["tour", "email", "tracks", "cities"]
        widgets = {"tracks": forms.CheckboxSelectMultiple, "cities": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["email"].initial = self.instance.user.email

    def clean_email(self):
        self.instance.user = user_for_email(self.cleaned_data["email"])
        return self.instance.user.email


@admin.register(ReviewTeamMember)
class ReviewTeamMemberAdmin(TourAdminOnly):
    form = ReviewTeamMemberForm
    list_display = ["user", "tour", "track_list", "city_list"]
    list_filter = ["tour"]
    search_fields = ["user__email"]
    list_select_related = ["user", "tour"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tracks", "cities")

    @admin.display(description=_("tracks"))
    def track_list(self, obj):
        return listed(t.display_name for t in obj.tracks.all()) or gettext("all")

    @admin.display(description=_("cities"))
    def city_list(self, obj):
        return listed(c.display_name for c in obj.cities.all()) or gettext("all")


class DecisionEmailTemplateForm(forms.ModelForm):
    def _post_clean(self):
        super()._post_clean()
        for name in ("subject", "body", "subject_en", "body_en"):
            if name in self.cleaned_data:
                try:
                    check_template_text(self.cleaned_data[name])
                except ValidationError as error:
                    self.add_error(name, error)


@admin.register(DecisionEmailTemplate)
class DecisionEmailTemplateAdmin(TourAdminOnly):
    form = DecisionEmailTemplateForm
    list_display = ["tour", "kind", "subject", "subject_en"]
    list_filter = ["tour", "kind"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "body" in form.base_fields:  # not for those who may only look
            names = format_html_join(", ", "<code>{{{}}}</code> {}", PLACEHOLDERS.items())
            form.base_fields["body"].help_text = format_html("{} {}", gettext("Placeholders:"), names)
        return form


@admin.register(SpeakerProfile)
class SpeakerProfileAdmin(OrganizerAdmin):
    formfield_overrides = IMAGE_UPLOADS

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "photo":
            return speaker_photo_field()  # the same square as the speaker's own upload
        if db_field.name == "phone":
            return PhoneField(label=capfirst(db_field.verbose_name), required=False)  # as the speaker's own form
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    list_display = ["display_name", "company", "title", "departure_city", "needs_travel", "needs_hotel"]
    list_filter = ["needs_travel", "needs_hotel"]
    search_fields = ["name", "name_en", "company", "email", "user__email"]
    # The account is the speaker's own, shown and never chosen: a choice would list every account on the site and
    # could hand the profile (and its talks on every city's agenda) to someone else.
    account = account_of(SpeakerProfile, "user")
    exclude = ["user"]
    readonly_fields = ["account"]

    def get_fields(self, request, obj=None):
        return ["account", *(name for name in super().get_fields(request, obj) if name != "account")]

    def scope_queryset(self, queryset, request):
        visible = SubmissionAdmin(Submission, self.admin_site).scope_queryset(Submission.objects.all(), request)
        return queryset.filter(user__in=visible.values("speaker"))

    def view_on_site(self, profile):
        # Only a speaker with a talk on a public agenda has a page on the site.
        return profile.get_absolute_url() if public_talks_of(profile) else None

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser  # a speaker's account and talks hang on it: organizers edit, not delete
