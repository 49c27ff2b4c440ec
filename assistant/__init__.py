"""Procurement helpdesk assistant: retrieval, answering, escalation and channels."""

__version__ = "0.1.0"
