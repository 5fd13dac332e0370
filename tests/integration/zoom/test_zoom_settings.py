"""Choosing the video provider from the environment, and refusing to start
without Zoom credentials when Zoom is chosen."""

from __future__ import annotations

import pytest

from application.video import LocalVideoMeetings
from infrastructure.bootstrap import build_video
from infrastructure.settings import SettingsError, load_settings
from infrastructure.zoom import ZoomVideoMeetings

ZOOM_ENV = {
    "APPOINTMENTS_VIDEO_PROVIDER": "zoom",
    "ZOOM_ACCOUNT_ID": "acct",
    "ZOOM_CLIENT_ID": "client",
    "ZOOM_CLIENT_SECRET": "s3cr3t-value",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [*ZOOM_ENV, "ZOOM_API_BASE_URL", "ZOOM_OAUTH_URL"]:
        monkeypatch.delenv(name, raising=False)


def set_env(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_local_links_by_default() -> None:
    settings = load_settings()

    assert settings.video_provider == "local"
    assert isinstance(build_video(settings), LocalVideoMeetings)


def test_zoom_when_chosen_with_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, **ZOOM_ENV, ZOOM_API_BASE_URL="http://127.0.0.1:1/v2")

    settings = load_settings()

    assert settings.zoom_account_id == "acct"
    assert settings.zoom_api_base_url == "http://127.0.0.1:1/v2"
    assert settings.zoom_oauth_url == "https://zoom.us/oauth/token"
    assert "s3cr3t-value" not in repr(settings)
    video = build_video(settings)
    assert isinstance(video, ZoomVideoMeetings)
    video.close()


def test_missing_credentials_stop_start_up_naming_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_env(monkeypatch, **{**ZOOM_ENV, "ZOOM_CLIENT_ID": "  "})
    monkeypatch.delenv("ZOOM_CLIENT_SECRET")

    with pytest.raises(SettingsError) as raised:
        load_settings()

    assert str(raised.value) == (
        "ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET: "
        "required when APPOINTMENTS_VIDEO_PROVIDER=zoom"
    )


def test_credentials_are_not_needed_for_local_links(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_env(monkeypatch, APPOINTMENTS_VIDEO_PROVIDER="local")

    assert load_settings().zoom_client_secret is None


def test_an_unknown_provider_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_env(monkeypatch, APPOINTMENTS_VIDEO_PROVIDER="teams")

    with pytest.raises(SettingsError, match=r"^APPOINTMENTS_VIDEO_PROVIDER: "):
        load_settings()


def test_a_bad_zoom_url_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, ZOOM_OAUTH_URL="zoom.us/oauth/token")

    with pytest.raises(SettingsError, match=r"^ZOOM_OAUTH_URL: "):
        load_settings()
