"""Image references parsed the way Docker's reference grammar reads them."""
import dataclasses
import hashlib
import re

from magnum_lite import exception

# From distribution/reference (the grammar the Engine itself applies).
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = re.compile(
    rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*(?::[0-9]+)?\Z")
_PATH_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[_.]|__|-+)[a-z0-9]+)*\Z")
_TAG = re.compile(r"[\w][\w.-]{0,127}\Z", re.ASCII)
# The Engine only accepts the algorithms it can verify, in lowercase hex.
_DIGEST_LENGTHS = {"sha256": 64, "sha512": 128}
_HEX = re.compile(r"[a-f0-9]+\Z")
NAME_MAX_LENGTH = 255
DEFAULT_TAG = "latest"


@dataclasses.dataclass(frozen=True)
class ImageReference:
    registry: str | None
    repository: str
    tag: str | None
    digest: str | None

    @property
    def name(self):
        """[registry/]repository: what Docker pulls from."""
        if self.registry:
            return f"{self.registry}/{self.repository}"
        return self.repository

    @property
    def exact(self):
        """The one image meant: by digest when there is one, else by tag."""
        if self.digest:
            return f"{self.name}@{self.digest}"
        return f"{self.name}:{self.tag}"

    def __str__(self):
        text = self.name
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


def parse(reference, default_registry=None):
    """Parse `reference`; raise InvalidImageReference before Docker sees it.

    A reference with neither tag nor digest means the tag "latest", so a
    pull never fetches every tag of a repository.
    """
    def invalid(reason):
        return exception.InvalidImageReference(image=reference, reason=reason)

    if not isinstance(reference, str):
        raise invalid("it is not a string")
    if not reference:
        raise invalid("it is empty")
    if any(ch.isspace() for ch in reference):
        raise invalid("it contains whitespace")

    name, at, digest = reference.partition("@")
    if at and (digest_error := _check_digest(digest)):
        raise invalid(digest_error)

    tag = None
    head, sep, tail = name.rpartition(":")
    # A ':' after the last '/' starts the tag; before it, it is a port.
    if sep and "/" not in tail:
        name, tag = head, tail
        if not _TAG.match(tag):
            raise invalid(f"tag {tag!r} is not valid (up to 128 of "
                          "letters, digits, '_', '.', '-'; not starting "
                          "with '.' or '-')")

    registry, repository = _split_registry(name)
    if registry is None and default_registry:
        registry = default_registry
    if registry is not None and not _DOMAIN.match(registry):
        raise invalid(f"registry {registry!r} is not a host[:port]")
    if not repository:
        raise invalid("it names no repository")
    for component in repository.split("/"):
        if not _PATH_COMPONENT.match(component):
            raise invalid(
                f"repository component {component!r} must be lowercase "
                "letters and digits, separated by '.', '_', '__' or '-'")
    full_name = f"{registry}/{repository}" if registry else repository
    if len(full_name) > NAME_MAX_LENGTH:
        raise invalid(f"the name is longer than {NAME_MAX_LENGTH} characters")

    if tag is None and not digest:
        tag = DEFAULT_TAG
    return ImageReference(registry, repository, tag, digest or None)


def project_namespace(namespace, project_id):
    """Where a project's commits go: <namespace>/<project component>. A
    project id that is no repository component (Docker's grammar: lower
    case, ...) is replaced by a digest of it, so no two projects meet."""
    component = project_id
    if not _PATH_COMPONENT.match(project_id or ""):
        component = hashlib.sha256(project_id.encode()).hexdigest()[:32]
    return f"{namespace}/{component}"


def committed(namespace, project_id, repository, tag=None):
    """(repository, tag) a project's commit of `repository[:tag]` is given:
    inside the project's namespace. InvalidParameter for a repository that
    names a registry (the commit is only ever on the host), or another
    project's namespace."""
    ref = parse(f"{repository}:{tag}" if tag else repository)
    if ref.digest:
        raise exception.InvalidParameter(
            reason="commit needs a repository and tag, not a digest.")
    own = project_namespace(namespace, project_id)
    if ref.registry == namespace:
        if not ref.name.startswith(own + "/"):
            raise exception.InvalidParameter(
                reason=f"{ref.name} is not in this project's namespace "
                       f"{own}/.")
        return ref.name, ref.tag
    if ref.registry is not None:
        raise exception.InvalidParameter(
            reason=f"a commit stays on its host: name a repository without "
                   f"a registry (it is made {own}/<repository>), not one "
                   f"on {ref.registry}.")
    return f"{own}/{ref.repository}", ref.tag


def readable_by(ref, namespace, project_id):
    """Whether a project may use `ref` as far as commits go: anything
    outside the commit namespace, and its own project's part of it."""
    if ref.registry != namespace:
        return True
    return ref.name.startswith(project_namespace(namespace, project_id) + "/")


def _split_registry(name):
    """(registry or None, repository), by the rule Docker uses."""
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return first, rest
    return None, name


def _check_digest(digest):
    """Why `digest` is not a digest the Engine accepts, or None."""
    algorithm, sep, hex_part = digest.partition(":")
    if not sep:
        return f"digest {digest!r} is not algorithm:hex"
    if algorithm not in _DIGEST_LENGTHS:
        return f"digest algorithm {algorithm!r} is not sha256 or sha512"
    if not _HEX.match(hex_part):
        return "the digest must be lowercase hexadecimal"
    if len(hex_part) != _DIGEST_LENGTHS[algorithm]:
        return (f"a {algorithm} digest has {_DIGEST_LENGTHS[algorithm]} "
                f"hex digits, not {len(hex_part)}")
    return None
