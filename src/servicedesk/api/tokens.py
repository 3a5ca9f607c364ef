"""Token secrets: made at random, shown once, kept only as their SHA-256."""

from __future__ import annotations

import hashlib
import secrets

SECRET_START = "sdt_"  # recognisable in logs and by secret scanners
PREFIX_LENGTH = 12


def new_secret() -> str:
    return SECRET_START + secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    """What is stored: the secret carries 256 random bits, so a plain hash cannot be reversed by guessing."""
    return hashlib.sha256(secret.encode()).hexdigest()
