"""magnum-lite-conductor: does the container work on one Docker host."""
import signal
import sys
import threading

from magnum_lite.conductor import service as conductor_service
from magnum_lite import service

BINARY = "magnum-lite-conductor"
DESCRIPTION = ("magnum-lite-conductor: does the container work on one Docker "
               "host ([docker] api_url), answering RPC for [DEFAULT] host on "
               "[conductor] topic over [DEFAULT] transport_url; run one per "
               "Docker host.")


def main(argv=None):
    conf = service.setup(sys.argv[1:] if argv is None else argv, BINARY,
                         DESCRIPTION)
    service.in_process_bus(conf, BINARY)
    service.require_schema(conf, BINARY)
    transport = service.transport(conf, BINARY)
    conductor = conductor_service.start(conf, transport, BINARY)
    done = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: done.set())
    service.started()
    done.wait()
    conductor.stop()
    transport.cleanup()


if __name__ == "__main__":
    sys.exit(main())
