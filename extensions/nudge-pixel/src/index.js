// Nudge's web pixel: product views and cart views, posted to Nudge's POST /t/events.
// Runs in Shopify's strict pixel sandbox (https://shopify.dev/docs/api/web-pixels-api): no DOM,
// only the `analytics`, `browser` and `init` APIs. Each event names the shop, the store's key
// from the pixel settings, the visitor's `clientId` and, once known, who the shopper is.
import {register} from '@shopify/web-pixels-extension';

const EMAIL_KEY = 'nudge:email';
const RECORDED = ['product_viewed', 'cart_viewed'];

register(({analytics, browser, init, settings}) => {
  const shop = init.data.shop.myshopifyDomain;
  const loggedIn = init.data.customer || null;

  async function shopper() {
    if (loggedIn) {
      return {id: loggedIn.id, email: loggedIn.email || null};
    }
    // Remembered from this browser's last checkout (checkout_contact_info_submitted).
    const email = await browser.localStorage.getItem(EMAIL_KEY);
    return email ? {id: null, email} : null;
  }

  async function send(event) {
    const body = JSON.stringify({
      platform: 'shopify',
      shop,
      key: settings.storeKey,
      client_id: event.clientId,
      customer: await shopper(),
      events: [{id: event.id, name: event.name, timestamp: event.timestamp, data: event.data}],
    });
    // text/plain keeps the request "simple" (no CORS preflight); Nudge reads the JSON body.
    const sent = await browser.sendBeacon(settings.endpoint, body);
    if (!sent) {
      await fetch(settings.endpoint, {
        method: 'POST',
        body,
        keepalive: true,
        headers: {'Content-Type': 'text/plain'},
      });
    }
  }

  for (const name of RECORDED) {
    analytics.subscribe(name, (event) => send(event));
  }

  analytics.subscribe('checkout_contact_info_submitted', async (event) => {
    const email = event.data && event.data.checkout && event.data.checkout.email;
    if (email) {
      await browser.localStorage.setItem(EMAIL_KEY, email);
    }
  });
});
