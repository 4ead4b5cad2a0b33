from django import forms
from django.template.defaultfilters import floatformat
from django.utils import formats, timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from citytour.phones import PhoneField

from .models import Attendance, InviteCode, ReferralChannel, TicketTier, VolunteerRole, typed_code
from .services import AttendeeDetails, VolunteerDetails


class TierChoice(forms.RadioSelect):
    """The tiers as radio buttons; one that is not on sale (not yet, or no longer) cannot be chosen, unless an
    invite code brought it (a code opens its tier outside the sale window)."""

    code_tier_id = None

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        tier = getattr(value, "instance", None)
        if tier is not None and tier.pk != self.code_tier_id and not tier.on_sale():
            option["attrs"]["disabled"] = True
        return option


class RegistrationForm(forms.Form):
    # Not required: an invite code alone chooses its own tier.
    tier = forms.ModelChoiceField(
        label=_("ticket"),
        queryset=TicketTier.objects.none(),
        widget=TierChoice,
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
    phone = PhoneField(label=_("phone"))
    heard_from = forms.ModelChoiceField(
        label=_("how did you hear of us?"), queryset=ReferralChannel.objects.none(), required=False
    )
    privacy = forms.BooleanField(
        label=_(
            "I agree that the organizers keep these details to run the event and check me in; they are not "
            "shared with sponsors."
        ),
    )

    def __init__(self, *args, event, tiers, code=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.code = code  # the invite code brought (a link's, or typed), if it is this event's
        self.fields["tier"].queryset = tiers
        self.fields["tier"].widget.code_tier_id = code.tier_id if code else None
        waiting_list = event.takes_registrations and event.upcoming()
        self.fields["tier"].label_from_instance = lambda tier: (
            _code_tier_label(code) if code and tier.pk == code.tier_id else _tier_label(tier, waiting_list=waiting_list)
        )
        self.fields["heard_from"].queryset = event.tour.referral_channels.all()
        self.fields["heard_from"].label_from_instance = lambda channel: channel.display_name
        # The tour keeps no list: nothing to choose from. A form sent back comes from a page that asked or did not.
        channels = self.fields["heard_from"].queryset
        unasked = ("heard_from" not in self.data) if self.is_bound else not channels.exists()
        if unasked:
            del self.fields["heard_from"]
        _add_questions(self, event)
        self.fields["privacy"] = self.fields.pop("privacy")  # the consent comes after everything it covers

    def clean_invite_code(self):
        code = self.cleaned_data["invite_code"]
        return code if typed_code(code) else ""  # a pasted invisible character alone is no code

    def clean(self):
        cleaned = super().clean()
        tier, code = cleaned.get("tier"), self.code
        if not tier and not cleaned.get("invite_code"):
            self.add_error("tier", _("Choose a ticket."))
        elif code and cleaned.get("invite_code") and tier != code.tier and (tier or code.holder_pays):
            # The code decides the ticket: one chosen beside it, or a price not chosen knowingly, is asked about.
            self.add_error(
                "tier",
                _(
                    "Your invite code is for “%(tier)s”: choose that ticket to register with the code, or leave the "
                    "code empty."
                )
                % {"tier": _code_tier_label(code)},
            )
        return cleaned

    def details(self, *, email: str, language: str) -> AttendeeDetails:
        data = self.cleaned_data
        return AttendeeDetails(
            name=data["name"],
            email=email,
            company=data["company"],
            job_role=data["job_role"],
            phone=data["phone"],
            heard_from=data.get("heard_from"),
            privacy_accepted=data["privacy"],
            language=language,
            answers=_answers(data),
        )


def _add_questions(form: forms.Form, event, answers: dict | None = None) -> None:
    """A field per question of the event, filled with the answers given so far."""
    for question in event.questions.all():
        form.fields[f"question_{question.id}"] = forms.CharField(
            label=question.display_text,
            required=question.required,
            max_length=1000,
            initial=(answers or {}).get(str(question.id), ""),
        )


def _answers(data: dict) -> dict:
    return {
        name.removeprefix("question_"): value for name, value in data.items() if name.startswith("question_") and value
    }


class AttendeeDetailsForm(forms.Form):
    """What an attendee may correct of their own registration before the event."""

    name = RegistrationForm.base_fields["name"]
    company = RegistrationForm.base_fields["company"]
    job_role = RegistrationForm.base_fields["job_role"]
    phone = RegistrationForm.base_fields["phone"]

    def __init__(self, *args, registration, **kwargs):
        kwargs.setdefault(
            "initial", {name: getattr(registration, name) for name in ("name", "company", "job_role", "phone")}
        )
        super().__init__(*args, **kwargs)
        self.registration = registration
        _add_questions(self, registration.event, registration.answers)

    def details(self) -> AttendeeDetails:
        data = self.cleaned_data
        asked = {name.removeprefix("question_") for name in self.fields if name.startswith("question_")}
        # Answers to questions the organizers have since removed are kept as they were.
        kept = {key: value for key, value in self.registration.answers.items() if key not in asked}
        return AttendeeDetails(
            name=data["name"],
            email=self.registration.email,
            company=data["company"],
            job_role=data["job_role"],
            phone=data["phone"],
            answers={**kept, **_answers(data)},
        )


def _price(tier: TicketTier) -> str:
    return _("free") if tier.is_free else f"¥{floatformat(tier.price, '-2')}"


def _tier_label(tier: TicketTier, *, waiting_list: bool = True) -> str:
    availability = tier_availability(tier, waiting_list=waiting_list)
    return " · ".join(str(part) for part in (tier.display_name, _price(tier), availability) if part)


def _code_tier_label(code: InviteCode) -> str:
    """An invite code's tier: its seats are the code's to give, its sale window does not apply; with who pays
    for it when its holder does not."""
    parts = (code.tier.display_name, _price(code.tier), code.covered_by, _("with your invite code"))
    return " · ".join(str(part) for part in parts if part)


def tier_availability(tier: TicketTier, *, waiting_list: bool) -> str:
    """What a person can still have of a tier, said before they fill in the form for it: its sale window, its seats
    (``seats_left`` from ``public_tiers``: within the event's capacity too), or that it is online. ``waiting_list``:
    whether a sold-out tier still takes people on its waiting list."""
    now = timezone.now()
    if tier.sale_starts and now < tier.sale_starts:
        when = formats.date_format(timezone.localtime(tier.sale_starts), "DATETIME_FORMAT")
        return gettext("on sale from %(date)s") % {"date": when}
    if tier.sale_ends and tier.sale_ends <= now:
        return gettext("sales have ended")
    if tier.attendance == Attendance.ONLINE:
        return gettext("online")
    left = getattr(tier, "seats_left", None)
    if left is None:
        return ""  # the tier as chosen, not counted (a refused form's own choices)
    if left <= 0:
        return gettext("sold out (waiting list open)") if waiting_list else gettext("sold out")
    return ngettext("%(left)s of %(seats)s seat left", "%(left)s of %(seats)s seats left", left) % {
        "left": left,
        "seats": tier.quota,
    }


class VolunteerForm(forms.Form):
    name = forms.CharField(label=_("your name"), max_length=100)
    roles = forms.MultipleChoiceField(
        label=_("what would you like to do?"),
        choices=VolunteerRole.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose one or more; the organizers give the roles."),
    )
    availability = forms.CharField(
        label=_("when can you help?"),
        max_length=300,
        help_text=_("For example: the whole day, only the afternoon, also the evening before to set up."),
    )
    phone = PhoneField(label=_("phone"), required=False)
    wechat = forms.CharField(label=_("WeChat ID"), max_length=60, required=False)
    experience = forms.CharField(
        label=_("experience"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Events you helped at before, cameras you can use, anything that helps the organizers."),
    )

    def clean(self):
        cleaned = super().clean()
        if "phone" not in self.errors and not (cleaned.get("phone") or cleaned.get("wechat", "").strip()):
            raise forms.ValidationError(_("Give a phone number or a WeChat ID so the organizers can reach you."))
        return cleaned

    def details(self, *, language: str) -> VolunteerDetails:
        data = self.cleaned_data
        return VolunteerDetails(
            name=data["name"],
            roles=data["roles"],
            availability=data["availability"],
            phone=data["phone"],
            wechat=data["wechat"],
            experience=data["experience"],
            language=language,
        )
