"""Settings, read once from the environment (or a ``.env`` file)."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "APPOINTMENTS_"
ZOOM_CREDENTIALS = ("ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET")
HOST_NAME = r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$"
UNPREFIXED = {*ZOOM_CREDENTIALS, "ZOOM_API_BASE_URL", "ZOOM_OAUTH_URL"}


def unprefixed(variable: str, default: Any = None) -> Any:
    """A setting read from ``variable`` as such, without ``APPOINTMENTS_``."""
    choices = AliasChoices(variable, variable.lower())
    return Field(default=default, validation_alias=choices)


DEFAULT_RATE_LIMIT_PER_MINUTE = 6000
AES_KEY_BYTES = (16, 24, 32)


def check_aes_key(text: str) -> None:
    """A key as ``appointments encryption-key`` prints it: base64 of 16, 24
    or 32 random bytes."""
    try:
        size = len(base64.b64decode(text, validate=True))
    except binascii.Error:
        raise ValueError(
            "must be base64 (make one with: appointments encryption-key)"
        ) from None
    if size not in AES_KEY_BYTES:
        raise ValueError(
            f"must decode to 16, 24 or 32 bytes, not {size} "
            "(make one with: appointments encryption-key)"
        )


class SettingsError(Exception):
    """One clear line naming the setting that stops start-up."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", frozen=True
    )

    database_url: str | None = None
    read_database_url: str | None = None
    data_dir: Path = Path(".appointments")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    database_pool_size: int = Field(default=5, ge=1, le=200)
    database_connect_timeout: int = Field(default=5, ge=1, le=300)
    database_pool_timeout: float = Field(default=5.0, gt=0, le=300)
    database_statement_timeout: float = Field(default=30.0, ge=0, le=3600)
    serve_projections: bool = True
    video_provider: Literal["local", "zoom"] = "local"
    zoom_account_id: str | None = unprefixed("ZOOM_ACCOUNT_ID")
    zoom_client_id: str | None = unprefixed("ZOOM_CLIENT_ID")
    zoom_client_secret: SecretStr | None = unprefixed("ZOOM_CLIENT_SECRET")
    zoom_api_base_url: str = unprefixed("ZOOM_API_BASE_URL", "https://api.zoom.us/v2")
    zoom_oauth_url: str = unprefixed("ZOOM_OAUTH_URL", "https://zoom.us/oauth/token")
    read_your_writes_timeout: float = Field(default=5.0, ge=0, le=60)
    calendar_host: str = Field(default="appointments.local", pattern=HOST_NAME)
    public_url: str | None = None
    rate_limit_per_minute: int = Field(default=DEFAULT_RATE_LIMIT_PER_MINUTE, ge=0)
    encryption_key: SecretStr | None = None
    previous_encryption_key: SecretStr | None = None
    webhook_allow_private: bool = False
    """Let webhooks go to ``http://`` URLs and private addresses (docs/webhooks.md)."""
    write_retry_budget: float = Field(default=5.0, ge=0, le=60)
    retrieve_cache_size: int = Field(default=20_000, ge=0, le=10_000_000)
    """Response bodies retrieve keeps in each process (docs/performance.md)."""

    @field_validator("database_url", "read_database_url")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("must be a postgresql:// URL")
        return value

    @field_validator("encryption_key", "previous_encryption_key")
    @classmethod
    def _aes_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        check_aes_key(value.get_secret_value().strip())
        return SecretStr(value.get_secret_value().strip())

    @field_validator("zoom_api_base_url", "zoom_oauth_url", "public_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s):// URL")
        return value

    @model_validator(mode="after")
    def _zoom_credentials_present(self) -> Settings:
        missing = [name for name in ZOOM_CREDENTIALS if not self._zoom_value(name)]
        if self.video_provider == "zoom" and missing:
            raise PydanticCustomError(
                "zoom_credentials_missing",
                "{missing}: required when APPOINTMENTS_VIDEO_PROVIDER=zoom",
                {"missing": ", ".join(missing)},
            )
        return self

    def _zoom_value(self, variable: str) -> str:
        value = getattr(self, variable.lower())
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        return (text or "").strip()


def load_settings(**overrides: Any) -> Settings:
    """Build settings, turning a validation failure into one line per variable."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise SettingsError(_one_line(error.errors()[0])) from None


def _one_line(error: ErrorDetails) -> str:
    if not error["loc"]:
        return error["msg"]
    name = str(error["loc"][0]).upper()
    variable = name if name in UNPREFIXED else ENV_PREFIX + name
    return f"{variable}: {error['msg']}"
