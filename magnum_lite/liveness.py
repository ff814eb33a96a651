"""Which hosts are lost, since when, and why: the verdict every part of the
service reads the same way (docs/status.md).

A host is lost three ways. Its conductor is silent: no heartbeat for
[conductor] service_down_time seconds (the process is gone, hung, or the
whole host is). Its conductor beats but says its Docker Engine does not
answer. Or an operator forced it down.

Silence counts only while some other conductor was beating without a gap
(its up_since): when the database itself was away, every heartbeat stops
at once, and nobody is then judged by the gap they all share. With no
other conductor to compare with, silence counts from the last beat.
"""
import collections
import datetime

CONDUCTOR = "conductor"   # no heartbeat: the process or the whole host
ENGINE = "engine"         # the conductor beats; its engine does not answer
FORCED = "forced"         # an operator's word

Loss = collections.namedtuple("Loss", "host kind since reason")


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def losses(services, down_time, now=None):
    """{host: Loss} of the hosts that are lost now; the others are up."""
    now = now or utcnow()
    found = {}
    for service in services:
        loss = _loss(service, services, down_time, now)
        if loss is not None:
            found[service.host] = loss
    return found


def _loss(service, services, down_time, now):
    if service.forced_down:
        return Loss(service.host, FORCED, service.updated_at,
                    f"an operator forced host {service.host} down")
    last = service.updated_at or service.created_at
    silent_from = last
    witnesses = [s.up_since for s in services
                 if s.host != service.host and s.up_since is not None and
                 not s.forced_down and
                 (now - (s.updated_at or s.created_at)).total_seconds()
                 <= down_time]
    if witnesses:
        silent_from = max(last, min(witnesses))
    if (now - silent_from).total_seconds() > down_time:
        return Loss(service.host, CONDUCTOR, last,
                    f"the conductor of host {service.host} has not "
                    f"reported since {_iso(last)}")
    if service.engine_down_since is not None:
        return Loss(service.host, ENGINE, service.engine_down_since,
                    f"the Docker Engine of host {service.host} has not "
                    f"answered since {_iso(service.engine_down_since)} "
                    f"({service.engine_error or 'no answer'})")
    return None


def explain(loss, last_status):
    """The status_reason of a record on a lost host."""
    return (f"Host {loss.host} is lost: {loss.reason}. The last status "
            f"Docker reported was {last_status}.")


def _iso(when):
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else "never"
