"""The one exception tree of magnum_lite, and what each means to a user.

    MagnumLiteError              500  base: message from msg_fmt % kwargs
    +-- Invalid                  400  the request cannot be done as asked
    |   +-- InvalidImageReference
    |   +-- InvalidParameter
    |   +-- DockerInvalid             Docker refused the arguments (400)
    |   +-- RegistryHostRefused       [registries] disallowed_hosts
    |   +-- InitContainerFailed       a capsule's init container failed
    +-- Forbidden                403  policy said no
    |   +-- QuotaExceeded             the project's quota has no room
    +-- RegistrySearchRefused    403  a registry refused an image search
    +-- RegistryAuthFailed       403  a registry refused a pull's login
    +-- NotFound                 404
    |   +-- ContainerNotFound
    |   +-- CapsuleNotFound
    |   +-- ImageNotFound             also: policy "never", no local image
    |   +-- RegistryNotFound
    |   +-- VolumeNotFound
    |   +-- HostNotFound
    |   +-- ServiceNotFound
    |   +-- DockerNotFound            Docker has no such object (its 404)
    +-- MethodNotAllowed         405  the path has no such method
    +-- NotAcceptable            406  microversion out of range
    +-- Conflict                 409
    |   +-- ContainerNameExists
    |   +-- AmbiguousName             a name that matches several containers
    |   +-- HostLost                  its host is lost: only show and delete
    |   +-- NotThisHost               placed on another host by now
    |   +-- ActionNotAllowed          the lifecycle table forbids it now
    |   +-- DockerConflict            Docker's 409
    |   +-- NoValidHost               no host can take a new container now
    |   +-- HostHasContainers         a service deleted while it has some
    +-- RequestTooLarge          413
    |   +-- AnswerTooLarge            [api] max_output_bytes
    +-- UnsupportedMediaType     415  a body that is not JSON
    +-- NoConductor              503  no conductor service is alive
    +-- RegistryUnreachable      503  a registry does not answer a search
    +-- DockerUnavailable        503  the engine does not answer
    +-- ExecuteTimeout           504  a command run in a container goes on
    +-- DockerError              500  any other engine failure

Outside the tree, never an API answer:

    StartupError                      a process cannot start as configured
    TokenRefused                      a websocket token that opens nothing

Every class carries `code` (the HTTP status the API answers with) and
`title` (the short phrase the API-SIG error body wants). They also cross RPC
as themselves: oslo.messaging rebuilds them from (message, **kwargs), which is
what __init__ accepts.
"""


class MagnumLiteError(Exception):
    code = 500
    title = "Internal Server Error"
    msg_fmt = "An unknown error occurred."

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            try:
                message = self.msg_fmt % kwargs
            except (KeyError, TypeError):
                message = self.msg_fmt
        self.message = str(message)
        super().__init__(self.message)

    def __str__(self):
        return self.message


class Invalid(MagnumLiteError):
    code = 400
    title = "Bad Request"
    msg_fmt = "The request is invalid: %(reason)s"


class InvalidImageReference(Invalid):
    msg_fmt = "Invalid image reference %(image)r: %(reason)s"


class InvalidParameter(Invalid):
    msg_fmt = "%(reason)s"


class DockerInvalid(Invalid):
    msg_fmt = "Docker refused the request: %(explanation)s"


class RegistryHostRefused(Invalid):
    msg_fmt = ("The registry host %(host)s is refused: %(reason)s (the "
               "operator's [registries] disallowed_hosts and "
               "allowed_hosts).")


class InitContainerFailed(Invalid):
    msg_fmt = ("Init container %(name)s of the capsule %(how)s; the end "
               "of its output: %(output)s")


class Forbidden(MagnumLiteError):
    code = 403
    title = "Forbidden"
    msg_fmt = "Policy does not allow %(action)s to be performed."


class QuotaExceeded(Forbidden):
    msg_fmt = ("Quota exceeded for %(resource)s: the project's limit is "
               "%(limit)s, %(used)s is in use and %(asked)s more was "
               "asked.")


class NotFound(MagnumLiteError):
    code = 404
    title = "Not Found"
    msg_fmt = "Resource could not be found."


class ContainerNotFound(NotFound):
    msg_fmt = "Container %(container)s could not be found."


class CapsuleNotFound(NotFound):
    msg_fmt = "Capsule %(capsule)s could not be found."


class ImageNotFound(NotFound):
    msg_fmt = "Image %(image)s could not be found: %(reason)s"


class RegistryNotFound(NotFound):
    msg_fmt = "Registry %(registry)s could not be found."


class VolumeNotFound(NotFound):
    msg_fmt = "Volume %(volume)s could not be found."


class RegistryUnreachable(MagnumLiteError):
    code = 503
    title = "Service Unavailable"
    msg_fmt = "The registry %(domain)s cannot be searched: %(reason)s"


class RegistrySearchRefused(MagnumLiteError):
    code = 403
    title = "Forbidden"
    msg_fmt = ("The registry %(domain)s refused the search %(how)s; record "
               "a registry of the project with its login. It said: "
               "%(explanation)s")


class RegistryAuthFailed(MagnumLiteError):
    """The registry wants a login the pull did not have (or refused the
    one it had): the tenant's to fix, never retried on another host."""
    code = 403
    title = "Forbidden"
    msg_fmt = ("Authentication required: the registry %(domain)s refused "
               "to let %(image)s be pulled %(how)s. Docker said: "
               "%(explanation)s")


class HostNotFound(NotFound):
    msg_fmt = "Host %(host)s could not be found."


class ServiceNotFound(NotFound):
    msg_fmt = "No service %(binary)s runs on host %(host)s."


class DockerNotFound(NotFound):
    msg_fmt = "Docker could not find it: %(explanation)s"


class NotAcceptable(MagnumLiteError):
    code = 406
    title = "Not Acceptable"
    msg_fmt = "%(reason)s"


class Conflict(MagnumLiteError):
    code = 409
    title = "Conflict"
    msg_fmt = "%(reason)s"


class ContainerNameExists(Conflict):
    msg_fmt = "A container named %(name)s already exists in this project."


class AmbiguousName(Conflict):
    msg_fmt = ("Several containers are named %(name)s; "
               "use the uuid instead.")


class HostLost(Conflict):
    msg_fmt = "%(reason)s Only show and delete work until it is back."


class NotThisHost(Conflict):
    msg_fmt = "Container %(container)s is placed on host %(host)s now."


class ActionNotAllowed(Conflict):
    msg_fmt = ("Cannot %(action)s container %(container)s in status "
               "%(status)s.")


class DockerConflict(Conflict):
    msg_fmt = "Docker reported a conflict: %(explanation)s"


class NoValidHost(Conflict):
    # 409, not 503: the service is up and the request is valid, but it
    # conflicts with how much the hosts have free; it may fit once
    # something is deleted, and no proxy should retry it by itself.
    msg_fmt = "No host can take the container: %(reason)s"


class HostHasContainers(Conflict):
    msg_fmt = ("Host %(host)s still has %(count)s container(s); delete "
               "them (or let them go) before its service.")


class RequestTooLarge(MagnumLiteError):
    code = 413
    title = "Request Entity Too Large"
    msg_fmt = "%(reason)s"


class AnswerTooLarge(RequestTooLarge):
    msg_fmt = ("%(what)s is larger than the %(limit)s bytes an answer may "
               "carry ([api] max_output_bytes)%(size)s.")


class NoConductor(MagnumLiteError):
    code = 503
    title = "Service Unavailable"
    msg_fmt = "No conductor is available: %(reason)s"


class DockerUnavailable(MagnumLiteError):
    code = 503
    title = "Service Unavailable"
    msg_fmt = "The Docker Engine at %(url)s does not answer: %(reason)s"


class ExecuteTimeout(MagnumLiteError):
    code = 504
    title = "Gateway Timeout"
    msg_fmt = ("The command did not finish within %(timeout)s s; it goes on "
               "running in the container.")


class DockerError(MagnumLiteError):
    msg_fmt = "Docker failed: %(explanation)s"


class MethodNotAllowed(MagnumLiteError):
    code = 405
    title = "Method Not Allowed"
    msg_fmt = "%(method)s is not allowed on %(path)s; allowed: %(allowed)s."

    def __init__(self, message=None, **kwargs):
        super().__init__(message, **kwargs)
        self.headers = {"Allow": kwargs.get("allowed", "")}


class UnsupportedMediaType(MagnumLiteError):
    code = 415
    title = "Unsupported Media Type"
    msg_fmt = "The request body must be application/json, not %(type)s."


class StartupError(Exception):
    """A configuration the process cannot run with; one line for the user."""


class TokenRefused(Exception):
    """A token that opens nothing; the message says why (for the log)."""
