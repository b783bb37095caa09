"""Response headers for every answer outside the admin (which sets its own, stricter per page).

Every response: `X-Content-Type-Options: nosniff` (a JSON error or a JavaScript snippet is
never sniffed into HTML). HTML pages (unsubscribe, App Home, error pages): a Content Security
Policy that loads nothing but our own styles and images, runs no script, posts forms only back
here and may be framed by nobody; `Referrer-Policy: no-referrer`, because the unsubscribe token
is in the page's URL. App Home sets its own policy (`page_policy`), framable by the shop's admin
and loading App Bridge. Pages `shopifyapp` builds (the session-token bounce pages) bring their
own `frame-ancestors` policy and their own script, and are left as they are.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g, request

SHOPIFY_CDN = "https://cdn.shopify.com"
SHOPIFY_ADMIN = "https://admin.shopify.com"
CSP = "Content-Security-Policy"


def csp_nonce() -> str:
    """This response's nonce for inline `<style nonce=…>` blocks (templates call it)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    nonce: str = g.csp_nonce
    return nonce


def page_policy(*, framed_by_shop: str | None = None) -> str:
    """The CSP of a server-rendered page; `framed_by_shop` (a myshopify domain) allows App Home
    inside that shop's admin and App Bridge from Shopify's CDN."""
    script = f"script-src {SHOPIFY_CDN}" if framed_by_shop else "script-src 'none'"
    connect = f"connect-src 'self' {SHOPIFY_CDN}" if framed_by_shop else "connect-src 'none'"
    ancestors = f"https://{framed_by_shop} {SHOPIFY_ADMIN}" if framed_by_shop else "'none'"
    directives = [
        "default-src 'none'",
        script,
        f"style-src 'self' 'nonce-{csp_nonce()}'",
        "img-src 'self' data: https:",
        connect,
        "form-action 'self'",
        "base-uri 'none'",
        f"frame-ancestors {ancestors}",
    ]
    return "; ".join(directives)


def apply_page_headers(response: Response) -> Response:
    """The app-wide after-request hook (the admin blueprint adds its own headers first)."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if request.blueprint == "admin" or response.mimetype != "text/html":
        return response
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if CSP not in response.headers:
        response.headers[CSP] = page_policy()
        response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def init_app(app: Flask) -> None:
    """Register the hook and the `csp_nonce()` template global."""
    app.after_request(apply_page_headers)
    app.add_template_global(csp_nonce)
