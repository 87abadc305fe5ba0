"""Encrypts part and location secrets at rest (AES-256-GCM, key in the data directory).

Owners must be able to read these secrets back, so they cannot be hashed.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


class SecretBox:
    def __init__(self, key: bytes):
        self._aead = AESGCM(key)

    def seal(self, plaintext: str, context: str) -> bytes:
        """`context` (e.g. the owning part id) is authenticated, so a ciphertext can't be moved to another row."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext.encode(), context.encode())

    def open(self, sealed: bytes, context: str) -> str:
        return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context.encode()).decode()

    def can_open(self, sealed: bytes, context: str) -> bool:
        """False when the ciphertext was sealed with another key (or for another context)."""
        try:
            self.open(sealed, context)
        except InvalidTag:
            return False
        return True
