"""Which hosts are lost, since when, and why: the verdict every part of the
service reads the same way (docs/status.md).

A host is lost three ways. Its conductor is silent: no heartbeat for
[conductor] service_down_time seconds (the process is gone, hung, or the
whole host is). Its conductor beats but says its Docker Engine does not
answer. Or an operator forced it down.

A silence counts only while the other conductors were heard. Each
heartbeat that comes late records the gap it ends (gap_start, gap_end);
when the database itself was away, every conductor has that gap, and a
host's silence is shortened by the part of it that every other (live)
conductor shared. So nobody is judged by a gap they all had, while one
peer's hiccup under load changes nothing as long as another peer was
heard. With no other conductor to compare with, silence counts from the
last beat.

Once a live conductor has found a host silent, it records the verdict
(judged_lost_at), which holds until that host beats again: a verdict
does not come and go while the peers themselves are slow to beat.
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
    # The peers that are heard now: only their gaps may excuse a silence.
    heard = [s for s in services if not s.forced_down and
             (now - (s.updated_at or s.created_at)).total_seconds()
             <= down_time]
    found = {}
    for service in services:
        loss = _loss(service, heard, down_time, now)
        if loss is not None:
            found[service.host] = loss
    return found


def _loss(service, heard, down_time, now):
    if service.forced_down:
        return Loss(service.host, FORCED, service.updated_at,
                    f"an operator forced host {service.host} down")
    last = service.updated_at or service.created_at
    if service.judged_lost_at is not None and service.judged_lost_at >= last:
        return _silent(service, last)
    silence = (now - last).total_seconds()
    if silence > down_time:
        shared = [_overlap(s.gap_start, s.gap_end, last, now)
                  for s in heard if s.host != service.host]
        if shared:
            silence -= min(shared)
    if silence > down_time:
        return _silent(service, last)
    if service.engine_down_since is not None:
        return Loss(service.host, ENGINE, service.engine_down_since,
                    f"the Docker Engine of host {service.host} has not "
                    f"answered since {_iso(service.engine_down_since)} "
                    f"({service.engine_error or 'no answer'})")
    return None


def _silent(service, last):
    return Loss(service.host, CONDUCTOR, last,
                f"the conductor of host {service.host} has not reported "
                f"since {_iso(last)}")


def _overlap(start, end, since, now):
    """Seconds of the gap [start, end] within [since, now]."""
    if start is None or end is None:
        return 0.0
    return max(0.0, (min(end, now) - max(start, since)).total_seconds())


def explain(loss, last_status):
    """The status_reason of a record on a lost host."""
    return (f"Host {loss.host} is lost: {loss.reason}. The last status "
            f"Docker reported was {last_status}.")


def _iso(when):
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else "never"
