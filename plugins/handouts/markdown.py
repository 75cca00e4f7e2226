"""Handout Markdown to safe HTML (pure: no Flask).

Raw HTML is off, so ``<script>`` or ``<style>`` typed into a handout prints as text.
Our own rules then decide what links and images may become:

* images never load anything: each becomes its alt text in brackets, so no file, web
  or ``data:`` image can be pulled into a PDF;
* a link keeps its ``href`` only for ``https:``, ``http:``, ``mailto:`` and ``tel:``;
  anything else (``file:``, ``javascript:``, relative paths) is printed as plain text.
  A PDF renderer never follows ``<a href>``, and no attribute but ``href`` is written,
  so ``rel="attachment"`` cannot be smuggled in.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape

from markdown_it import MarkdownIt

LINK_SCHEMES = ("https://", "http://", "mailto:", "tel:")


def _image(self, tokens, idx, options, env):
    alt = self.renderInline(tokens[idx].children or [], options, env)
    return f"[{alt}]" if alt else ""


def _link_open(self, tokens, idx, options, env):
    href = tokens[idx].attrGet("href") or ""
    if href.lower().startswith(LINK_SCHEMES):
        env.setdefault("_links", []).append(True)
        return f'<a href="{escape(href, quote=True)}">'
    env.setdefault("_links", []).append(False)
    return ""


def _link_close(self, tokens, idx, options, env):
    return "</a>" if env.get("_links", [False]).pop() else ""


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.validateLink = lambda url: True  # our own rules above decide, per scheme
    md.add_render_rule("image", _image)
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("link_close", _link_close)
    return md


_MD = _parser()


@lru_cache(maxsize=256)
def render(text: str) -> str:
    """Sanitised HTML for a handout body (cached: a batch renders the same versions
    for every patient)."""
    return _MD.render(text or "", {})


def split_title(text: str) -> tuple[str, str]:
    """A bundled file's ``# Title`` line and the rest of the body."""
    first, _, rest = (text or "").lstrip().partition("\n")
    if first.startswith("# "):
        return first[2:].strip(), rest.lstrip("\n")
    return "", text
