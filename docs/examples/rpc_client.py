"""Another service talking to magnum_lite's conductors over RPC.

    python docs/examples/rpc_client.py --config-file magnum_lite.conf NAME

Prints the container's status, runs `echo hello` in it and shows the last
lines of its logs. It needs the same [DEFAULT] transport_url and
[database] connection as the conductors (the container's record says
which conductor owns it).
"""
import sys

from oslo_config import cfg

from magnum_lite import conf as ml_conf
from magnum_lite.conductor import rpcapi
from magnum_lite import context
from magnum_lite.db import api as db
from magnum_lite import exception
from magnum_lite import objects
from magnum_lite import rpc


def main(argv):
    conf = ml_conf.register_opts(cfg.ConfigOpts())
    conf.register_cli_opt(cfg.StrOpt("container", positional=True))
    conf(argv, project="magnum_lite")
    db.configure(ml_conf.database_url(conf))
    transport = rpc.get_transport(conf)
    conductor = rpcapi.ConductorAPI(transport, conf.conductor.topic,
                                    timeout=30)
    ctx = context.RequestContext(user_id="example-service",
                                 project_id="service", is_admin=True,
                                 overwrite=False)
    try:
        container = objects.Container.get(ctx, conf.container)
        print("status:", container.status, "on", container.host)
        result = conductor.execute(ctx, container, ["echo", "hello"])
        print("exec exit code:", result["exit_code"])
        print("exec output:", result["output"].strip())
        print("logs:", conductor.logs(ctx, container, tail=5).strip())
    except exception.MagnumLiteError as e:
        # Errors arrive as magnum_lite's own types, with a code and title.
        print("error %d %s: %s" % (e.code, e.title, e), file=sys.stderr)
        return 1
    finally:
        transport.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
