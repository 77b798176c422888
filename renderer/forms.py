from __future__ import annotations

from django import forms

from arena.models import Generator, Prompt
from renderer.filetypes import SUFFIXES


class AssetUploadForm(forms.Form):
    """A prompt, a generator (chosen or new) and one mesh or script file."""

    prompt = forms.ModelChoiceField(queryset=Prompt.objects.all())
    generator = forms.ModelChoiceField(queryset=Generator.objects.all(), required=False)
    new_generator = forms.CharField(max_length=200, required=False, label="Or a new generator")
    file = forms.FileField(
        allow_empty_file=True,  # the service refuses it with its own message
        help_text=f"A Blender script or a mesh: {', '.join(SUFFIXES)}. Checked by content, not by name.",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUFFIXES)}),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("generator") and data.get("new_generator"):
            self.add_error("new_generator", "Choose a generator from the list or type a new name, not both.")
        elif not data.get("generator") and not data.get("new_generator") and "new_generator" not in self.errors:
            self.add_error("generator", "Choose a generator or type a new generator's name.")
        return data

    @property
    def generator_name(self) -> str:
        chosen = self.cleaned_data.get("generator")
        return chosen.name if chosen else str(self.cleaned_data.get("new_generator", ""))

    def field_for(self, name: str) -> str:
        """The field to show a service error on: the generator field the user filled in."""
        if name == "generator" and not self.cleaned_data.get("generator"):
            return "new_generator"
        return name
