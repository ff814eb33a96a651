"""The WSGI application for uwsgi, gunicorn or mod_wsgi: `application`.

Config files come from MAGNUM_LITE_CONFIG_FILES (comma-separated), else
oslo.config's default search for magnum_lite.conf.
"""
import os
import sys

from magnum_lite.api import app
from magnum_lite import service

BINARY = "magnum-lite-api"


def refuse_noauth(conf):
    """Exit with one line under auth_strategy noauth unless [api]
    noauth_on_network says the operator means it. The WSGI server binds
    where its own configuration says, which this module cannot see, so
    it cannot tell loopback from the network as magnum-lite-api does."""
    if conf.api.auth_strategy == "noauth" and not conf.api.noauth_on_network:
        sys.exit("%s: [api] auth_strategy = noauth under a WSGI server, "
                 "whose listening address this module cannot see: anyone "
                 "who reaches it acts as any project, admin included. Use "
                 "auth_strategy = keystone, or set [api] noauth_on_network "
                 "= true if that is meant." % BINARY)


def init_application():
    files = os.environ.get("MAGNUM_LITE_CONFIG_FILES")
    argv = []
    for path in filter(None, (files or "").split(",")):
        argv += ["--config-file", path]
    conf = service.setup(argv, BINARY)
    service.in_process_bus(conf, BINARY)
    service.require_schema(conf, BINARY)
    refuse_noauth(conf)
    application = app.build(conf, service.transport(conf, BINARY))
    service.started()
    return application


application = init_application()
