from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from citytour.files import DocumentField
from citytour.images import NormalizedImageField
from citytour.phones import PhoneField
from events.selectors import tour_cities

from .models import Language, SpeakerProfile, Submission
from .services import TalkDetails

SPEAKER_PHOTO_MAX_BYTES = 5 * 1024 * 1024
SLIDES_MAX_BYTES = 50 * 1024 * 1024


def speaker_photo_field() -> NormalizedImageField:
    """A speaker's photo, wherever it is uploaded: checked, and kept as a square of at most 800 pixels."""
    return NormalizedImageField(
        label=_("photo"),
        required=False,
        max_bytes=SPEAKER_PHOTO_MAX_BYTES,
        max_side=800,
        square=True,
        help_text=_("JPEG, PNG or WebP, at most 5 MB; it is cropped to a square."),
    )


class SpeakerProfileForm(forms.ModelForm):
    photo = speaker_photo_field()
    phone = PhoneField(label=_("phone"), required=False)

    class Meta:
        model = SpeakerProfile
        fields = [
            "name",
            "name_en",
            "title",
            "company",
            "bio",
            "photo",
            "email",
            "phone",
            "wechat",
            "departure_city",
            "needs_travel",
            "needs_hotel",
            "preferred_language",
        ]
        widgets = {"bio": forms.Textarea(attrs={"rows": 5})}

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("name") or cleaned.get("name_en")):
            raise ValidationError(_("Give your name in Chinese, in English, or both."))
        return cleaned


class CoSpeakersField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 2})

    def to_python(self, value):
        text = super().to_python(value) or ""
        emails = [part.strip() for part in text.replace(",", "\n").replace("，", "\n").splitlines() if part.strip()]
        for email in emails:
            try:
                validate_email(email)
                if len(email) > 254:  # what an address may hold (RFC 5321), and what we store
                    raise ValidationError("too long")
            except ValidationError:
                raise ValidationError(_("“%(email)s” is not an email address.") % {"email": email}) from None
        return emails

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value


class SubmissionForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    abstract = forms.CharField(label=_("abstract"), max_length=3000, widget=forms.Textarea(attrs={"rows": 6}))
    outline = forms.CharField(
        label=_("outline"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    format = forms.ChoiceField(label=_("format"))
    track = forms.ModelChoiceField(label=_("track"), queryset=None, required=False)
    level = forms.ChoiceField(label=_("audience level"))
    language = forms.ChoiceField(label=_("language of the talk"), choices=Language.choices)
    cities = forms.ModelMultipleChoiceField(
        label=_("cities where you can present"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    co_speakers = CoSpeakersField(
        label=_("co-speakers"), required=False, help_text=_("Their email addresses, one per line.")
    )
    notes = forms.CharField(
        label=_("notes for the organizers"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, cfp, **kwargs):
        super().__init__(*args, **kwargs)
        self.cfp = cfp
        self.fields["format"].choices = cfp.format_choices()
        self.fields["level"].choices = cfp.level_choices()
        self.fields["track"].queryset = cfp.tracks.all()
        if not cfp.tracks.exists():
            del self.fields["track"]
        self.fields["cities"].queryset = tour_cities(cfp.tour)
        self.fields["cities"].label_from_instance = lambda city: city.display_name
        for question in cfp.questions.all():
            self.fields[f"question_{question.id}"] = forms.CharField(
                label=question.display_text, required=question.required, widget=forms.Textarea(attrs={"rows": 3})
            )

    @classmethod
    def initial_for(cls, submission: Submission) -> dict:
        initial = {
            name: getattr(submission, name)
            for name in ("title", "abstract", "outline", "format", "track", "level", "language", "notes")
        }
        initial["cities"] = list(submission.cities.all())
        initial["co_speakers"] = [co.email for co in submission.co_speakers.all()]
        initial.update({f"question_{key}": value for key, value in submission.answers.items()})
        return initial

    def details(self) -> TalkDetails:
        data = self.cleaned_data
        return TalkDetails(
            title=data["title"],
            abstract=data["abstract"],
            outline=data["outline"],
            format=data["format"],
            track=data.get("track"),
            level=data["level"],
            language=data["language"],
            cities=list(data["cities"]),
            notes=data["notes"],
            co_speaker_emails=data["co_speakers"],
            answers={
                name.removeprefix("question_"): value
                for name, value in data.items()
                if name.startswith("question_") and value
            },
        )

    def add_service_errors(self, error: ValidationError) -> None:
        """Show a service's refusal on the form, field by field where it names one."""
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


class ReviewForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("score"),
        coerce=int,
        choices=[(n, str(n)) for n in range(1, 6)],
        widget=forms.RadioSelect,
        help_text=_("1 (weak) to 5 (excellent)"),
    )
    comment = forms.CharField(label=_("comment"), required=False, widget=forms.Textarea(attrs={"rows": 4}))


class SlidesForm(forms.Form):
    slides = DocumentField(
        label=_("slides"), max_bytes=SLIDES_MAX_BYTES, help_text=_("PDF or PowerPoint (.pptx), at most 50 MB.")
    )
