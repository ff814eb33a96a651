"""Which conductor host a new container goes to."""
from magnum_lite import exception
from magnum_lite import objects


def choose_host(context, conf, requested=None):
    """The requested host if it is up, else the up and enabled conductor
    with the fewest containers; NoConductor (503) when none is up."""
    down_time = conf.conductor.service_down_time
    services = objects.Service.list(context)
    if requested is not None:
        for service in services:
            if service.host == requested:
                if not service.is_up(down_time):
                    raise exception.NoConductor(
                        reason=f"the conductor of host {requested} has not "
                               f"reported for over {down_time} s")
                return requested
        raise exception.HostNotFound(host=requested)
    candidates = [s.host for s in services
                  if s.is_up(down_time) and not s.disabled]
    if not candidates:
        raise exception.NoConductor(
            reason=f"none has reported in the last {down_time} s")
    if len(candidates) == 1:
        return candidates[0]  # no need to count every container
    counts = objects.ContainerList.count_by_host(context)
    return min(candidates, key=lambda host: (counts.get(host, 0), host))
