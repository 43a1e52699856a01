"""All configuration in one place, read from the environment or a .env file (twelve-factor)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'data' / 'trainer.db'}",
        description="SQLAlchemy URL; postgresql+psycopg://... for several app replicas",
    )
    content_dir: Path = Field(default=PROJECT_ROOT / "quizzes")
    # Seconds a sign-in stays valid without activity; a refresh does not sign a learner out.
    session_ttl_seconds: int = 14 * 24 * 3600
    # Whether the auth cookie needs HTTPS; turn on behind a TLS proxy.
    cookie_secure: bool = False
    sql_echo: bool = False


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
