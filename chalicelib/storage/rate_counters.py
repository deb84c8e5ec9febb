"""Rate-limit counts in the counters table: one item per caller, route and window, counted with
one conditional ``UpdateItem`` and removed by the table's TTL (``expires``) after the window."""

from __future__ import annotations

from typing import Any

from chalicelib.config import Settings


class DynamoRateCounters:
    def __init__(self, settings: Settings, dynamodb_client: Any) -> None:
        self.table = settings.counters_table
        self.dynamodb = dynamodb_client

    def hit(self, key: str, limit: int, expires_at: int) -> bool:
        try:
            self.dynamodb.update_item(
                TableName=self.table,
                Key={"name": {"S": key}},
                UpdateExpression="ADD #v :one SET #e = :expires",
                ConditionExpression="attribute_not_exists(#v) OR #v < :limit",
                ExpressionAttributeNames={"#v": "value", "#e": "expires"},
                ExpressionAttributeValues={
                    ":one": {"N": "1"}, ":limit": {"N": str(limit)}, ":expires": {"N": str(expires_at)},
                },
            )
        except self.dynamodb.exceptions.ConditionalCheckFailedException:
            return False
        return True
