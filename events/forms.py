from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ReferralChannel, TicketTier
from .services import AttendeeDetails


class RegistrationForm(forms.Form):
    # Not required: an invite code alone chooses its own tier.
    tier = forms.ModelChoiceField(
        label=_("ticket"),
        queryset=TicketTier.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        required=False,
    )
    invite_code = forms.CharField(
        label=_("invite code"),
        max_length=32,
        required=False,
        help_text=_("From a sponsor, a partner community or the organizers, if you have one."),
    )
    name = forms.CharField(label=_("your name"), max_length=100)
    company = forms.CharField(label=_("company"), max_length=150, required=False)
    job_role = forms.CharField(label=_("job role"), max_length=100, required=False)
    phone = forms.CharField(label=_("phone"), max_length=30)
    heard_from = forms.ModelChoiceField(
        label=_("how did you hear of us?"), queryset=ReferralChannel.objects.none(), required=False
    )
    privacy = forms.BooleanField(
        label=_(
            "I agree that the organizers keep these details to run the event and check me in; they are not "
            "shared with sponsors."
        ),
    )

    def __init__(self, *args, event, tiers, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.fields["tier"].queryset = tiers
        self.fields["tier"].label_from_instance = _tier_label
        self.fields["heard_from"].queryset = event.tour.referral_channels.all()
        self.fields["heard_from"].label_from_instance = lambda channel: channel.display_name
        for question in event.questions.all():
            self.fields[f"question_{question.id}"] = forms.CharField(
                label=question.display_text, required=question.required, max_length=1000
            )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("tier") and not cleaned.get("invite_code"):
            self.add_error("tier", _("Choose a ticket."))
        return cleaned

    def details(self, *, email: str, language: str) -> AttendeeDetails:
        data = self.cleaned_data
        return AttendeeDetails(
            name=data["name"],
            email=email,
            company=data["company"],
            job_role=data["job_role"],
            phone=data["phone"],
            heard_from=data["heard_from"],
            privacy_accepted=data["privacy"],
            language=language,
            answers={
                name.removeprefix("question_"): value
                for name, value in data.items()
                if name.startswith("question_") and value
            },
        )


def _tier_label(tier: TicketTier) -> str:
    price = _("free") if tier.is_free else f"¥{tier.price:g}"
    return f"{tier.display_name} · {price}"
