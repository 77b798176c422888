"""Markdown written by staff (a study's instructions and consent) as safe HTML.

markdown-it-py with raw HTML turned off: any tag in the text is shown as text, and links with a
`javascript:`, `vbscript:`, `file:` or `data:` address are left as text (its `validateLink`).
"""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_RENDERER = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False})


def markdown_html(text: str) -> SafeString:
    # Safe: raw HTML is off, so the renderer escapes every tag and attribute in the text.
    return mark_safe(_RENDERER.render(text or ""))
