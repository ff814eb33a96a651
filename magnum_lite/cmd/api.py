"""magnum-lite-api: the REST API, served by a multi-threaded WSGI server."""
import signal
import sys

from cheroot import wsgi
from oslo_log import log as logging

from magnum_lite.api import app as api_app
from magnum_lite.conductor import rpcapi
from magnum_lite import service

LOG = logging.getLogger(__name__)
BINARY = "magnum-lite-api"


def build(conf, transport):
    conductor_api = rpcapi.ConductorAPI(transport, conf.conductor.topic,
                                        timeout=conf.conductor.call_timeout)
    return api_app.build_app(conf, conductor_api)


def serve(conf, app, on_stop=None):
    """Serve app on [api] host:port until SIGTERM or SIGINT."""
    server = wsgi.Server((conf.api.host, conf.api.port), app,
                         numthreads=conf.api.workers,
                         server_name="magnum_lite")

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.prepare()
    except OSError as e:
        sys.exit("%s: [api] host/port: cannot listen on %s:%s: %s" % (
            BINARY, conf.api.host, conf.api.port, e.strerror or e))
    LOG.info("API listening on http://%s:%s/", conf.api.host,
             server.bind_addr[1])
    service.started()
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        if on_stop:
            on_stop()


def main(argv=None):
    conf = service.setup(sys.argv[1:] if argv is None else argv, BINARY)
    service.require_schema(BINARY)
    transport = service.transport(conf, BINARY)
    serve(conf, build(conf, transport), on_stop=transport.cleanup)


if __name__ == "__main__":
    sys.exit(main())
