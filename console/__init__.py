"""The support console: server-rendered pages (Jinja2 + vendored htmx) for staff at ``/console``."""
