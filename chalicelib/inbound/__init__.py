"""Inbound channels: Slack and the bridges' webhooks. Each route verifies, parses, calls one service."""
