"""`make lint`'s dependency audit: a vulnerability fails, an unreachable database does not
(unless required), and an audit that checked nothing is never reported as clean."""

from __future__ import annotations

import json

from tools.dependency_audit import decide, interpret


def report(*dependencies: dict) -> str:
    return json.dumps({"dependencies": list(dependencies), "fixes": []})


CLEAN = {"name": "flask", "version": "3.1.3", "vulns": []}
VULNERABLE = {
    "name": "jinja2",
    "version": "2.10",
    "vulns": [{"id": "GHSA-h5c8-rqwp-cp95", "fix_versions": ["3.1.3"]}],
}
SKIPPED = {"name": "rq", "skip_reason": "Dependency not found on PyPI and could not be audited"}


def test_a_known_vulnerability_fails_lint() -> None:
    verdict = interpret("pypi", 1, report(CLEAN, VULNERABLE), "")
    status, lines = decide([verdict], required=False)
    assert status == 1
    assert any("jinja2 2.10: GHSA-h5c8-rqwp-cp95 (fixed in 3.1.3)" in line for line in lines)


def test_a_clean_audit_passes_and_names_what_it_could_not_check() -> None:
    status, lines = decide([interpret("pypi", 0, report(CLEAN, SKIPPED), "")], required=True)
    assert status == 0
    assert lines[0] == "dependency audit (pypi): 1 packages clean"
    assert "rq" in lines[1]


def test_everything_skipped_is_not_run_not_clean() -> None:
    verdicts = [
        interpret("pypi", 0, report(SKIPPED), ""),
        interpret("osv", 1, "", "Traceback ...\nConnectionError: Failed to resolve 'api.osv.dev'"),
    ]
    status, lines = decide(verdicts, required=False)
    assert status == 0
    assert lines[0].startswith("dependency audit NOT RUN")
    assert "all 1 packages skipped" in lines[1] and "Failed to resolve" in lines[2]
    assert decide(verdicts, required=True)[0] == 1


def test_the_first_service_that_audits_decides() -> None:
    verdicts = [
        interpret("pypi", 0, report(SKIPPED), ""),
        interpret("osv", 1, report(VULNERABLE), ""),
    ]
    assert decide(verdicts, required=False)[0] == 1
