"""Access tokens: HS256 JWTs signed with a key persisted in the data directory.

Verification accepts only HS256 with our key id and audience, and an
unexpired `exp`; anything else is an InvalidToken.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass

ALGORITHM = "HS256"
AUDIENCE = "fleet-server"
ISSUER = "fleet-server"


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class TokenClaims:
    subject: str  # identity id, e.g. an API key id
    subject_type: str  # identity kind, e.g. "api-key", "user", "robot-secret"
    expires_at: int
    credential_id: str = ""  # the secret it was issued for, re-checked on every call (machines)


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# Tokens whose signature was already checked, so a busy client (a machine logging
# many times a second) pays for HMAC and JSON once, not on every call. Expiry is
# still checked on every call. Cleared whole when full: a miss only costs a verify.
VERIFIED_CACHE_SIZE = 10_000


class TokenSigner:
    def __init__(self, key: bytes, ttl_seconds: int):
        self._key = key
        self._ttl = ttl_seconds
        self.key_id = hashlib.sha256(b"kid:" + key).hexdigest()[:16]
        self._verified: dict[str, TokenClaims] = {}

    def issue(self, subject: str, subject_type: str, now: float | None = None, credential_id: str = "") -> str:
        issued_at = int(now if now is not None else time.time())
        header = {"alg": ALGORITHM, "typ": "JWT", "kid": self.key_id}
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": subject,
            "fleet_typ": subject_type,
            "fleet_cred": credential_id,
            "iat": issued_at,
            "exp": issued_at + self._ttl,
            "jti": uuid.uuid4().hex,
        }
        signing_input = _b64encode(json.dumps(header, separators=(",", ":")).encode()) + "." + _b64encode(
            json.dumps(claims, separators=(",", ":")).encode()
        )
        return signing_input + "." + _b64encode(self._sign(signing_input))

    def verify(self, token: str, now: float | None = None) -> TokenClaims:
        claims = self._verified.get(token)
        if claims is None:
            claims = self._verify_signed(token)
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                self._verified.clear()
            self._verified[token] = claims
        if claims.expires_at <= (now if now is not None else time.time()):
            raise InvalidToken("token expired")
        return claims

    def _verify_signed(self, token: str) -> TokenClaims:
        """Everything but expiry."""
        try:
            header_b64, claims_b64, signature_b64 = token.split(".")
            header = json.loads(_b64decode(header_b64))
            signature = _b64decode(signature_b64)
        except (ValueError, UnicodeDecodeError, RecursionError):  # the header is unsigned input: nesting can be deep
            raise InvalidToken("malformed token") from None
        if not isinstance(header, dict) or header.get("alg") != ALGORITHM or header.get("kid") != self.key_id:
            raise InvalidToken("token was not signed by this server")
        if not hmac.compare_digest(signature, self._sign(header_b64 + "." + claims_b64)):
            raise InvalidToken("bad token signature")
        try:
            claims = json.loads(_b64decode(claims_b64))
            subject, subject_type, expires_at = claims["sub"], claims["fleet_typ"], int(claims["exp"])
        except (ValueError, KeyError, TypeError):
            raise InvalidToken("malformed token claims") from None
        if claims.get("aud") != AUDIENCE:
            raise InvalidToken("token is for another audience")
        return TokenClaims(
            subject=str(subject), subject_type=str(subject_type), expires_at=expires_at, credential_id=str(claims.get("fleet_cred", ""))
        )

    def _sign(self, signing_input: str) -> bytes:
        return hmac.new(self._key, signing_input.encode("ascii"), hashlib.sha256).digest()
