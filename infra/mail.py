"""Mail in, as resources of the stage's stack: SES receives the desk's mail and stores each raw
message in the inbound-mail bucket, whose notifications invoke ``receive_mail``.

* ``InboundMailBucket``: private, encrypted, messages kept :data:`INBOUND_RETENTION_DAYS` days
  (the ticket keeps the text and the files; the raw message is only the delivery);
* its policy lets SES (of this account, for this stage's rule) put objects under ``mail/``;
* ``MailReceiptRuleSet`` with one rule for the domain of the ``MailAddress`` parameter (a domain
  or subdomain the desk has to itself, so the address's plus addresses reach it too): TLS
  required, spam and virus scanning on, stored under :data:`MAIL_PREFIX`;
* the bucket's notification of new objects under that prefix to the ``ReceiveMail`` function,
  with the permission S3 needs to invoke it. The bucket is the stack's own, so CloudFormation
  wires it directly (Chalice's own ``on_s3_event`` cannot be packaged for CloudFormation).

SES allows one active receipt rule set per region: after the first deployment, an
administrator activates it once (``aws ses set-active-receipt-rule-set --rule-set-name
desk-<stage>-inbound``) and points the domain's MX record at SES's inbound endpoint.
"""

from __future__ import annotations

from typing import Any

#: Where SES stores each received message (and the prefix the function is notified of).
MAIL_PREFIX = "mail/"
INBOUND_RETENTION_DAYS = 30
BUCKET_NAME = "desk-${Stage}-inbound-mail"


def parameters() -> dict[str, Any]:
    return {
        "MailAddress": {"Type": "String", "Default": "desk@example.com",
                        "Description": "the desk's address; SES receives all mail of its domain"},
        "MailUnknownSenders": {"Type": "String", "Default": "false", "AllowedValues": ["true", "false"],
                               "Description": "whether mail from outside the email domain opens tickets"},
    }


def environment() -> dict[str, Any]:
    """What the functions read of mail in."""
    return {
        # By name, not by reference: the bucket's notification refers to the function already.
        "INBOUND_MAIL_BUCKET": {"Fn::Sub": BUCKET_NAME},
        "MAIL_ADDRESS": {"Ref": "MailAddress"},
        "MAIL_UNKNOWN_SENDERS": {"Ref": "MailUnknownSenders"},
    }


def resources(function: str = "ReceiveMail") -> dict[str, Any]:
    """The bucket, its policy, the receipt rule set and rule, the notification and permission."""
    source_arn = {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{BUCKET_NAME}"}
    return {
        "InboundMailBucket": {
            "Type": "AWS::S3::Bucket",
            "DependsOn": [f"{function}InboundMailPermission"],
            "Properties": {
                "BucketName": {"Fn::Sub": BUCKET_NAME},
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True, "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
                },
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
                "LifecycleConfiguration": {
                    "Rules": [{"Id": "forget-delivered-mail", "Status": "Enabled",
                               "ExpirationInDays": INBOUND_RETENTION_DAYS}]
                },
                "NotificationConfiguration": {
                    "LambdaConfigurations": [{
                        "Event": "s3:ObjectCreated:*",
                        "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": MAIL_PREFIX}]}},
                        "Function": {"Fn::GetAtt": [function, "Arn"]},
                    }]
                },
            },
        },
        f"{function}InboundMailPermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Ref": function},
                "Principal": "s3.amazonaws.com",
                "SourceAccount": {"Ref": "AWS::AccountId"},
                "SourceArn": source_arn,
            },
        },
        "InboundMailBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "InboundMailBucket"},
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Sid": "SesStoresReceivedMail",
                        "Effect": "Allow",
                        "Principal": {"Service": "ses.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": {"Fn::Sub": f"${{InboundMailBucket.Arn}}/{MAIL_PREFIX}*"},
                        "Condition": {
                            "StringEquals": {"AWS:SourceAccount": {"Ref": "AWS::AccountId"}},
                            "StringLike": {"AWS:SourceArn": {"Fn::Sub": (
                                "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:"
                                "receipt-rule-set/desk-${Stage}-inbound:receipt-rule/desk-${Stage}-store")}},
                        },
                    }],
                },
            },
        },
        "MailReceiptRuleSet": {
            "Type": "AWS::SES::ReceiptRuleSet",
            "Properties": {"RuleSetName": {"Fn::Sub": "desk-${Stage}-inbound"}},
        },
        "MailReceiptRule": {
            "Type": "AWS::SES::ReceiptRule",
            "DependsOn": ["InboundMailBucketPolicy"],
            "Properties": {
                "RuleSetName": {"Ref": "MailReceiptRuleSet"},
                "Rule": {
                    "Name": {"Fn::Sub": "desk-${Stage}-store"},
                    "Enabled": True,
                    "ScanEnabled": True,
                    "TlsPolicy": "Require",
                    # The address's whole domain: its plus addresses (desk+INC-000123@) included.
                    "Recipients": [{"Fn::Select": [1, {"Fn::Split": ["@", {"Ref": "MailAddress"}]}]}],
                    "Actions": [{"S3Action": {"BucketName": {"Ref": "InboundMailBucket"},
                                              "ObjectKeyPrefix": MAIL_PREFIX}}],
                },
            },
        },
    }
