from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from citytour.images import normalize_logo

from .models import Partner, PartnerAsk, Partnership, Sponsor


class SponsorForm(forms.ModelForm):
    """The logo is checked by Pillow and kept twice: at print size and at web size."""

    logo = forms.FileField(
        label=_("logo"),
        required=False,
        help_text=_("PNG, JPEG or WebP (SVG is not accepted), at most 10 MB; transparency is kept."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )

    class Meta:
        model = Sponsor
        fields = [
            "name",
            "name_en",
            "logo",
            "website",
            "description",
            "description_en",
            "contact_name",
            "contact_email",
            "contact_phone",
        ]

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        if isinstance(upload, UploadedFile):
            print_size, web_size = normalize_logo(upload)
            self.instance.logo_web = web_size
            return print_size
        return upload

    def save(self, commit=True):
        if self.cleaned_data.get("logo") is False:
            self.instance.logo_web = None  # cleared together
        return super().save(commit)


class PartnershipForm(forms.ModelForm):
    asks = forms.MultipleChoiceField(
        label=_("what they ask for"), choices=PartnerAsk.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Partnership
        fields = ["partner", "tour", "event", "role", "asks", "promised"]


class PartnerForm(forms.ModelForm):
    logo = SponsorForm.base_fields["logo"]

    class Meta:
        model = Partner
        fields = ["name", "name_en", "logo", "website"]

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        if isinstance(upload, UploadedFile):
            return normalize_logo(upload)[1]
        return upload
