"""The WSGI application for uwsgi, gunicorn or mod_wsgi: `application`.

Config files come from MAGNUM_LITE_CONFIG_FILES (comma-separated), else
oslo.config's default search for magnum_lite.conf.
"""
import os

from magnum_lite.cmd import api
from magnum_lite import service


def init_application():
    files = os.environ.get("MAGNUM_LITE_CONFIG_FILES")
    argv = []
    for path in filter(None, (files or "").split(",")):
        argv += ["--config-file", path]
    conf = service.setup(argv, "magnum-lite-api")
    service.require_schema(conf, "magnum-lite-api")
    app = api.build(conf, service.transport(conf, "magnum-lite-api"))
    service.started()
    return app


application = init_application()
