"""The WSGI application: the middleware stack and the dispatch to handlers.

A request passes, outermost first:
    HTTPProxyToWSGI   scheme and host from a proxy's X-Forwarded-* headers
    RequestId         X-OpenStack-Request-Id on every answer
    OwnContext        log lines name this request, and nobody until auth
    AccessLog         one INFO line per request: method, path, status, time
    /healthcheck      oslo.middleware's health check, before any auth
    Faults            any error still unformatted becomes an API-SIG body
    auth_token        only with [api] auth_strategy = keystone
    API               version, route, context, body size; then the handler
"""
import time
from urllib import parse

from oslo_log import log as logging
from oslo_middleware import healthcheck
from oslo_middleware import http_proxy_to_wsgi
from oslo_middleware import request_id
from oslo_middleware import sizelimit
import webob.dec

from magnum_lite.api import auth
from magnum_lite.api import errors
from magnum_lite.api import microversion
from magnum_lite.api import routes
from magnum_lite.api import util
from magnum_lite.api import validation
from magnum_lite.conductor import rpcapi
from magnum_lite import context as ml_context
from magnum_lite import exception
from magnum_lite import policy

LOG = logging.getLogger(__name__)
HEALTHCHECK_PATH = "/healthcheck"
# Query parameters whose values stay out of the access log: an executed
# command may carry a secret (docs/security.md).
UNLOGGED_PARAMETERS = frozenset({"command", "password"})


class API:
    """Finds the handler for a request and runs it."""

    def __init__(self, conf, conductor, enforcer):
        self.conf = conf
        self.conductor = conductor
        self.enforcer = enforcer

    @webob.dec.wsgify(RequestClass=util.Request)
    def __call__(self, request):
        version = None
        try:
            validation.utf8(request.environ)
            version = microversion.from_headers(request.headers)
            request.environ[util.VERSION_KEY] = version
            handler, params = routes.match(request.method, request.path_info)
            request.environ[util.HANDLER_KEY] = handler
            request.environ[util.API_KEY] = self
            request.environ[util.CONTEXT_KEY] = auth.context(
                request, self.conf, self.enforcer)
            self._limit_body(request)
            response = handler(request, **params)
        except Exception as error:  # noqa: BLE001 - every failure answers
            response = errors.to_response(request, error)
        microversion.stamp(response, version)
        return response

    def _limit_body(self, request):
        # A body with a Content-Length over the limit is refused unread;
        # one without (chunked) is cut off where it passes the limit.
        limit = self.conf.api.max_request_body_size
        if request.content_length is None:
            if request.is_body_readable:
                request.body_file_raw = sizelimit.LimitingReader(
                    request.body_file_raw, limit)
        elif request.content_length > limit:
            raise exception.RequestTooLarge(
                reason=f"The request body is {request.content_length} "
                       f"bytes; the largest accepted is {limit}.")


class OwnContext:
    """Each log line names the request it was written for, or none.

    oslo.log stamps a line with the thread's current context, and a thread
    serves one request after another: without this, a request that fails
    before it has a context of its own (no token) logs as the previous
    caller.
    """

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        ml_context.RequestContext(
            request_id=environ.get(errors.REQUEST_ID_KEY), overwrite=True)
        try:
            return self.application(environ, start_response)
        finally:
            ml_context.forget_current()


class AccessLog:
    """One line per request, as OpenStack's APIs write it: who asked (the
    line's context), what, the status, the body's length and the time to
    the answer's headers (a streamed body goes on after)."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        started = time.monotonic()

        def logged(status, headers, exc_info=None):
            length = next((value for name, value in headers
                           if name.lower() == "content-length"), "-")
            query = _loggable(environ.get("QUERY_STRING"))
            LOG.info('%s "%s %s%s" status: %s len: %s time: %.4f',
                     environ.get("REMOTE_ADDR", "-"),
                     environ.get("REQUEST_METHOD"),
                     environ.get("PATH_INFO", ""),
                     "?" + query if query else "", status.split(" ", 1)[0],
                     length, time.monotonic() - started)
            return start_response(status, headers, exc_info)

        return self.application(environ, logged)


def _loggable(query):
    """The query string with the values of UNLOGGED_PARAMETERS masked."""
    if not query or not any(name in query for name in UNLOGGED_PARAMETERS):
        return query
    pairs = parse.parse_qsl(query, keep_blank_values=True)
    return parse.urlencode(
        [(name, "***" if name in UNLOGGED_PARAMETERS else value)
         for name, value in pairs], safe="*")


class _Paths:
    """Send a few paths to their own application, the rest onwards."""

    def __init__(self, default, by_path):
        self.default = default
        self.by_path = by_path

    def __call__(self, environ, start_response):
        path = routes.normalize(environ.get("PATH_INFO", ""))
        application = self.by_path.get(path, self.default)
        return application(environ, start_response)


def build(conf, transport):
    """The WSGI application for `conf`, handing work to the conductors
    over `transport`."""
    return build_app(conf, rpcapi.ConductorAPI(
        transport, conf.conductor.topic, timeout=conf.conductor.call_timeout))


def build_app(conf, conductor_api):
    """The WSGI application for `conf`, asking `conductor_api` for work."""
    api = API(conf, conductor_api, policy.get_enforcer(conf))
    application = api
    if conf.api.auth_strategy == "keystone":
        application = _Paths(auth.keystone(api, conf),
                             {path: api for path in routes.PUBLIC})
    application = errors.Faults(application)
    application = _Paths(application, {
        HEALTHCHECK_PATH: healthcheck.Healthcheck(None, conf)})
    application = request_id.RequestId(OwnContext(AccessLog(application)))
    return http_proxy_to_wsgi.HTTPProxyToWSGI(application, conf)
