"""What a create asks of Docker: its image, pulled by the pull policy with
the project's registry login, its volumes, and the container's spec (its
name, labels, limits, mounts and health check)."""
from oslo_log import log as logging

from magnum_lite import context as ml_context
from magnum_lite.docker import catalog
from magnum_lite.docker import driver as docker_driver
from magnum_lite.docker import image as image_ref
from magnum_lite import exception
from magnum_lite import objects

LOG = logging.getLogger(__name__)
MiB = 1024 * 1024
VOLUME_LABEL = "magnum_lite.volume"  # the volume's uuid
PROJECT_LABEL = "magnum_lite.project"


def docker_name(container):
    """Docker's name for a container: tenants' names repeat across
    projects, uuids do not, and Docker refusing a second container of the
    same name is what keeps a retried create from making two."""
    return "magnum-lite-" + container.uuid


def pull(conf, driver, container, steps):
    """The image's inspect dict, pulled if the policy says so (its
    progress saved in status_detail as it goes); what was done goes to
    `steps`, for the action log."""
    ref = image_ref.parse(container.image, conf.docker.default_registry)
    policy = container.image_pull_policy or conf.docker.image_pull_policy
    pulled = []

    def progress(text):
        pulled.append(text)
        container.status_detail = text[:255]
        container.save()

    registry = registry_for(container, ref)
    image = driver.ensure_image(ref, policy, progress=progress,
                                auth=registry and registry.login(conf))
    steps.append("%s %s (pull policy %s%s)" % (
        "pulled" if pulled else "found", ref, policy,
        ", login of registry %s" % (registry.name or registry.uuid)
        if registry and registry.username else ""))
    return image


def pull_image(conf, driver, context, image):
    """Pull `image` (always) with the caller's project's login for its
    domain, if it records one; the image as driver.images() lists it."""
    ref = image_ref.parse(image, conf.docker.default_registry)
    registry = ref.registry and objects.Registry.for_domain(
        ml_context.admin_context(), context.project_id, ref.registry)
    driver.pull(ref, auth=registry and registry.login(conf))
    image_id = driver.inspect_image(ref)["Id"]
    return next(i for i in driver.images() if i["id"] == image_id)


def volumes(driver, container, steps):
    """Make the Docker volumes the container mounts that are not there
    yet; [(Docker volume name, path)] for its spec."""
    mounts = []
    for mount in container.mounts or ():
        name = objects.volume.DOCKER_PREFIX + mount["volume_id"]
        driver.ensure_volume(name, {VOLUME_LABEL: mount["volume_id"],
                                    PROJECT_LABEL: container.project_id})
        mounts.append((name, mount["destination"]))
    if mounts:
        steps.append("volumes " + ", ".join(
            f"{m['source']} at {m['destination']}" for m in container.mounts))
    return mounts


def forget_volumes(driver, container):
    """After a failed create: remove the volumes that create made, unless
    another container mounts them by now."""
    admin = ml_context.admin_context()
    for mount in container.mounts or ():
        try:
            volume = objects.Volume.get(admin, mount["volume_id"],
                                        all_projects=True)
        except exception.VolumeNotFound:
            continue
        if (volume.created_for != container.uuid or
                volume.users(excluding=container.uuid)):
            continue
        try:
            driver.remove_volume(volume.docker_name)
        except exception.MagnumLiteError as error:
            LOG.warning("cannot remove volume %s of the failed create of "
                        "%s: %s", volume.uuid, container.uuid, error)
            continue
        volume.destroy()


def search(conf, driver, context, term, exact=False):
    """Zun's image search: a private registry's catalog when `term` names
    one (with the project's login for it), else Docker Hub's index through
    the engine."""
    ref = image_ref.parse(term, conf.docker.default_registry)
    if ref.registry:
        registry = objects.Registry.for_domain(
            ml_context.admin_context(), context.project_id, ref.registry)
        found = catalog.search(ref.registry, ref.repository, exact,
                               registry and registry.login(conf))
        return [{"name": f["name"], "tags": f["tags"], "description": "",
                 "metadata": {}} for f in found]
    try:
        found = driver.search(ref.repository)
    except exception.DockerError as error:
        raise exception.RegistryUnreachable(
            domain="docker.io", reason="this host's engine could not "
            f"reach Docker Hub's index: {error}") from error
    return [{"name": f.get("name"), "tags": [],
             "description": f.get("description") or "",
             "metadata": {k: f[k] for k in ("is_official", "star_count")
                          if k in f}}
            for f in found if not exact or f.get("name") == ref.repository]


def registry_for(container, ref):
    """The project's registry record to pull `ref` with: the one the
    create named, else the one recorded for the image's domain; never
    another project's."""
    admin = ml_context.admin_context()
    if container.registry_id:
        try:
            registry = objects.Registry.get(admin, container.registry_id,
                                            all_projects=True)
        except exception.RegistryNotFound:
            return None  # forgotten since: pull without its login
        return registry if registry.project_id == container.project_id \
            else None
    if ref.registry:
        return objects.Registry.for_domain(admin, container.project_id,
                                           ref.registry)
    return None


def spec(conf, container, image, run, mounts=()):
    """The create's arguments for the driver; mounts as volumes() gives
    them."""
    config = image.get("Config") or {}
    if not container.command and config.get("Cmd"):
        # Shown to the tenant as what actually runs.
        container.command = config["Cmd"]
    labels = dict(container.labels or {})
    labels[docker_driver.MANAGED_LABEL] = container.uuid
    labels[docker_driver.HOST_LABEL] = conf.host
    if run:
        # The intent travels with the container: a conductor that dies
        # before starting it leaves the reconcile pass to do so.
        labels[docker_driver.RUN_LABEL] = "true"
    return {
        "name": docker_name(container),
        "image": image["Id"],
        "command": container.command,
        "environment": container.environment or {},
        "labels": labels,
        "workdir": container.workdir,
        "hostname": container.hostname,
        # What placement counted is what Docker enforces.
        "memory": (container.memory or
                   conf.conductor.default_memory_mb) * MiB,
        "cpu": container.cpu or conf.conductor.default_cpus,
        "pids_limit": conf.docker.pids_limit,
        "log_max_size": conf.docker.log_max_size * MiB,
        "log_max_files": conf.docker.log_max_files,
        "no_new_privileges": (conf.docker.no_new_privileges and
                              not container.privileged),
        "restart_policy": container.restart_policy,
        "auto_remove": container.auto_remove,
        "network_mode": conf.docker.network_mode,
        "entrypoint": container.entrypoint,
        "privileged": bool(container.privileged),
        "runtime": container.runtime,
        "mounts": mounts,
        "healthcheck": container.healthcheck,
        "interactive": bool(container.interactive),
        "tty": bool(container.tty),
    }
