"""Where a new container goes: filters that each refuse hosts for a reason,
then a weigher that orders the rest (docs/placement.md).

Placement reads the hosts once and proposes them in order; the claim that
makes a choice real is taken with the record, in db/claims.py, so a host
that filled up since it was read is passed over there.
"""
import random

from magnum_lite import exception
from magnum_lite import liveness
from magnum_lite import objects

LABEL_HINT = "label:"


def claim_for(conf, memory_mb, cpu):
    """What a container holds of its host: (MiB, CPUs); a container without
    limits counts as [conductor] default_memory_mb and default_cpus, the
    limits Docker then enforces on it."""
    return (memory_mb or conf.conductor.default_memory_mb,
            conf.conductor.default_cpus if cpu is None else cpu)


def plan(context, conf, claim, hints=None, requested=None, runtime=None):
    """The hosts that can take a container claiming (MiB, CPUs) (on the
    OCI `runtime`, if given), best first. NoConductor when no conductor
    is up, NoValidHost naming what is short when none of the live ones
    fits."""
    every = objects.Service.list(context)
    lost = liveness.losses(every, conf.conductor.service_down_time)
    hosts = every
    if requested is not None:
        hosts = [s for s in hosts if s.host == requested]
        if not hosts:
            raise exception.HostNotFound(host=requested)
    hosts = [s for s in hosts if s.host not in lost]
    if not hosts:
        reasons = "; ".join(lost[s.host].reason for s in (
            every if requested is None else
            [s for s in every if s.host == requested]))
        raise exception.NoConductor(reason=reasons or "none has reported")
    for refuse in (_disabled, _labels(hints or {}), _runtime(runtime),
                   _memory(claim[0]), _cpu(claim[1])):
        kept = [s for s in hosts if not refuse(s)]
        if not kept:
            raise exception.NoValidHost(reason=refuse.why(hosts))
        hosts = kept
    free_first = conf.conductor.placement == "spread"
    hosts.sort(key=lambda s: (-s.memory_free_mb if free_first
                              else s.memory_free_mb, s.host))
    best = hosts[:conf.conductor.host_subset_size]
    random.shuffle(best)
    return [s.host for s in best + hosts[len(best):]]


def _filter(why):
    """A filter: refuse(service) says whether it refuses the host, and
    refuse.why(hosts) tells a tenant why it refused them all."""
    def decorate(refuse):
        refuse.why = why
        return refuse
    return decorate


@_filter(lambda hosts: "every live host is disabled" + (
    f" ({hosts[0].disabled_reason})" if len(hosts) == 1 and
    hosts[0].disabled_reason else ""))
def _disabled(service):
    return service.disabled


def _labels(hints):
    wanted = {key[len(LABEL_HINT):]: value for key, value in hints.items()
              if key.startswith(LABEL_HINT)}
    text = ", ".join(f"{k}={v}" for k, v in sorted(wanted.items()))

    @_filter(lambda hosts: f"no enabled host has the labels {text}")
    def refuse(service):
        labels = service.labels or {}
        return any(labels.get(k) != v for k, v in wanted.items())
    return refuse


def _runtime(runtime):
    def runtimes(service):
        return (service.engine_info or {}).get("runtimes") or []

    def why(hosts):
        known = sorted({name for s in hosts for name in runtimes(s)})
        return (f"no enabled host's Docker Engine has the runtime "
                f"{runtime} (they have {', '.join(known) or 'none'})")

    @_filter(why)
    def refuse(service):
        return runtime is not None and runtime not in runtimes(service)
    return refuse


def _free(ask, free, asked, most):
    """Refuses a host with less than `ask` of a resource free: free(host)
    reads it; asked and most word the refusal ("{} MiB of memory")."""
    def why(hosts):
        best = max(hosts, key=lambda s: (free(s), s.host))
        return (f"no host has {asked.format(_number(ask))} free; the most "
                f"is {most.format(_number(max(free(best), 0)))} on "
                f"{best.host}")

    @_filter(why)
    def refuse(service):
        return free(service) < ask
    return refuse


def _memory(memory_mb):
    return _free(memory_mb, lambda s: s.memory_free_mb,
                 "{} MiB of memory", "{} MiB")


def _cpu(cpu):
    return _free(cpu, lambda s: s.cpu_free, "{} CPUs", "{}")


def _number(value):
    """7 for 7.0: how a person writes an amount."""
    return int(value) if value == int(value) else value


def no_room(hosts, claim):
    """The refusal when every proposed host filled up before the claim."""
    return exception.NoValidHost(
        reason=f"{claim[0]} MiB and {claim[1]:g} CPUs fit nowhere any more: "
               f"{', '.join(hosts)} filled up meanwhile")
