"""magnum-lite-conductor: does the container work on one Docker host."""
import signal
import sys
import threading

from magnum_lite import rpc
from magnum_lite import service

BINARY = "magnum-lite-conductor"


def main(argv=None):
    conf = service.setup(sys.argv[1:] if argv is None else argv, BINARY)
    service.require_schema(BINARY)
    transport = rpc.get_transport(conf)
    conductor = service.start_conductor(conf, transport, BINARY)
    done = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: done.set())
    service.started()
    done.wait()
    conductor.stop()
    transport.cleanup()


if __name__ == "__main__":
    sys.exit(main())
