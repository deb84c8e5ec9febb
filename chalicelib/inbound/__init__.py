"""Inbound adapters: events from outside (mail stored by SES) read and handed to one service."""
