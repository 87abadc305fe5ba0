"""Credentials to identities: Authenticate, and re-checking the identity behind a token on every call."""

from __future__ import annotations

import hmac

from sqlmodel import Session, select

from server.db.models import ApiKey, PartSecret, RobotPart
from server.domain.context import Caller
from server.domain.errors import Unauthenticated
from server.security.api_keys import api_key_matches, hash_api_key
from server.security.secret_box import SecretBox

API_KEY = "api-key"
ROBOT_SECRET = "robot-secret"  # entity = part id, payload = one of the part's secrets
SUPPORTED_TYPES = (API_KEY, ROBOT_SECRET)
_INVALID = "invalid credentials"
# Compared against when the key id is unknown, so both failures cost the same.
_DUMMY_HASH = hash_api_key("no such key")


def authenticate(session: Session, box: SecretBox, credential_type: str, entity: str, payload: str) -> Caller:
    """Unknown entity and wrong secret give the same error."""
    if credential_type == API_KEY:
        key = session.get(ApiKey, entity) if entity else None
        if not api_key_matches(payload, key.key_hash if key else _DUMMY_HASH) or key is None:
            raise Unauthenticated(_INVALID)
        return Caller(identity_id=key.id, identity_type=API_KEY)
    if credential_type == ROBOT_SECRET:
        if not _part_secret_matches(session, box, entity, payload):
            raise Unauthenticated(_INVALID)
        return Caller(identity_id=entity, identity_type=ROBOT_SECRET)
    raise Unauthenticated(f"unsupported credential type {credential_type!r}; supported: {', '.join(SUPPORTED_TYPES)}")


def load_caller(session: Session, identity_id: str, identity_type: str) -> Caller:
    """The identity a token names must still exist: a deleted key or part stops working at once."""
    table = {API_KEY: ApiKey, ROBOT_SECRET: RobotPart}.get(identity_type)
    if table is not None and session.connection().execute(select(table.id).where(table.id == identity_id)).first() is not None:
        return Caller(identity_id=identity_id, identity_type=identity_type)
    raise Unauthenticated("the credentials behind this token no longer exist; authenticate again")


def _part_secret_matches(session: Session, box: SecretBox, part_id: str, payload: str) -> bool:
    if not part_id or not payload:
        return False
    matched = False
    for row in session.exec(select(PartSecret).where(PartSecret.part_id == part_id)).all():
        secret = box.open(row.secret_ciphertext, f"part:{part_id}:{row.id}")
        matched |= hmac.compare_digest(secret.encode(), payload.encode("utf-8", "surrogatepass"))
    return matched
