"""Support for the simulator tests: the three sandboxes on loopback ports, and a recorder
standing where Nudge's public endpoints would be (webhooks, /t/events, /t/woo.js), so the tests
see exactly what the simulated shoppers' browsers and the sandboxes send to the app."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from werkzeug.wrappers import Request, Response

from sandbox.serving import ServerThread
from sandbox.stack import SandboxStack, StackConfig, start_sandboxes

STORE_KEY = "pk_simulator_test"
TOKEN = "1700000000.nonce.mac"


@dataclass
class Recorded:
    """One request the recorder got."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


@dataclass
class AppRecorder:
    """Records every request; `GET /t/woo.js` answers a script shaped like the app's (the
    configuration literal in place of `/*NUDGE_CONFIG*/null`)."""

    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        with self.lock:
            self.requests.append(
                Recorded(
                    request.method,
                    request.path,
                    {k.lower(): v for k, v in request.headers.items()},
                    request.get_data(),
                )
            )
        if request.method == "GET" and request.path == "/t/woo.js":
            config = {
                "endpoint": f"{self.url}/t/events",
                "key": request.args.get("k", ""),
                "token": TOKEN,
                "storePath": request.args.get("path", ""),
            }
            literal = json.dumps(config)
            script = f"(function (w, d, cfg) {{ /* woo.js */ }})(window, document, {literal});\n"
            return Response(script, mimetype="application/javascript")(environ, start_response)
        return Response("{}", status=202, mimetype="application/json")(environ, start_response)

    def posted(self, path: str) -> list[Recorded]:
        """POSTs to `path`, in arrival order."""
        with self.lock:
            return [r for r in self.requests if r.method == "POST" and r.path == path]


@dataclass
class Sandboxes:
    """The running stack, the recorder, and an HTTP client."""

    stack: SandboxStack
    app: AppRecorder
    http: httpx.Client

    def shopify(self, method: str, path: str, **kwargs: Any) -> Any:
        """A Shopify control-API call (path after /sandbox); the JSON answer."""
        response = self.http.request(method, f"{self.stack.shopify_url}/sandbox{path}", **kwargs)
        assert response.status_code < 400, response.text
        return response.json()

    def woo(self, method: str, path: str, **kwargs: Any) -> Any:
        """A WooCommerce control-API call (path after /_sandbox); the JSON answer."""
        url = f"{self.stack.woocommerce_url}/_sandbox{path}"
        response = self.http.request(method, url, **kwargs)
        assert response.status_code < 400, response.text
        return response.json()

    def shopify_graphql(self, shop: str, query: str, **variables: Any) -> Any:
        """Install-free GraphQL as the app: token exchange with the admin's ID token."""
        domain = f"{shop}.myshopify.com"
        if not self.shopify("GET", f"/shops/{domain}")["installed"]:
            self.shopify("POST", f"/shops/{domain}/install")
        opened = self.shopify("GET", f"/shops/{domain}/open-app", params={"format": "json"})
        config = self.stack.config
        token = self.http.post(
            f"{self.stack.shopify_url}/shops/{domain}/admin/oauth/access_token",
            json={
                "client_id": config.shopify_api_key,
                "client_secret": config.shopify_api_secret,
                "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
                "subject_token": opened["id_token"],
                "subject_token_type": "urn:ietf:params:oauth:token-type:id_token",
                "requested_token_type": "urn:shopify:params:oauth:token-type:offline-access-token",
            },
        ).json()["access_token"]
        response = self.http.post(
            f"{self.stack.shopify_url}/shops/{domain}/admin/api/2026-07/graphql.json",
            json={"query": query, "variables": variables},
            headers={"X-Shopify-Access-Token": token},
        )
        assert response.status_code == 200, response.text
        return response.json()

    def drain(self) -> None:
        """Wait for the sandboxes' webhook deliveries."""
        self.http.post(f"{self.stack.shopify_url}/sandbox/webhooks/drain", json={"timeout": 10})
        self.http.post(f"{self.stack.woocommerce_url}/_sandbox/deliveries/drain", json={})


@contextmanager
def sandboxes() -> Iterator[Sandboxes]:
    """The recorder and the three sandboxes pointed at it."""
    recorder = AppRecorder()
    with ServerThread(recorder) as server:
        recorder.url = server.url
        config = StackConfig(app_url=server.url, sendgrid_batch_interval=0.05)
        with start_sandboxes(config) as stack, httpx.Client(timeout=30) as http:
            yield Sandboxes(stack, recorder, http)


def wait_for(condition: Any, timeout: float = 10.0) -> None:
    """Poll `condition()` until true (AssertionError after `timeout`)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)
