"""A capsule on Docker: its sandbox, which owns the network and IPC
namespaces; its init containers, run one after another, each to success;
then its containers, started in the sandbox's namespaces. Removed members
first, sandbox last."""
from oslo_utils import units

from magnum_lite.conductor import build
from magnum_lite import exception
from magnum_lite import lifecycle
from magnum_lite.objects import container as container_obj

# The end of a failed init container's output kept in its reason.
_OUTPUT_KEPT = 1024


def create(conf, driver, status, capsule, members, steps):
    """Make and start `capsule` (its record) and `members` (its members'
    records, init ones first), setting each record's Docker id and status
    (the caller saves the capsule's; members are saved here). A failure
    anywhere removes all it made and raises, members marked with why."""
    made, ended = [], set()
    try:
        # What an interrupted attempt left, found by name: made anew.
        for record in [capsule] + list(members):
            driver.remove(build.docker_name(record), force=True)
        image = build.pull(conf, driver, capsule, steps)
        spec = build.spec(conf, capsule, image, run=True)
        spec.update(memory=conf.capsule.sandbox_memory_mb * units.Mi,
                    cpu=conf.capsule.sandbox_cpus, ipc_mode="shareable",
                    restart_policy={"Name": "always"})
        sandbox = driver.create(spec)
        made.append(sandbox)
        driver.change_state(sandbox, "start")
        capsule.container_id = sandbox
        steps.append(f"started sandbox {sandbox[:12]}")
        for member in members:
            made.append(_start(conf, driver, member, sandbox, steps))
            if member.kind == container_obj.KIND_INIT:
                _run_to_end(conf, driver, member, steps)
                ended.add(member.uuid)
            status.record(member)
        status.record(capsule, save=False)
    except Exception as error:
        for docker_id in reversed(made):
            driver.remove(docker_id, force=True)
        if made:
            steps.append("removed what it made")
        capsule.container_id = None
        _mark_failed(members, ended, error)
        raise


def delete(driver, capsule, members):
    """Remove the capsule's Docker containers: members, then the sandbox."""
    for record in list(members) + [capsule]:
        driver.remove(record.container_id or build.docker_name(record),
                      force=True)


def _start(conf, driver, member, sandbox, steps):
    """Create and start one member in the sandbox's namespaces; its id."""
    image = build.pull(conf, driver, member, steps)
    mounts = build.volumes(driver, member, steps)
    spec = build.spec(conf, member, image, run=False, mounts=mounts)
    joined = f"container:{sandbox}"
    spec.update(network_mode=joined, ipc_mode=joined)
    created = driver.create(spec)
    member.container_id = created
    driver.change_state(created, "start")
    steps.append(f"started {member.name} ({created[:12]})")
    return created


def _run_to_end(conf, driver, member, steps):
    """Wait for an init container to end; InitContainerFailed unless it
    ends with code 0 within [capsule] init_timeout."""
    timeout = conf.capsule.init_timeout
    code = driver.wait(member.container_id, timeout)
    if code == 0:
        steps.append(f"{member.name} ran to its end")
        return
    how = (f"still ran after {timeout} s ([capsule] init_timeout)"
           if code is None else f"exited with code {code}")
    try:
        output = driver.logs(member.container_id, limit=_OUTPUT_KEPT)
    except exception.MagnumLiteError as error:
        output = f"(not read: {error})"
    member.status_reason = f"Init container {how}"
    raise exception.InitContainerFailed(name=member.name, how=how,
                                        output=output.strip() or "(none)")


def _mark_failed(members, ended, error):
    """Members of a capsule whose create failed, their Docker containers
    removed: the init containers that ran to their end (uuids in `ended`)
    are Stopped, the others in Error with the reason."""
    for member in members:
        member.container_id = None
        if member.uuid in ended:
            member.status = lifecycle.STOPPED
        else:
            member.status = lifecycle.ERROR
            member.status_reason = member.status_reason or (
                f"not made: {error}")
        member.save()
