"""Response headers of every admin page: who may frame it, what it may load, what it leaks.

Embedded pages may be framed only by the shop's admin (Shopify's iframe protection:
https://shopify.dev/docs/apps/build/security/set-up-iframe-protection); every other page by
nobody. Scripts and styles come from our own origin, plus App Bridge from Shopify's CDN when
embedded; templates carry no inline script or style, so none is allowed.
"""

from __future__ import annotations

from flask import Response, g, request

from app.web.admin.session_tokens import shop_domain

SHOPIFY_ADMIN = "https://admin.shopify.com"
SHOPIFY_CDN = "https://cdn.shopify.com"
NOBODY = "'none'"


def frame_ancestors() -> str | None:
    """The shop admin allowed to frame this response, or None when nobody may."""
    access = g.get("admin_access")
    if access is not None and access.embedded and access.shop:
        return f"https://{access.shop} {SHOPIFY_ADMIN}"
    if request.endpoint == "admin.session_token":
        shop = shop_domain(request.args.get("shop"))
        if shop:
            return f"https://{shop} {SHOPIFY_ADMIN}"
    return None


def content_security_policy(ancestors: str | None) -> str:
    """The CSP for an admin response framed by `ancestors` (None: not framable)."""
    shopify = f" {SHOPIFY_CDN}" if ancestors else ""
    directives = [
        "default-src 'self'",
        f"script-src 'self'{shopify}",
        f"style-src 'self'{shopify}",
        "img-src 'self' data: https:",
        f"connect-src 'self'{shopify}",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        f"frame-ancestors {ancestors or NOBODY}",
    ]
    return "; ".join(directives)


def email_preview_policy(ancestors: str | None) -> str:
    """The CSP of a rendered email shown in the editor's preview frame.

    The email is the merchant's template filled with shoppers' data: it may run nothing
    (`sandbox` without tokens: no script, no form, no popup, an opaque origin), load only
    images and fonts, keep the inline styles every email needs, and be framed only by our own
    page (inside Shopify, that page is itself framed by the shop's admin).
    """
    directives = [
        "default-src 'none'",
        "img-src https: data:",
        "style-src 'unsafe-inline'",
        "font-src https: data:",
        "base-uri 'none'",
        "form-action 'none'",
        f"frame-ancestors 'self'{' ' + ancestors if ancestors else ''}",
        "sandbox",
    ]
    return "; ".join(directives)


def mark_email_preview() -> None:
    """Give this response the email-preview policy instead of the admin page's."""
    g.email_preview = True


def apply_security_headers(response: Response) -> Response:
    """Add CSP, framing, sniffing, referrer and caching headers to an admin response."""
    ancestors = frame_ancestors()
    if g.get("email_preview"):
        response.headers["Content-Security-Policy"] = email_preview_policy(ancestors)
        if ancestors is None:
            response.headers["X-Frame-Options"] = "SAMEORIGIN"
    else:
        response.headers["Content-Security-Policy"] = content_security_policy(ancestors)
    if ancestors is None and "X-Frame-Options" not in response.headers:
        response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Tokens travel in some admin URLs (id_token, login links): never send them elsewhere.
    response.headers["Referrer-Policy"] = "same-origin"
    if request.endpoint != "admin.static":
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("Authorization")
        response.vary.add("Cookie")
    return response
