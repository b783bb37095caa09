"""Admin GraphQL on the real 2026-07 schema: Shopify's validation errors, the resolvers Nudge
uses (shop, customers with consent and birthday, catalog, orders, abandoned checkouts), search
filters and cursor pagination, the consent mutation, and clear errors for what is not modeled."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.sandbox.shopify_support import RunningSandbox, running_sandbox


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with running_sandbox() as running:
        yield running


@pytest.fixture
def shop(sandbox: RunningSandbox) -> tuple[str, str]:
    """(domain, offline access token) of an installed shop."""
    domain = sandbox.create_shop("acme", timezone="America/New_York")
    return domain, sandbox.exchange(domain)["access_token"]


def _ask(sandbox: RunningSandbox, shop: tuple[str, str], document: str, **variables: Any) -> dict:
    response = sandbox.graphql(shop[0], shop[1], document, variables)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_an_unknown_field_fails_as_on_shopify(
    sandbox: RunningSandbox, shop: tuple[str, str]
) -> None:
    answer = _ask(sandbox, shop, "query { shop { name brand } }")
    assert answer == {
        "errors": [
            {
                "message": "Field 'brand' doesn't exist on type 'Shop'",
                "locations": [{"line": 1, "column": 21}],
                "extensions": {"code": "undefinedField", "typeName": "Shop", "fieldName": "brand"},
            }
        ]
    }


def test_unknown_arguments_missing_arguments_and_bad_enums_fail(
    sandbox: RunningSandbox, shop: tuple[str, str]
) -> None:
    answer = _ask(sandbox, shop, "{ customers(first: 1, color: RED) { nodes { id } } }")
    assert answer["errors"][0]["message"] == "Field 'customers' doesn't accept argument 'color'"
    answer = _ask(sandbox, shop, "{ customer { id } }")
    assert answer["errors"][0]["message"] == "Field 'customer' is missing required arguments: id"
    answer = _ask(sandbox, shop, "{ products(first: 1, sortKey: PRICE_DESC) { nodes { id } } }")
    assert answer["errors"][0]["extensions"]["code"] == "argumentLiteralsIncompatible"
    answer = _ask(sandbox, shop, "{ shop }")
    assert answer["errors"][0]["extensions"]["code"] == "selectionMismatch"
    answer = _ask(sandbox, shop, "{ shop { name }")
    assert answer["errors"][0]["extensions"]["code"] == "parseError"
    assert "data" not in answer


def test_a_bad_variable_is_reported_like_shopify(
    sandbox: RunningSandbox, shop: tuple[str, str]
) -> None:
    query = "query ($id: ID!) { customer(id: $id) { id } }"
    answer = _ask(sandbox, shop, query)
    [error] = answer["errors"]
    assert error["message"] == "Variable $id of type ID! was provided invalid value"
    assert error["extensions"]["code"] == "INVALID_VARIABLE"


def test_not_a_graphql_request_is_400(sandbox: RunningSandbox, shop: tuple[str, str]) -> None:
    response = sandbox.http.post(
        "/admin/api/2026-07/graphql.json",
        content=b"not json",
        headers={
            "Host": shop[0],
            "X-Shopify-Access-Token": shop[1],
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 400
    unknown_shop = sandbox.graphql("nope.myshopify.com", shop[1], "{ shop { name } }")
    assert unknown_shop.status_code == 404


def test_fields_the_sandbox_does_not_model_say_so(
    sandbox: RunningSandbox, shop: tuple[str, str]
) -> None:
    answer = _ask(sandbox, shop, "{ shop { name navigationSettings { title } } }")
    assert answer["data"] is None
    assert answer["errors"][0]["extensions"]["code"] == "SANDBOX_NOT_IMPLEMENTED"
    assert "Shop.navigationSettings" in answer["errors"][0]["message"]


CUSTOMERS = """
query Customers($after: String, $query: String) {
  customers(first: 2, after: $after, query: $query) {
    nodes {
      id email tags locale
      defaultEmailAddress { emailAddress marketingState marketingOptInLevel marketingUpdatedAt }
      defaultAddress { city timeZone }
      birthday: metafield(namespace: "facts", key: "birth_date") { value type }
    }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


def _seed_customers(sandbox: RunningSandbox, domain: str) -> list[dict[str, Any]]:
    seeds = [
        {
            "email": "ann@example.com",
            "tags": ["vip"],
            "birth_date": "1990-02-28",
            "default_address": {"city": "Paris", "time_zone": "Europe/Paris"},
            "email_marketing_consent": {"state": "subscribed", "opt_in_level": "confirmed_opt_in"},
        },
        {"email": "bob@example.com", "locale": "fr", "time_zone": "Asia/Tokyo"},
        {"email": "cid@example.com", "tags": "vip, wholesale"},
    ]
    history = {"created_at": "2025-12-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}
    created = []
    for seed in seeds:
        response = sandbox.control("POST", f"/shops/{domain}/customers", json=seed | history)
        assert response.status_code == 201, response.text
        created.append(response.json())
    return created


def test_customers_page_through_with_cursors(
    sandbox: RunningSandbox, shop: tuple[str, str]
) -> None:
    _seed_customers(sandbox, shop[0])
    first = _ask(sandbox, shop, CUSTOMERS)["data"]["customers"]
    assert [n["email"] for n in first["nodes"]] == ["ann@example.com", "bob@example.com"]
    assert first["pageInfo"]["hasNextPage"] and not first["pageInfo"]["hasPreviousPage"]
    ann = first["nodes"][0]
    assert ann["defaultEmailAddress"] == {
        "emailAddress": "ann@example.com",
        "marketingState": "SUBSCRIBED",
        "marketingOptInLevel": "CONFIRMED_OPT_IN",
        "marketingUpdatedAt": ann["defaultEmailAddress"]["marketingUpdatedAt"],
    }
    assert ann["birthday"] == {"value": "1990-02-28", "type": "date"}
    assert ann["defaultAddress"] == {"city": "Paris", "timeZone": "Europe/Paris"}
    bob = first["nodes"][1]
    assert bob["birthday"] is None and bob["locale"] == "fr"
    assert bob["defaultAddress"] == {"city": None, "timeZone": "Asia/Tokyo"}
    second = _ask(sandbox, shop, CUSTOMERS, after=first["pageInfo"]["endCursor"])["data"][
        "customers"
    ]
    assert [n["email"] for n in second["nodes"]] == ["cid@example.com"]
    assert second["nodes"][0]["defaultAddress"] is None
    assert not second["pageInfo"]["hasNextPage"] and second["pageInfo"]["hasPreviousPage"]


def test_customer_search_filters(sandbox: RunningSandbox, shop: tuple[str, str]) -> None:
    created = _seed_customers(sandbox, shop[0])
    sandbox.control("PATCH", f"/shops/{shop[0]}/customers/{created[1]['id']}", json={"note": "x"})
    since = _ask(sandbox, shop, CUSTOMERS, query="updated_at:>'2026-01-01T00:00:00Z'")
    since = since["data"]["customers"]
    assert [n["email"] for n in since["nodes"]] == ["bob@example.com"]
    vip = _ask(sandbox, shop, CUSTOMERS, query="tag:vip")["data"]["customers"]["nodes"]
    assert [n["email"] for n in vip] == ["ann@example.com", "cid@example.com"]
    not_vip = _ask(sandbox, shop, CUSTOMERS, query="-tag:vip")["data"]["customers"]["nodes"]
    assert [n["email"] for n in not_vip] == ["bob@example.com"]
    either = _ask(sandbox, shop, CUSTOMERS, query="email:bob@example.com OR tag:wholesale")
    assert len(either["data"]["customers"]["nodes"]) == 2
    count = _ask(sandbox, shop, '{ customersCount(query: "tag:vip") { count precision } }')
    assert count["data"]["customersCount"] == {"count": 2, "precision": "EXACT"}


def test_pagination_needs_first_or_last_and_at_most_250(
    sandbox: RunningSandbox, shop: tuple[str, str]
) -> None:
    answer = _ask(sandbox, shop, "{ customers { nodes { id } } }")
    assert answer["errors"][0]["message"] == "you must provide one of first or last"
    answer = _ask(sandbox, shop, "{ customers(first: 251) { nodes { id } } }")
    assert "greater than the maximum allowed of 250" in answer["errors"][0]["message"]


CONSENT = """
mutation Consent($input: CustomerEmailMarketingConsentUpdateInput!) {
  customerEmailMarketingConsentUpdate(input: $input) {
    customer { id defaultEmailAddress { marketingState marketingOptInLevel } }
    userErrors { field message code }
  }
}"""


def test_consent_update_is_stored_logged_and_validated(
    sandbox: RunningSandbox, shop: tuple[str, str]
) -> None:
    created = _seed_customers(sandbox, shop[0])
    gid = created[1]["admin_graphql_api_id"]
    bad = _ask(
        sandbox,
        shop,
        CONSENT,
        input={"customerId": gid, "emailMarketingConsent": {"marketingState": "NOT_SUBSCRIBED"}},
    )["data"]["customerEmailMarketingConsentUpdate"]
    assert bad["customer"] is None and bad["userErrors"][0]["code"] == "INCLUSION"
    assert sandbox.control("GET", f"/shops/{shop[0]}/app-activity").json()["consent_updates"] == []
    ok = _ask(
        sandbox,
        shop,
        CONSENT,
        input={"customerId": gid, "emailMarketingConsent": {"marketingState": "UNSUBSCRIBED"}},
    )["data"]["customerEmailMarketingConsentUpdate"]
    assert ok["userErrors"] == []
    assert ok["customer"]["defaultEmailAddress"]["marketingState"] == "UNSUBSCRIBED"
    [logged] = sandbox.control("GET", f"/shops/{shop[0]}/app-activity").json()["consent_updates"]
    assert logged["customer_id"] == created[1]["id"] and logged["after"]["state"] == "unsubscribed"
    missing = _ask(
        sandbox,
        shop,
        CONSENT,
        input={
            "customerId": "gid://shopify/Customer/1",
            "emailMarketingConsent": {"marketingState": "SUBSCRIBED"},
        },
    )["data"]["customerEmailMarketingConsentUpdate"]
    assert missing["userErrors"][0]["field"] == ["input", "customerId"]


CATALOG = """
{
  products(first: 10, query: "status:active") {
    nodes {
      id title handle status onlineStoreUrl totalInventory tags
      featuredMedia { ... on MediaImage { image { url altText } } }
      collections(first: 5) { nodes { handle title } }
      priceRangeV2 { minVariantPrice { amount currencyCode } }
      variants(first: 5) {
        nodes { id title price compareAtPrice inventoryQuantity availableForSale }
      }
    }
  }
}"""


def _seed_catalog(sandbox: RunningSandbox, domain: str) -> dict[str, Any]:
    sandbox.control("POST", f"/shops/{domain}/collections", json={"title": "Summer"})
    product = sandbox.control(
        "POST",
        f"/shops/{domain}/products",
        json={
            "title": "Linen Shirt",
            "tags": ["linen"],
            "collections": ["summer"],
            "images": [{"src": "https://img.example/shirt.jpg", "alt": "Shirt"}],
            "variants": [
                {
                    "title": "S",
                    "price": "49.00",
                    "compare_at_price": "59.00",
                    "inventory_quantity": 3,
                },
                {"title": "M", "price": "49.00", "inventory_quantity": 0},
            ],
        },
    )
    assert product.status_code == 201, product.text
    sandbox.control("POST", f"/shops/{domain}/products", json={"title": "Draft", "status": "draft"})
    return dict(product.json())


def test_catalog_with_images_inventory_prices_and_collections(
    sandbox: RunningSandbox, shop: tuple[str, str]
) -> None:
    _seed_catalog(sandbox, shop[0])
    [product] = _ask(sandbox, shop, CATALOG)["data"]["products"]["nodes"]
    assert product["handle"] == "linen-shirt" and product["status"] == "ACTIVE"
    assert product["onlineStoreUrl"] == "https://acme.myshopify.com/products/linen-shirt"
    assert product["totalInventory"] == 3
    assert product["featuredMedia"]["image"] == {
        "url": "https://img.example/shirt.jpg",
        "altText": "Shirt",
    }
    assert product["collections"]["nodes"] == [{"handle": "summer", "title": "Summer"}]
    assert product["priceRangeV2"]["minVariantPrice"] == {"amount": "49.00", "currencyCode": "USD"}
    small, medium = product["variants"]["nodes"]
    assert (small["price"], small["compareAtPrice"], small["availableForSale"]) == (
        "49.00",
        "59.00",
        True,
    )
    assert (medium["inventoryQuantity"], medium["availableForSale"]) == (0, False)


def test_bad_seed_input_is_refused_and_changes_nothing(
    sandbox: RunningSandbox, shop: tuple[str, str]
) -> None:
    domain = shop[0]
    bad = sandbox.control(
        "POST", f"/shops/{domain}/products", json={"title": "X", "collections": ["nope"]}
    )
    assert bad.status_code == 400 and "collection" in bad.json()["error"]
    bad = sandbox.control("POST", f"/shops/{domain}/customers", json={"email": "not-an-email"})
    assert bad.status_code == 400
    bad = sandbox.control(
        "POST", f"/shops/{domain}/customers", json={"email": "a@b.co", "time_zone": "Mars/Base"}
    )
    assert bad.status_code == 400
    summary = sandbox.control("GET", f"/shops/{domain}").json()["counts"]
    assert summary["products"] == 0 and summary["customers"] == 0


ORDERS = """
{
  orders(first: 5, query: "financial_status:paid") {
    nodes {
      name email displayFinancialStatus cancelledAt discountCodes
      customer { email }
      totalPriceSet { shopMoney { amount currencyCode } }
      lineItems(first: 5) { nodes { title quantity variant { id } product { handle } } }
    }
  }
  abandonedCheckouts(first: 5, query: "status:open") {
    nodes {
      name abandonedCheckoutUrl completedAt
      customer { email }
      lineItems(first: 5) { nodes { title quantity variant { id } } }
      totalPriceSet { shopMoney { amount } }
    }
  }
}"""


def test_orders_and_abandoned_checkouts(sandbox: RunningSandbox, shop: tuple[str, str]) -> None:
    domain = shop[0]
    product = _seed_catalog(sandbox, domain)
    variant_id = product["variants"][0]["id"]
    lines = [{"variant_id": variant_id, "quantity": 2}]
    open_checkout = sandbox.control(
        "POST", f"/shops/{domain}/checkouts", json={"email": "ann@example.com", "line_items": lines}
    ).json()
    bought = sandbox.control(
        "POST", f"/shops/{domain}/checkouts", json={"email": "bob@example.com", "line_items": lines}
    ).json()
    order = sandbox.control("POST", f"/shops/{domain}/checkouts/{bought['token']}/complete")
    assert order.status_code == 201 and order.json()["checkout_token"] == bought["token"]
    data = _ask(sandbox, shop, ORDERS)["data"]
    [placed] = data["orders"]["nodes"]
    assert placed["name"] == "#1001" and placed["displayFinancialStatus"] == "PAID"
    assert placed["customer"] == {"email": "bob@example.com"}  # created from the order's email
    assert placed["totalPriceSet"]["shopMoney"] == {"amount": "98.00", "currencyCode": "USD"}
    assert placed["lineItems"]["nodes"][0]["product"] == {"handle": "linen-shirt"}
    [abandoned] = data["abandonedCheckouts"]["nodes"]
    assert abandoned["name"] == f"#{open_checkout['id']}"
    assert abandoned["abandonedCheckoutUrl"] == open_checkout["abandoned_checkout_url"]
    assert (
        abandoned["lineItems"]["nodes"][0]["variant"]["id"]
        == f"gid://shopify/ProductVariant/{variant_id}"
    )

    cancelled = sandbox.control("POST", f"/shops/{domain}/orders/{order.json()['id']}/cancel")
    assert cancelled.json()["financial_status"] == "refunded"
    assert _ask(sandbox, shop, ORDERS)["data"]["orders"]["nodes"] == []


def test_node_lookup_by_global_id(sandbox: RunningSandbox, shop: tuple[str, str]) -> None:
    created = _seed_customers(sandbox, shop[0])
    query = "query ($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on Customer { email } } }"
    ids = [created[0]["admin_graphql_api_id"], "gid://shopify/Customer/42"]
    answer = _ask(sandbox, shop, query, ids=ids)
    assert answer["data"]["nodes"] == [{"__typename": "Customer", "email": "ann@example.com"}, None]
    bad = _ask(sandbox, shop, '{ customer(id: "42") { id } }')
    assert bad["errors"][0]["message"] == "Invalid global id '42'"


def test_request_log_counts_operations(sandbox: RunningSandbox, shop: tuple[str, str]) -> None:
    sandbox.control("DELETE", f"/shops/{shop[0]}/requests")
    _ask(sandbox, shop, "{ shop { name } customers(first: 1) { nodes { id } } }")
    _ask(sandbox, shop, "{ shop { name } }")
    log = sandbox.control("GET", f"/shops/{shop[0]}/requests").json()
    assert log["counts"] == {"query shop": 2, "query customers": 1}
    assert log["total"] == 2 and log["requests"][0]["requested_cost"] >= 1


def test_a_shop_with_its_own_domain_reports_it_as_primary(sandbox: RunningSandbox) -> None:
    refused = sandbox.control(
        "POST", "/shops", json={"domain": "own", "primary_domain": "https://own.example"}
    )
    assert refused.status_code == 400 and "primary_domain" in refused.json()["error"]
    assert sandbox.control("GET", "/shops").json() == []
    domain = sandbox.create_shop("own", primary_domain="Own.Example.COM")
    token = sandbox.exchange(domain)["access_token"]
    product = {"title": "Cup", "handle": "cup", "variants": [{"price": "5.00"}]}
    assert sandbox.control("POST", f"/shops/{domain}/products", json=product).status_code == 201
    answer = sandbox.graphql(
        domain,
        token,
        "{ shop { myshopifyDomain primaryDomain { host url } }"
        " products(first: 1) { nodes { onlineStoreUrl } } }",
    ).json()["data"]
    assert answer["shop"] == {
        "myshopifyDomain": "own.myshopify.com",
        "primaryDomain": {"host": "own.example.com", "url": "https://own.example.com"},
    }
    assert answer["products"]["nodes"] == [
        {"onlineStoreUrl": "https://own.example.com/products/cup"}
    ]
