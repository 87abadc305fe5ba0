"""API key secrets: random, shown once, stored only as a SHA-256 hash.

Keys carry 190 bits of randomness, so a fast hash is enough: there is
nothing to brute-force that a slow hash would protect.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

_ALPHABET = string.ascii_lowercase + string.digits
KEY_LENGTH = 37


def new_api_key() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(KEY_LENGTH))


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def api_key_matches(key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_api_key(key), stored_hash)
