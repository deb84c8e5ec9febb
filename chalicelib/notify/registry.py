"""Which adapter delivers each declared channel, and the channels this stage has configured.

A channel is declared once, with its audiences, in :data:`chalicelib.domain.notice.CHANNELS`; its
adapter is one class here with a ``name`` and a ``from_settings(settings, client)`` constructor
that answers None when the stage lacks what the channel needs (a topic, a webhook, a sender).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from chalicelib.config import Settings
from chalicelib.domain.notice import CHANNELS, SLACK_INTAKE_CHANNEL, ChannelDeclaration
from chalicelib.notify.email import SesEmailChannel
from chalicelib.notify.eventbridge import EventBridgeChannel
from chalicelib.notify.outbox import OutboxChannel
from chalicelib.notify.slack import SlackWebhookChannel
from chalicelib.notify.slack_api import SlackThreadChannel
from chalicelib.notify.sns import SnsChannel
from chalicelib.services.delivery import Channel

#: ``client(service)``: the process's AWS client of a service (``chalicelib.storage.aws.client``).
ClientFactory = Callable[[str], Any]
#: Builds a channel's adapter from the settings; None when the stage has not configured it.
ChannelFactory = Callable[[Settings, ClientFactory], Channel | None]

#: The adapter of every declared channel, by channel name.
ADAPTERS: Mapping[str, ChannelFactory] = {
    adapter.name: adapter.from_settings
    for adapter in (OutboxChannel, SnsChannel, SlackWebhookChannel, SesEmailChannel, EventBridgeChannel,
                    SlackThreadChannel)
}
#: The desk's own Slack intake is built by the composition root (it opens tickets).
ADAPTERS = {**ADAPTERS, SLACK_INTAKE_CHANNEL: lambda settings, client: None}


def build_channels(
    settings: Settings,
    client: ClientFactory,
    *,
    declared: Iterable[ChannelDeclaration] = CHANNELS,
    adapters: Mapping[str, ChannelFactory] = ADAPTERS,
) -> dict[str, Channel]:
    """The channels of ``NOTIFY_CHANNELS`` (and those always on) whose adapter is configured."""
    channels: dict[str, Channel] = {}
    wanted = set(settings.notify_channels)
    for declaration in declared:
        if not (declaration.always or declaration.name in wanted):
            continue
        channel = adapters[declaration.name](settings, client)
        if channel is not None:
            channels[declaration.name] = channel
    return channels

