"""What the admin page gets back when a merchant saves a subject or body template."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import TemplateError

from app.core.messaging.sandbox import (
    TemplateProblem,
    make_environment,
    render_capped,
    validate_template,
)
from app.core.messaging.variables import sample_variables

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "emails"


@pytest.mark.parametrize("path", sorted(TEMPLATES.glob("*/step*.*.txt")), ids=lambda p: p.name)
def test_every_default_subject_and_body_is_a_valid_merchant_template(path: Path) -> None:
    assert validate_template(path.read_text()) == []


def test_a_good_template_has_no_problems() -> None:
    source = (
        "Hi {{ greeting_name }},\n{% for item in products %}{{ item.title }} {{ item.price }}\n"
        "{% endfor %}{% if code %}{{ code }} until {{ code_expires }}{% endif %} {{ store.name }}"
    )
    assert validate_template(source) == []


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        (
            "Hi\n{% if code %}\n{{ code }}",
            TemplateProblem(3, "syntax error: Unexpected end of template"),
        ),
        ("Hi\n\n{{ frist_name }}", TemplateProblem(3, "unknown variable 'frist_name'")),
        ("{{ store.nmae }}", TemplateProblem(1, "'store' has no attribute 'nmae'")),
        (
            "a\n{% for p in products %}{{ p.titel }}{% endfor %}",
            TemplateProblem(2, "'p' has no attribute 'titel'"),
        ),
        ("{{ ''.__class__ }}", TemplateProblem(1, "access to '__class__' is not allowed")),
        ("{{ code['__class__'] }}", TemplateProblem(1, "access to '__class__' is not allowed")),
        ('{% include "_layout.html" %}', TemplateProblem(1, "{% include %} is not allowed")),
        ('{% extends "_layout.html" %}', TemplateProblem(1, "{% extends %} is not allowed")),
        ("{% macro x() %}{% endmacro %}", TemplateProblem(1, "{% macro %} is not allowed")),
        ("{{ code|shout }}", TemplateProblem(1, "unknown filter 'shout'")),
        ("{{ lipsum() }}", TemplateProblem(1, "unknown variable 'lipsum'")),
        ("x\n{{ ''|attr('__class__') }}", TemplateProblem(2, "access to '__class__' is not")),
        ("{{ '{0.__class__}'.format(code) }}", TemplateProblem(1, "refused by the sandbox")),
        ("{{ 'x' * 1000000 }}", TemplateProblem(1, "repeating text")),
        ("{{ 9 ** 9999 }}", TemplateProblem(1, "exponent 9999")),
        ("{% for i in range(5000) %}{% endfor %}", TemplateProblem(1, "range() is limited")),
        (
            "{% for a in range(9) %}{% for b in range(9) %}\n{% for c in range(9) %}"
            "{% endfor %}{% endfor %}{% endfor %}",
            TemplateProblem(2, "loops may be nested at most two deep"),
        ),
        (
            "{% for i in range(999) %}{{ store.postal_address }}{% endfor %}",
            TemplateProblem(1, "renders more than"),
        ),
        ("x" * 10_001, TemplateProblem(1, "longer than 10000")),
    ],
)
def test_a_bad_template_is_refused_with_line_and_reason(
    source: str, problem: TemplateProblem
) -> None:
    problems = validate_template(source)
    assert problems, f"accepted: {source!r}"
    first = problems[0]
    assert first.line == problem.line
    assert first.message.startswith(problem.message) or problem.message in first.message


def test_the_sandbox_itself_refuses_internals_even_without_the_static_checks() -> None:
    environment = make_environment()
    for source in (
        "{{ ''.__class__ }}",
        "{{ (code|attr('upper')).__self__ }}",
        "{{ range.__globals__ }}",
    ):
        with pytest.raises(TemplateError):
            render_capped(environment.from_string(source), sample_variables(), 10_000)
