"""The CloudFormation template of one stage, merged into Chalice's with ``--merge-template``.

One source of truth: the tables, queues and topic come from the PynamoDB models
(:func:`chalicelib.storage.tables.cloudformation_template`), the functions from the app's own
registrations, each function's policy from :mod:`infra.access`. On top of Chalice's output the
template adds, for every function, its environment (table names, the queue, the topic and the
secrets' path, all as references to the stack's own resources, never typed by hand), a name,
a log group, and a role holding only its grants; then the alarms and the dashboard.

``python -m infra.stack --stage prod`` prints the merge template.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from typing import Any

from chalicelib.observability import SERVICE, SWEEP_LAG_METRIC
from chalicelib.storage.tables import cloudformation_template
from infra import mail
from infra.access import ACCESS, STREAM, Grants

STAGES = ("dev", "staging", "prod")
#: Log retention of every function's log group.
LOG_RETENTION_DAYS = 30
#: Actions that take no resource-level permission (IAM requires ``"Resource": "*"``).
RESOURCELESS_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
#: The stack's buckets: a grant ``<Bucket>/<prefix>`` names the objects under that key prefix.
BUCKETS = {"AttachmentsBucket": "desk-${Stage}-attachments", "InboundMailBucket": mail.BUCKET_NAME}
#: 5xx answers of the API in five minutes that raise the alarm.
API_5XX_THRESHOLD = 5
#: Route families served by an API function of their own: logical id -> (path prefix, the
#: ``DESK_API_FAMILY`` its init warms for, its name's suffix). Chalice builds one function for
#: every route; :func:`split_api` clones it (same code, role and settings) and points the
#: family's routes at the clone, so that one family's cold start does not pay for another's
#: warm-up (``chalicelib.warmup``).
API_SPLITS: dict[str, tuple[str, str, str]] = {"AdminAPIHandler": ("/admin", "admin", "api-admin")}


def function_names() -> dict[str, str]:
    """Each function's logical id -> the handler name it has in the app (``APIHandler`` -> ``api``)."""
    from chalice.utils import to_cfn_resource_name

    from app import app

    names = {"APIHandler": "api"}
    for auth in app.builtin_auth_handlers:
        names[to_cfn_resource_name(auth.name)] = auth.name
    for source in app.event_sources:
        names[to_cfn_resource_name(source.name)] = source.name
    for function in app.pure_lambda_functions:
        names[to_cfn_resource_name(function.name)] = function.name
    return names


def role_name(logical: str) -> str:
    """Chalice's name for a function's role (``APIHandler``'s is ``ApiHandlerRole``)."""
    return "ApiHandlerRole" if logical == "APIHandler" else f"{logical}Role"


def table_variables(resources: dict[str, Any]) -> dict[str, Any]:
    """``TICKETS_TABLE`` -> ``{"Ref": "TicketsTable"}``, for every table of the template."""
    out = {}
    for logical, resource in resources.items():
        if resource.get("Type") == "AWS::DynamoDB::Table":
            var = re.sub(r"(?<!^)(?=[A-Z])", "_", logical.removesuffix("Table")).upper() + "_TABLE"
            out[var] = {"Ref": logical}
    return out


def environment(resources: dict[str, Any]) -> dict[str, Any]:
    """What every function reads from its environment, wired to the stack's own resources."""
    return {
        **table_variables(resources),
        "NOTICES_QUEUE_URL": {"Ref": "NoticesQueue"},
        "NOTICES_QUEUE_NAME": {"Fn::GetAtt": ["NoticesQueue", "QueueName"]},
        "ALERTS_TOPIC_ARN": {"Ref": "AlertsTopic"},
        "EVENT_BUS_NAME": {"Ref": "EventBus"},
        "DESK_SECRETS_PATH": {"Fn::Sub": "/desk/${Stage}/"},
        "EMAIL_SENDER": {"Ref": "EmailSender"},
        "PUBLIC_URL": {"Fn::If": ["HasPublicUrl", {"Ref": "PublicUrl"}, {"Ref": "AWS::NoValue"}]},
        "CORS_ORIGINS": {"Ref": "CorsOrigins"},
        **mail.environment(),
    }


def _arn(key: str) -> Any:
    """The ARN a grant's key names."""
    if key == "Secrets":
        return {"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/desk/${Stage}"}
    if key == "EmailIdentity":
        return {"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${EmailIdentity}"}
    bucket, _, prefix = key.partition("/")
    if bucket in BUCKETS and prefix:  # the objects under one prefix of a bucket of the stack, by name (the
        # inbound bucket's notification refers to a function whose role this policy is)
        return {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{BUCKETS[bucket]}/{prefix}/*"}
    if key == "AlertsTopic":
        return {"Ref": "AlertsTopic"}
    if key == "EventBus":
        return {"Fn::GetAtt": ["EventBus", "Arn"]}
    if key in ("NoticesQueue", "NoticesDeadLetterQueue", "AttachmentsBucket"):
        return {"Fn::GetAtt": [key, "Arn"]}
    table, _, index = key.partition("/")
    if index == STREAM:
        return {"Fn::GetAtt": [table, "StreamArn"]}
    if index:
        return {"Fn::Sub": f"${{{table}.Arn}}/index/{index}"}
    return {"Fn::GetAtt": [table, "Arn"]}


def policy(logical: str, grants: Grants) -> dict[str, Any]:
    """A function's policy: one statement per set of actions, naming only the resources granted."""
    by_actions: dict[tuple[str, ...], list[Any]] = {}
    for key in sorted(grants):
        by_actions.setdefault(tuple(sorted(grants[key])), []).append(_arn(key))
    statements: list[dict[str, Any]] = [
        {"Effect": "Allow", "Action": list(actions), "Resource": resources}
        for actions, resources in sorted(by_actions.items())
    ]
    statements.append({
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": {"Fn::GetAtt": [f"{logical}LogGroup", "Arn"]},
    })
    statements.append({"Effect": "Allow", "Action": list(RESOURCELESS_ACTIONS), "Resource": "*"})
    return {"Version": "2012-10-17", "Statement": statements}


def function_resources(resources: dict[str, Any]) -> dict[str, Any]:
    """Per function: its name, environment and log group, and its role's policy."""
    env = environment(resources)
    out: dict[str, Any] = {}
    for logical, handler in function_names().items():
        name = {"Fn::Sub": f"desk-${{Stage}}-{handler.replace('_', '-')}"}
        out[logical] = {"Properties": {"FunctionName": name, "Environment": {"Variables": env}}}
        out[f"{logical}LogGroup"] = {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": {"Fn::Sub": f"/aws/lambda/desk-${{Stage}}-{handler.replace('_', '-')}"},
                "RetentionInDays": LOG_RETENTION_DAYS,
            },
        }
        out[role_name(logical)] = {
            "Properties": {
                "Policies": [{"PolicyName": f"{logical}Access", "PolicyDocument": policy(logical, ACCESS[logical])}]
            }
        }
    out["RestAPI"] = {"Properties": {"Name": {"Fn::Sub": "desk-${Stage}"}}}
    for logical, event_source in event_sources().items():
        out[logical]["Properties"]["Events"] = event_source
    return out


def event_sources() -> dict[str, Any]:
    """The functions Lambda feeds from a stream or a queue of the stack, pointed at the stack's own
    resource by reference (``Fn::GetAtt``): the events table's stream and the notice queue. What
    Chalice writes there is read from the environment when the app is imported (a placeholder
    ARN, a queue ARN built from its name), with no reference, so nothing would order the
    mapping after the table or the queue it reads. The app has one stream source (the events
    table's) and one queue source (the notices'). Keys are Chalice's own event names."""
    from chalice.app import DynamoDBEventConfig, SQSEventConfig

    from app import app

    logical_ids = {handler: logical for logical, handler in function_names().items()}
    out: dict[str, Any] = {}
    for source in app.event_sources:
        logical = logical_ids[source.name]
        if isinstance(source, DynamoDBEventConfig):
            out[logical] = {f"{logical}DynamodbEventSource": {
                "Properties": {"Stream": {"Fn::GetAtt": ["EventsTable", "StreamArn"]}}}}
        elif isinstance(source, SQSEventConfig):
            out[logical] = {f"{logical}SqsEventSource": {
                # Chalice's merge joins dicts: its own ``Fn::Sub`` is replaced by one
                "Properties": {"Queue": {"Fn::Sub": "${NoticesQueue.Arn}"}}}}
    return out


def _alarm(description: str, namespace: str, metric: str, dimensions: list[dict[str, Any]], statistic: str,
           threshold: float, periods: int = 1, missing: str = "notBreaching") -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": description,
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": dimensions,
            "Statistic": statistic,
            "Period": 300,
            "EvaluationPeriods": periods,
            "Threshold": threshold,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": missing,
            "AlarmActions": [{"Ref": "AlertsTopic"}],
        },
    }


def operations_resources() -> dict[str, Any]:
    """Alarms (to the alerts topic) and the stage's dashboard."""
    dlq = [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["NoticesDeadLetterQueue", "QueueName"]}}]
    api = [{"Name": "ApiName", "Value": {"Fn::Sub": "desk-${Stage}"}}]
    out: dict[str, Any] = {
        "NoticesDeadLetterAlarm": _alarm("A notice could not be delivered and waits in the dead-letter queue",
                                         "AWS/SQS", "ApproximateNumberOfMessagesVisible", dlq, "Maximum", 0),
        "Api5xxAlarm": _alarm("The API answered 5xx", "AWS/ApiGateway", "5XXError", api, "Sum", API_5XX_THRESHOLD),
        "SweepLagAlarm": _alarm(
            "The SLA sweep left a due deadline unhandled for more than 5 minutes, or stopped running",
            "ServiceDesk", SWEEP_LAG_METRIC, [{"Name": "service", "Value": SERVICE}], "Maximum", 300, 2, "breaching"),
    }
    for logical in function_names():
        out[f"{logical}ThrottlesAlarm"] = _alarm(
            f"{logical} was throttled", "AWS/Lambda", "Throttles",
            [{"Name": "FunctionName", "Value": {"Ref": logical}}], "Sum", 0)
    out["Dashboard"] = {
        "Type": "AWS::CloudWatch::Dashboard",
        "Properties": {"DashboardName": {"Fn::Sub": "desk-${Stage}"}, "DashboardBody": {"Fn::Sub": dashboard_body()}},
    }
    return out


def dashboard_body() -> str:
    """The dashboard's JSON (a ``Fn::Sub`` string): API answers, the functions, the notice queues
    and the desk's own EMF metrics (the sweep lag, the tickets opened)."""
    names = [h.replace("_", "-") for h in function_names().values()] + [s for _, _, s in API_SPLITS.values()]
    fn = [["AWS/Lambda", m, "FunctionName", f"desk-${{Stage}}-{name}"]
          for name in names for m in ("Errors", "Throttles")]
    widgets = [
        ("API answers", [["AWS/ApiGateway", m, "ApiName", "desk-${Stage}"] for m in ("Count", "4XXError", "5XXError")]),
        ("API latency", [["AWS/ApiGateway", "Latency", "ApiName", "desk-${Stage}", {"stat": "p99"}]]),
        ("Functions: errors and throttles", fn),
        ("Notices", [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", f"desk-${{Stage}}-{q}"]
                     for q in ("notices", "notices-dlq")]),
        ("Sweep lag (s)", [["ServiceDesk", SWEEP_LAG_METRIC, "service", SERVICE, {"stat": "Maximum"}]]),
        ("Tickets opened", [[{"expression": "SUM(SEARCH('{ServiceDesk,priority,service,type} "
                                            "MetricName=\"TicketsOpened\"', 'Sum', 300))",
                              "label": "tickets opened", "id": "opened"}]]),
        ("Sweep duration (ms)", [["AWS/Lambda", "Duration", "FunctionName", "desk-${Stage}-sla-sweep",
                                  {"stat": "Maximum"}]]),
    ]
    body = {"widgets": [
        {"type": "metric", "x": (i % 2) * 12, "y": (i // 2) * 6, "width": 12, "height": 6,
         "properties": {"title": title, "metrics": metrics, "region": "${AWS::Region}", "period": 300}}
        for i, (title, metrics) in enumerate(widgets)
    ]}
    return json.dumps(body)


def _integration_uri(logical: str) -> dict[str, str]:
    return {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
            f"${{{logical}.Arn}}/invocations"}


def split_api(template: dict[str, Any]) -> dict[str, Any]:
    """``template`` (Chalice's, merged) with each of :data:`API_SPLITS`: a copy of ``APIHandler``
    with its family in the environment, its name and log group, the permission for API Gateway
    to invoke it, and the family's routes (every method) integrated with it. The copy runs as
    ``APIHandler``'s role, whose policy also covers the copy's log group."""
    resources = template["Resources"]
    api = resources["APIHandler"]
    paths = resources["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    logs = next(statement for policy in resources["ApiHandlerRole"]["Properties"]["Policies"]
                for statement in policy["PolicyDocument"]["Statement"]
                if statement["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"])
    for logical, (prefix, family, suffix) in API_SPLITS.items():
        function = copy.deepcopy(api)
        function["Properties"]["FunctionName"] = {"Fn::Sub": f"desk-${{Stage}}-{suffix}"}
        function["Properties"]["Environment"]["Variables"]["DESK_API_FAMILY"] = family
        resources[logical] = function
        permission = copy.deepcopy(resources["APIHandlerInvokePermission"])
        permission["Properties"]["FunctionName"] = {"Ref": logical}
        resources[f"{logical}InvokePermission"] = permission
        resources[f"{logical}LogGroup"] = {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {"LogGroupName": {"Fn::Sub": f"/aws/lambda/desk-${{Stage}}-{suffix}"},
                           "RetentionInDays": LOG_RETENTION_DAYS},
        }
        if not isinstance(logs["Resource"], list):
            logs["Resource"] = [logs["Resource"]]
        logs["Resource"].append({"Fn::GetAtt": [f"{logical}LogGroup", "Arn"]})
        resources[f"{logical}ThrottlesAlarm"] = _alarm(
            f"{logical} was throttled", "AWS/Lambda", "Throttles",
            [{"Name": "FunctionName", "Value": {"Ref": logical}}], "Sum", 0)
        for path, methods in paths.items():
            if path != prefix and not path.startswith(prefix + "/"):
                continue
            for operation in methods.values():
                integration = operation.get("x-amazon-apigateway-integration", {})
                if integration.get("uri") == _integration_uri("APIHandler"):
                    integration["uri"] = _integration_uri(logical)
    return template


def merge_template(stage: str) -> dict[str, Any]:
    """The template ``chalice package --stage <stage> --merge-template`` merges into its own."""
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {', '.join(STAGES)}, got {stage!r}")
    template = cloudformation_template()
    template["Description"] = f"Service desk, stage {stage}: data, API, functions, alarms, dashboard"
    template["Parameters"] = {
        "Stage": {"Type": "String", "AllowedValues": [stage], "Default": stage},
        "EmailSender": {"Type": "String", "Default": "", "Description": "SES sender of requester notices"},
        "EmailIdentity": {"Type": "String", "Default": "example.com",
                          "Description": "the SES identity (domain or address) the sender belongs to"},
        "PublicUrl": {"Type": "String", "Default": "", "Description": "base of the links sent in notices"},
        "CorsOrigins": {"Type": "String", "Default": "", "Description": "browser origins allowed (comma-separated)"},
        **mail.parameters(),
    }
    template["Conditions"] = {"HasPublicUrl": {"Fn::Not": [{"Fn::Equals": [{"Ref": "PublicUrl"}, ""]}]}}
    resources = template["Resources"]
    # The bus other systems subscribe to (``chalicelib.domain.published``).
    resources["EventBus"] = {"Type": "AWS::Events::EventBus", "Properties": {"Name": {"Fn::Sub": "desk-${Stage}-bus"}}}
    resources.update(function_resources(resources))
    resources.update(operations_resources())
    resources.update(mail.resources())
    return template


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True, choices=STAGES)
    args = parser.parse_args(argv)
    json.dump(merge_template(args.stage), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
