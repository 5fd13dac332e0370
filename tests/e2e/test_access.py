"""Keys, revocation, logs and encryption with real ``appointments serve``
processes on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.e2e.conftest import APPOINTMENTS, create_key, server_log

StartServer = Callable[..., str]
SECRET = re.compile(r"^(sk_[A-Za-z0-9]{40,})$", re.MULTILINE)
REVOCATION_BOUND_SECONDS = 1.0
START_SECONDS = 60


def appointment_body(**overrides: object) -> dict[str, object]:
    return {
        "name": "Check-in",
        "description": "",
        "group": False,
        "internal": False,
        "start_time": 1_767_261_600_000,
        "end_time": 1_767_265_200_000,
        "host": "user_host",
        "attendees": ["user_patient"],
        "created_by": "user_admin",
        **overrides,
    }


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_the_first_start_makes_an_admin_key_once(
    start_server: StartServer, tmp_path: Path
) -> None:
    first = start_server()
    second = start_server()

    printed = SECRET.findall(server_log(tmp_path, first))
    again = SECRET.findall(server_log(tmp_path, second))
    response = httpx.get(f"{first}/v1/appointments", headers=bearer(printed[0]))

    assert len(printed) == 1
    assert again == []
    assert "appointments keys create" in server_log(tmp_path, first)
    assert response.status_code == 200


def test_a_revoked_key_is_refused_by_another_process_within_a_second(
    start_server: StartServer, e2e_database_url: str, api_key: str
) -> None:
    first, second = start_server(), start_server()
    leaving = create_key(e2e_database_url, "leaving", "appointments:read")
    for base_url in (first, second):  # both processes now hold it in cache
        assert (
            httpx.get(
                f"{base_url}/v1/appointments", headers=bearer(leaving)
            ).status_code
            == 200
        )

    subprocess.run(
        [str(APPOINTMENTS), "keys", "revoke", "leaving"],
        env={**os.environ, "APPOINTMENTS_DATABASE_URL": e2e_database_url},
        check=True,
        capture_output=True,
        timeout=START_SECONDS,
    )
    time.sleep(REVOCATION_BOUND_SECONDS)  # the bound the contract promises
    refused = httpx.get(f"{second}/v1/appointments", headers=bearer(leaving))
    admin = httpx.get(f"{second}/v1/appointments", headers=bearer(api_key))

    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "api_key_invalid"
    assert admin.status_code == 200


DISTINCTIVE = {
    "name": "Zanzibar Quince Session",
    "description": "Discuss the periwinkle rash",
    "host": "host_Quetzal",
    "attendee": "att_Capybara",
    "second_attendee": "att_Okapi",
    "patient": "pat_Dugong",
    "created_by": "staff_Pangolin",
    "updated_by": "staff_Tarsier",
    "address": "7 Aardvark Mews",
    "room": "Room Gharial",
    "visit_note": "Ibex tendon reflex",
    "reason": "Caracal asked to move",
    "renamed": "Kinkajou Review",
    "unknown_id": "appt_Zorilla0000000000000",
    "bad_value": "Fossa-not-a-number",
}


def full_scenario(api: httpx.Client) -> None:
    """Every route, every field with its own distinctive text; errors too."""
    d = DISTINCTIVE
    created = api.post(
        "/v1/appointments",
        json=appointment_body(
            name=d["name"], description=d["description"], group=True,
            internal=True, host=d["host"], attendees=[d["attendee"]],
            reference_patients=[d["patient"]], created_by=d["created_by"],
            interaction_type="in_person",
            location={"address": d["address"], "room": d["room"]},
        ),
    )  # fmt: skip
    assert created.status_code == 201, created.text
    path = created.headers["Location"]
    appointment_id = created.json()["id"]
    steps = [
        ("PATCH", path, {"updated_by": d["updated_by"], "name": d["renamed"],
                         "visit_note": d["visit_note"],
                         "attendees": [d["attendee"], d["second_attendee"]]}),
        ("PATCH", f"{path}/attendees/{d['attendee']}",
         {"changed_by": d["updated_by"], "payment_status": "paid"}),
        ("POST", f"{path}/reschedule", {"start_time": 1_767_348_000_000,
                                        "end_time": 1_767_351_600_000,
                                        "changed_by": d["updated_by"]}),
        ("POST", f"{path}/status", {"status": "cancelled",
                                    "changed_by": d["updated_by"],
                                    "reason": d["reason"]}),
    ]  # fmt: skip
    for method, url, body in steps:
        answer = api.request(method, url, json=body)
        assert answer.status_code == 200, answer.text
    for url in (
        path, f"{path}?version=1", f"{path}/change_log",
        f"/v1/change_logs/{created.json()['change_log']}", "/v1/events?after=0",
        f"/v1/appointments?host={d['host']}&attendee={d['attendee']}",
        f"/v1/appointments?patient={d['patient']}&start_time_gte=0",
    ):  # fmt: skip
        assert api.get(url).status_code == 200
    errors = [
        api.get(f"/v1/appointments/{d['unknown_id']}"),
        api.get(f"/v1/appointments?limit={d['bad_value']}"),
        api.post("/v1/appointments", json={"name": d["bad_value"], "extra": d["name"]}),
        api.post("/v1/appointments", content=d["description"].encode(),
                 headers={"Content-Type": "application/json"}),
        api.get(f"/v1/appointments/{appointment_id}",
                headers={"Authorization": f"Bearer sk_{d['bad_value']}"}),
    ]  # fmt: skip
    assert all(400 <= error.status_code < 500 for error in errors)


def test_the_log_holds_no_field_value_nor_secret(
    start_server: StartServer, tmp_path: Path, api_key: str, auth: dict[str, str]
) -> None:
    base_url = start_server()
    with httpx.Client(base_url=base_url, headers=auth, timeout=10) as api:
        full_scenario(api)

    log = server_log(tmp_path, base_url)
    access = [json.loads(line) for line in log.splitlines() if '"request_id"' in line]

    for value in (*DISTINCTIVE.values(), api_key, "appt_"):
        assert value not in log
    assert any(line["route"] == "/v1/appointments/{appointment_id}" for line in access)
    v1 = [line for line in access if line["route"].startswith("/v1")]
    assert {line["api_key"] for line in v1 if line["status"] < 400} == {"e2e-admin"}
    assert all(
        set(line)
        == {"request_id", "method", "route", "status", "duration_ms", "api_key"}
        for line in access
    )


def new_encryption_key() -> str:
    made = subprocess.run(
        [str(APPOINTMENTS), "encryption-key"],
        capture_output=True,
        text=True,
        check=True,
    )
    return made.stdout.strip()


def test_a_wrong_encryption_key_refuses_to_start(
    start_server: StartServer, e2e_database_url: str, auth: dict[str, str]
) -> None:
    key, other_key = new_encryption_key(), new_encryption_key()
    base_url = start_server(APPOINTMENTS_ENCRYPTION_KEY=key)
    created = httpx.post(
        f"{base_url}/v1/appointments", json=appointment_body(), headers=auth
    )
    ready = httpx.get(f"{base_url}/readyz", timeout=10)

    wrong = subprocess.run(
        [str(APPOINTMENTS), "serve"],
        env={
            **os.environ,
            "APPOINTMENTS_DATABASE_URL": e2e_database_url,
            "APPOINTMENTS_PORT": "1",  # never bound: start-up stops before
            "APPOINTMENTS_ENCRYPTION_KEY": other_key,
        },
        capture_output=True,
        text=True,
        timeout=START_SECONDS,
        check=False,
    )

    assert created.status_code == 201
    assert ready.json()["encryption"] == "on"
    assert wrong.returncode == 2
    assert wrong.stderr.strip().splitlines() == [
        "appointments: APPOINTMENTS_ENCRYPTION_KEY: wrong key: "
        "it does not decrypt the stored events"
    ]
