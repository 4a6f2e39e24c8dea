"""The fake Confluence rejects what the real services reject."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fakes.confluence import FakeConfluence

USER = "me@example.com"
TOKEN = "t"


@pytest.fixture
def cloud() -> Iterator[FakeConfluence]:
    with FakeConfluence(kind="cloud", user=USER, token=TOKEN) as fake:
        yield fake


@pytest.fixture
def datacenter() -> Iterator[FakeConfluence]:
    with FakeConfluence(kind="datacenter", token=TOKEN) as fake:
        yield fake


def _cloud_client(fake: FakeConfluence, token: str = TOKEN) -> httpx.Client:
    return httpx.Client(base_url=fake.base_url, auth=(USER, token))


def _dc_client(fake: FakeConfluence, token: str = TOKEN) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.Client(base_url=fake.base_url, headers=headers)


def _v2_update(
    page_id: str, number: int, value: str, title: str = "Docs"
) -> dict[str, Any]:
    return {
        "id": page_id,
        "status": "current",
        "title": title,
        "body": {"representation": "storage", "value": value},
        "version": {"number": number},
    }


def test_fake_cloud_base_url_ends_with_wiki(cloud: FakeConfluence) -> None:
    assert cloud.base_url.endswith("/wiki")
    assert cloud.base_url.startswith("http://127.0.0.1:")


def test_fake_cloud_rejects_bad_auth(cloud: FakeConfluence) -> None:
    page_id = cloud.add_page(title="Docs")
    with _cloud_client(cloud, token="wrong") as client:
        response = client.get(f"/api/v2/pages/{page_id}")
    assert response.status_code == 401
    assert response.json()["errors"][0]["status"] == 401


def test_fake_cloud_rejects_stale_version(cloud: FakeConfluence) -> None:
    page_id = cloud.add_page(title="Docs")
    with _cloud_client(cloud) as client:
        stale = client.put(
            f"/api/v2/pages/{page_id}", json=_v2_update(page_id, 1, "<p>x</p>")
        )
        fresh = client.put(
            f"/api/v2/pages/{page_id}", json=_v2_update(page_id, 2, "<p>x</p>")
        )
    assert stale.status_code == 409
    assert fresh.status_code == 200
    assert cloud.page(page_id)["version"] == 2


def test_fake_cloud_rejects_malformed_storage(cloud: FakeConfluence) -> None:
    page_id = cloud.add_page(title="Docs")
    with _cloud_client(cloud) as client:
        response = client.put(
            f"/api/v2/pages/{page_id}", json=_v2_update(page_id, 2, "<p>open")
        )
    assert response.status_code == 400
    assert cloud.page(page_id)["version"] == 1


def test_fake_cloud_accepts_html_entities(cloud: FakeConfluence) -> None:
    page_id = cloud.add_page(title="Docs")
    with _cloud_client(cloud) as client:
        response = client.put(
            f"/api/v2/pages/{page_id}", json=_v2_update(page_id, 2, "<p>a&nbsp;b</p>")
        )
    assert response.status_code == 200


def test_fake_cloud_rejects_long_title(cloud: FakeConfluence) -> None:
    page_id = cloud.add_page(title="Docs")
    with _cloud_client(cloud) as client:
        response = client.put(
            f"/api/v2/pages/{page_id}", json=_v2_update(page_id, 2, "", title="x" * 256)
        )
    assert response.status_code == 400


def test_fake_cloud_rejects_missing_fields(cloud: FakeConfluence) -> None:
    page_id = cloud.add_page(title="Docs")
    with _cloud_client(cloud) as client:
        response = client.put(f"/api/v2/pages/{page_id}", json={"id": page_id})
    assert response.status_code == 400


def test_fake_cloud_property_version_conflict(cloud: FakeConfluence) -> None:
    page_id = cloud.add_page(title="Docs")
    with _cloud_client(cloud) as client:
        created = client.post(
            f"/api/v2/pages/{page_id}/properties", json={"key": "k", "value": {"a": 1}}
        ).json()
        stale = client.put(
            f"/api/v2/pages/{page_id}/properties/{created['id']}",
            json={"key": "k", "value": 2, "version": {"number": 1}},
        )
        duplicate = client.post(
            f"/api/v2/pages/{page_id}/properties", json={"key": "k", "value": 3}
        )
    assert stale.status_code == 409
    assert duplicate.status_code == 409
    assert cloud.properties(page_id) == {"k": {"a": 1}}


def test_fake_cloud_tenant_info_public(cloud: FakeConfluence) -> None:
    response = httpx.get(cloud.root_url + "/_edge/tenant_info")
    assert response.json() == {"cloudId": cloud.cloud_id}


def test_fake_fault_injection_times_and_filter(cloud: FakeConfluence) -> None:
    page_id = cloud.add_page(title="Docs")
    cloud.add_fault(
        429, headers={"Retry-After": "7"}, times=2, method="GET", path_contains="pages"
    )
    with _cloud_client(cloud) as client:
        statuses = [
            client.get(f"/api/v2/pages/{page_id}").status_code for _ in range(3)
        ]
        other = client.get("/rest/api/user/current")
    assert statuses == [429, 429, 200]
    assert other.status_code == 200
    assert cloud.requests[0][0] == "GET"
    assert cloud.requests[0][1] == f"/wiki/api/v2/pages/{page_id}"


def test_fake_datacenter_rejects_missing_auth(datacenter: FakeConfluence) -> None:
    page_id = datacenter.add_page(title="Docs")
    response = httpx.get(f"{datacenter.base_url}/rest/api/content/{page_id}")
    assert response.status_code == 401
    assert response.json()["statusCode"] == 401


def test_fake_datacenter_wrong_token_anonymous(datacenter: FakeConfluence) -> None:
    with _dc_client(datacenter, token="wrong") as client:
        user = client.get("/rest/api/user/current").json()
        page = client.get("/rest/api/content/1001")
    assert user["type"] == "anonymous"
    assert page.status_code == 404


def test_fake_datacenter_rejects_stale_version(datacenter: FakeConfluence) -> None:
    page_id = datacenter.add_page(title="Docs", space="DOC")
    payload = {
        "id": page_id,
        "type": "page",
        "title": "Docs",
        "space": {"key": "DOC"},
        "body": {"storage": {"value": "<p>x</p>", "representation": "storage"}},
        "version": {"number": 5},
    }
    with _dc_client(datacenter) as client:
        response = client.put(f"/rest/api/content/{page_id}", json=payload)
    assert response.status_code == 409
    assert "Version" in response.json()["message"]


def test_fake_datacenter_rejects_duplicate_title(datacenter: FakeConfluence) -> None:
    datacenter.add_page(title="Docs", space="DOC")
    payload = {
        "type": "page",
        "title": "Docs",
        "space": {"key": "DOC"},
        "body": {"storage": {"value": "", "representation": "storage"}},
    }
    with _dc_client(datacenter) as client:
        response = client.post("/rest/api/content", json=payload)
    assert response.status_code == 400
    assert "already exists" in response.json()["message"]


def test_fake_rejects_unknown_kind() -> None:
    with pytest.raises(ValueError, match="kind"):
        FakeConfluence(kind="server")
