"""The profiles as data: each serves its own spec, derived by overlay; one world of fixtures in each vocabulary."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
import yaml
from click.testing import CliRunner
from openapi_spec_validator import validate
from starlette.testclient import TestClient

from contract_tests.expect import PROFILES as EXPECTED
from mockserver.cli import main
from mockserver.profiles import DOCUMENTED, JIM, PROFILES
from mockserver.profiles.overlay import OverlayError, apply_overlay
from mockserver.profiles.spec import load_spec
from mockserver.settings import PROJECT_ROOT
from tests.conftest import ADMIN, LARGE_ACTIVITY, SEED_ACTIVITY

SPEC = PROJECT_ROOT / "openapi.yaml"
PAST_TENSE = {"Add": "Added", "Update": "Updated", "Delete": "Deleted"}
JIM_ONLY_STATS = {"entriesDiscardedByExcludedContainer": {}, "totalEntriesDiscardedByExclusion": 0}
JIM_ONLY_HEADER = (
    "totalDisconnectedOutOfScope",
    "totalOutOfScopeRetainJoin",
    "totalDriftCorrections",
    "totalCreated",
    "scheduleExecutionId",
    "scheduleStepIndex",
    "scheduledByScheduleId",
    "scheduledByScheduleName",
)


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_each_profile_serves_its_own_valid_spec(make_client: Callable[..., TestClient], name: str) -> None:
    served = make_client(profile=name, access_log=False).get("/api/openapi/v1.json").json()
    validate(served)
    assert served == load_spec(SPEC, PROFILES[name])
    # The contract suite derives the same document on its own, from the same two files.
    assert served == EXPECTED[name].spec


def test_the_jim_spec_is_the_main_spec_plus_its_overlay_only() -> None:
    documented, jim = load_spec(SPEC, DOCUMENTED), load_spec(SPEC, JIM)
    assert documented == yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    assert jim["paths"].keys() == documented["paths"].keys()
    header, jim_header = (spec["components"]["schemas"]["ActivityHeader"] for spec in (documented, jim))
    assert set(jim_header["required"]) - set(header["required"]) == set(JIM_ONLY_HEADER)
    assert set(jim_header["properties"]) == set(header["properties"]) | set(JIM_ONLY_HEADER)
    items = jim["paths"]["/api/v1/activities/{id}/items"]["get"]
    names = [p["$ref"].rsplit("/", 1)[1] for p in items["parameters"]]
    assert names[-3:] == ["ItemSortBy", "ItemSortDirection", "ItemFilter"]


def overlay(*actions: dict[str, object]) -> dict[str, object]:
    return {"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": list(actions)}


def test_an_overlay_action_that_matches_nothing_fails_naming_it() -> None:
    spec = load_spec(SPEC)
    with pytest.raises(OverlayError, match=r"x.yaml: action 2 \(\$.paths\['/gone'\]\): matches nothing"):
        apply_overlay(
            spec,
            overlay({"target": "$.info", "update": {"title": "ok"}}, {"target": "$.paths['/gone']", "remove": True}),
            "x.yaml",
        )


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"overlay": "2.0.0", "actions": [{"target": "$.info", "remove": True}]}, "not an Overlay 1.0 document"),
        (overlay(), "'actions' must be a non-empty list"),
        (overlay({"update": {}}), "needs a 'target' JSONPath"),
        (overlay({"target": "$.info"}), "exactly one of 'update' or 'remove: true'"),
        (overlay({"target": "$.info", "update": {}, "remove": True}), "exactly one of 'update' or 'remove: true'"),
        (overlay({"target": "$.info.title", "update": {"a": 1}}), "an update needs an object or array target"),
        (overlay({"target": "$..[", "remove": True}), "not a JSONPath"),
    ],
)
def test_a_malformed_overlay_fails_saying_what_is_wrong(document: dict[str, object], problem: str) -> None:
    with pytest.raises(OverlayError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        apply_overlay(load_spec(SPEC), document, "x.yaml")


def test_an_update_merges_objects_and_appends_to_arrays() -> None:
    spec = {"a": {"b": 1, "c": {"d": 2}}, "list": [1]}
    result = apply_overlay(
        spec, overlay({"target": "$.a", "update": {"c": {"e": 3}}}, {"target": "$.list", "update": [2, 3]})
    )
    assert result == {"a": {"b": 1, "c": {"d": 2, "e": 3}}, "list": [1, 2, 3]}
    assert spec == {"a": {"b": 1, "c": {"d": 2}}, "list": [1]}, "the input spec is left as it was"


def test_a_spec_the_overlay_no_longer_fits_stops_the_server_naming_the_action(tmp_path: Path) -> None:
    spec = load_spec(SPEC)
    del spec["paths"]["/api/v1/activities/{id}/items"]
    custom = tmp_path / "openapi.yaml"
    custom.write_text(yaml.safe_dump(spec), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--profile", "jim"], env={"MOCKSERVER_SPEC_PATH": str(custom)})
    assert result.exit_code == 2, result.output
    assert "jim.overlay.yaml: action" in result.output and "matches nothing" in result.output


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_mockserver_spec_prints_the_profiles_document(name: str) -> None:
    as_yaml = CliRunner().invoke(main, ["spec", "--profile", name])
    as_json = CliRunner().invoke(main, ["spec", "--profile", name, "--format", "json"])
    assert as_yaml.exit_code == 0 and as_json.exit_code == 0, as_yaml.output + as_json.output
    assert yaml.safe_load(as_yaml.output) == orjson.loads(as_json.output) == load_spec(SPEC, PROFILES[name])


@pytest.mark.parametrize("activity", [SEED_ACTIVITY, LARGE_ACTIVITY])
def test_both_profiles_serve_the_same_items_in_their_own_vocabulary(
    make_client: Callable[..., TestClient], activity: str
) -> None:
    documented = make_client(access_log=False)
    jim = make_client(profile="jim", access_log=False)
    url = f"/api/v1/activities/{activity}/items?pageSize=100&page=2"
    expected = documented.get(url, headers=ADMIN).json()
    for item in expected["items"]:
        item["objectChangeType"] = PAST_TENSE[item["objectChangeType"]]
    assert jim.get(url, headers=ADMIN).json() == expected
    stats = f"/api/v1/activities/{activity}/stats"
    documented_stats, jim_stats = documented.get(stats, headers=ADMIN).json(), jim.get(stats, headers=ADMIN).json()
    assert jim_stats == {**documented_stats, **JIM_ONLY_STATS}, "the same figures, and JIM's two more"


def test_jims_429_always_says_retry_after_60(make_client: Callable[..., TestClient]) -> None:
    client = make_client(profile="jim", rate_limit=True, rate_limit_per_ip=1, access_log=False)
    url = f"/api/v1/activities/{SEED_ACTIVITY}/items"
    assert client.get(url).status_code == 401
    refused = client.get(url)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "60"
    assert refused.json()["code"] == "TOO_MANY_REQUESTS"


def test_jims_web_ui_answers_a_non_guid_id_for_any_usable_key(make_client: Callable[..., TestClient]) -> None:
    client = make_client(profile="jim", access_log=False)
    for key in ("jim_ak_sandbox_admin", "jim_ak_sandbox_reader"):
        page = client.get("/api/v1/activities/not-a-guid/stats?page=x", headers={"X-Api-Key": key})
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), page.text[:200]
    for key in ("jim_ak_sandbox_disabled", "jim_ak_unknown"):
        refused = client.get("/api/v1/activities/not-a-guid/stats", headers={"X-Api-Key": key})
        assert refused.status_code == 401
        assert refused.json() == {"error": "Unauthorized", "message": "Authentication required"}


def test_jims_rendering_is_for_the_api_the_journal_keeps_its_envelope(make_client: Callable[..., TestClient]) -> None:
    client = make_client(profile="jim", journal_size=10, prefer=True, access_log=False)
    journal = client.get("/__admin/requests?status=abc")
    assert journal.status_code == 400 and journal.headers["content-type"] == "application/json"
    assert journal.json()["code"] == "VALIDATION_ERROR", "admin-openapi.yaml promises the envelope"
    health = client.get("/api/v1/health", headers={"Prefer": "bogus"})
    assert health.status_code == 400 and health.headers["content-type"] == "application/json; charset=utf-8"
    assert list(health.json()["errors"]) == ["Prefer"]
    declared = load_spec(SPEC, JIM)["components"]["responses"]["PreferNotUnderstood"]["content"]
    assert list(declared) == ["application/json"]


def test_the_allow_header_lists_methods_in_one_order(client: TestClient) -> None:
    answer = client.post(f"/api/v1/activities/{SEED_ACTIVITY}/items", headers=ADMIN)
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, HEAD"
    assert answer.json()["message"] == "Method POST is not allowed here. Allowed methods are GET, HEAD."
