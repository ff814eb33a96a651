"""The container lifecycle: statuses, and which action each status allows.

The API answers 409 from this table and the conductor checks it again before
it touches Docker, so the two can never disagree.
"""
from magnum_lite import exception

CREATING = "Creating"
CREATED = "Created"
RUNNING = "Running"
STOPPED = "Stopped"
PAUSED = "Paused"
RESTARTING = "Restarting"
DELETING = "Deleting"
DELETED = "Deleted"
ERROR = "Error"
UNKNOWN = "Unknown"

STATUSES = (CREATING, CREATED, RUNNING, STOPPED, PAUSED, RESTARTING,
            DELETING, DELETED, ERROR, UNKNOWN)
# Statuses a record only passes through while the conductor works on it.
TRANSIENT = (CREATING, DELETING)
# The task_state the API sets on a record whose delete it has accepted.
PENDING_DELETE = "delete"

# The actions that only change whether a container runs: the API casts
# them and answers 202, the conductor asks Docker for one call each.
# Their options: stop and reboot take a timeout, kill a signal.
STATE_CHANGES = ("start", "stop", "reboot", "pause", "unpause", "kill")
# Seconds Docker waits for a stopping container before it kills it.
STOP_TIMEOUT = 10

_LIVE = (RUNNING, PAUSED, RESTARTING)
_EXISTS = (CREATED, RUNNING, STOPPED, PAUSED, RESTARTING)

ALLOWED = {
    # Only a new record is created; a redelivered create finds it done.
    "create": (CREATING,),
    "start": (CREATED, STOPPED),
    "stop": (RUNNING, RESTARTING, PAUSED),
    "reboot": (CREATED, RUNNING, STOPPED, RESTARTING),
    "pause": (RUNNING,),
    "unpause": (PAUSED,),
    "kill": (RUNNING, RESTARTING),
    # delete without stop/force: a container that does not run.
    "delete": (CREATED, STOPPED, DELETED, ERROR, UNKNOWN),
    "delete_stop": (CREATED, STOPPED, DELETED, ERROR, UNKNOWN) + _LIVE,
    "delete_force": STATUSES,
    "update": _EXISTS,
    "rename": _EXISTS + (ERROR, UNKNOWN),
    "logs": _EXISTS + (ERROR, UNKNOWN),
    "execute": (RUNNING,),
    "attach": (RUNNING,),
    "resize": (RUNNING, PAUSED),
    "execute_resize": (RUNNING, PAUSED),
    "top": (RUNNING, PAUSED),
    "stats": _EXISTS,
    "get_archive": _EXISTS,
    "put_archive": _EXISTS,
    "commit": _EXISTS,
    # A vanished container (Deleted by Docker, not by us) can be made anew.
    "rebuild": (CREATED, RUNNING, STOPPED, ERROR, DELETED),
}


def check(action, container):
    """ActionNotAllowed unless `action` may run in the record's status."""
    if container.status not in ALLOWED[action]:
        raise exception.ActionNotAllowed(
            action=action.split("_")[0], container=container.uuid,
            status=container.status)


def status_from_docker(state):
    """Map Docker's State object (inspect) to one of our statuses."""
    if not state:
        return UNKNOWN
    if state.get("Paused"):
        return PAUSED
    if state.get("Restarting"):
        return RESTARTING
    if state.get("Running"):
        return RUNNING
    return {
        "created": CREATED,
        "exited": STOPPED,
        "dead": STOPPED,
        # Exited and on its way out (auto_remove); the destroy event
        # that follows makes it Deleted.
        "removing": STOPPED,
    }.get(state.get("Status"), UNKNOWN)
