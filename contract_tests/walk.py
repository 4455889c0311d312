"""Walking a paged collection to its end, checking the paging laws on every page on the way."""

from __future__ import annotations

import math
from typing import Any

from contract_tests.envelope import assert_page_laws
from contract_tests.target import Target

MAX_PAGE_SIZE = 100


def walk(target: Target, url: str, rows: str, page_size: int = MAX_PAGE_SIZE, **params: object) -> list[dict[str, Any]]:
    """Every row of the collection at `url`, pages 1..totalPages, each page obeying the laws for one total."""
    size = min(page_size, MAX_PAGE_SIZE)
    first = target.admin(url, page=1, pageSize=page_size, **params)
    assert first.status_code == 200, f"{url}: {first.status_code} {first.text[:300]}"
    total = first.json()["totalCount"]
    found: list[dict[str, Any]] = []
    for page in range(1, math.ceil(total / size) + 1):
        response = first if page == 1 else target.admin(url, page=page, pageSize=page_size, **params)
        assert response.status_code == 200, f"{url} page {page}: {response.status_code} {response.text[:300]}"
        body = response.json()
        assert_page_laws(body, page=page, page_size=size, total=total, rows=rows, profile=target.profile)
        found += body["items"]
    assert len(found) == total
    return found
