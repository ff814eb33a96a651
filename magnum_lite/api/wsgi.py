"""The WSGI application for uwsgi, gunicorn or mod_wsgi: `application`.

Config files come from MAGNUM_LITE_CONFIG_FILES (comma-separated), else
oslo.config's default search for magnum_lite.conf.
"""
import os

from magnum_lite.api import app
from magnum_lite import service

BINARY = "magnum-lite-api"


def init_application():
    files = os.environ.get("MAGNUM_LITE_CONFIG_FILES")
    argv = []
    for path in filter(None, (files or "").split(",")):
        argv += ["--config-file", path]
    conf = service.setup(argv, BINARY)
    service.in_process_bus(conf, BINARY)
    service.require_schema(conf, BINARY)
    application = app.build(conf, service.transport(conf, BINARY))
    service.started()
    return application


application = init_application()
