"""Credentials to identities: Authenticate, and re-checking the identity behind a token on every call.

Credential types:
- "api-key": entity = key id, payload = the key.
- "password": entity = a user's email, payload = the password (users are
  created with `fleet-server user add`). Pending invites for the email are
  granted at this moment.
- "robot-secret": entity = part id, payload = one of the part's secrets.
- "robot-location-secret": entity = part id, payload = a secret of the part's location.
Unknown entities and wrong secrets give the same error.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import text
from sqlmodel import Session, select

from server.db.credentials import machine_credential_query
from server.db.driver_sql import fetch_one
from server.db.models import ApiKey, LocationSecret, PartSecret
from server.domain import users
from server.domain.context import Caller
from server.domain.errors import Unauthenticated
from server.domain.ids import utc_now
from server.domain.secrets import seal_context
from server.security.api_keys import api_key_matches, hash_api_key
from server.security.passwords import DUMMY_HASH, password_matches
from server.security.secret_box import SecretBox

API_KEY = "api-key"
PASSWORD = "password"
ROBOT_SECRET = "robot-secret"
ROBOT_LOCATION_SECRET = "robot-location-secret"
SUPPORTED_TYPES = (API_KEY, PASSWORD, ROBOT_SECRET, ROBOT_LOCATION_SECRET)
USER = "user"
MACHINE = "robot-secret"  # the identity type of every machine token, whichever secret it used
_INVALID = "invalid credentials"
_DUMMY_KEY_HASH = hash_api_key("no such key")
# Plain SQL on the driver cursor (server/db/driver_sql.py): load_caller runs on every call.
_IDENTITY_EXISTS = {USER: "SELECT 1 FROM user_account WHERE id = ?"}
_API_KEY_HASH = "SELECT key_hash FROM api_key WHERE id = ?"
_PART_LOCATION = text("SELECT r.location_id FROM robot_part p JOIN robot r ON r.id = p.robot_id WHERE p.id = :id")


def writes_on_success(credential_type: str) -> bool:
    """Password logins record the login and grant pending invites."""
    return credential_type == PASSWORD


def authenticate(session: Session, box: SecretBox, credential_type: str, entity: str, payload: str) -> Caller:
    if credential_type == API_KEY:
        key = session.get(ApiKey, entity) if entity else None
        if not api_key_matches(payload, key.key_hash if key else _DUMMY_KEY_HASH) or key is None:
            raise Unauthenticated(_INVALID)
        # Bound to this secret: rotating the key ends the tokens issued for the old one.
        return Caller(identity_id=key.id, identity_type=API_KEY, credential_id=_key_fingerprint(key.key_hash))
    if credential_type == PASSWORD:
        user = users.find_by_email(session, entity) if entity else None
        if not password_matches(payload, user.password_hash if user else DUMMY_HASH) or user is None:
            raise Unauthenticated(_INVALID)
        users.record_login(session, user, utc_now())
        return Caller(identity_id=user.id, identity_type=USER)
    if credential_type == ROBOT_SECRET:
        rows = session.exec(select(PartSecret).where(PartSecret.part_id == entity)).all() if entity else []
        secret_id = _matching_secret(box, payload, [(r.id, r.secret_ciphertext, seal_context("part", entity, r.id)) for r in rows])
        if secret_id is None:
            raise Unauthenticated(_INVALID)
        return Caller(identity_id=entity, identity_type=MACHINE, credential_id=f"part:{secret_id}")
    if credential_type == ROBOT_LOCATION_SECRET:
        location_id = session.connection().execute(_PART_LOCATION, {"id": entity}).scalar() if entity else None
        rows = session.exec(select(LocationSecret).where(LocationSecret.location_id == location_id)).all() if location_id else []
        secret_id = _matching_secret(
            box, payload, [(r.id, r.secret_ciphertext, seal_context("location", location_id, r.id)) for r in rows]
        )
        if secret_id is None:
            raise Unauthenticated(_INVALID)
        return Caller(identity_id=entity, identity_type=MACHINE, credential_id=f"location:{secret_id}")
    raise Unauthenticated(f"unsupported credential type {credential_type!r}; supported: {', '.join(SUPPORTED_TYPES)}")


def load_caller(session: Session, identity_id: str, identity_type: str, credential_id: str = "") -> Caller:
    """The identity (and, for machines, the secret) a token names must still exist: deleting stops it at once."""
    if identity_type == MACHINE:
        query = machine_credential_query(identity_id, credential_id)
        alive = query is not None and fetch_one(session, *query) is not None
    elif identity_type == API_KEY:
        row = fetch_one(session, _API_KEY_HASH, (identity_id,))
        alive = row is not None and hmac.compare_digest(_key_fingerprint(row[0]), credential_id)
    else:
        query = _IDENTITY_EXISTS.get(identity_type)
        alive = query is not None and fetch_one(session, query, (identity_id,)) is not None
    if not alive:
        raise Unauthenticated("the credentials behind this token no longer exist; authenticate again")
    return Caller(identity_id=identity_id, identity_type=identity_type, credential_id=credential_id)


def _key_fingerprint(key_hash: str) -> str:
    """Names one secret of a key without revealing anything usable about it."""
    return "key:" + hashlib.sha256(b"fingerprint:" + key_hash.encode()).hexdigest()[:16]


def _matching_secret(box: SecretBox, payload: str, candidates: list[tuple[str, bytes, str]]) -> str | None:
    """Compares against every candidate (constant time each) and returns the matching secret's id."""
    matched = None
    given = payload.encode("utf-8", "surrogatepass")
    for secret_id, sealed, context in candidates:
        if hmac.compare_digest(box.open(sealed, context).encode(), given) and payload:
            matched = secret_id
    return matched


