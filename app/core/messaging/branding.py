"""A store's branding and sender identity for emails and pages.

The merchant's settings (`app/core/store_settings.py`, written by the admin Settings page) are the
single source; the store's own profile (name, domain, email) stands in for what is not set. The
postal address has no stand-in: CAN-SPAM requires a real one, so the admin asks for it before a
recipe can be enabled.
"""

from __future__ import annotations

from app.core.messaging.contracts import Branding
from app.core.store_settings import branding_for
from app.db.models import Store


def store_branding(store: Store) -> Branding:
    """The store's Branding, merchant settings first, then the store's profile."""
    return branding_for(store)
