"""FastAPI routers, templates and static files: routes parse, services decide."""
