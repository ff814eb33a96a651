"""magnum-lite-api: the REST API, served by a multi-threaded WSGI server."""
import ipaddress
import signal
import socket
import sys

from cheroot import wsgi
from oslo_log import log as logging

from magnum_lite.api import app as api_app
from magnum_lite import service

LOG = logging.getLogger(__name__)
BINARY = "magnum-lite-api"
DESCRIPTION = ("magnum-lite-api: the REST API (OpenStack Zun's v1 containers "
               "API), served on [api] host:port (127.0.0.1:9517 unless "
               "configured); it hands the work to the conductors over "
               "[DEFAULT] transport_url.")


def refuse_open_noauth(conf, binary):
    """Exit with one line if serving as configured would let anyone who
    reaches the port act as any project (docs/security.md)."""
    problem = _open_to_anyone(conf)
    if problem:
        sys.exit("%s: %s" % (binary, problem))


def _open_to_anyone(conf):
    """Why serving as configured would let anyone who reaches the port act
    as any project (noauth on an address that is not loopback), or None."""
    if conf.api.auth_strategy != "noauth" or conf.api.noauth_on_network:
        return None
    try:
        found = {info[4][0] for info in socket.getaddrinfo(
            conf.api.host, None, type=socket.SOCK_STREAM)}
    except socket.gaierror:
        found = {conf.api.host}
    for address in found:
        try:
            if ipaddress.ip_address(address.split("%")[0]).is_loopback:
                continue
        except ValueError:
            pass
        return ("[api] auth_strategy = noauth on %s, which is not a "
                "loopback address: anyone who reaches it acts as any "
                "project, admin included. Use auth_strategy = keystone, "
                "listen on 127.0.0.1, or set [api] noauth_on_network = true "
                "if that is meant." % conf.api.host)
    return None


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
    conf = service.setup(sys.argv[1:] if argv is None else argv, BINARY,
                         DESCRIPTION)
    refuse_open_noauth(conf, BINARY)
    service.in_process_bus(conf, BINARY)
    service.require_schema(conf, BINARY)
    transport = service.transport(conf, BINARY)
    serve(conf, api_app.build(conf, transport), on_stop=transport.cleanup)


if __name__ == "__main__":
    sys.exit(main())
