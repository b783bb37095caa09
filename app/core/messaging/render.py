"""Render a recipe step's email: sandboxed Jinja, CSS inlined, links absolute.

Files under the templates directory (`templates/emails/`), per recipe step:
`<recipe>/step<N>.html` and `.txt` extend the shared layouts (`_layout.html`, `_layout.txt`) and
set the headline, preheader and button label; `<recipe>/step<N>.subject.txt` and `.body.txt` are
the default subject and body, written exactly like a merchant's `TemplateOverride`. The body,
default or merchant's, is rendered as plain text in the sandbox and then escaped into the layout
(paragraphs and links only), so no merchant or shopper input reaches the page as markup, and the
layout's products, code, button, postal address and unsubscribe link are always there.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import css_inline
from jinja2 import FileSystemLoader, TemplateError, TemplateNotFound, pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape

from app.core.messaging.contracts import EmailContext, RenderedEmail, TemplateOverride
from app.core.messaging.localize import format_moment, format_money, parse_locale, parse_zone
from app.core.messaging.sandbox import (
    MAX_OUTPUT_CHARS,
    EmailSandbox,
    TemplateRejected,
    compile_checked,
    make_environment,
    render_capped,
)
from app.core.messaging.variables import template_variables
from app.db.base import utcnow

log = logging.getLogger(__name__)

#: Longest subject we send; RFC 5322 caps a header line at 998 characters, inboxes show ~60.
MAX_SUBJECT_CHARS = 200
_URL = re.compile(r"https?://[^\s<>\"']+")
_TRAILING_PUNCTUATION = ".,;:!?)"
_COMPILED_CACHE_SIZE = 256


class UnknownTemplate(LookupError):
    """No default template exists for this recipe step."""


class TemplateRenderer:
    """The `EmailRenderer`: templates from `templates_dir` (the `templates/emails` folder)."""

    def __init__(self, templates_dir: Path, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.templates_dir = Path(templates_dir)
        self._clock = clock
        self._files = make_environment(
            autoescape=lambda name: bool(name and name.endswith(".html")),
            loader=FileSystemLoader(self.templates_dir),
            trim_blocks=True,
        )
        self._files.filters["nl2br"] = _nl2br
        self._snippets = make_environment()
        self._compiled: dict[str, Any] = {}
        self._inliner = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)

    def render(
        self, context: EmailContext, override: TemplateOverride | None = None
    ) -> RenderedEmail:
        """The email for `context.recipe` step `context.step` (override: the merchant's copy)."""
        base = f"{context.recipe}/step{context.step}"
        defaults = self.default_override(context.recipe, context.step)
        variables = template_variables(context, self._clock())
        subject = self._snippet(
            override.subject if override else None, defaults.subject or "", variables, base
        )
        subject = " ".join(subject.split())[:MAX_SUBJECT_CHARS] or context.branding.store_name
        body = self._snippet(
            override.body if override else None, defaults.body or "", variables, base
        )
        page = {**variables, "subject": subject, "lang": parse_locale(context.locale).language}
        html = self._files.get_template(f"{base}.html").render(page, body_html=text_to_html(body))
        text = self._files.get_template(f"{base}.txt").render(page, body_text=body.strip())
        return RenderedEmail(
            subject=subject, html=self._inliner.inline(html), text=_tidy_text(text)
        )

    def warm(self) -> None:
        """Compile every step's templates and default copy now (a worker does it once before
        forking, so no job compiles them again)."""
        for name in self._files.list_templates(extensions=("html", "txt")):
            self._files.get_template(name)  # layouts and partials too
        for recipe, step in self.steps():
            defaults = self.default_override(recipe, step)
            for source in (defaults.subject, defaults.body):
                if source and source not in self._compiled:
                    self._compiled[source] = compile_checked(self._snippets, source)
        # Babel loads each locale's CLDR data on first use.
        locale = parse_locale(None)
        format_money(Decimal("1"), "USD", locale)
        format_moment(self._clock(), locale, parse_zone(None))

    def default_override(self, recipe: str, step: int) -> TemplateOverride:
        """The default subject and body sources of a step (what a merchant starts editing from)."""
        base = f"{recipe}/step{step}"
        try:
            subject = self._source(f"{base}.subject.txt")
            body = self._source(f"{base}.body.txt")
            self._files.get_template(f"{base}.html")
            self._files.get_template(f"{base}.txt")
        except TemplateNotFound as error:
            raise UnknownTemplate(
                f"no email template for recipe {recipe!r} step {step} ({error.name} missing)"
            ) from None
        return TemplateOverride(subject=subject.strip(), body=body.strip())

    def steps(self) -> list[tuple[str, int]]:
        """Every (recipe, step) that has default templates, sorted."""
        found = []
        for path in self.templates_dir.glob("*/step*.html"):
            number = path.name.removeprefix("step").removesuffix(".html")
            if number.isdigit():
                found.append((path.parent.name, int(number)))
        return sorted(found)

    def _source(self, name: str) -> str:
        loader = self._files.loader
        assert loader is not None  # noqa: S101 - set in __init__
        source, _filename, _uptodate = loader.get_source(self._files, name)
        return source

    def _snippet(
        self, source: str | None, default: str, variables: dict[str, Any], where: str
    ) -> str:
        """A merchant's subject/body, or the default when there is none or it fails to render."""
        if source and source.strip():
            try:
                return self._render_snippet(source, variables)
            except (TemplateRejected, TemplateError) as error:
                # Saving validates (validate_template); this only catches data-dependent faults,
                # and a merchant's typo must not stop the email: the default copy goes instead.
                log.warning("merchant template for %s failed, using the default: %s", where, error)
        return self._render_snippet(default, variables)

    def _render_snippet(self, source: str, variables: dict[str, Any]) -> str:
        template = self._compiled.get(source)
        if template is None:
            template = compile_checked(self._snippets, source)
            if len(self._compiled) >= _COMPILED_CACHE_SIZE:
                self._compiled.clear()
            self._compiled[source] = template
        return render_capped(template, variables, MAX_OUTPUT_CHARS)

    @property
    def environment(self) -> EmailSandbox:
        """The sandboxed environment of the default files (for tests and previews)."""
        return self._files


def text_to_html(text: str) -> Markup:
    """Plain text as HTML paragraphs: everything escaped, blank lines → paragraphs, URLs linked."""
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", text.strip()) if part.strip()]
    return Markup("").join(
        Markup('<p class="copy">{}</p>').format(_linked_lines(part)) for part in paragraphs
    )


def _linked_lines(paragraph: str) -> Markup:
    escaped = str(escape(paragraph))

    def link(match: re.Match[str]) -> str:
        url = match.group(0)
        trimmed = url.rstrip(_TRAILING_PUNCTUATION)
        return f'<a href="{trimmed}">{trimmed}</a>{url[len(trimmed) :]}'

    return Markup(_URL.sub(link, escaped).replace("\n", "<br>\n"))  # noqa: S704 - escaped above


@pass_eval_context
def _nl2br(eval_ctx: EvalContext, value: str) -> Markup | str:
    """Line breaks as <br> in HTML (the postal address), the text itself escaped first."""
    lines = [escape(line.strip()) for line in str(value).splitlines() if line.strip()]
    joined = Markup("<br>\n").join(lines)
    return joined if eval_ctx.autoescape else str(joined)


def _tidy_text(text: str) -> str:
    """At most one blank line in a row, no trailing spaces: what a text-only reader sees."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy) + "\n"
