"""`make lint`'s dependency audit: pip-audit over the installed environment.

Fails (exit 1) on a known vulnerability in any installed package. Vulnerability data comes from
the network, and where it cannot be reached the audit says so in one clear block and passes:
a missing network must not fail lint. Set NUDGE_REQUIRE_AUDIT=1 (for a release build) to make
an audit that could not run fatal.

Two sources are tried in order. PyPI's JSON API (`/pypi/<name>/<version>/json`, which carries
each release's OSV advisories): behind a mirror that serves only the simple index, every
package answers "not found" and nothing is audited. OSV's API (api.osv.dev): needs DNS and
HTTPS to osv.dev. An audit that checked no package at all counts as not run, never as clean.
"""

from __future__ import annotations

import json
import os
import subprocess  # noqa: S404 - runs pip-audit from this environment, fixed arguments
import sys
from dataclasses import dataclass, field
from typing import Any

SERVICES = ("pypi", "osv")
TIMEOUT_SECONDS = 180


@dataclass
class Verdict:
    """What one audit run found."""

    service: str
    audited: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    vulnerable: list[str] = field(default_factory=list)
    problem: str = ""

    @property
    def ran(self) -> bool:
        """True when at least one package was checked against the advisories."""
        return bool(self.audited) and not self.problem


def interpret(service: str, returncode: int, stdout: str, stderr: str) -> Verdict:
    """Read pip-audit's JSON report (or its failure) into a Verdict."""
    verdict = Verdict(service)
    try:
        report: dict[str, Any] = json.loads(stdout)
    except ValueError:
        last = (stderr.strip().splitlines() or [f"exit status {returncode}"])[-1]
        verdict.problem = last[:300]
        return verdict
    for dependency in report.get("dependencies", []):
        name = f"{dependency.get('name')} {dependency.get('version', '')}".strip()
        if dependency.get("skip_reason"):
            verdict.skipped.append(name)
            continue
        verdict.audited.append(name)
        for vuln in dependency.get("vulns", []):
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
            verdict.vulnerable.append(f"{name}: {vuln.get('id')} (fixed in {fixes})")
    if not verdict.audited:
        verdict.problem = f"all {len(verdict.skipped)} packages skipped (no data from {service})"
    return verdict


def run_pip_audit(service: str) -> Verdict:
    """One pip-audit run against `service`."""
    command = [
        sys.executable, "-m", "pip_audit", "--format", "json", "--progress-spinner", "off",
        "--skip-editable", "--timeout", "15", "--vulnerability-service", service,
    ]  # fmt: skip
    try:
        done = subprocess.run(  # noqa: S603 - fixed command, no shell
            command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        return Verdict(service, problem=f"no answer within {TIMEOUT_SECONDS} s")
    except FileNotFoundError as error:
        return Verdict(service, problem=str(error))
    return interpret(service, done.returncode, done.stdout, done.stderr)


def decide(verdicts: list[Verdict], *, required: bool) -> tuple[int, list[str]]:
    """Exit status and report lines for the verdicts of the services tried, in order."""
    for verdict in verdicts:
        if not verdict.ran:
            continue
        if verdict.vulnerable:
            return 1, [
                f"dependency audit ({verdict.service}): known vulnerabilities:",
                *(f"  {line}" for line in verdict.vulnerable),
            ]
        lines = [f"dependency audit ({verdict.service}): {len(verdict.audited)} packages clean"]
        if verdict.skipped:
            lines.append(f"  not audited: {', '.join(verdict.skipped)}")
        return 0, lines
    lines = ["dependency audit NOT RUN: no vulnerability data could be reached"]
    lines += [f"  {verdict.service}: {verdict.problem}" for verdict in verdicts]
    if required:
        return 1, [*lines, "  NUDGE_REQUIRE_AUDIT is set: failing"]
    return 0, [*lines, "  (passing: set NUDGE_REQUIRE_AUDIT=1 to make this fatal)"]


def main() -> int:
    """Try each service until one audits the environment; print the outcome."""
    verdicts: list[Verdict] = []
    for service in SERVICES:
        verdict = run_pip_audit(service)
        verdicts.append(verdict)
        if verdict.ran:
            break
    status, lines = decide(verdicts, required=os.environ.get("NUDGE_REQUIRE_AUDIT") == "1")
    print("\n".join(lines))  # noqa: T201 - a command-line report
    return status


if __name__ == "__main__":
    sys.exit(main())
