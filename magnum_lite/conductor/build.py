"""What a create asks of Docker: its image, pulled by the pull policy with
the project's registry login, its volumes, and the container's spec (its
name, labels, limits, mounts and health check)."""
import base64
import io
import tarfile

from oslo_log import log as logging
from oslo_utils import units

from magnum_lite import conf as ml_conf
from magnum_lite import context as ml_context
from magnum_lite.docker import catalog
from magnum_lite.docker import driver as docker_driver
from magnum_lite.docker import image as image_ref
from magnum_lite import exception
from magnum_lite import objects
from magnum_lite import registry_hosts

LOG = logging.getLogger(__name__)
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
    `steps`, for the action log.

    A copy already on the host is the project's to use only if it may
    read it where it came from (may_use); a commit is only ever on its
    host, and only its project's to name."""
    ref = image_ref.parse(container.image, conf.docker.default_registry)
    policy = container.image_pull_policy or conf.docker.image_pull_policy
    if policy not in ml_conf.PULL_POLICIES:
        raise exception.InvalidParameter(
            reason=f"unknown image pull policy {policy!r}")
    namespace = conf.docker.commit_namespace
    if ref.registry == namespace:
        if not image_ref.readable_by(ref, namespace, container.project_id):
            raise _absent(ref)  # the same words as for one not there
        policy = "never"
    registry = registry_for(container, ref)
    auth = registry and registry.login(conf)
    image = None
    if policy != "always":
        try:
            image = driver.inspect_image(ref)
        except exception.NotFound:
            if policy == "never":
                raise _absent(ref) from None
    if image is None:
        image = _download(conf, driver, container, ref, auth)
        done = "pulled"
    else:
        done = "found" + may_use(conf, driver, container, ref, image)
    steps.append("%s %s (pull policy %s%s)" % (
        done, ref, policy, ", login of registry %s" % (
            registry.name or registry.uuid) if auth else ""))
    return image


def _absent(ref):
    return exception.ImageNotFound(
        image=str(ref),
        reason="not present locally and the pull policy is never")


def _download(conf, driver, container, ref, auth):
    """Pull ref with `auth` and record who did: the project when it
    logged in (the copy is then private to it), else nobody (shared)."""

    def progress(text):
        container.status_detail = text[:255]
        container.save()

    registry_hosts.check(conf, ref.registry)
    driver.pull(ref, progress, auth)
    image = driver.inspect_image(ref)
    objects.image_pull.record(conf.host, image["Id"], _plain(ref.name),
                              container.project_id if auth else None)
    return image


def may_use(conf, driver, container, ref, image):
    """Raise unless the container's project may use `image`, a copy on
    this host that `ref` found; what was asked of a registry to know, for
    the action log ("" when nothing was).

    A copy another project pulled with its login (and no one without)
    needs this project's own right to read it, asked of the registry
    with its login for that domain or anonymously: a manifest request,
    then recorded so it is asked once. Whatever else names the same
    image (a tag the operator loaded, an anonymous pull) makes it
    shared. Asked by the image's Id, so no reference form skips it."""
    names = _names(image)
    namespace = conf.docker.commit_namespace
    if not any(image_ref.readable_by(n, namespace, container.project_id)
               for n in names.values()):
        # Only another project's commits name it, or nothing does (found
        # by its id): as if it were not there.
        raise _absent(ref)
    if not conf.registries.check_cached_images:
        return ""
    pulls = objects.image_pull.pulls_of(conf.host, image["Id"])
    owners = {project for _, project in pulls}
    private = {repository for repository, _ in pulls}
    if (not pulls or None in owners or container.project_id in owners or
            set(names) - private):
        return ""
    refused = None
    for repository in sorted(private, key=lambda r: r != _plain(ref.name)):
        asked = _as_pulled(repository, ref, image, names)
        if asked is None:
            continue
        registry_hosts.check(conf, asked.registry)
        auth = _login(conf, container, asked)
        try:
            driver.readable(asked, auth)
        except exception.RegistryAuthFailed as error:
            refused = refused or (asked, auth, error)
            continue
        objects.image_pull.record(conf.host, image["Id"], repository,
                                  container.project_id)
        return f"; {asked.registry or 'docker.io'} lets this project read it"
    if refused is None:
        # No tag or digest of it is left to ask about: as if not there.
        raise _absent(ref)
    asked, auth, error = refused
    # What the pull itself would have been told.
    raise exception.RegistryAuthFailed(
        image=str(ref), domain=asked.registry or "docker.io",
        how="with the login given" if auth else
        "without a login (name a registry of the project on the create, "
        "or record one for this domain)",
        explanation=error.kwargs.get("explanation"))


def _plain(name):
    """A repository's name as Docker lists it: Docker Hub's without its
    domain and library/."""
    for prefix in ("docker.io/", "index.docker.io/"):
        if name.startswith(prefix):
            name = name[len(prefix):]
    return name[len("library/"):] if name.startswith("library/") else name


def _names(image):
    """{plain repository name: its reference} of every tag and digest
    the image goes by on the host."""
    found = {}
    for text in (image.get("RepoTags") or []) + (
            image.get("RepoDigests") or []):
        try:
            parsed = image_ref.parse(text)
        except exception.InvalidImageReference:
            continue  # "<none>:<none>"
        found.setdefault(_plain(parsed.name), parsed)
    return found


def _as_pulled(repository, ref, image, names):
    """The reference to ask the registry about for a pull from
    `repository`: the image's digest there, else its tag; None when the
    host no longer names it there."""
    for text in image.get("RepoDigests") or []:
        name, _, digest = text.partition("@")
        if _plain(name) == repository:
            return image_ref.parse(text)
    if _plain(ref.name) == repository:
        return ref
    return names.get(repository)


def _login(conf, container, ref):
    """The project's login for ref's domain: the registry the create
    named if it is that domain's, else its record for the domain."""
    registry = registry_for(container, ref)
    if registry is not None and ref.registry and \
            registry.domain != ref.registry:
        registry = objects.Registry.for_domain(
            ml_context.admin_context(), container.project_id, ref.registry)
    return registry and registry.login(conf)


def pull_image(conf, driver, context, image):
    """Pull `image` (always) with the caller's project's login for its
    domain, if it records one; the image as driver.images() lists it.
    An admin's pull (the policy's default) is recorded as shared."""
    ref = image_ref.parse(image, conf.docker.default_registry)
    registry = ref.registry and objects.Registry.for_domain(
        ml_context.admin_context(), context.project_id, ref.registry)
    auth = registry and registry.login(conf)
    registry_hosts.check(conf, ref.registry)
    driver.pull(ref, auth=auth)
    image_id = driver.inspect_image(ref)["Id"]
    objects.image_pull.record(
        conf.host, image_id, _plain(ref.name),
        None if context.is_admin or not auth else context.project_id)
    return next(i for i in driver.images() if i["id"] == image_id)


def volumes(driver, container, steps):
    """Make the Docker volumes the container mounts that are not there
    yet; [(Docker volume name, path)] for its spec."""
    mounts = []
    for mount in _volumes_of(container):
        name = objects.volume.DOCKER_PREFIX + mount["volume_id"]
        driver.ensure_volume(name, {VOLUME_LABEL: mount["volume_id"],
                                    PROJECT_LABEL: container.project_id})
        mounts.append((name, mount["destination"]))
    if mounts:
        steps.append("volumes " + ", ".join(
            f"{m['source']} at {m['destination']}"
            for m in _volumes_of(container)))
    return mounts


def _volumes_of(container):
    return [m for m in container.mounts or () if m.get("type") != "file"]


def inject_files(driver, container, docker_id, steps):
    """Write the create's injected files (Zun's type=bind mounts) into
    the created, not yet started, container: one tar, its directories
    made as needed."""
    files = [m for m in container.mounts or () if m.get("type") == "file"]
    if not files:
        return
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        made = set()
        for f in files:
            parts = f["destination"].strip("/").split("/")
            for depth in range(1, len(parts)):
                directory = "/".join(parts[:depth])
                if directory not in made:
                    made.add(directory)
                    info = tarfile.TarInfo(directory)
                    info.type, info.mode = tarfile.DIRTYPE, 0o755
                    tar.addfile(info)
            content = base64.b64decode(f["content"])
            info = tarfile.TarInfo("/".join(parts))
            info.size, info.mode = len(content), 0o644
            tar.addfile(info, io.BytesIO(content))
    driver.put_archive(docker_id, "/", archive.getvalue())
    steps.append("injected " + ", ".join(f["destination"] for f in files))


def forget_volumes(driver, container):
    """After a failed create: remove the volumes that create made, unless
    another container mounts them by now."""
    admin = ml_context.admin_context()
    for mount in _volumes_of(container):
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
                               registry and registry.login(conf), conf=conf)
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
                   conf.conductor.default_memory_mb) * units.Mi,
        "cpu": container.cpu or conf.conductor.default_cpus,
        "pids_limit": conf.docker.pids_limit,
        "log_max_size": conf.docker.log_max_size * units.Mi,
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
