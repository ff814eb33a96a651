"""magnum-lite-all: the all-in-one, API and conductor in one process.

The embedded default: SQLite under state_path and the in-process message
bus, so one command runs the whole service on one machine. The schema is
brought to the current version at start, by `magnum-lite-manage db
upgrade` run as a child process.
"""
import sys

from magnum_lite.api import app as api_app
from magnum_lite.cmd import api
from magnum_lite.conductor import service as conductor_service
from magnum_lite import service

BINARY = "magnum-lite-all"
DESCRIPTION = ("magnum-lite-all: the all-in-one, the REST API and a conductor "
               "in one process, on [api] host:port (127.0.0.1:9517 unless "
               "configured) and the Docker Engine at [docker] api_url; "
               "SQLite under [DEFAULT] state_path and the in-process bus "
               "by default.")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    conf = service.setup(argv, BINARY, DESCRIPTION)
    api.refuse_open_noauth(conf, BINARY)
    service.require_schema(conf, BINARY, upgrade_argv=argv)
    transport = service.transport(conf, BINARY)
    conductor = conductor_service.start(conf, transport, BINARY)

    def stop():
        conductor.stop()
        transport.cleanup()

    api.serve(conf, api_app.build(conf, transport), on_stop=stop)


if __name__ == "__main__":
    sys.exit(main())
