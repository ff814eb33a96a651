"""What a create asks of Docker: its image, pulled by the pull policy with
the project's registry login, and the container's spec (its name, labels
and limits)."""
from magnum_lite import context as ml_context
from magnum_lite.docker import driver as docker_driver
from magnum_lite.docker import image as image_ref
from magnum_lite import exception
from magnum_lite import objects

MiB = 1024 * 1024


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


def spec(conf, container, image, run):
    """The create's arguments for the driver."""
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
        "memory": container.memory * MiB if container.memory else None,
        "cpu": container.cpu,
        "restart_policy": container.restart_policy,
        "auto_remove": container.auto_remove,
        "network_mode": conf.docker.network_mode,
        "entrypoint": container.entrypoint,
        "privileged": bool(container.privileged),
        "runtime": container.runtime,
    }
