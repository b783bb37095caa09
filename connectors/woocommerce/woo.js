/* Nudge storefront snippet for WooCommerce (served by GET /t/woo.js?k=<store key>).
 * Reports product views, the cart (read from the Store API, same origin) and the email typed at
 * checkout to Nudge. No dependencies; nothing runs if the page lacks fetch. */
(function (w, d, cfg) {
  "use strict";
  if (!cfg || !w.fetch || w.__nudgeWoo) return;
  w.__nudgeWoo = true;
  var EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  var EMAIL_FIELDS = "input[type=email],#billing_email,input[name=billing_email],#email";
  var store = (function () { try { return w.localStorage; } catch (e) { return null; } })();
  var session = (function () { try { return w.sessionStorage; } catch (e) { return null; } })();

  function read(s, k) { try { return s && s.getItem(k); } catch (e) { return null; } }
  function write(s, k, v) { try { if (s) s.setItem(k, v); } catch (e) { /* private mode */ } }
  function randomId() {
    var bytes = new Uint8Array(12), out = "";
    (w.crypto || w.msCrypto).getRandomValues(bytes);
    for (var i = 0; i < bytes.length; i++) out += ("0" + bytes[i].toString(16)).slice(-2);
    return out;
  }

  var visitor = read(store, "nudge_vid") || randomId();
  write(store, "nudge_vid", visitor);
  var email = read(store, "nudge_email");
  var lastCart = read(session, "nudge_cart");

  function send(type, data) {
    var body = { p: "woocommerce", k: cfg.key, t: cfg.token, v: visitor, e: randomId(), type: type };
    for (var key in data) if (Object.prototype.hasOwnProperty.call(data, key)) body[key] = data[key];
    if (email) body.email = email;
    var text = JSON.stringify(body);
    // text/plain keeps this a "simple" CORS request: no preflight, no cookies sent to Nudge.
    w.fetch(cfg.endpoint, {
      method: "POST", body: text, mode: "cors", credentials: "omit",
      keepalive: text.length < 60000, headers: { "Content-Type": "text/plain;charset=UTF-8" }
    }).catch(function () { /* tracking never breaks the store */ });
  }

  function slimCart(cart) {
    var items = (cart.items || []).slice(0, 100).map(function (item) {
      var prices = item.prices || {};
      return {
        id: item.id, parent: item.parent, quantity: item.quantity, name: item.name,
        permalink: item.permalink, variation: item.variation,
        images: (item.images || []).slice(0, 1).map(function (i) { return { src: i.thumbnail || i.src }; }),
        prices: { price: prices.price, currency_minor_unit: prices.currency_minor_unit }
      };
    });
    var totals = cart.totals || {};
    return {
      items: items,
      totals: { total_items: totals.total_items, currency_code: totals.currency_code,
                currency_minor_unit: totals.currency_minor_unit },
      billing_address: { email: (cart.billing_address || {}).email || "" }
    };
  }

  function reportCart(extra) {
    w.fetch(cfg.storePath + "/wp-json/wc/store/v1/cart", {
      credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (cart) {
      if (!cart) return;
      var slim = slimCart(cart);
      var data = { cart: slim };
      if (extra && extra.order_id) data.order_id = extra.order_id;
      var signature = JSON.stringify([slim, email, data.order_id || null]);
      if (signature === lastCart) return;  // unchanged since last reported
      if (lastCart === null && !slim.items.length && !email && !data.order_id) return;
      lastCart = signature;
      write(session, "nudge_cart", signature);
      send("cart", data);
    }).catch(function () { /* no Store API: nothing to report */ });
  }

  function productId() {
    var classes = " " + (d.body ? d.body.className : "") + " ";
    var match = classes.match(/ postid-(\d+) /);
    if (match && classes.indexOf(" single-product ") >= 0) return match[1];
    var marked = d.querySelector("[data-nudge-product-id]");
    if (marked) return marked.getAttribute("data-nudge-product-id");
    var button = d.querySelector("form.cart [name=add-to-cart]");
    return button && /^\d+$/.test(button.value) ? button.value : null;
  }

  function orderReceived() {
    var match = w.location.pathname.match(/\/order-received\/(\d+)/);
    return match ? match[1] : null;
  }

  function captureEmail(event) {
    var field = event.target;
    if (!field || !field.matches || !field.matches(EMAIL_FIELDS)) return;
    var value = (field.value || "").trim().toLowerCase();
    if (!EMAIL.test(value) || value === email) return;
    email = value;
    write(store, "nudge_email", value);
    reportCart();
  }

  var queued = null;
  function cartChanged() { clearTimeout(queued); queued = setTimeout(reportCart, 300); }

  function start() {
    var product = productId();
    if (product) send("product_viewed", { product_id: product });
    var order = orderReceived();
    reportCart(order ? { order_id: order } : null);
    d.addEventListener("change", captureEmail, true);
    d.addEventListener("blur", captureEmail, true);
    ["wc-blocks_added_to_cart", "wc-blocks_removed_from_cart", "nudge:cart-changed"].forEach(
      function (name) { d.body.addEventListener(name, cartChanged); });
    if (w.jQuery) {
      w.jQuery(d.body).on("added_to_cart removed_from_cart updated_cart_totals wc_fragments_refreshed",
        cartChanged);
    }
    d.addEventListener("visibilitychange", function () {
      if (d.visibilityState === "hidden") reportCart();
    });
  }

  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", start);
  else start();
})(window, document, /*NUDGE_CONFIG*/null);
