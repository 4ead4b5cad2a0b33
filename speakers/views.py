from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from events.calendars import agenda_calendar
from events.models import Slot
from events.selectors import public_talks_of, public_tours

from . import services
from .forms import ReviewForm, SlidesForm, SpeakerProfileForm, SubmissionForm
from .models import Acceptance, CallForPapers, ReviewTeamMember, SpeakerProfile, Submission
from .selectors import (
    presents,
    reviewable_submissions,
    reviewer_membership,
    reviews_visible_to,
    submissions_of,
)


@login_required
def profile_edit(request):
    profile = SpeakerProfile.objects.filter(user=request.user).first() or SpeakerProfile(
        user=request.user, email=request.user.email, preferred_language=request.LANGUAGE_CODE
    )
    form = SpeakerProfileForm(request.POST or None, request.FILES or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        services.save_speaker_profile(profile=form.instance)
        messages.success(request, _("Your speaker profile is saved."))
        back = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = reverse("speakers:my_talks")  # only a page of this site
        return redirect(back)
    return render(request, "speakers/profile_form.html", {"form": form, "profile": profile})


def cfp_detail(request, tour_slug):
    cfp = get_object_or_404(CallForPapers.objects.select_related("tour"), tour__in=public_tours(), tour__slug=tour_slug)
    return render(request, "speakers/cfp.html", {"cfp": cfp, "tour": cfp.tour})


@login_required
def submit(request, tour_slug):
    cfp = get_object_or_404(CallForPapers.objects.select_related("tour"), tour__in=public_tours(), tour__slug=tour_slug)
    if not SpeakerProfile.objects.filter(user=request.user).exists():
        messages.info(request, _("First, tell us who you are: fill in your speaker profile."))
        return redirect(reverse("speakers:profile") + "?next=" + request.path)
    form = SubmissionForm(request.POST or None, cfp=cfp)
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_talk(cfp=cfp, speaker=request.user, details=form.details())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Thank you! Your talk is submitted."))
            return redirect("speakers:my_talks")
    return render(request, "speakers/submission_form.html", {"form": form, "cfp": cfp, "is_open": cfp.is_open()})


@login_required
def my_talks(request):
    reviewing = ReviewTeamMember.objects.filter(user=request.user).select_related("tour")
    return render(
        request, "speakers/my_talks.html", {"submissions": submissions_of(request.user), "reviewing": reviewing}
    )


@login_required
def submission_edit(request, pk):
    submission = get_object_or_404(submissions_of(request.user), pk=pk)
    cfp = submission.cfp
    form = SubmissionForm(request.POST or None, cfp=cfp, initial=SubmissionForm.initial_for(submission))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_talk(submission=submission, details=form.details())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect("speakers:my_talks")
    return render(
        request,
        "speakers/submission_form.html",
        {"form": form, "cfp": cfp, "submission": submission, "is_open": cfp.is_open()},
    )


@login_required
@require_POST
def submission_withdraw(request, pk):
    submission = get_object_or_404(Submission, pk=pk, speaker=request.user)
    services.withdraw_talk(submission=submission)
    messages.success(request, _("“%(title)s” is withdrawn.") % {"title": submission.title})
    return redirect("speakers:my_talks")


def respond(request, token):
    """The link in the acceptance email: the speaker confirms or declines one city."""
    acceptance = get_object_or_404(
        Acceptance.objects.select_related("submission__cfp__tour", "event__city", "event__venue"), token=token
    )
    if request.method == "POST":
        try:
            services.respond_to_acceptance(acceptance=acceptance, confirm=request.POST.get("answer") == "confirm")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("speakers:respond", token=token)
    acceptance.refresh_from_db()
    return render(request, "speakers/respond.html", {"acceptance": acceptance})


@login_required
def slot_slides(request, pk):
    slot = get_object_or_404(Slot.objects.select_related("submission", "event__city"), pk=pk)
    if not slot.submission_id or not presents(request.user, slot.submission):
        raise Http404
    form = SlidesForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        services.upload_slides(slot=slot, user=request.user, slides=form.cleaned_data["slides"])
        messages.success(request, _("Your slides are uploaded."))
        return redirect("speakers:my_talks")
    return render(request, "speakers/slides_form.html", {"form": form, "slot": slot})


def speaker_detail(request, pk):
    profile = get_object_or_404(SpeakerProfile.objects.select_related("user"), pk=pk)
    talks = public_talks_of(profile)
    if not talks:
        raise Http404  # only speakers with a public talk have a public page
    return render(request, "speakers/speaker.html", {"profile": profile, "talks": talks})


def speaker_calendar(request, pk):
    profile = get_object_or_404(SpeakerProfile.objects.select_related("user"), pk=pk)
    talks = public_talks_of(profile)
    if not talks:
        raise Http404  # like the speaker's page: nothing of a profile without a public talk
    calendar = agenda_calendar(talks, name=profile.display_name)
    response = HttpResponse(calendar, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="speaker-{profile.pk}.ics"'
    return response


@login_required
def review_list(request, tour_slug):
    cfp = get_object_or_404(CallForPapers.objects.select_related("tour"), tour__slug=tour_slug)
    member = reviewer_membership(request.user, cfp.tour)
    if member is None:
        raise Http404
    return render(
        request,
        "speakers/review_list.html",
        {"cfp": cfp, "submissions": reviewable_submissions(member), "anonymous": cfp.anonymous_review},
    )


@login_required
def review_detail(request, pk):
    submission = get_object_or_404(Submission.objects.select_related("cfp__tour"), pk=pk)
    member = reviewer_membership(request.user, submission.cfp.tour)
    if member is None or not reviewable_submissions(member).filter(pk=pk).exists():
        raise Http404
    own = submission.reviews.filter(reviewer=request.user).first()
    form = ReviewForm(request.POST or None, initial={"score": own.score, "comment": own.comment} if own else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_talk(submission=submission, reviewer=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Your review is saved."))
            return redirect("speakers:review_detail", pk=pk)
    return render(
        request,
        "speakers/review_detail.html",
        {
            "submission": submission,
            "form": form,
            "cfp": submission.cfp,
            "anonymous": submission.cfp.anonymous_review,
            "others": [r for r in reviews_visible_to(request.user, submission) if r.reviewer_id != request.user.id],
            "profile": getattr(submission.speaker, "speaker_profile", None),
            "answers": [
                (q.display_text, submission.answers.get(str(q.id), "")) for q in submission.cfp.questions.all()
            ],
        },
    )
