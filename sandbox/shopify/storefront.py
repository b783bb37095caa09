"""A minimal storefront so links in emails lead somewhere in the demo (not Shopify's API).

With `public_url` configured, products' onlineStoreUrl and checkouts' abandoned_checkout_url
point here (/shops/<domain>/products/<handle>, /shops/<domain>/<shop id>/checkouts/<token>/
recover?key=...). The recovery page shows the cart and completes the purchase on POST, with an
optional `discount` code (as Shopify's `?discount=CODE` links do), emitting the order webhooks.
`/cdn/shop/files/<name>.svg` is a generated product picture (Shopify's CDN stand-in, so seeded
products have images without any network).
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint, Response, render_template_string, request
from markupsafe import escape

from sandbox.shopify import commerce
from sandbox.shopify.records import InputError
from sandbox.shopify.request_context import current_sandbox, record_request, shop_for_request
from sandbox.shopify.resolvers.redeem_codes import settle

blueprint = Blueprint("shopify_sandbox_storefront", __name__)

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}
img{max-width:100%}li{margin:.3rem 0}.error{color:#b00020}</style></head><body>
<p><small>{{ shop.name }} · sandbox storefront</small></p><h1>{{ title }}</h1>
{% if product %}{% if product.images %}<img src="{{ product.images[0].src }}" alt="">{% endif %}
<p>{{ product.variants[0].price }} {{ shop.currency }}</p>
{{ product.body_html|striptags }}{% endif %}
{% if checkout %}<ul>{% for line in checkout.line_items %}<li>{{ line.quantity }} × {{ line.title }}
({{ line.variant_title }}) — {{ line.price }} {{ shop.currency }}</li>{% endfor %}</ul>
{% if checkout.completed_at %}<p>Thank you, this order is placed.</p>{% else %}
<form method="post"><label>Discount code <input name="discount" value="{{ discount }}"></label>
<button type="submit">Complete purchase</button></form>{% endif %}{% endif %}
{% if error %}<p class="error">{{ error }}</p>{% endif %}</body></html>"""


def _page(status: int = 200, **values: Any) -> tuple[str, int]:
    values.setdefault("product", None)
    values.setdefault("checkout", None)
    values.setdefault("error", None)
    return render_template_string(PAGE, **values), status


@blueprint.get("/products/<handle>")
def product_page(handle: str) -> tuple[str, int]:
    """A product page."""
    sandbox = current_sandbox()
    with sandbox.lock:
        shop = shop_for_request(sandbox)
        product = next(
            (p for p in (shop.products.values() if shop else []) if p["handle"] == handle), None
        )
        if shop is None or product is None:
            return "Not found", 404
        return _page(shop=shop, title=product["title"], product=product)


@blueprint.route("/<int:shop_id>/checkouts/<token>/recover", methods=["GET", "POST"])
def recover(shop_id: int, token: str) -> tuple[str, int]:
    """The abandoned-checkout recovery page; POST completes the purchase."""
    sandbox = current_sandbox()
    with sandbox.lock:
        shop = shop_for_request(sandbox)
        checkout = next(
            (c for c in (shop.checkouts.values() if shop else []) if c["token"] == token), None
        )
        if shop is None or shop.id != shop_id or checkout is None:
            return "Not found", 404
        settle(sandbox, shop)
        if request.args.get("key") != checkout["recovery_key"]:
            return "Invalid recovery key", 403
        discount = request.values.get("discount", "")
        record_request(shop, "storefront", 200, [f"storefront recover {request.method.lower()}"])
        if request.method == "POST" and checkout["completed_at"] is None:
            try:
                if discount:
                    codes = [{"code": discount}]
                    commerce.update_checkout(sandbox, shop, token, {"discount_codes": codes})
                commerce.complete_checkout(sandbox, shop, token, {})
            except InputError as error:
                return _page(
                    400,
                    shop=shop,
                    title="Your cart",
                    checkout=checkout,
                    discount=discount,
                    error=str(error),
                )
        return _page(shop=shop, title="Your cart", checkout=checkout, discount=discount)


@blueprint.get("/cdn/shop/files/<name>.svg")
def generated_image(name: str) -> Response:
    """A picture drawn from its file name: a tile in a colour of the name, labelled with it."""
    label = name.replace("-", " ").replace("_", " ").strip()[:40] or "image"
    digest = hashlib.sha256(name.encode()).digest()
    hue = digest[0] * 360 // 256
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="600" viewBox="0 0 600 600">'
        f'<rect width="600" height="600" fill="hsl({hue},55%,78%)"/>'
        f'<circle cx="300" cy="250" r="{90 + digest[1] % 60}" fill="hsl({hue},45%,60%)"/>'
        '<text x="300" y="470" font-family="sans-serif" font-size="34" text-anchor="middle" '
        f'fill="#333">{escape(label.title())}</text></svg>'
    )
    return Response(svg, content_type="image/svg+xml", headers={"Cache-Control": "max-age=3600"})
