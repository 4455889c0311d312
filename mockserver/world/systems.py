"""Connected systems and their run profiles, read from connected-systems.json: what a run profile activity ran."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mockserver.world.files import check_records, fixture_error, read_json, unique
from mockserver.world.records import SYSTEM_RECORD, validator

SYSTEMS_FILE = "connected-systems.json"


@dataclass(frozen=True)
class RunProfile:
    id: int
    name: str
    run_type: str
    system_id: int
    system_name: str


@dataclass(frozen=True)
class Systems:
    names: Mapping[int, str]
    run_profiles: Mapping[int, RunProfile]


def load_systems(fixtures: Path) -> Systems:
    path = fixtures / SYSTEMS_FILE
    records = check_records(path, read_json(path), validator(SYSTEM_RECORD), "connected system")
    unique(path, (r["id"] for r in records), "id")
    unique(path, (r["name"] for r in records), "name")
    profiles: dict[int, RunProfile] = {}
    for index, record in enumerate(records):
        unique(path, (p["name"] for p in record["runProfiles"]), f"runProfiles.name of {record['name']}")
        for n, profile in enumerate(record["runProfiles"]):
            if profile["id"] in profiles:
                raise fixture_error(
                    path, index, record["name"], f"runProfiles.{n}.id", f"run profile {profile['id']} is taken"
                )
            profiles[profile["id"]] = RunProfile(
                profile["id"], profile["name"], profile["runType"], record["id"], record["name"]
            )
    return Systems({r["id"]: r["name"] for r in records}, profiles)
