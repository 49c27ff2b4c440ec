"""Helpdesk services: no FastAPI, Slack or Teams imports in here."""
