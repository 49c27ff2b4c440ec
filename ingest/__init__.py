"""Ingestion job: read templates and guidance, cut them into cited chunks, index them."""
