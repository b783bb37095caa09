"""Unique one-use codes: one parent discount per recipe configuration, codes added in bulk.

Shopify (research/shopify.md §4): a parent `discountCodeBasicCreate` (or free-shipping) with
`usageLimit: 1` and `appliesOncePerCustomer` — limits apply per redeem code — then
`discountRedeemCodeBulkAdd` with at most 250 codes a call, which runs asynchronously. Every
chunk's creation is started first, then all are polled together (`bulk_creations`); a creation
that failed no code needs no further call, so 10,000 codes cost 1 + 40 + 2 calls. Only one that
failed some codes is read back page by page. The parent is created with the first requested
code, so a single code costs one call. A code that already exists (a retried job) counts as
issued when it belongs to the same parent. A code's reference is "<parent id>|code:<code>"
(`code_ref`): deleting a redeem code needs its parent, and its id is looked up only then, by
the nightly clean-up, instead of reading 10,000 ids back at issue time. References made before
("<parent id>|<redeem code id>") are still understood.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.core.ports import NotFound
from app.core.values import CodeRequest, DiscountSpec, IssuedCode, IssueResult
from connectors.shopify import bulk_creations, documents
from connectors.shopify.admin_api import (
    AdminApi,
    raise_user_errors,
    user_errors,
    user_errors_failure,
)
from connectors.shopify.discount_inputs import (
    CODE_PREFIX,
    code_ref,
    decode_ref,
    discount_input,
    iso,
    validate_request,
)
from connectors.shopify.mapping.fields import nodes, timestamp

log = logging.getLogger(__name__)

MAX_CODES_PER_CALL = 250
#: Codes looked up per search when a retried creation reports them as existing.
SEARCH_BATCH = 50
_TAKEN_WORDS = ("unique", "taken", "already")


def _chunks(items: Sequence[CodeRequest]) -> Iterator[Sequence[CodeRequest]]:
    for start in range(0, len(items), MAX_CODES_PER_CALL):
        yield items[start : start + MAX_CODES_PER_CALL]


def _is_taken(errors: Sequence[Mapping[str, Any]]) -> bool:
    return bool(errors) and all(
        any(word in str(error.get("message", "")).lower() for word in _TAKEN_WORDS)
        or error.get("code") == "TAKEN"
        for error in errors
    )


def _is_missing_parent(errors: Sequence[Mapping[str, Any]]) -> bool:
    return any(
        error.get("code") == "NOT_FOUND"
        or "not found" in str(error.get("message", "")).lower()
        or "does not exist" in str(error.get("message", "")).lower()
        for error in errors
    )


@dataclass
class _Parent:
    id: str
    ends_at: datetime | None


class DiscountWriter:
    """Creates and deletes codes in one shop."""

    def __init__(
        self,
        api: AdminApi,
        *,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._api = api
        self._sleep = sleep
        self._monotonic = monotonic
        #: discountRedeemCodeBulkAdd calls made (for the "≤ 4 calls for 1,000 codes" check).
        self.bulk_add_calls = 0

    def issue_codes(
        self, spec: DiscountSpec, codes: Sequence[CodeRequest], parent_ref: str | None
    ) -> IssueResult:
        """Create `codes` under `parent_ref` (or a new parent); returns what Shopify confirmed."""
        validate_request(spec, codes)
        if not codes:
            return IssueResult(parent_ref=parent_ref, issued=())
        pending = list(codes)
        issued: list[IssuedCode] = []
        if parent_ref is None:
            parent, seed = self._create_parent(spec, pending.pop(0).code)
            issued.extend(seed)
        else:
            parent = _Parent(parent_ref, None)
        started: list[tuple[str, Sequence[CodeRequest]]] = []
        for chunk in _chunks(pending):
            try:
                started.append((self._start_add(parent, chunk), chunk))
            except NotFound:
                log.warning("parent discount %s is gone; creating a new one", parent.id)
                issued.extend(self._finish(parent, started))
                rest = pending[pending.index(chunk[0]) :]
                result = self.issue_codes(spec, rest, None)
                return IssueResult(result.parent_ref, (*issued, *result.issued))
        issued.extend(self._finish(parent, started))
        self._extend_end(parent, spec)
        return IssueResult(parent_ref=parent.id, issued=tuple(issued))

    def _create_parent(self, spec: DiscountSpec, code: str) -> tuple[_Parent, list[IssuedCode]]:
        free = spec.kind == "free_shipping"
        document = (
            documents.DISCOUNT_FREE_SHIPPING_CREATE if free else documents.DISCOUNT_BASIC_CREATE
        )
        key = "discountCodeFreeShippingCreate" if free else "discountCodeBasicCreate"
        payload = self._api.execute(document, {"input": discount_input(spec, code)}).get(key) or {}
        errors = user_errors(payload)
        if errors and _is_taken(errors):
            # A retry after a crash: the parent exists already, seeded with this very code.
            found = self.find_code(code)
            if found is None:
                raise user_errors_failure(errors, "creating the parent discount")
            parent_id, _code_id = found
            return _Parent(parent_id, None), [IssuedCode(code, code_ref(parent_id, code))]
        raise_user_errors(payload, "creating the parent discount")
        node = payload.get("codeDiscountNode") or {}
        discount = node.get("codeDiscount") or {}
        created = any(item.get("code") == code for item in nodes(discount.get("codes")))
        parent = _Parent(str(node["id"]), timestamp(discount.get("endsAt")))
        return parent, [IssuedCode(code, code_ref(parent.id, code))] if created else []

    def _start_add(self, parent: _Parent, chunk: Sequence[CodeRequest]) -> str:
        """Start one bulk creation; returns its id (it runs asynchronously)."""
        self.bulk_add_calls += 1
        variables = {"discountId": parent.id, "codes": [{"code": item.code} for item in chunk]}
        data = self._api.execute(documents.DISCOUNT_CODES_BULK_ADD, variables)
        payload = data.get("discountRedeemCodeBulkAdd") or {}
        errors = user_errors(payload)
        if errors and _is_missing_parent(errors):
            raise NotFound(f"parent discount {parent.id} not found")
        raise_user_errors(payload, "adding discount codes")
        return str((payload.get("bulkCreation") or {})["id"])

    def _finish(
        self, parent: _Parent, started: Sequence[tuple[str, Sequence[CodeRequest]]]
    ) -> list[IssuedCode]:
        """Wait for the started creations; their codes in request order."""
        if not started:
            return []
        statuses = bulk_creations.wait_all(
            self._api,
            [creation for creation, _ in started],
            sleep=self._sleep,
            monotonic=self._monotonic,
        )
        issued: list[IssuedCode] = []
        for creation_id, chunk in started:
            status = statuses[creation_id]
            parent.ends_at = status.get("parentEndsAt") or parent.ends_at
            if status.get("failedCount") == 0 and status.get("importedCount") == len(chunk):
                issued.extend(
                    IssuedCode(item.code, code_ref(parent.id, item.code)) for item in chunk
                )
            else:
                issued.extend(self._collect(parent, creation_id))
        return issued

    def _collect(self, parent: _Parent, creation_id: str) -> list[IssuedCode]:
        issued: list[IssuedCode] = []
        taken: list[str] = []
        after: str | None = None
        while True:
            variables = {"id": creation_id, "after": after}
            data = self._api.execute(documents.DISCOUNT_BULK_CREATION_CODES, variables)
            creation = data.get("discountRedeemCodeBulkCreation") or {}
            discount = (creation.get("discountCode") or {}).get("codeDiscount") or {}
            parent.ends_at = timestamp(discount.get("endsAt")) or parent.ends_at
            connection = creation.get("codes") or {}
            for node in nodes(connection):
                created = node.get("discountRedeemCode")
                code = str(node.get("code"))
                if isinstance(created, Mapping) and created.get("id"):
                    issued.append(IssuedCode(code, code_ref(parent.id, code)))
                elif _is_taken(node.get("errors") or []):
                    taken.append(code)
                else:
                    log.warning("Shopify did not create code %s: %s", code, node.get("errors"))
            info = connection.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                return issued + self._already_there(parent, creation_id, taken)
            after = info.get("endCursor")

    def _already_there(
        self, parent: _Parent, creation_id: str, codes: Sequence[str]
    ) -> list[IssuedCode]:
        """Codes reported as existing that belong to this parent (a retried job's own codes)."""
        found: list[IssuedCode] = []
        for start in range(0, len(codes), SEARCH_BATCH):
            batch = codes[start : start + SEARCH_BATCH]
            query = " OR ".join(f"code:'{code}'" for code in batch if "'" not in code)
            if not query:
                continue
            variables = {"id": creation_id, "query": query}
            data = self._api.execute(documents.DISCOUNT_BULK_CREATION_EXISTING, variables)
            creation = data.get("discountRedeemCodeBulkCreation") or {}
            discount = (creation.get("discountCode") or {}).get("codeDiscount") or {}
            wanted = {code.upper(): code for code in batch}
            for node in nodes(discount.get("codes")):
                code = wanted.get(str(node.get("code", "")).upper())
                if code is not None:
                    found.append(IssuedCode(code, code_ref(parent.id, code)))
        if len(found) < len(codes):
            log.warning("%d codes exist under another discount", len(codes) - len(found))
        return found

    def find_code(self, code: str) -> tuple[str, str] | None:
        """(parent id, redeem code id) of an existing code, or None."""
        variables = {"code": code, "codeQuery": f"code:'{code}'"}
        node = self._api.execute(documents.DISCOUNT_BY_CODE, variables).get(
            "codeDiscountNodeByCode"
        )
        if not isinstance(node, Mapping):
            return None
        discount = node.get("codeDiscount") or {}
        for item in nodes(discount.get("codes")):
            if str(item.get("code", "")).upper() == code.upper():
                return str(node["id"]), str(item["id"])
        return None

    def _extend_end(self, parent: _Parent, spec: DiscountSpec) -> None:
        # One parent serves codes issued over weeks; its end moves with the latest code's.
        if spec.ends_at is None or parent.ends_at is None or spec.ends_at <= parent.ends_at:
            return
        free = spec.kind == "free_shipping"
        document = (
            documents.DISCOUNT_FREE_SHIPPING_UPDATE if free else documents.DISCOUNT_BASIC_UPDATE
        )
        key = "discountCodeFreeShippingUpdate" if free else "discountCodeBasicUpdate"
        data = self._api.execute(
            document, {"id": parent.id, "input": {"endsAt": iso(spec.ends_at)}}
        )
        raise_user_errors(data.get(key), "extending the parent discount")
        parent.ends_at = spec.ends_at

    def delete_codes(self, platform_refs: Sequence[str]) -> None:
        """Delete codes (grouped by parent, ≤ 250 a call); codes already gone are ignored."""
        by_parent: dict[str, list[str]] = {}
        for ref in platform_refs:
            parent_id, target = decode_ref(ref)
            by_parent.setdefault(parent_id, []).append(target)
        for parent_id, targets in by_parent.items():
            named = [
                item.removeprefix(CODE_PREFIX) for item in targets if item.startswith(CODE_PREFIX)
            ]
            code_ids = [item for item in targets if not item.startswith(CODE_PREFIX)]
            code_ids += self._code_ids(parent_id, named)
            for start in range(0, len(code_ids), MAX_CODES_PER_CALL):
                ids = code_ids[start : start + MAX_CODES_PER_CALL]
                variables = {"discountId": parent_id, "ids": ids}
                data = self._api.execute(documents.DISCOUNT_CODES_BULK_DELETE, variables)
                payload = data.get("discountCodeRedeemCodeBulkDelete") or {}
                errors = user_errors(payload)
                if errors and _is_missing_parent(errors):
                    continue  # the merchant deleted the whole discount: nothing left to remove
                raise_user_errors(payload, "deleting discount codes")

    def _code_ids(self, parent_id: str, codes: Sequence[str]) -> list[str]:
        """The redeem code ids of these codes under the parent (missing ones are left out)."""
        found: list[str] = []
        for start in range(0, len(codes), SEARCH_BATCH):
            batch = [code for code in codes[start : start + SEARCH_BATCH] if "'" not in code]
            if not batch:
                continue
            query = " OR ".join(f"code:'{code}'" for code in batch)
            node_id = parent_id.replace("/DiscountCodeNode/", "/DiscountNode/")
            data = self._api.execute(
                documents.DISCOUNT_CODES_BY_NAME, {"id": node_id, "query": query}
            )
            node = data.get("discountNode")
            if not isinstance(node, Mapping):
                return []  # the merchant deleted the whole discount
            wanted = {code.upper() for code in batch}
            discount = node.get("discount") or {}
            found.extend(
                str(item["id"])
                for item in nodes(discount.get("codes"))
                if str(item.get("code", "")).upper() in wanted
            )
        return found
