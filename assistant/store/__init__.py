"""Relational store: SQLAlchemy models, session factory and Alembic migrations."""
