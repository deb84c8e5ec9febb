"""The backup's item lines and its BatchWriteItem pages, with a fake DynamoDB client (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.services.backup import BackupError, decode_item, encode_item, scan_items, write_items


def test_an_item_line_keeps_every_attribute_type() -> None:
    item = {
        "pk": {"S": "INC-000001"},
        "n": {"N": "42"},
        "blob": {"B": b"\x00\xffdesk"},
        "blobs": {"BS": [b"a", b"\x01"]},
        "tags": {"SS": ["vpn"]},
        "nums": {"NS": ["1", "2.5"]},
        "flag": {"BOOL": True},
        "none": {"NULL": True},
        "doc": {"M": {"inner": {"L": [{"B": b"\x02"}, {"S": "x"}]}}},
    }
    line = encode_item(item)
    assert "\n" not in line
    assert decode_item(line) == item


class FlakyDynamo:
    """Leaves the last item of each batch unprocessed on the first try."""

    def __init__(self, refuse_always: bool = False) -> None:
        self.calls: list[int] = []
        self.stored: dict[str, dict[str, Any]] = {}
        self.refuse_always = refuse_always

    def batch_write_item(self, RequestItems: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
        ((table, requests),) = RequestItems.items()
        assert len(requests) <= 25
        self.calls.append(len(requests))
        keep = requests if self.refuse_always else requests[:-1] if len(requests) > 1 else requests
        for request in keep if not self.refuse_always else []:
            item = request["PutRequest"]["Item"]
            self.stored[item["pk"]["S"]] = item
        left = requests[len(keep):] if not self.refuse_always else requests
        return {"UnprocessedItems": {table: left} if left else {}}

    def scan(self, **kwargs: Any) -> dict[str, Any]:
        items = sorted(self.stored.values(), key=lambda i: str(i["pk"]["S"]))
        start = 0
        if "ExclusiveStartKey" in kwargs:
            start = [i["pk"] for i in items].index(kwargs["ExclusiveStartKey"]["pk"]) + 1
        page = items[start : start + kwargs["Limit"]]
        out: dict[str, Any] = {"Items": page}
        if start + kwargs["Limit"] < len(items):
            out["LastEvaluatedKey"] = {"pk": page[-1]["pk"]}
        assert kwargs["ConsistentRead"] is True
        return out


def test_writes_go_in_pages_of_25_and_unprocessed_items_are_retried() -> None:
    dynamo = FlakyDynamo()
    items = ({"pk": {"S": f"k{i:03d}"}} for i in range(60))
    assert write_items(dynamo, "t", items, sleep=lambda _: None) == 60
    assert len(dynamo.stored) == 60
    assert dynamo.calls == [25, 1, 25, 1, 10, 1]
    assert [i["pk"]["S"] for i in scan_items(dynamo, "t", page_size=7)] == sorted(dynamo.stored)


def test_a_restore_that_cannot_write_says_so() -> None:
    with pytest.raises(BackupError, match="unprocessed"):
        write_items(FlakyDynamo(refuse_always=True), "t", iter([{"pk": {"S": "a"}}]), sleep=lambda _: None)
