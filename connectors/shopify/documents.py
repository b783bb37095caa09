"""Every GraphQL Admin API document Nudge sends, pinned to SHOPIFY_API_VERSION (2026-07).

Each constant is validated against the 2026-07 schema in tests/unit/test_shopify_documents.py.
Page sizes keep each query's requested cost under the 1,000-point single-query limit
(https://shopify.dev/docs/api/usage/rate-limits): a connection costs 2 + `first` × its node's
cost, an object 1, scalars 0. Requested costs by those rules: customers 502, products 762,
orders 932, abandoned checkouts 842, product variants 102.
"""

from __future__ import annotations

SHOP = """
query NudgeShop {
  shop { name myshopifyDomain contactEmail ianaTimezone currencyCode primaryDomain { url } }
  shopLocales(published: true) { locale primary }
}
"""

_CUSTOMER_FIELDS = """
fragment NudgeCustomer on Customer {
  id firstName lastName locale tags updatedAt numberOfOrders
  amountSpent { amount currencyCode }
  defaultEmailAddress { emailAddress marketingState marketingUpdatedAt }
  defaultAddress { timeZone }
  birthDate: metafield(namespace: "facts", key: "birth_date") { value }
}
"""

CUSTOMERS = (
    """
query NudgeCustomers($first: Int!, $after: String) {
  customers(first: $first, after: $after, sortKey: ID) {
    nodes { ...NudgeCustomer }
    pageInfo { hasNextPage endCursor }
  }
}
"""
    + _CUSTOMER_FIELDS
)

CUSTOMER_BY_EMAIL = (
    """
query NudgeCustomerByEmail($query: String!) {
  customers(first: 1, query: $query) { nodes { ...NudgeCustomer } }
}
"""
    + _CUSTOMER_FIELDS
)

_VARIANT_FIELDS = """
fragment NudgeVariant on ProductVariant {
  id title sku price compareAtPrice inventoryQuantity availableForSale position
}
"""

PRODUCTS = (
    """
query NudgeProducts($first: Int!, $after: String) {
  products(first: $first, after: $after, sortKey: ID) {
    nodes {
      id title handle status productType vendor tags updatedAt onlineStoreUrl
      featuredMedia { preview { image { url } } }
      collections(first: 10) { nodes { handle } }
      variants(first: 20) { nodes { ...NudgeVariant } pageInfo { hasNextPage endCursor } }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""
    + _VARIANT_FIELDS
)

#: The rest of a product's variants when it has more than the first page holds.
PRODUCT_VARIANTS = (
    """
query NudgeProductVariants($id: ID!, $after: String) {
  product(id: $id) {
    variants(first: 100, after: $after) {
      nodes { ...NudgeVariant }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""
    + _VARIANT_FIELDS
)

ORDERS = (
    """
query NudgeOrders($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    nodes {
      id name email createdAt processedAt updatedAt cancelledAt currencyCode
      displayFinancialStatus cartToken checkoutToken discountCodes customerAcceptsMarketing
      subtotalPriceSet { shopMoney { amount currencyCode } }
      totalPriceSet { shopMoney { amount currencyCode } }
      customer { ...NudgeCustomer }
      lineItems(first: 10) {
        nodes {
          title quantity variantTitle
          originalUnitPriceSet { shopMoney { amount currencyCode } }
          product { id }
          variant { id }
        }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""
    + _CUSTOMER_FIELDS
)

ABANDONED_CHECKOUTS = (
    """
query NudgeAbandonedCheckouts($first: Int!, $after: String, $query: String) {
  abandonedCheckouts(first: $first, after: $after, query: $query, sortKey: CREATED_AT) {
    nodes {
      id name createdAt updatedAt completedAt abandonedCheckoutUrl
      customer { ...NudgeCustomer }
      subtotalPriceSet { shopMoney { amount currencyCode } }
      lineItems(first: 10) {
        nodes {
          title variantTitle quantity
          originalUnitPriceSet { shopMoney { amount currencyCode } }
          image { url }
          product { id }
          variant { id }
        }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""
    + _CUSTOMER_FIELDS
)

_PARENT_FIELDS = """
fragment NudgeParent on DiscountCodeNode {
  id
  codeDiscount {
    ... on DiscountCodeBasic { title endsAt codes(first: 1) { nodes { id code } } }
    ... on DiscountCodeFreeShipping { title endsAt codes(first: 1) { nodes { id code } } }
  }
}
"""

DISCOUNT_BASIC_CREATE = (
    """
mutation NudgeDiscountBasicCreate($input: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $input) {
    codeDiscountNode { ...NudgeParent }
    userErrors { field code message }
  }
}
"""
    + _PARENT_FIELDS
)

DISCOUNT_FREE_SHIPPING_CREATE = (
    """
mutation NudgeDiscountFreeShippingCreate($input: DiscountCodeFreeShippingInput!) {
  discountCodeFreeShippingCreate(freeShippingCodeDiscount: $input) {
    codeDiscountNode { ...NudgeParent }
    userErrors { field code message }
  }
}
"""
    + _PARENT_FIELDS
)

DISCOUNT_BASIC_UPDATE = """
mutation NudgeDiscountBasicUpdate($id: ID!, $input: DiscountCodeBasicInput!) {
  discountCodeBasicUpdate(id: $id, basicCodeDiscount: $input) {
    codeDiscountNode { id }
    userErrors { field code message }
  }
}
"""

DISCOUNT_FREE_SHIPPING_UPDATE = """
mutation NudgeDiscountFreeShippingUpdate($id: ID!, $input: DiscountCodeFreeShippingInput!) {
  discountCodeFreeShippingUpdate(id: $id, freeShippingCodeDiscount: $input) {
    codeDiscountNode { id }
    userErrors { field code message }
  }
}
"""

#: ≤ 250 codes a call ("Maximum: 250 codes"); asynchronous: `bulk_creations` polls them.
DISCOUNT_CODES_BULK_ADD = """
mutation NudgeDiscountCodesBulkAdd($discountId: ID!, $codes: [DiscountRedeemCodeInput!]!) {
  discountRedeemCodeBulkAdd(discountId: $discountId, codes: $codes) {
    bulkCreation { id done codesCount importedCount failedCount }
    userErrors { field code message }
  }
}
"""

DISCOUNT_BULK_CREATION_CODES = (
    """
query NudgeDiscountBulkCreationCodes($id: ID!, $after: String) {
  discountRedeemCodeBulkCreation(id: $id) {
    done
    discountCode { ...NudgeParent }
    codes(first: 250, after: $after) {
      nodes { code errors { field code message } discountRedeemCode { id code } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""
    + _PARENT_FIELDS
)

#: Codes of a bulk creation's parent that match a search (`code:'A' OR code:'B'`, ≤ 50 codes):
#: finds the codes a retried creation reported as already existing, in one call per 50.
DISCOUNT_BULK_CREATION_EXISTING = """
query NudgeDiscountBulkCreationExisting($id: ID!, $query: String!) {
  discountRedeemCodeBulkCreation(id: $id) {
    discountCode {
      id
      codeDiscount {
        ... on DiscountCodeBasic { codes(first: 50, query: $query) { nodes { id code } } }
        ... on DiscountCodeFreeShipping { codes(first: 50, query: $query) { nodes { id code } } }
      }
    }
  }
}
"""

#: A parent's codes matching a search (`code:'A' OR code:'B'`, ≤ 50): the ids of codes whose
#: reference names them, looked up when they are deleted (`discountNode` takes the parent's
#: number as a DiscountNode gid).
DISCOUNT_CODES_BY_NAME = """
query NudgeDiscountCodesByName($id: ID!, $query: String!) {
  discountNode(id: $id) {
    id
    discount {
      ... on DiscountCodeBasic { codes(first: 50, query: $query) { nodes { id code } } }
      ... on DiscountCodeFreeShipping { codes(first: 50, query: $query) { nodes { id code } } }
    }
  }
}
"""

DISCOUNT_BY_CODE = """
query NudgeDiscountByCode($code: String!, $codeQuery: String!) {
  codeDiscountNodeByCode(code: $code) {
    id
    codeDiscount {
      ... on DiscountCodeBasic { codes(first: 1, query: $codeQuery) { nodes { id code } } }
      ... on DiscountCodeFreeShipping { codes(first: 1, query: $codeQuery) { nodes { id code } } }
    }
  }
}
"""

DISCOUNT_CODES_BULK_DELETE = """
mutation NudgeDiscountCodesBulkDelete($discountId: ID!, $ids: [ID!]!) {
  discountCodeRedeemCodeBulkDelete(discountId: $discountId, ids: $ids) {
    job { id done }
    userErrors { field code message }
  }
}
"""

WEBHOOK_SUBSCRIPTIONS = """
query NudgeWebhookSubscriptions($after: String) {
  webhookSubscriptions(first: 100, after: $after) {
    nodes { id topic uri format metafieldNamespaces }
    pageInfo { hasNextPage endCursor }
  }
}
"""

WEBHOOK_SUBSCRIPTION_CREATE = """
mutation NudgeWebhookSubscriptionCreate(
  $topic: WebhookSubscriptionTopic!, $subscription: WebhookSubscriptionInput!
) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $subscription) {
    webhookSubscription { id topic uri format metafieldNamespaces }
    userErrors { field message }
  }
}
"""

WEBHOOK_SUBSCRIPTION_UPDATE = """
mutation NudgeWebhookSubscriptionUpdate($id: ID!, $subscription: WebhookSubscriptionInput!) {
  webhookSubscriptionUpdate(id: $id, webhookSubscription: $subscription) {
    webhookSubscription { id topic uri format metafieldNamespaces }
    userErrors { field message }
  }
}
"""

WEBHOOK_SUBSCRIPTION_DELETE = """
mutation NudgeWebhookSubscriptionDelete($id: ID!) {
  webhookSubscriptionDelete(id: $id) {
    deletedWebhookSubscriptionId
    userErrors { field message }
  }
}
"""

CUSTOMER_EMAIL_CONSENT_UPDATE = """
mutation NudgeCustomerEmailConsentUpdate($input: CustomerEmailMarketingConsentUpdateInput!) {
  customerEmailMarketingConsentUpdate(input: $input) {
    customer { id defaultEmailAddress { marketingState } }
    userErrors { field code message }
  }
}
"""

WEB_PIXEL = """
query NudgeWebPixel {
  webPixel { id settings }
}
"""

WEB_PIXEL_CREATE = """
mutation NudgeWebPixelCreate($webPixel: WebPixelInput!) {
  webPixelCreate(webPixel: $webPixel) {
    webPixel { id settings }
    userErrors { field code message }
  }
}
"""

WEB_PIXEL_UPDATE = """
mutation NudgeWebPixelUpdate($id: ID!, $webPixel: WebPixelInput!) {
  webPixelUpdate(id: $id, webPixel: $webPixel) {
    webPixel { id settings }
    userErrors { field code message }
  }
}
"""

#: Every document, by name, for the schema test.
ALL_DOCUMENTS: dict[str, str] = {
    name: value
    for name, value in dict(globals()).items()
    if name.isupper() and not name.startswith("_") and isinstance(value, str) and "{" in value
}
