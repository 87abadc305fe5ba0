"""Credentials to identities: Authenticate, and re-checking the identity behind a token on every call."""

from __future__ import annotations

from sqlmodel import Session

from server.db.models import ApiKey
from server.domain.context import Caller
from server.domain.errors import Unauthenticated
from server.security.api_keys import api_key_matches, hash_api_key

API_KEY = "api-key"
SUPPORTED_TYPES = (API_KEY,)
_INVALID = "invalid credentials"
# Compared against when the key id is unknown, so both failures cost the same.
_DUMMY_HASH = hash_api_key("no such key")


def authenticate(session: Session, credential_type: str, entity: str, payload: str) -> Caller:
    """Unknown entity and wrong secret give the same error."""
    if credential_type not in SUPPORTED_TYPES:
        raise Unauthenticated(f"unsupported credential type {credential_type!r}; supported: {', '.join(SUPPORTED_TYPES)}")
    key = session.get(ApiKey, entity) if entity else None
    if not api_key_matches(payload, key.key_hash if key else _DUMMY_HASH) or key is None:
        raise Unauthenticated(_INVALID)
    return Caller(identity_id=key.id, identity_type=API_KEY)


def load_caller(session: Session, identity_id: str, identity_type: str) -> Caller:
    """The identity a token names must still exist: a deleted key stops working at once."""
    if identity_type == API_KEY and session.get(ApiKey, identity_id) is not None:
        return Caller(identity_id=identity_id, identity_type=identity_type)
    raise Unauthenticated("the credentials behind this token no longer exist; authenticate again")
