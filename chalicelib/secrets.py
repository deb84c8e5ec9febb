"""The stage's secrets, read from SSM Parameter Store once per container.

A deployed stage keeps its secrets as SecureString parameters under ``DESK_SECRETS_PATH``
(``/desk/<stage>/``, set by the template), never in ``.chalice/config.json`` or the environment:

| parameter            | setting              |
|----------------------|----------------------|
| `jwt-hs256-secret`   | `JWT_HS256_SECRET` (a stage verifying HS256 tokens) |
| `slack-webhook-url`  | `SLACK_WEBHOOK_URL`  |
| `action-link-secret` | `ACTION_LINK_SECRET` |
| `cursor-secret`      | `CURSOR_SECRET`      |
| `slack-signing-secret` | `SLACK_SIGNING_SECRET` |
| `slack-bot-token`    | `SLACK_BOT_TOKEN`    |
| `github-webhook-secret` | `GITHUB_WEBHOOK_SECRET` |
| `jira-webhook-secret` | `JIRA_WEBHOOK_SECRET` |

They are fetched in one ``GetParametersByPath`` through Powertools' parameters utility, whose
cache keeps them for ``SECRETS_CACHE_SECONDS``; the settings that hold them are themselves built
once per process (:func:`chalicelib.config.get_settings`), at the container's init.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Any

from chalicelib.config import Settings

#: Parameter name under the stage's path -> the setting it fills.
SECRET_PARAMETERS = {
    "jwt-hs256-secret": "jwt_hs256_secret",
    "slack-webhook-url": "slack_webhook_url",
    "action-link-secret": "action_link_secret",
    "cursor-secret": "cursor_secret",
    "slack-signing-secret": "slack_signing_secret",
    "slack-bot-token": "slack_bot_token",
    "github-webhook-secret": "github_webhook_secret",
    "jira-webhook-secret": "jira_webhook_secret",
}
#: How long Powertools' cache keeps the parameters (a rotation reaches a warm container after this).
SECRETS_CACHE_SECONDS = 300


@cache
def _provider(region: str, connect_timeout: float, read_timeout: float, attempts: int) -> Any:
    """The process's one SSM provider (its cache lives as long as the container)."""
    from aws_lambda_powertools.utilities.parameters import SSMProvider
    from botocore.config import Config

    from chalicelib.storage.aws import session

    config = Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"total_max_attempts": attempts, "mode": "standard"},
    )
    return SSMProvider(boto3_client=session().client("ssm", region_name=region, config=config))


def forget_provider() -> None:
    """Drop the provider and its cache (tests switch between mocked accounts)."""
    _provider.cache_clear()


def read_secrets(settings: Settings, provider: Any = None) -> dict[str, str]:
    """The secrets stored under ``settings.secrets_path``, by setting name (empty ones left out)."""
    provider = provider or _provider(
        settings.region, settings.aws_connect_timeout_seconds, settings.aws_read_timeout_seconds,
        settings.aws_max_attempts,
    )
    values = provider.get_multiple(settings.secrets_path.rstrip("/"), decrypt=True, max_age=SECRETS_CACHE_SECONDS)
    return {field: str(values[name]) for name, field in SECRET_PARAMETERS.items() if values.get(name)}


def with_secrets(settings: Settings, provider: Any = None) -> Settings:
    """``settings`` with the stage's stored secrets filled in; a secret from the store marks the
    HS256 secret as the stage's own (``jwt_secret_stored``), which :func:`check_token_settings`
    then accepts or refuses by stage."""
    if not settings.secrets_path:
        return settings
    secrets = read_secrets(settings, provider)
    if "jwt_hs256_secret" in secrets and settings.jwt_hs256_secret:
        raise RuntimeError("JWT_HS256_SECRET is set in the environment and in the secrets store; keep the store's")
    updated = replace(settings, **secrets)  # type: ignore[arg-type]
    if "jwt_hs256_secret" in secrets:
        updated = replace(updated, jwt_secret_stored=True)
        if not updated.action_link_secret:
            updated = replace(updated, action_link_secret=secrets["jwt_hs256_secret"])
    return updated
