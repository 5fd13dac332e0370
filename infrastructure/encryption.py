"""Encryption at rest with the ``eventsourcing`` library's own AES-GCM cipher.

``APPOINTMENTS_ENCRYPTION_KEY`` becomes the library's ``CIPHER_TOPIC`` and
``CIPHER_KEY``: the mapper then encrypts each event's state before it is
stored (and the hash chain covers those encrypted bytes). At start-up the
oldest stored event is decrypted, so a wrong key stops the process with one
line instead of failing on the first read (see docs/security.md).
"""

from __future__ import annotations

import json

from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import ApplicationRecorder, Cipher
from eventsourcing.utils import Environment
from pydantic import SecretStr

from infrastructure.settings import Settings, SettingsError

CIPHER_TOPIC = "eventsourcing.cryptography:AESCipher"
KEY_BYTES = 32
VARIABLE = "APPOINTMENTS_ENCRYPTION_KEY"


def new_key() -> str:
    """A fresh AES-256 key, base64 as ``APPOINTMENTS_ENCRYPTION_KEY`` takes it."""
    return AESCipher.create_key(KEY_BYTES)


def cipher_env(settings: Settings) -> dict[str, str]:
    """The library's cipher settings; empty when encryption is off."""
    if settings.encryption_key is None:
        return {}
    return {
        "CIPHER_TOPIC": CIPHER_TOPIC,
        "CIPHER_KEY": settings.encryption_key.get_secret_value(),
    }


def cipher_for(key: SecretStr | None) -> Cipher | None:
    if key is None:
        return None
    return AESCipher(Environment(env={"CIPHER_KEY": key.get_secret_value()}))


def is_plain(state: bytes) -> bool:
    """Whether stored state is the transcoder's JSON, not ciphertext."""
    try:
        json.loads(state)
    except ValueError:
        return False
    return True


def check_stored_events(recorder: ApplicationRecorder, cipher: Cipher | None) -> None:
    """Decrypt the oldest stored event with the configured key (or check it
    is plain when there is none); refuse to start on a mismatch."""
    oldest = recorder.select_notifications(start=None, limit=1)
    if not oldest:
        return
    state = oldest[0].state
    if cipher is None:
        if not is_plain(state):
            raise SettingsError(
                f"{VARIABLE}: not set, but the stored events are encrypted"
            )
        return
    try:
        cipher.decrypt(state)
    except ValueError:
        raise SettingsError(_mismatch(state)) from None


def _mismatch(state: bytes) -> str:
    if is_plain(state):
        return (
            f"{VARIABLE}: the stored events are not encrypted; encrypt them first "
            "with `appointments reencrypt` (docs/security.md)"
        )
    return f"{VARIABLE}: wrong key: it does not decrypt the stored events"
