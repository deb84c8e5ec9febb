"""Inbound channels: mail stored by SES, Slack and the bridges' webhooks; each verifies, parses, calls a service."""
