from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.core.validators import RegexValidator

from django_demo.djangobin.models import Snippet
from shared_tasks.choices import PURPOSES

# Name and subject end up in mail headers: a CR or LF there would let a visitor
# add headers (Bcc: …), so refuse it here, where the visitor can be told.
single_line = RegexValidator(r"[\r\n]", "Line breaks are not allowed here.", inverse_match=True)


class SignUpForm(UserCreationForm):
    email = forms.EmailField(max_length=254, help_text="We send the activation link here.")

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self):
        email = self.cleaned_data["email"]
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email address already exists.")
        return email

    def save(self, commit=True):
        user = super().save(commit=False)
        user.is_active = False  # until the activation link is opened
        if commit:
            user.save()
        return user


class ContactForm(forms.Form):
    name = forms.CharField(max_length=100, validators=[single_line])
    email = forms.EmailField(max_length=254)
    purpose = forms.ChoiceField(choices=PURPOSES)
    subject = forms.CharField(max_length=150, validators=[single_line])
    message = forms.CharField(max_length=5000, widget=forms.Textarea)


class SnippetForm(forms.ModelForm):
    code = forms.CharField(max_length=100_000, widget=forms.Textarea(attrs={"rows": 16}))

    class Meta:
        model = Snippet
        fields = ("title", "code", "expiration")
