"""The Jinja sandbox every email template runs in, and the checks a merchant's template must pass.

Merchants edit a step's subject and body. Those templates run in a `SandboxedEnvironment`
(Jinja's sandbox refuses `__class__`, `mro`, function internals and unsafe `str.format`), with
`StrictUndefined` so a refused or misspelled name is an error instead of an empty string, with
no files to load (`include`/`import` find nothing), with `range` capped and `*`/`**` bounded, and
with the output length capped, so a template can neither reach the server nor grow without limit.

`validate_template` is what the admin page calls on save: it returns every problem with its line
and reason (syntax, unknown variable or attribute, forbidden tag, unsafe access, a failing trial
render), and an empty list for a template that is fine.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import (
    BaseLoader,
    DictLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    nodes,
)
from jinja2.environment import Template
from jinja2.sandbox import SandboxedEnvironment

from app.core.messaging.variables import (
    OBJECT_ATTRIBUTES,
    TEMPLATE_VARIABLES,
    sample_variables,
)

#: A merchant's subject or body source may not exceed this many characters.
MAX_SOURCE_CHARS = 10_000
#: Nor may what it renders to (the layout adds products, code and footer around it).
MAX_OUTPUT_CHARS = 20_000
#: `range()` in a template yields at most this many numbers; loops nest at most two deep.
MAX_RANGE = 1_000
MAX_LOOP_DEPTH = 2
_MAX_POWER = 100
_MAX_REPEAT = 10_000
#: Filters and tests whose first argument names an attribute (`attr('x')`, `selectattr('x')`).
_ATTRIBUTE_FILTERS = frozenset({"attr", "selectattr", "rejectattr"})
_FORBIDDEN_TAGS: dict[type[nodes.Node], str] = {
    nodes.Extends: "extends",
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "from … import",
    nodes.Macro: "macro",
    nodes.CallBlock: "call",
    nodes.Block: "block",
}


@dataclass(frozen=True)
class TemplateProblem:
    """Why a template was refused, and where (1-based line of the merchant's source)."""

    line: int
    message: str


class TemplateRejected(ValueError):
    """A merchant template failed validation or rendering; `problems` says where and why."""

    def __init__(self, problems: list[TemplateProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"line {p.line}: {p.message}" for p in problems))


class EmailSandbox(SandboxedEnvironment):
    """Jinja's sandbox with Nudge's limits on arithmetic that could exhaust memory."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """Refuse `2 ** 10**9` and `'x' * 10**9` before Python tries to compute them."""
        if operator == "**" and isinstance(right, int) and abs(right) > _MAX_POWER:
            raise TemplateError(f"exponent {right} is larger than {_MAX_POWER}")
        if operator == "*":
            for repeated, count in ((left, right), (right, left)):
                if isinstance(repeated, str | list | tuple) and isinstance(count, int):
                    if len(repeated) * count > _MAX_REPEAT:
                        raise TemplateError("repeating text or a list that many times is refused")
        return super().call_binop(context, operator, left, right)


def _limited_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise TemplateError(f"range() is limited to {MAX_RANGE} items")
    return numbers


def make_environment(
    *,
    autoescape: bool | Callable[[str | None], bool] = False,
    loader: BaseLoader | None = None,
    trim_blocks: bool = False,
) -> EmailSandbox:
    """A sandboxed environment; `autoescape` must be on for HTML (a bool or per template name).

    `trim_blocks` suits layout files; a merchant's text keeps its line breaks exactly as typed.
    """
    environment = EmailSandbox(
        # Never None: without a loader `{% include %}` raises TypeError, which a renderer
        # catching TemplateError would not expect; an empty one raises TemplateNotFound.
        loader=loader if loader is not None else DictLoader({}),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=trim_blocks,
        lstrip_blocks=trim_blocks,
        keep_trailing_newline=False,
    )
    environment.globals.clear()
    environment.globals["range"] = _limited_range
    return environment


def render_capped(template: Template, variables: Mapping[str, Any], max_chars: int) -> str:
    """Render, stopping as soon as the output passes `max_chars` (a runaway loop stops early)."""
    parts: list[str] = []
    size = 0
    for chunk in template.generate(variables):
        size += len(chunk)
        if size > max_chars:
            raise TemplateError(f"the template renders more than {max_chars} characters")
        parts.append(chunk)
    return "".join(parts)


def validate_template(source: str) -> list[TemplateProblem]:
    """Every problem of a merchant subject/body template, with its line; [] when it is fine."""
    if len(source) > MAX_SOURCE_CHARS:
        return [TemplateProblem(1, f"the template is longer than {MAX_SOURCE_CHARS} characters")]
    environment = make_environment()
    try:
        tree = environment.parse(source)
    except TemplateSyntaxError as error:
        return [TemplateProblem(error.lineno or 1, f"syntax error: {error.message}")]
    problems = list(_static_problems(tree, environment))
    if problems:
        return sorted(set(problems), key=lambda problem: (problem.line, problem.message))
    try:
        template = environment.from_string(source)
        render_capped(template, sample_variables(), MAX_OUTPUT_CHARS)
    except TemplateSyntaxError as error:
        return [TemplateProblem(error.lineno or 1, f"syntax error: {error.message}")]
    except TemplateError as error:
        return [TemplateProblem(_template_line(error), _describe(error))]
    return []


def compile_checked(environment: EmailSandbox, source: str) -> Template:
    """Compile a merchant template after the static checks; raises TemplateRejected."""
    if len(source) > MAX_SOURCE_CHARS:
        raise TemplateRejected([TemplateProblem(1, "the template is too long")])
    try:
        tree = environment.parse(source)
        problems = list(_static_problems(tree, environment))
        if problems:
            raise TemplateRejected(problems)
        return environment.from_string(source)
    except TemplateSyntaxError as error:
        raise TemplateRejected(
            [TemplateProblem(error.lineno or 1, f"syntax error: {error.message}")]
        ) from None


def _static_problems(tree: nodes.Template, environment: EmailSandbox) -> Iterator[TemplateProblem]:
    local_names, product_names = _assigned_names(tree)
    known = set(TEMPLATE_VARIABLES) | set(environment.globals) | local_names | {"loop"}
    for node in tree.find_all(nodes.Node):
        line = node.lineno
        tag = next((name for kind, name in _FORBIDDEN_TAGS.items() if isinstance(node, kind)), None)
        if tag is not None:
            yield TemplateProblem(line, f"{{% {tag} %}} is not allowed in a message template")
        elif isinstance(node, nodes.Name) and node.ctx == "load" and node.name not in known:
            yield TemplateProblem(line, f"unknown variable '{node.name}'")
        elif isinstance(node, nodes.Getattr):
            yield from _attribute_problems(node, node.attr, product_names)
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            if isinstance(node.arg.value, str):
                yield from _attribute_problems(node, node.arg.value, product_names)
        elif isinstance(node, nodes.Filter) and node.name not in environment.filters:
            yield TemplateProblem(line, f"unknown filter '{node.name}'")
        elif isinstance(node, nodes.Test) and node.name not in environment.tests:
            yield TemplateProblem(line, f"unknown test '{node.name}'")
    yield from _loop_depth_problems(tree, 0)
    yield from _filter_argument_problems(tree)


def _filter_argument_problems(tree: nodes.Template) -> Iterator[TemplateProblem]:
    """`map(attribute='__class__')`, `attr('_x')` and the like name an attribute in a string,
    which the trial render does not always trip over (an unsafe attribute renders as an
    undefined value inside a list): refuse such names outright."""
    for node in tree.find_all((nodes.Filter, nodes.Test)):
        named = [keyword.value for keyword in node.kwargs if keyword.key == "attribute"]
        if node.name in _ATTRIBUTE_FILTERS and node.args:
            named.append(node.args[0])
        for argument in named:
            if isinstance(argument, nodes.Const) and isinstance(argument.value, str):
                if argument.value.startswith("_") or "._" in argument.value:
                    yield TemplateProblem(
                        node.lineno, f"access to '{argument.value}' is not allowed"
                    )


def _attribute_problems(
    node: nodes.Getattr | nodes.Getitem, attribute: str, product_names: set[str]
) -> Iterator[TemplateProblem]:
    if attribute.startswith("_"):
        yield TemplateProblem(node.lineno, f"access to '{attribute}' is not allowed")
        return
    if not isinstance(node.node, nodes.Name):
        return
    owner = node.node.name
    kind = "product" if owner in product_names else owner
    allowed = OBJECT_ATTRIBUTES.get(kind)
    if allowed is not None and attribute not in allowed:
        yield TemplateProblem(node.lineno, f"'{owner}' has no attribute '{attribute}'")


def _assigned_names(tree: nodes.Template) -> tuple[set[str], set[str]]:
    """Names the template binds itself, and which of them loop over `products`."""
    names: set[str] = set()
    products: set[str] = {"product"}
    for node in tree.find_all((nodes.For, nodes.Assign, nodes.AssignBlock, nodes.With)):
        for target in _targets(node):
            names.update(name.name for name in target.find_all(nodes.Name))
            if isinstance(target, nodes.Name):
                names.add(target.name)
        if isinstance(node, nodes.For) and isinstance(node.target, nodes.Name):
            if isinstance(node.iter, nodes.Name) and node.iter.name == "products":
                products.add(node.target.name)
    return names, products


def _targets(node: nodes.Node) -> list[nodes.Node]:
    if isinstance(node, nodes.With):
        return list(node.targets)
    if isinstance(node, nodes.For | nodes.Assign | nodes.AssignBlock):
        return [node.target]
    return []


def _loop_depth_problems(node: nodes.Node, depth: int) -> Iterator[TemplateProblem]:
    for child in node.iter_child_nodes():
        if isinstance(child, nodes.For):
            if depth + 1 > MAX_LOOP_DEPTH:
                yield TemplateProblem(child.lineno, "loops may be nested at most two deep")
                continue
            yield from _loop_depth_problems(child, depth + 1)
        else:
            yield from _loop_depth_problems(child, depth)


def _template_line(error: BaseException) -> int:
    """The template line an error was raised on (Jinja rewrites tracebacks to template lines)."""
    line = getattr(error, "lineno", None)
    if isinstance(line, int) and line > 0:
        return line
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename == "<template>"
    ]
    return frames[-1].lineno or 1 if frames else 1


def _describe(error: TemplateError) -> str:
    message = str(error.message or error)
    if "unsafe" in message:
        return f"refused by the sandbox: {message}"
    return message
