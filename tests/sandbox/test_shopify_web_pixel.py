"""The app's web pixel: webPixelCreate/webPixelUpdate validated against the extension's settings
definition (extensions/nudge-pixel/shopify.extension.toml), the webPixel query, and uninstall."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.sandbox.shopify_support import RunningSandbox, running_sandbox

QUERY = "query Pixel { webPixel { id settings } }"
QUERY_BY_ID = "query Pixel($id: ID) { webPixel(id: $id) { id } }"
NODE = "query Node($id: ID!) { node(id: $id) { ... on WebPixel { id settings } } }"
CREATE = """
mutation Create($webPixel: WebPixelInput!) {
  webPixelCreate(webPixel: $webPixel) {
    webPixel { id settings }
    userErrors { field code message }
  }
}"""
UPDATE = """
mutation Update($id: ID!, $webPixel: WebPixelInput!) {
  webPixelUpdate(id: $id, webPixel: $webPixel) {
    webPixel { id settings }
    userErrors { field code message }
  }
}"""
GOOD = {"storeKey": "k_123", "endpoint": "https://nudge.example/t/events"}


class PixelShop:
    """An installed shop with GraphQL shortcuts for its pixel."""

    def __init__(self, sandbox: RunningSandbox) -> None:
        self.sandbox = sandbox
        self.domain = sandbox.create_shop("pixels")
        self.token = sandbox.exchange(self.domain)["access_token"]

    def ask(self, document: str, **variables: Any) -> dict[str, Any]:
        response = self.sandbox.graphql(self.domain, self.token, document, variables)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def create(self, settings: object) -> dict[str, Any]:
        answer = self.ask(CREATE, webPixel={"settings": settings})
        return dict(answer["data"]["webPixelCreate"])

    def stored(self) -> dict[str, Any] | None:
        activity = self.sandbox.control("GET", f"/shops/{self.domain}/app-activity").json()
        return activity["web_pixel"]


@pytest.fixture
def shop() -> Iterator[PixelShop]:
    with running_sandbox() as sandbox:
        yield PixelShop(sandbox)


def test_no_pixel_yet_is_a_top_level_error(shop: PixelShop) -> None:
    answer = shop.ask(QUERY)
    assert answer["data"] == {"webPixel": None}
    assert [error["message"] for error in answer["errors"]] == [
        "No web pixel was found for this app."
    ]


def test_create_then_read_and_a_second_create_is_taken(shop: PixelShop) -> None:
    created = shop.create(json.dumps(GOOD))
    assert created["userErrors"] == []
    pixel = created["webPixel"]
    assert pixel["id"].startswith("gid://shopify/WebPixel/")
    assert json.loads(pixel["settings"]) == GOOD
    assert shop.ask(QUERY)["data"]["webPixel"] == pixel
    assert shop.ask(QUERY_BY_ID, id=pixel["id"])["data"]["webPixel"] == {"id": pixel["id"]}
    assert shop.ask(NODE, id=pixel["id"])["data"]["node"] == pixel
    stored = shop.stored()
    assert stored is not None and stored["settings"] == GOOD

    again = shop.create(json.dumps(GOOD | {"storeKey": "other"}))
    assert again["webPixel"] is None
    assert [error["code"] for error in again["userErrors"]] == ["TAKEN"]
    assert shop.stored()["settings"] == GOOD  # type: ignore[index]


@pytest.mark.parametrize(
    ("settings", "code", "words"),
    [
        (GOOD, "INVALID_CONFIGURATION_JSON", "JSON string"),
        ("{not json", "INVALID_CONFIGURATION_JSON", "not a valid JSON"),
        (json.dumps(["k", "e"]), "INVALID_SETTINGS", "JSON object"),
        (json.dumps({"storeKey": "k"}), "INVALID_SETTINGS", "missing: ['endpoint']"),
        (json.dumps(GOOD | {"accountID": "1"}), "INVALID_SETTINGS", "['accountID']"),
        (json.dumps(GOOD | {"storeKey": ""}), "INVALID_SETTINGS", "at least 1"),
        (json.dumps(GOOD | {"storeKey": 7}), "INVALID_SETTINGS", "must be a string"),
        (json.dumps(GOOD | {"endpoint": "a\nb"}), "INVALID_SETTINGS", "one line"),
    ],
)
def test_settings_that_do_not_match_the_extension_are_refused(
    shop: PixelShop, settings: object, code: str, words: str
) -> None:
    created = shop.create(settings)
    assert created["webPixel"] is None
    [error] = created["userErrors"]
    assert (error["code"], error["field"]) == (code, ["webPixel", "settings"])
    assert words in error["message"]
    assert shop.stored() is None


def test_update_replaces_the_settings_of_that_pixel_only(shop: PixelShop) -> None:
    pixel = shop.create(json.dumps(GOOD))["webPixel"]
    moved = GOOD | {"endpoint": "https://new.example/t/events"}
    updated = shop.ask(UPDATE, id=pixel["id"], webPixel={"settings": json.dumps(moved)})
    payload = updated["data"]["webPixelUpdate"]
    assert payload["userErrors"] == [] and payload["webPixel"]["id"] == pixel["id"]
    assert json.loads(shop.ask(QUERY)["data"]["webPixel"]["settings"]) == moved

    bad = shop.ask(UPDATE, id=pixel["id"], webPixel={"settings": json.dumps({"storeKey": "x"})})
    assert bad["data"]["webPixelUpdate"]["userErrors"][0]["code"] == "INVALID_SETTINGS"
    unknown = shop.ask(
        UPDATE, id="gid://shopify/WebPixel/1", webPixel={"settings": json.dumps(GOOD)}
    )
    assert unknown["data"]["webPixelUpdate"]["userErrors"] == [
        {"field": ["id"], "code": "NOT_FOUND", "message": "Web pixel not found."}
    ]
    assert shop.stored()["settings"] == moved  # type: ignore[index]


def test_uninstalling_the_app_removes_its_pixel(shop: PixelShop) -> None:
    shop.create(json.dumps(GOOD))
    assert shop.sandbox.control("POST", f"/shops/{shop.domain}/uninstall").status_code == 200
    assert shop.stored() is None


def test_an_app_without_a_pixel_extension_gets_no_extension() -> None:
    with running_sandbox(web_pixel_extension=None) as sandbox:
        created = PixelShop(sandbox).create(json.dumps(GOOD))
    assert created["userErrors"] == [
        {"field": None, "code": "NO_EXTENSION", "message": "No extension found."}
    ]


def test_a_definition_the_sandbox_cannot_model_is_named(tmp_path: Path) -> None:
    toml = tmp_path / "shopify.extension.toml"
    toml.write_text(
        'type = "web_pixel_extension"\nname = "p"\n[settings]\ntype = "object"\n'
        '[settings.fields.count]\nname = "Count"\ntype = "number_integer"\n'
    )
    with running_sandbox(web_pixel_extension=str(toml)) as sandbox:
        answer = PixelShop(sandbox).ask(CREATE, webPixel={"settings": '{"count": "1"}'})
    [error] = answer["errors"]
    assert error["extensions"]["code"] == "SANDBOX_NOT_IMPLEMENTED"
    assert "number_integer" in error["message"]
