"""Writes for speakers: profiles, submissions, reviews, decisions and the speakers' answers."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from events.models import City, Event, Slot
from events.selectors import organizer_scope, tour_cities

from .models import (
    DECIDED_STATES,
    Acceptance,
    AcceptanceStatus,
    CallForPapers,
    CoSpeaker,
    Review,
    SpeakerProfile,
    Submission,
    SubmissionState,
)
from .selectors import presents, reviewable_submissions, reviewer_membership


@dataclass
class TalkDetails:
    """What a speaker fills in for a talk."""

    title: str
    abstract: str
    format: str
    level: str
    language: str
    cities: list[City]
    outline: str = ""
    track: object = None
    notes: str = ""
    co_speaker_emails: list[str] = field(default_factory=list)
    answers: dict[str, str] = field(default_factory=dict)


@transaction.atomic
def save_speaker_profile(*, profile: SpeakerProfile) -> SpeakerProfile:
    profile.full_clean()
    profile.save()
    return profile


def _check_open(cfp: CallForPapers) -> None:
    now = timezone.now()
    if now < cfp.opens_at:
        raise ValidationError(
            _("The call for papers opens on %(date)s; nothing was saved.")
            % {"date": formats.date_format(timezone.localtime(cfp.opens_at), "DATETIME_FORMAT")}
        )
    if now >= cfp.closes_at:
        raise ValidationError(
            _("The call for papers closed on %(date)s; nothing was saved.")
            % {"date": formats.date_format(timezone.localtime(cfp.closes_at), "DATETIME_FORMAT")}
        )


def _check_details(cfp: CallForPapers, details: TalkDetails, speaker) -> None:
    errors = {}
    if details.format not in cfp.formats:
        errors["format"] = _("This call for papers does not take that format.")
    if details.level not in cfp.levels:
        errors["level"] = _("This call for papers does not list that audience level.")
    if details.track is not None and details.track.cfp_id != cfp.id:
        errors["track"] = _("This track belongs to another call for papers.")
    if not details.cities:
        errors["cities"] = _("Choose at least one city where you can present.")
    elif not set(c.id for c in details.cities) <= set(tour_cities(cfp.tour).values_list("id", flat=True)):
        errors["cities"] = _("The tour does not visit every city you chose.")
    if speaker.email.lower() in {email.lower() for email in details.co_speaker_emails}:
        errors["co_speakers"] = _("You are the speaker; list only the other people presenting with you.")
    missing = [q for q in cfp.questions.all() if q.required and not details.answers.get(str(q.id), "").strip()]
    if missing:
        questions = "; ".join(q.display_text for q in missing)
        errors["__all__"] = _("Please answer: %(questions)s") % {"questions": questions}
    if errors:
        raise ValidationError(errors)


def _write_details(submission: Submission, details: TalkDetails) -> Submission:
    for name in ("title", "abstract", "outline", "format", "track", "level", "language", "notes", "answers"):
        setattr(submission, name, getattr(details, name))
    submission.full_clean(exclude=["cities"])
    submission.save()
    submission.cities.set(details.cities)
    emails = sorted({email.strip().lower() for email in details.co_speaker_emails if email.strip()})
    submission.co_speakers.exclude(email__in=emails).delete()
    existing = set(submission.co_speakers.values_list("email", flat=True))
    CoSpeaker.objects.bulk_create([CoSpeaker(submission=submission, email=e) for e in emails if e not in existing])
    return submission


@transaction.atomic
def submit_talk(*, cfp: CallForPapers, speaker, details: TalkDetails) -> Submission:
    """A new talk for a call for papers; refused when the call is not open."""
    _check_open(cfp)
    if not SpeakerProfile.objects.filter(user=speaker).exists():
        raise ValidationError(_("Fill in your speaker profile before you submit a talk."))
    _check_details(cfp, details, speaker)
    return _write_details(Submission(cfp=cfp, speaker=speaker), details)


@transaction.atomic
def update_talk(*, submission: Submission, details: TalkDetails) -> Submission:
    """Speakers edit their talk until the call for papers closes, and before a decision."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    _check_open(submission.cfp)
    if submission.state not in (SubmissionState.SUBMITTED, SubmissionState.IN_REVIEW):
        raise ValidationError(
            _("This talk can no longer be changed: it is “%(state)s”.") % {"state": submission.get_state_display()}
        )
    _check_details(submission.cfp, details, submission.speaker)
    return _write_details(submission, details)


def _free_slots(submission: Submission, events=None) -> None:
    slots = Slot.objects.filter(submission=submission)
    if events is not None:
        slots = slots.filter(event__in=events)
    slots.update(submission=None)


@transaction.atomic
def withdraw_talk(*, submission: Submission) -> Submission:
    """The speaker takes the talk back, at any time; any place it had on an agenda is freed."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if submission.state == SubmissionState.WITHDRAWN:
        return submission
    submission.state = SubmissionState.WITHDRAWN
    submission.save(update_fields=["state", "updated_at"])
    submission.acceptances.update(status=AcceptanceStatus.DECLINED, responded_at=timezone.now())
    _free_slots(submission)
    return submission


@transaction.atomic
def review_talk(*, submission: Submission, reviewer, score: int, comment: str = "") -> Review:
    """Record (or change) a reviewer's score and comment."""
    member = reviewer_membership(reviewer, submission.cfp.tour)
    if member is None:
        raise ValidationError(_("You are not on the review team of this tour."))
    if presents(reviewer, submission):
        raise ValidationError(_("You cannot review a talk you present."))
    if not reviewable_submissions(member).filter(pk=submission.pk).exists():
        raise ValidationError(_("This talk is not among the ones you review."))
    if not 1 <= int(score) <= 5:
        raise ValidationError({"score": _("Give a score from 1 to 5.")})
    review, _created = Review.objects.update_or_create(
        submission=submission, reviewer=reviewer, defaults={"score": score, "comment": comment}
    )
    Submission.objects.filter(pk=submission.pk, state=SubmissionState.SUBMITTED).update(state=SubmissionState.IN_REVIEW)
    return review


def _check_may_decide(user, submission: Submission, state: str, events: list[Event]) -> None:
    """Tour admins decide anything; a city team accepts for its own cities' events only; nobody else decides.

    A city team's decision may leave other cities' acceptances in place, but may not add or drop one.
    """
    if user.is_superuser:
        return
    tour_id, scope = submission.cfp.tour_id, organizer_scope(user)
    if tour_id in scope.admin_tour_ids:
        return
    if tour_id not in scope.tour_ids:
        raise ValidationError(_("Only the tour's admins and city teams can decide on its talks."))
    if state != SubmissionState.ACCEPTED:
        raise ValidationError({"state": _("Only the tour's admins can waitlist or reject a talk.")})
    accepted = {a.event_id: a.event for a in submission.acceptances.select_related("event__city")}
    chosen = {event.pk: event for event in events}
    for event_id in sorted(accepted.keys() ^ chosen.keys()):
        event = chosen.get(event_id) or accepted[event_id]
        if not scope.may_manage(event.tour_id, event.city_id):
            raise ValidationError(
                {"events": _("You do not organize %(city)s for this tour.") % {"city": event.city.display_name}}
            )


@transaction.atomic
def decide(*, submission: Submission, state: str, events: list[Event] = (), by) -> Submission:
    """Accept a talk for one or more events of the cities its speaker offered, or waitlist or reject it.

    ``by`` is the organizer deciding: refused (nothing written) when the decision is not theirs to make.
    """
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if submission.state == SubmissionState.WITHDRAWN:
        raise ValidationError(_("The speaker withdrew this talk."))
    if state not in DECIDED_STATES:
        raise ValidationError(_("Choose accept, waitlist or reject."))
    events = list(events) if state == SubmissionState.ACCEPTED else []
    _check_may_decide(by, submission, state, events)
    if state == SubmissionState.ACCEPTED:
        if not events:
            raise ValidationError(_("Choose at least one city's event to accept the talk for."))
        offered = set(submission.cities.values_list("id", flat=True))
        for event in events:
            if event.tour_id != submission.cfp.tour_id:
                raise ValidationError(_("%(event)s belongs to another tour.") % {"event": event})
            if event.city_id not in offered:
                raise ValidationError(_("The speaker did not offer %(city)s.") % {"city": event.city.display_name})
    before = (submission.state, set(submission.acceptances.values_list("event_id", flat=True)))
    dropped = submission.acceptances.exclude(event__in=events)
    _free_slots(submission, events=[a.event_id for a in dropped])
    dropped.delete()
    for event in events:
        Acceptance.objects.get_or_create(submission=submission, event=event)
    if (state, {event.id for event in events}) != before:
        submission.notified_state = ""  # a new decision (another state, or other cities): its email is due
    submission.state = state
    submission.save(update_fields=["state", "notified_state", "updated_at"])
    return submission


def may_notify(user, submission: Submission) -> bool:
    """Decision emails speak for the whole tour, so only its admins send them."""
    return user.is_superuser or submission.cfp.tour_id in organizer_scope(user).admin_tour_ids


def notify_decisions(*, submissions, by) -> tuple[int, int, int]:
    """Email each decided speaker once per decision.

    Returns (emails queued, skipped as undecided or already told, refused as not ``by``'s to send).
    """
    from .tasks import send_decision_email

    queued = skipped = refused = 0
    for submission in submissions:
        if not may_notify(by, submission):
            refused += 1
            continue
        with transaction.atomic():
            locked = Submission.objects.select_for_update().get(pk=submission.pk)
            if locked.state not in DECIDED_STATES or locked.notified_state == locked.state:
                skipped += 1
                continue
            locked.notified_state, locked.notified_at = locked.state, timezone.now()
            locked.save(update_fields=["notified_state", "notified_at"])
            submission_id, state = locked.pk, locked.state
            transaction.on_commit(lambda sid=submission_id, st=state: send_decision_email.delay(sid, st))
            queued += 1
    return queued, skipped, refused


@transaction.atomic
def respond_to_acceptance(*, acceptance: Acceptance, confirm: bool) -> Acceptance:
    """The speaker confirms or declines a city; declining frees the talk's slot there."""
    acceptance = (
        Acceptance.objects.select_for_update(of=("self",)).select_related("submission", "event").get(pk=acceptance.pk)
    )
    if acceptance.submission.state != SubmissionState.ACCEPTED:
        raise ValidationError(_("This talk is no longer accepted."))
    if not acceptance.answerable():
        raise ValidationError(_("The event has begun: the answer stays as it is. Please write to the organizers."))
    acceptance.status = AcceptanceStatus.CONFIRMED if confirm else AcceptanceStatus.DECLINED
    acceptance.responded_at = timezone.now()
    acceptance.save(update_fields=["status", "responded_at"])
    if not confirm:
        _free_slots(acceptance.submission, events=[acceptance.event_id])
    return acceptance


@transaction.atomic
def upload_slides(*, slot: Slot, user, slides) -> Slot:
    """A speaker of the talk puts the slides on its agenda slot (replacing earlier ones)."""
    slot = Slot.objects.select_for_update(of=("self",)).select_related("submission").get(pk=slot.pk)
    if not slot.submission_id or not presents(user, slot.submission):
        raise ValidationError(_("Only the talk's speakers can upload its slides."))
    old = slot.slides.name
    slot.slides = slides
    slot.save(update_fields=["slides"])
    if old and old != slot.slides.name:
        storage, name = slot.slides.storage, old
        transaction.on_commit(lambda: storage.delete(name))
    return slot
