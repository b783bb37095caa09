"""Secrets are compared in constant time: an AST check over app/ and connectors/.

Any `==`/`!=` in Python code whose operands name a signature, HMAC, token, secret, state, nonce,
digest, MAC, password or CSRF value fails this test, unless it is listed below with the reason
it is not a secret comparison. Comparisons with a literal (`status == "active"`) reveal nothing
and are skipped; so are SQLAlchemy column expressions (`Model.column == value`), which the
database evaluates as a query, not as a check of a caller's secret.

The libraries doing the other checks compare in constant time themselves: itsdangerous
(`hmac.compare_digest` in `Signer.verify_signature`) for OAuth states and login links, and
PyJWT (`hmac.compare_digest` in `HMACAlgorithm.verify`) for Shopify session tokens.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRET_NAMES = re.compile(
    r"signature|hmac|token|secret|state|nonce|digest|(^|[._])mac($|[._])|password|csrf|api_key",
    re.IGNORECASE,
)
#: (file, the comparison as written) → why it is not a comparison of a caller-supplied secret.
NOT_SECRET_CHECKS = {
    ("app/core/steps.py", "enrollment.claim_token != claim_token"): (
        "a fencing token our own clock wrote into the job; it proves ownership of a claim, "
        "and no caller outside the process supplies it"
    ),
    ("connectors/woocommerce/mapping.py", "value == state"): (
        "an address's state/province code, not a secret"
    ),
    ("connectors/shopify/tokens.py", "current.access_token != stale"): (
        "did another worker refresh the stored token already? both values are ours"
    ),
}
#: Modules that verify a caller's secret, and the constant-time call each must use.
VERIFIERS = {
    "app/security.py": "hmac.compare_digest",
    "app/web/admin/csrf.py": "constant_time_equals",
    "app/web/shopify.py": "constant_time_equals",
    "app/web/tracking.py": "constant_time_equals",
    "app/web/tracking_woo.py": "hmac.compare_digest",
    "app/core/messaging/unsubscribe.py": "hmac.compare_digest",
    "connectors/shopify/oauth.py": "hmac.compare_digest",
    "connectors/woocommerce/webhooks.py": "hmac.compare_digest",
}


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_name(node.value)}.{node.attr}"
    if isinstance(node, ast.Subscript):
        return f"{_name(node.value)}[]"
    if isinstance(node, ast.Call):
        return f"{_name(node.func)}()"
    return ""


def _is_literal(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return all(_is_literal(element) for element in node.elts)
    return False


def _is_column_expression(name: str) -> bool:
    """`Enrollment.claim_token`: a mapped class's column, so the comparison builds SQL."""
    return name[:1].isupper() and "." in name


def secret_comparisons() -> list[tuple[str, int, str]]:
    """(file, line, source) of every ==/!= that may compare a secret."""
    found = []
    for package in ("app", "connectors"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            source = path.read_text()
            for node in ast.walk(ast.parse(source)):
                if not isinstance(node, ast.Compare):
                    continue
                if not any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
                    continue
                operands = [node.left, *node.comparators]
                if any(_is_literal(operand) for operand in operands):
                    continue
                names = [_name(operand) for operand in operands]
                if any(_is_column_expression(name) for name in names):
                    continue
                if any(SECRET_NAMES.search(name) for name in names):
                    found.append((relative, node.lineno, ast.get_source_segment(source, node)))
    return found


def test_no_secret_is_compared_with_equals() -> None:
    unexplained = [
        f"{path}:{line}: {text}"
        for path, line, text in secret_comparisons()
        if (path, text) not in NOT_SECRET_CHECKS
    ]
    assert not unexplained, "use hmac.compare_digest / constant_time_equals:\n" + "\n".join(
        unexplained
    )


def test_every_listed_exception_still_exists() -> None:
    present = {(path, text) for path, _line, text in secret_comparisons()}
    stale = set(NOT_SECRET_CHECKS) - present
    assert not stale, f"remove these from NOT_SECRET_CHECKS: {stale}"


def test_the_check_catches_a_plain_comparison(tmp_path, monkeypatch) -> None:
    package = tmp_path / "app"
    package.mkdir()
    (package / "bad.py").write_text(
        "def ok(sig, expected_signature):\n    return sig == expected_signature\n"
    )
    (tmp_path / "connectors").mkdir()
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    assert [(path, text) for path, _line, text in secret_comparisons()] == [
        ("app/bad.py", "sig == expected_signature")
    ]


def test_every_verifier_uses_a_constant_time_comparison() -> None:
    for relative, call in VERIFIERS.items():
        tree = ast.parse((ROOT / relative).read_text())
        calls = {_name(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
        assert call in calls, f"{relative} no longer calls {call}"
