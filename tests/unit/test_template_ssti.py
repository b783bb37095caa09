"""Known Jinja server-side template injection payloads against the merchant template sandbox.

The list gathers the classic escapes (PayloadsAllTheThings "Jinja2", PortSwigger's SSTI
research, HackTricks): reaching Python internals through `__class__`/`__mro__`/
`__subclasses__`, function `__globals__`, Flask's `config`/`request`/`url_for`, Jinja's own
globals (`cycler`, `joiner`, `namespace`, `lipsum`), filter tricks (`attr`, `map(attribute=…)`,
hex-escaped names, joined strings), `str.format` field access, and resource exhaustion. Each is
refused twice over: by the save-time check the admin runs (`validate_template`) and by the
sandbox itself at render time, where it must raise or render nothing of the server's insides.
"""

from __future__ import annotations

import re

import pytest
from jinja2 import TemplateError

from app.core.messaging.sandbox import make_environment, render_capped, validate_template
from app.core.messaging.variables import sample_variables

SSTI_PAYLOADS = (
    "{{ config }}",
    "{{ config.items() }}",
    "{{ self }}",
    "{{ self.__init__.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ request.application.__globals__.__builtins__ }}",
    "{{ url_for.__globals__['os'].popen('id').read() }}",
    "{{ get_flashed_messages.__globals__ }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ joiner.__init__.__globals__.os }}",
    "{{ namespace.__init__.__globals__.os }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ range.__init__.__globals__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''.__class__.__base__.__subclasses__()[40]('/etc/passwd').read() }}",
    "{{ [].__class__.__base__.__subclasses__() }}",
    "{{ {}.__class__ }}",
    "{{ (1).__class__.__base__ }}",
    "{{ code.__class__.__init__.__globals__ }}",
    "{{ store.__dict__ }}",
    "{{ products[0].__class__ }}",
    "{{ code.upper.__self__ }}",
    "{{ ''.join.__self__ }}",
    "{{ 'a'.format.__globals__ }}",
    "{{ '{0.__class__.__mro__}'.format(code) }}",
    "{{ '{0.__init__.__globals__}'.format(store) }}",
    "{{ '%s'|format(code.__class__) }}",
    "{{ ''|attr('__class__') }}",
    "{{ ''|attr('\\x5f\\x5fclass\\x5f\\x5f') }}",
    "{{ code['\\x5f\\x5fclass\\x5f\\x5f'] }}",
    "{{ code|attr(['_'*2, 'class', '_'*2]|join) }}",
    "{{ store|attr('__dict__') }}",
    "{{ products|map(attribute='__class__')|list }}",
    "{{ products|selectattr('__class__')|list }}",
    "{{ code.__getattribute__('__class__') }}",
    "{% set x = ''.__class__.__mro__ %}{{ x }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{% with a = ''.__class__ %}{{ a }}{% endwith %}",
    "{% import 'os' as os %}",
    "{% include '/etc/passwd' %}",
    "{% extends '../../app/config.py' %}",
    "{% from '_layout.html' import x %}",
    "{% macro m() %}{{ caller() }}{% endmacro %}",
    "{{ dict(a=1).__class__ }}",
    "{{ 9 ** 999999 }}",
    "{{ 'x' * 99999999 }}",
    "{% for i in range(999999999) %}x{% endfor %}",
    "{{ range(99999999)|list }}",
)
#: What a rendering must never contain: Python's inside view of objects and the server's data.
LEAKS = re.compile(
    r"<class|<function|<module|<built-in|<bound method|__globals__|__builtins__|"
    r"/etc/passwd|SECRET_KEY|uid=\d+|<jinja2\.|<Template |object at 0x",
)


@pytest.mark.parametrize("payload", SSTI_PAYLOADS)
def test_the_save_time_check_refuses_every_known_payload(payload: str) -> None:
    assert validate_template(payload), f"accepted: {payload}"


@pytest.mark.parametrize("payload", SSTI_PAYLOADS)
def test_the_sandbox_refuses_every_known_payload_at_render_time(payload: str) -> None:
    environment = make_environment()
    try:
        output = render_capped(environment.from_string(payload), sample_variables(), 20_000)
    except TemplateError:
        return  # refused (SecurityError, UndefinedError, our limits, syntax)
    assert not LEAKS.search(output), f"{payload} rendered {output[:200]!r}"
    assert len(output) <= 20_000
