"""Attachments in S3 (the bucket ``ATTACHMENTS_BUCKET``; ``make run`` keeps it in moto)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from chalicelib.config import Settings
from chalicelib.services.attachments import StoredObject


def s3_client(settings: Settings) -> Any:
    """The S3 client of presigned forms and links: Signature Version 4 (the only one S3 accepts
    in newer regions), path-style addressing at a given endpoint (moto), the configured timeouts."""
    from botocore.config import Config

    from chalicelib.storage.aws import session

    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": "path" if settings.s3_endpoint else "auto"},
        connect_timeout=settings.aws_connect_timeout_seconds,
        read_timeout=settings.aws_read_timeout_seconds,
        retries={"total_max_attempts": settings.aws_max_attempts, "mode": "standard"},
    )
    return session().client("s3", region_name=settings.region, endpoint_url=settings.s3_endpoint, config=config)


class S3ObjectStore:
    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3 = s3
        self.bucket = bucket

    def upload_form(self, key: str, content_type: str, max_bytes: int, expires_seconds: int) -> dict[str, Any]:
        form: dict[str, Any] = self.s3.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=expires_seconds,
        )
        return form

    def list(self, prefix: str) -> Iterator[StoredObject]:
        """Every object under ``prefix`` (ListObjectsV2 pages: a key-prefix query, never a scan
        of the bucket)."""
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield StoredObject(item["Key"], int(item["Size"]), item["LastModified"])

    def download_url(self, key: str, filename: str, expires_seconds: int) -> str:
        url: str = self.s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
                "ResponseContentType": "application/octet-stream",
            },
            ExpiresIn=expires_seconds,
        )
        return url


#: CORS of the attachments bucket: the pages post files to it and download from it. Any origin:
#: a presigned form or link is the authority, not where the page came from.
CORS_RULES = [
    {"AllowedMethods": ["POST", "GET"], "AllowedOrigins": ["*"], "AllowedHeaders": ["*"], "MaxAgeSeconds": 3600}
]


def _cfn_rule(rule: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in rule.items() if k != "MaxAgeSeconds"}
    return {**out, "MaxAge": rule["MaxAgeSeconds"]} if "MaxAgeSeconds" in rule else out


def bucket_resource() -> dict[str, Any]:
    """The attachments bucket of one stage, for the infra template: private, encrypted, CORS for
    the pages' uploads."""
    return {
        "AttachmentsBucket": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "BucketName": {"Fn::Sub": "desk-${Stage}-attachments"},
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
                # CloudFormation names the S3 API's MaxAgeSeconds MaxAge.
                "CorsConfiguration": {"CorsRules": [_cfn_rule(rule) for rule in CORS_RULES]},
            },
        }
    }


def create_bucket(s3: Any, bucket: str, region: str) -> None:
    """Create the attachments bucket where missing (``make run``, the tests), with the CORS rule
    that lets the pages post to it."""
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        if region == "us-east-1":
            s3.create_bucket(Bucket=bucket)
        else:
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": CORS_RULES})
