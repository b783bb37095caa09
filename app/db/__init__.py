"""Persistence: the declarative base, typed models and the per-process Database."""

from app.db.base import Base, utcnow
from app.db.session import Database

__all__ = ["Base", "Database", "utcnow"]
