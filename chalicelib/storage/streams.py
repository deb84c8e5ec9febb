"""Plays a DynamoDB stream into a Lambda handler, the way the stream's event source mapping does
in AWS: ``make run`` (``scripts/local_scheduler.py``) and the tests use it on moto's streams.

It reads every shard from its start (``TRIM_HORIZON``) and then onwards from where it stopped,
in batches of at most ``batch_size`` records shaped as Lambda receives them. A batch whose
handler raises is offered again on the next :meth:`StreamPlayer.play` (as AWS retries it), so
the handler must be idempotent: the rollups' is, event by event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any


class StreamPlayer:
    def __init__(self, dynamodb: Any, streams: Any, table_name: str, batch_size: int = 100) -> None:
        self.dynamodb = dynamodb
        self.streams = streams
        self.table_name = table_name
        self.batch_size = batch_size
        self._iterators: dict[str, str | None] = {}
        self._stream_arn: str | None = None

    @property
    def stream_arn(self) -> str:
        if self._stream_arn is None:
            table = self.dynamodb.describe_table(TableName=self.table_name)["Table"]
            self._stream_arn = str(table["LatestStreamArn"])
        return self._stream_arn

    def _shards(self) -> list[str]:
        description = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        return [shard["ShardId"] for shard in description.get("Shards", [])]

    def play(self, handler: Callable[[dict[str, Any], Any], Any]) -> int:
        """Hand every record not yet handled to ``handler``; returns how many were handed over."""
        handed = 0
        for shard in self._shards():
            if shard not in self._iterators:
                self._iterators[shard] = self.streams.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            while self._iterators[shard]:
                answer = self.streams.get_records(ShardIterator=self._iterators[shard], Limit=self.batch_size)
                records = answer.get("Records", [])
                if not records:
                    break
                handler({"Records": [self._lambda_record(r) for r in records]}, None)
                handed += len(records)
                self._iterators[shard] = answer.get("NextShardIterator")
        return handed

    def _lambda_record(self, record: dict[str, Any]) -> dict[str, Any]:
        dynamodb = dict(record.get("dynamodb", {}))
        created = dynamodb.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            dynamodb["ApproximateCreationDateTime"] = created.timestamp()
        dynamodb.setdefault("ApproximateCreationDateTime", 0)
        dynamodb.setdefault("SizeBytes", 0)
        dynamodb.setdefault("StreamViewType", "KEYS_ONLY")
        dynamodb.setdefault("SequenceNumber", "0")
        return {
            "eventID": record.get("eventID", ""),
            "eventName": record.get("eventName", ""),
            "eventSource": "aws:dynamodb",
            "eventSourceARN": self.stream_arn,
            "awsRegion": record.get("awsRegion", "us-east-1"),
            "dynamodb": dynamodb,
        }


def streams_client() -> Any:
    """A DynamoDB Streams client at the desk's DynamoDB endpoint (moto's, locally). Account-based
    endpoints are turned off: the stream's ARN would otherwise route the calls to
    ``<account>.streams-ddb...``, which an embedded DynamoDB does not answer."""
    from botocore.config import Config

    from chalicelib.config import get_settings
    from chalicelib.storage.aws import session

    settings = get_settings()
    return session().client(
        "dynamodbstreams",
        region_name=settings.region,
        endpoint_url=settings.dynamodb_endpoint,
        config=Config(account_id_endpoint_mode="disabled", retries={"total_max_attempts": settings.aws_max_attempts}),
    )
