"""The app's web pixel extension as Shopify knows it: its `[settings]` definition, read from the
extension's `shopify.extension.toml`, and the check `webPixelCreate`/`webPixelUpdate` apply.

Shopify validates a pixel's settings "against the settings definition in shopify.extension.toml.
If the settings input field doesn't match the schema that you defined, then the mutation fails"
(https://shopify.dev/docs/api/admin-graphql/latest/mutations/webPixelCreate). The settings are a
JSON object serialized as a string (`settings: "{\\"accountID\\":\\"123\\"}"`, the example in
https://shopify.dev/docs/apps/build/marketing-analytics/build-web-pixels); each declared field
must be present, no undeclared field may be, and values obey the field's type and validations.
The sandbox models the text field types; a definition using another type is refused clearly.
"""

from __future__ import annotations

import functools
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TEXT_TYPES = ("single_line_text_field", "multi_line_text_field")


class SettingsDefinitionError(ValueError):
    """The extension TOML has no usable `[settings]` definition (a sandbox setup mistake)."""


class SettingsRejected(ValueError):
    """Settings Shopify would refuse; `code` is the ErrorsWebPixelUserErrorCode."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class SettingField:
    """One declared setting: its key, metafield-style type and validations."""

    key: str
    type: str
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None

    def check(self, value: object) -> None:
        """Raise SettingsRejected when `value` does not fit this field."""
        if not isinstance(value, str):
            raise SettingsRejected("INVALID_SETTINGS", f"setting {self.key} must be a string")
        if self.type == "single_line_text_field" and ("\n" in value or "\r" in value):
            raise SettingsRejected("INVALID_SETTINGS", f"setting {self.key} must be one line")
        if self.min_length is not None and len(value) < self.min_length:
            raise SettingsRejected(
                "INVALID_SETTINGS",
                f"setting {self.key} must be at least {self.min_length} characters",
            )
        if self.max_length is not None and len(value) > self.max_length:
            raise SettingsRejected(
                "INVALID_SETTINGS",
                f"setting {self.key} must be at most {self.max_length} characters",
            )
        if self.pattern is not None and not re.fullmatch(self.pattern, value):
            raise SettingsRejected(
                "INVALID_SETTINGS", f"setting {self.key} does not match {self.pattern}"
            )


def _field(key: str, spec: dict[str, Any]) -> SettingField:
    kind = spec.get("type")
    if kind not in TEXT_TYPES:
        raise SettingsDefinitionError(
            f"setting {key}: the sandbox models {', '.join(TEXT_TYPES)}, not {kind!r}"
        )
    rules = {str(rule.get("name")): str(rule.get("value")) for rule in spec.get("validations", [])}
    unknown = set(rules) - {"min", "max", "regex"}
    if unknown:
        raise SettingsDefinitionError(f"setting {key}: unsupported validations {sorted(unknown)}")
    return SettingField(
        key,
        kind,
        min_length=int(rules["min"]) if "min" in rules else None,
        max_length=int(rules["max"]) if "max" in rules else None,
        pattern=rules.get("regex"),
    )


@functools.cache
def load_definition(path: str) -> dict[str, SettingField]:
    """The declared settings of a web pixel extension TOML, by key."""
    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise SettingsDefinitionError(f"cannot read the pixel extension {path}: {error}") from error
    if document.get("type") != "web_pixel_extension":
        raise SettingsDefinitionError(f"{path} is not a web_pixel_extension")
    settings = document.get("settings") or {}
    if settings.get("type") != "object" or not isinstance(settings.get("fields"), dict):
        raise SettingsDefinitionError(f"{path}: [settings] must be an object with fields")
    return {key: _field(key, spec) for key, spec in settings["fields"].items()}


def validate(definition: dict[str, SettingField], settings: object) -> dict[str, str]:
    """The settings object when `settings` (a JSON string) fits the definition."""
    if not isinstance(settings, str):
        raise SettingsRejected(
            "INVALID_CONFIGURATION_JSON", "The provided settings is not a valid JSON string."
        )
    try:
        parsed = json.loads(settings)
    except ValueError:
        raise SettingsRejected(
            "INVALID_CONFIGURATION_JSON", "The provided settings is not a valid JSON."
        ) from None
    if not isinstance(parsed, dict):
        raise SettingsRejected("INVALID_SETTINGS", "The settings must be a JSON object.")
    undeclared = sorted(set(parsed) - set(definition))
    if undeclared:
        raise SettingsRejected(
            "INVALID_SETTINGS", f"settings not in the extension's definition: {undeclared}"
        )
    missing = sorted(set(definition) - set(parsed))
    if missing:
        raise SettingsRejected("INVALID_SETTINGS", f"settings missing: {missing}")
    for key, value in parsed.items():
        definition[key].check(value)
    return parsed
