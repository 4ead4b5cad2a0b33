"""Reads of speakers, submissions and reviews."""

from django.db.models import Avg, Count, Exists, Max, Min, OuterRef, QuerySet

from events.models import Tour

from .models import CallForPapers, Review, ReviewTeamMember, Submission, SubmissionState


def open_cfp(tour: Tour) -> CallForPapers | None:
    cfp = CallForPapers.objects.filter(tour=tour).first()
    return cfp if cfp and cfp.is_open() else None


def submissions_of(user) -> QuerySet:
    """A speaker's own talks, with what “My talks” shows."""
    return (
        Submission.objects.filter(speaker=user)
        .select_related("cfp__tour", "track")
        .prefetch_related("cities", "co_speakers", "acceptances__event__city", "slots__event")
    )


def presents(user, submission: Submission) -> bool:
    """Whether the user is the speaker or a co-speaker of the talk."""
    if submission.speaker_id == user.id:
        return True
    email = (user.email or "").lower()
    return any(co.email.lower() == email for co in submission.co_speakers.all())


def reviewer_membership(user, tour: Tour) -> ReviewTeamMember | None:
    if not user.is_authenticated:
        return None
    return ReviewTeamMember.objects.filter(tour=tour, user=user).prefetch_related("tracks", "cities").first()


def reviewable_submissions(member: ReviewTeamMember) -> QuerySet:
    """What a reviewer may review: their tour's live talks, within their tracks and cities, never their own."""
    user = member.user
    queryset = Submission.objects.filter(cfp__tour_id=member.tour_id).exclude(state=SubmissionState.WITHDRAWN)
    track_ids = [track.id for track in member.tracks.all()]
    city_ids = [city.id for city in member.cities.all()]
    if track_ids:
        queryset = queryset.filter(track_id__in=track_ids)
    if city_ids:
        queryset = queryset.filter(
            Exists(Submission.cities.through.objects.filter(submission_id=OuterRef("pk"), city_id__in=city_ids))
        )
    queryset = queryset.exclude(speaker=user).exclude(co_speakers__email__iexact=user.email)
    own_review = Review.objects.filter(submission=OuterRef("pk"), reviewer=user)
    return (
        queryset.annotate(reviewed_by_me=Exists(own_review))
        .select_related("cfp", "track", "speaker__speaker_profile")
        .prefetch_related("cities")
        .order_by("reviewed_by_me", "created_at")
    )


def with_review_figures(queryset: QuerySet) -> QuerySet:
    """Annotate review count, mean score and spread (highest minus lowest score) for the review dashboard."""
    return queryset.annotate(
        review_count=Count("reviews", distinct=True),
        mean_score=Avg("reviews__score"),
        score_spread=Max("reviews__score") - Min("reviews__score"),
    )


def reviews_visible_to(user, submission: Submission) -> list[Review]:
    """Other reviewers' scores stay hidden until the user has given their own."""
    reviews = list(submission.reviews.select_related("reviewer"))
    if any(review.reviewer_id == user.id for review in reviews):
        return reviews
    return []
