"""The decision emails speakers receive, from the tour's editable templates (or the defaults here)."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import DecisionEmailTemplate, Language, Submission, SubmissionState

logger = logging.getLogger(__name__)

# What str.format_map raises for a malformed template (a lone brace, an index or attribute on a placeholder).
FORMAT_ERRORS = (ValueError, IndexError, AttributeError, TypeError)

PLACEHOLDERS = {
    "speaker": _("the speaker's name"),
    "title": _("the talk's title"),
    "tour": _("the tour's name"),
    "cities": _("the accepted cities and dates"),
    "confirm_links": _("one confirm-or-decline link per accepted city"),
    "my_talks_url": _("the speaker's “My talks” page"),
}

DEFAULTS = {
    SubmissionState.ACCEPTED: (
        "【{tour}】议题录用通知：{title}",
        "{speaker} 您好：\n\n感谢您的投稿。您的议题《{title}》已被录用，将在以下城市分享：\n{cities}\n\n"
        "请点击链接确认或婉拒每一站：\n{confirm_links}\n\n随时可在“我的议题”查看状态：{my_talks_url}\n\n{tour} 组委会",
        "[{tour}] Your talk is accepted: {title}",
        "Dear {speaker},\n\nThank you for your proposal. “{title}” is accepted for:\n{cities}\n\n"
        "Please confirm or decline each city:\n{confirm_links}\n\nYour talks: {my_talks_url}\n\nThe {tour} team",
    ),
    SubmissionState.WAITLISTED: (
        "【{tour}】议题候补通知：{title}",
        "{speaker} 您好：\n\n您的议题《{title}》已进入候补名单。一旦有空位，我们会第一时间联系您。\n\n"
        "我的议题：{my_talks_url}\n\n{tour} 组委会",
        "[{tour}] Your talk is on the waiting list: {title}",
        "Dear {speaker},\n\n“{title}” is on our waiting list. We will write as soon as a place frees up.\n\n"
        "Your talks: {my_talks_url}\n\nThe {tour} team",
    ),
    SubmissionState.REJECTED: (
        "【{tour}】议题评审结果：{title}",
        "{speaker} 您好：\n\n感谢您投稿《{title}》。很遗憾，这次未能安排您的议题。期待在后续活动中与您相见。\n\n"
        "{tour} 组委会",
        "[{tour}] About your proposal: {title}",
        "Dear {speaker},\n\nThank you for proposing “{title}”. We could not fit it into this tour, and hope to "
        "see you at a later event.\n\nThe {tour} team",
    ),
}


class _Placeholders(dict):
    """Leaves an unknown {placeholder} as it is instead of failing."""

    def __missing__(self, key):
        return "{" + key + "}"


@dataclass
class Email:
    subject: str
    body: str
    to: list[str]


def decision_template(tour, state: str) -> DecisionEmailTemplate:
    """The tour's template for a decision, or an unsaved one with the default texts."""
    template = DecisionEmailTemplate.objects.filter(tour=tour, kind=state).first()
    if template is None:
        subject, body, subject_en, body_en = DEFAULTS[state]
        template = DecisionEmailTemplate(
            tour=tour, kind=state, subject=subject, body=body, subject_en=subject_en, body_en=body_en
        )
    return template


def decision_email(submission: Submission, state: str) -> Email:
    profile = getattr(submission.speaker, "speaker_profile", None)
    language = profile.preferred_language if profile else Language.CHINESE
    english = language == Language.ENGLISH
    template = decision_template(submission.cfp.tour, state)
    with translation.override(language):
        acceptances = list(submission.acceptances.select_related("event__city"))
        values = _Placeholders(
            speaker=profile.display_name if profile else submission.speaker.email,
            title=submission.title,
            tour=submission.cfp.tour.display_name,
            cities="\n".join(f"- {a.event.city.display_name} {a.event.local_date or ''}".rstrip() for a in acceptances),
            confirm_links="\n".join(
                f"- {a.event.city.display_name}: {settings.SITE_URL}{a.respond_url()}" for a in acceptances
            ),
            my_talks_url=settings.SITE_URL + reverse("speakers:my_talks"),
        )
        try:
            subject = (template.subject_en if english else template.subject).format_map(values)
            body = (template.body_en if english else template.body).format_map(values)
        except FORMAT_ERRORS:
            # A template saved before its texts were checked: the default wording goes out rather than nothing.
            logger.warning("The %s email template of tour %s does not format; sent the default", state, template.tour)
            subject, body, subject_en, body_en = DEFAULTS[state]
            subject = (subject_en if english else subject).format_map(values)
            body = (body_en if english else body).format_map(values)
    return Email(subject=" ".join(subject.split()), body=body, to=[submission.speaker.email])


def check_template_text(text: str) -> None:
    """Refuse a template text that would not format: a lone brace, an unknown or malformed placeholder."""
    sample = {name: "" for name in PLACEHOLDERS}
    try:
        text.format_map(sample)
    except KeyError as error:
        raise ValidationError(
            gettext("There is no placeholder {%(name)s}.") % {"name": error.args[0]}, code="placeholder"
        ) from None
    except FORMAT_ERRORS:
        raise ValidationError(
            gettext("A brace that starts no placeholder: write {{ and }} for a brace itself."), code="brace"
        ) from None
