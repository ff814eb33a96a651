"""The REST API: Zun's v1 containers API, served as WSGI (see app.py)."""
