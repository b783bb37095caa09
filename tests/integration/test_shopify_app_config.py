"""shopify.app.toml and the web pixel agree with the code, and the pixel's posts are accepted."""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rq import SimpleWorker
from sqlalchemy import select

from app.db.models import Customer, ProductView
from connectors.shopify import SCOPES
from connectors.shopify.mapping import supported_topics
from connectors.shopify.mapping.pixel import PIXEL_EVENTS
from connectors.shopify.subscriptions import TOPICS
from tests.factories import make_store
from workers.queues import INBOUND, JobQueues
from workers.serializer import JobSerializer
from workers.sync import pixel_settings

ROOT = Path(__file__).resolve().parents[2]
PIXEL = ROOT / "extensions" / "nudge-pixel"


def app_toml() -> dict:
    return tomllib.loads((ROOT / "shopify.app.toml").read_text())


def test_app_configuration_matches_the_code() -> None:
    config = app_toml()
    assert config["access_scopes"]["scopes"].split(",") == list(SCOPES)
    assert config["application_url"].endswith("/shopify")
    assert config["auth"]["redirect_urls"][0].endswith("/shopify/callback")
    assert config["webhooks"]["api_version"] == "2026-07"
    declared: set[str] = set()
    for subscription in config["webhooks"]["subscriptions"]:
        assert subscription["uri"].endswith("/webhooks/shopify")
        declared.update(subscription.get("topics", ()))
        declared.update(subscription.get("compliance_topics", ()))
    assert {"customers/data_request", "customers/redact", "shop/redact"} <= declared
    # Every topic the mapping knows is subscribed, once: by TOML or through the API.
    assert declared.isdisjoint(TOPICS)
    assert declared | set(TOPICS) == set(supported_topics())


def test_pixel_settings_match_the_extension() -> None:
    extension = tomllib.loads((PIXEL / "shopify.extension.toml").read_text())
    assert extension["type"] == "web_pixel_extension"
    assert set(extension["settings"]["fields"]) == set(pixel_settings("k", "https://a"))
    source = (PIXEL / "src" / "index.js").read_text()
    for name in PIXEL_EVENTS:
        assert f"'{name}'" in source


HARNESS = """
import fs from 'node:fs';
import './pixel.mjs';
const storage = new Map();
const sent = [];
const handlers = {};
const [shop, key] = process.argv.slice(2);
globalThis.__nudgePixel({
  analytics: {subscribe: (name, handler) => { handlers[name] = handler; }},
  browser: {
    localStorage: {
      getItem: async (k) => (storage.has(k) ? storage.get(k) : null),
      setItem: async (k, v) => { storage.set(k, v); },
    },
    sendBeacon: async (url, body) => { sent.push({url, body}); return true; },
  },
  init: {data: {shop: {myshopifyDomain: shop}, customer: null}},
  settings: {storeKey: key, endpoint: 'https://nudge.test/t/events'},
});
for (const event of JSON.parse(fs.readFileSync(0, 'utf8'))) {
  await handlers[event.name](event);
}
console.log(JSON.stringify(sent));
"""


def run_pixel(tmp_path: Path, shop: str, key: str, events: list[dict]) -> list[dict]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed; the pixel's JavaScript cannot run here")
    package = tmp_path / "node_modules" / "@shopify" / "web-pixels-extension"
    package.mkdir(parents=True)
    (package / "package.json").write_text('{"type": "module", "main": "index.js"}')
    (package / "index.js").write_text(
        "export function register(f) { globalThis.__nudgePixel = f; }"
    )
    shutil.copy(PIXEL / "src" / "index.js", tmp_path / "pixel.mjs")
    (tmp_path / "harness.mjs").write_text(HARNESS)
    result = subprocess.run(
        [node, "harness.mjs", shop, key],
        cwd=tmp_path,
        input=json.dumps(events),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(result.stdout)


def standard_event(name: str, event_id: str, data: dict) -> dict:
    # Shaped like Shopify's standard events (https://shopify.dev/docs/api/web-pixels-api).
    return {
        "id": event_id,
        "name": name,
        "type": "standard",
        "clientId": "browser-7",
        "timestamp": datetime.now(UTC).isoformat(),
        "seq": 1,
        "context": {"document": {"location": {"href": "https://shop.example/products/mug"}}},
        "data": data,
    }


def test_the_pixel_posts_what_the_endpoint_accepts(tmp_path, client, session, runtime) -> None:
    store = make_store(session)
    session.add(Customer(store_id=store.id, platform_id="42", email="ada@example.com"))
    session.commit()
    variant = {"id": "70", "title": "Blue", "price": {"amount": 12.0, "currencyCode": "USD"},
               "product": {"id": "7", "title": "Mug", "url": "/products/mug"}}  # fmt: skip
    sent = run_pixel(
        tmp_path,
        store.domain,
        store.key,
        [
            standard_event("product_viewed", "e1", {"productVariant": variant}),
            standard_event(
                "checkout_contact_info_submitted", "e2", {"checkout": {"email": "ada@example.com"}}
            ),  # fmt: skip
            standard_event("product_viewed", "e3", {"productVariant": variant}),
        ],
    )
    assert [item["url"] for item in sent] == ["https://nudge.test/t/events"] * 2
    first, second = (json.loads(item["body"]) for item in sent)
    assert first["customer"] is None and second["customer"]["email"] == "ada@example.com"
    for body in (first, second):
        response = client.post("/t/events", data=json.dumps(body), content_type="text/plain")
        assert response.status_code == 202, response.json
    queues = JobQueues(runtime.redis)
    SimpleWorker([queues.queue(INBOUND)], connection=runtime.redis, serializer=JobSerializer).work(
        burst=True
    )
    views = session.execute(select(ProductView)).scalars().all()
    assert len(views) == 2 and {view.visitor_id for view in views} == {"browser-7"}
    assert len({view.customer_id for view in views}) == 1 and views[0].customer_id is not None
