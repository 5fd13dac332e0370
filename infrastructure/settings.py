"""Settings, read once from the environment (or a ``.env`` file)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "APPOINTMENTS_"


class SettingsError(Exception):
    """One clear line naming the setting that stops start-up."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", frozen=True
    )

    database_url: str | None = None
    data_dir: Path = Path(".appointments")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    database_pool_size: int = Field(default=5, ge=1, le=200)
    database_connect_timeout: int = Field(default=5, ge=1, le=300)
    read_your_writes_timeout: float = Field(default=5.0, ge=0, le=60)

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("must be a postgresql:// URL")
        return value


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning a validation failure into one line per variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        variable = (
            ENV_PREFIX + str(first["loc"][0]).upper() if first["loc"] else ENV_PREFIX
        )
        raise SettingsError(f"{variable}: {first['msg']}") from None
