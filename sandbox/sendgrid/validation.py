"""Mail-send body validation: the spec's JSON Schema, then the rules SendGrid enforces beyond it.

The schema is `components.requestBodies.PostMailSend` of the official OpenAPI 3.1 spec (JSON
Schema 2020-12), with its `$ref`s resolved through a `referencing` registry holding the whole
spec. Errors come back in SendGrid's shape: `{"message": ..., "field": "personalizations.0.to"}`.

The live API is stricter than the schema; the rules below the schema check are the documented
400s of https://www.twilio.com/docs/sendgrid/api-reference/mail-send/errors and the limits of
https://docs.sendgrid.com/api-reference/mail-send/limitations.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

#: The unmodified public spec (specs/README.md says where it comes from).
SPEC_PATH = Path(__file__).resolve().parents[2] / "specs" / "sendgrid-mail-v3.yaml"
_SPEC_URI = "urn:twilio:sendgrid-oai:tsg_mail_v3"
_BODY_POINTER = "/components/requestBodies/PostMailSend/content/application~1json/schema"

MAX_RECIPIENTS = 1000
MAX_CUSTOM_ARGS_BYTES = 10_000
#: Headers the API refuses to let a sender set (mail-send reference, `headers`).
RESERVED_HEADERS = frozenset(
    name.lower()
    for name in (
        "x-sg-id", "x-sg-eid", "received", "dkim-signature", "Content-Type",
        "Content-Transfer-Encoding", "To", "From", "Subject", "Reply-To", "CC", "BCC",
    )
)  # fmt: skip
_EMAIL = re.compile(
    r"[^@\s<>(),;:\"\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)


@dataclass(frozen=True)
class FieldError:
    """One entry of SendGrid's `errors` list."""

    message: str
    field: str | None

    def as_dict(self) -> dict[str, str | None]:
        """The JSON form SendGrid answers with."""
        return {"message": self.message, "field": self.field}


@functools.cache
def load_spec() -> dict[str, Any]:
    """The Mail Send OpenAPI document, parsed once."""
    spec: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    return spec


def _patched_spec() -> dict[str, Any]:
    # Spec bug (research/email.md §0.3): message-level custom_args is typed string, but the live
    # API answers "Invalid type. Expected: object, given: string." for a string and takes an
    # object of strings, exactly like personalizations[].custom_args.
    spec = copy.deepcopy(load_spec())
    body = spec["components"]["requestBodies"]["PostMailSend"]["content"]["application/json"]
    body["schema"]["properties"]["custom_args"] = {
        "type": "object",
        "additionalProperties": {"type": "string"},
    }
    return spec


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())

    @checker.checks("email")
    def is_email(instance: object) -> bool:
        return not isinstance(instance, str) or bool(_EMAIL.fullmatch(instance))

    return checker


@functools.cache
def mail_send_validator(*, as_live_api: bool = True) -> Draft202012Validator:
    """A validator for mail-send bodies; `as_live_api=False` keeps the spec exactly as published."""
    spec = _patched_spec() if as_live_api else load_spec()
    resource = Resource.from_contents(spec, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(_SPEC_URI, resource)
    return Draft202012Validator(
        {"$ref": f"{_SPEC_URI}#{_BODY_POINTER}"},
        registry=registry,
        format_checker=_format_checker(),
    )


def schema_errors(body: object, *, as_live_api: bool = True) -> list[FieldError]:
    """Every schema violation of `body`, in document order."""
    validator = mail_send_validator(as_live_api=as_live_api)
    errors = sorted(validator.iter_errors(body), key=lambda error: list(error.absolute_path))
    return [_field_error(error) for error in errors]


def _field_error(error: ValidationError) -> FieldError:
    path = [str(part) for part in error.absolute_path]
    if error.validator == "required" and isinstance(error.instance, Mapping):
        missing = [name for name in error.validator_value if name not in error.instance]
        path.append(missing[0] if missing else "")
        return FieldError(f"The {'.'.join(path)} field is required.", ".".join(path))
    if error.validator == "format" and error.validator_value == "email":
        return FieldError("Does not contain a valid address.", ".".join(path) or None)
    return FieldError(error.message, ".".join(path) or None)


def validate_mail_send(body: object) -> list[FieldError]:
    """All errors the live API would report for `body` (empty when it would be accepted)."""
    errors = schema_errors(body)
    if errors or not isinstance(body, dict):
        return errors
    return list(_rule_errors(body))


def _rule_errors(body: dict[str, Any]) -> Iterator[FieldError]:
    yield from _personalization_errors(body["personalizations"])
    yield from _subject_errors(body)
    yield from _content_errors(body)
    yield from _custom_args_errors(body)
    yield from _header_errors(body)
    if "reply_to" in body and "reply_to_list" in body:
        yield FieldError("reply_to and reply_to_list cannot be used together.", "reply_to_list")


def _personalization_errors(personalizations: list[dict[str, Any]]) -> Iterator[FieldError]:
    if not personalizations:
        yield FieldError("You must have at least one personalization.", "personalizations")
        return
    total = 0
    for index, item in enumerate(personalizations):
        if not item["to"]:
            yield FieldError(
                "The to array is required for all personalization objects, and must have at "
                "least one email object with a valid email address.",
                f"personalizations.{index}.to",
            )
        seen: set[str] = set()
        for kind in ("to", "cc", "bcc"):
            for recipient in item.get(kind, []):
                total += 1
                address = recipient["email"].lower()
                if address in seen:
                    yield FieldError(
                        "Each email address in the personalization block should be unique "
                        "between to, cc, and bcc. We found the first duplicate instance of "
                        f"[{recipient['email']}] in the personalizations.{index}.{kind} field.",
                        f"personalizations.{index}",
                    )
                seen.add(address)
    if total > MAX_RECIPIENTS:
        yield FieldError(
            "There is a limit of 1000 total recipients (to + cc + bcc) per request.",
            "personalizations",
        )


def _subject_errors(body: dict[str, Any]) -> Iterator[FieldError]:
    every_has_subject = all("subject" in item for item in body["personalizations"])
    if "subject" not in body and "template_id" not in body and not every_has_subject:
        yield FieldError(
            "The subject is required. You can get around this requirement if you use a template "
            "with a subject defined or if every personalization has a subject defined.",
            "subject",
        )


def _content_errors(body: dict[str, Any]) -> Iterator[FieldError]:
    content = body.get("content", [])
    if not content and "template_id" not in body:
        yield FieldError(
            "Unless a valid template_id is provided, the content parameter is required. There "
            "must be at least one defined content block. We typically suggest both text/plain "
            "and text/html blocks are included, but only one block is required.",
            "content",
        )
        return
    types = [block["type"] for block in content]
    for mime in ("text/plain", "text/html"):
        if types.count(mime) > 1:
            yield FieldError(
                "If present, text/plain and text/html may only be provided once.", "content"
            )
    expected = [mime for mime in ("text/plain", "text/html") if mime in types]
    if types[: len(expected)] != expected:
        yield FieldError(
            "If present, text/plain must be first, followed by text/html, followed by any "
            "other content.",
            "content",
        )


def _custom_args_errors(body: dict[str, Any]) -> Iterator[FieldError]:
    message_level = body.get("custom_args", {})
    scopes = [("custom_args", message_level)]
    scopes += [
        (f"personalizations.{index}.custom_args", item.get("custom_args", {}))
        for index, item in enumerate(body["personalizations"])
    ]
    for prefix, custom_args in scopes:
        for key, value in custom_args.items():
            if not isinstance(value, str):
                given = "integer" if isinstance(value, int) else type(value).__name__
                yield FieldError(
                    f"Invalid type. Expected: string, given: {given}.", f"{prefix}.{key}"
                )
    # The limit applies to what one recipient's message carries: message level + its own.
    for prefix, custom_args in scopes[1:] or scopes:
        merged = {**message_level, **custom_args}
        if len(json.dumps(merged).encode("utf-8")) > MAX_CUSTOM_ARGS_BYTES:
            yield FieldError(
                "The total size of custom arguments may not exceed 10,000 bytes.", prefix
            )


def _header_errors(body: dict[str, Any]) -> Iterator[FieldError]:
    scopes = [("headers", body.get("headers", {}))]
    scopes += [
        (f"personalizations.{index}.headers", item.get("headers", {}))
        for index, item in enumerate(body["personalizations"])
    ]
    for prefix, headers in scopes:
        for name, value in headers.items():
            if name.lower() in RESERVED_HEADERS:
                yield FieldError(f"The {name} header is reserved and cannot be set.", prefix)
            elif not isinstance(value, str):
                yield FieldError(f"The value of the {name} header must be a string.", prefix)
            elif "\r" in value or "\n" in value:
                yield FieldError(f"The {name} header may not contain line breaks.", prefix)
