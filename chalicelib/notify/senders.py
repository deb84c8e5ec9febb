"""The configured channels, as the notifier's senders (one per channel name)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.config import Settings
from chalicelib.notify.channels import (
    EMAIL,
    OUTBOX,
    SLACK,
    SNS,
    Channel,
    DeliveryError,
    Notice,
    OutboxChannel,
    SesEmailChannel,
    SlackWebhookChannel,
    SnsChannel,
)


class ChannelSender:
    """Adapts a :class:`Channel` to the notifier's ``send(notice_dict)``."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel

    def send(self, notice: Mapping[str, Any]) -> None:
        self.channel.send(Notice.from_dict(notice))


def _kept(notice: Notice) -> None:
    """The outbox table already holds every notice; delivering to it only records the delivery."""


def build_senders(settings: Settings) -> dict[str, ChannelSender]:
    """Senders for the channels in ``NOTIFY_CHANNELS`` that are configured; ``outbox`` always."""
    from chalicelib.storage.aws import client

    senders: dict[str, ChannelSender] = {OUTBOX: ChannelSender(OutboxChannel(store=_kept))}
    wanted = set(settings.notify_channels)
    if SNS in wanted and settings.alerts_topic_arn:
        senders[SNS] = ChannelSender(SnsChannel(client("sns"), settings.alerts_topic_arn))
    if SLACK in wanted and settings.slack_webhook_url:
        senders[SLACK] = ChannelSender(SlackWebhookChannel(settings.slack_webhook_url))
    if EMAIL in wanted and settings.email_sender:
        senders[EMAIL] = ChannelSender(SesEmailChannel(client("ses"), settings.email_sender))
    return senders


__all__ = ["ChannelSender", "DeliveryError", "build_senders"]
