"""The one place where failures become HTTP: API-SIG error bodies.

Every error answer is
    {"errors": [{"status", "code", "title", "detail", "request_id"}]}
with Content-Type application/json. to_response() maps an exception:
our MagnumLiteError tree by its .code, jsonschema's errors as 400, and
anything else as a 500 that is logged with its request id and never shows
the traceback. Faults also rewrites the error answers of middleware we do
not own (keystonemiddleware's 401) into the same form.

The title of an error we explain is its message, as Zun's is: python-zunclient
and `openstack appcontainer` print the title and nothing else, so a generic
"Conflict" would hide why. Only the unexplained 500 has a generic title.
"""
import http
import json
import re

import amqp.exceptions
import jsonschema
import kombu.exceptions
from oslo_log import log as logging
import oslo_messaging as messaging
import webob
import webob.dec
import webob.exc

from magnum_lite import exception

LOG = logging.getLogger(__name__)

REQUEST_ID_KEY = "openstack.request_id"


def _slug(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _phrase(status):
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_response(request_id, status, title, detail, code=None,
                   headers=None):
    code = code or _slug(_phrase(status).replace(" ", "").replace("-", ""))
    body = {"errors": [{
        "status": status,
        "code": "magnum_lite." + code,
        "title": title,
        "detail": detail,
        "request_id": request_id,
    }]}
    response = webob.Response(status=status,
                              body=json.dumps(body).encode(),
                              content_type="application/json")
    response.headers.update(headers or {})
    return response


def _schema_detail(error):
    where = "/".join(str(part) for part in error.absolute_path)
    description = error.schema.get("description") if isinstance(
        error.schema, dict) else None
    detail = error.message
    if error.validator == "not" and description:
        # A field of a later microversion: its description says which.
        detail, description = description, None
    if where:
        detail = f"Invalid input for field '{where}': {detail}"
    else:
        detail = f"Invalid request: {detail}"
    if description:
        detail += f" ({description})"
    return detail


# oslo.messaging names the class of an exception rebuilt from a remote
# one so (oslo_messaging/_drivers/common.py, 18.x).
REMOTE_SUFFIX = "_Remote"
# The bus's own failures that oslo.messaging does not wrap in one of its
# exceptions, and its exceptions besides the two named above.
_BUS_ERRORS = (messaging.MessagingException, kombu.exceptions.KombuError,
               amqp.exceptions.AMQPError)


def to_response(request, error):
    """The HTTP answer for `error` raised while serving `request`."""
    request_id = request.environ.get(REQUEST_ID_KEY)
    if isinstance(error, messaging.MessagingTimeout):
        error = exception.NoConductor(
            reason="the conductor did not answer in time")
    elif isinstance(error, messaging.MessageDeliveryFailure):
        error = exception.NoConductor(
            reason="the message bus cannot be reached; try again later")
    elif isinstance(error, _BUS_ERRORS) and not isinstance(
            error, messaging.RemoteError):  # a conductor's fault: a 500
        # What the bus's client lets through while the broker goes away
        # under a call (a forced close mid-publish): the request was not
        # sent, and may be sent again.
        LOG.warning("the message bus failed under %s %s: %r",
                    request.method, request.path, error)
        error = exception.NoConductor(
            reason="the message bus failed; try again later")
    if isinstance(error, exception.MagnumLiteError):
        # One that crossed the bus is oslo.messaging's subclass
        # "<Name>_Remote", whose str() ends with the conductor's
        # traceback: the answer says what the local one would.
        message = error.message
        name = type(error).__name__.removesuffix(REMOTE_SUFFIX)
        if error.code >= 500:
            LOG.warning("%s %s failed (request %s): %s", request.method,
                        request.path, request_id, message)
        return error_response(request_id, error.code, message, message,
                              code=_slug(name),
                              headers=getattr(error, "headers", None))
    if isinstance(error, jsonschema.ValidationError):
        detail = _schema_detail(error)
        return error_response(request_id, 400, detail, detail,
                              code="invalid_input")
    if isinstance(error, webob.exc.HTTPRequestEntityTooLarge):
        detail = "The request body is larger than the API accepts."
        return error_response(request_id, 413, detail, detail,
                              code="request_too_large")
    LOG.exception("Unexpected error serving %s %s (request %s)",
                  request.method, request.path, request_id)
    return error_response(
        request_id, 500, "Internal Server Error",
        "The server failed to answer; the request id locates the details "
        "in its log.", code="internal_error")


def _foreign_detail(response):
    # keystonemiddleware answers {"error": {"message": ...}}.
    try:
        return str(json.loads(response.body)["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return f"{_phrase(response.status_int)} ({response.status_int})."


class Faults:
    """Outermost guard: nothing leaves without the API-SIG error form."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, request):
        try:
            response = request.get_response(self.application)
        except Exception as error:  # noqa: BLE001 - the last guard
            return to_response(request, error)
        if response.status_int < 400 or _is_error_body(response):
            return response
        detail = _foreign_detail(response)
        rewritten = error_response(request.environ.get(REQUEST_ID_KEY),
                                   response.status_int, detail, detail)
        for name in ("WWW-Authenticate", "Allow", "Retry-After"):
            if name in response.headers:
                rewritten.headers[name] = response.headers[name]
        return rewritten


def _is_error_body(response):
    if response.content_type != "application/json":
        return False
    try:
        body = json.loads(response.body)
    except ValueError:
        return False
    return isinstance(body, dict) and "errors" in body
