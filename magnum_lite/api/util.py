"""What every handler uses: the request as handlers see it, the spec
decorator that ties a handler to its schemas, answers, and finding a
container the caller may touch."""
import json
import urllib.parse

import webob

from magnum_lite.api import validation
from magnum_lite import exception
from magnum_lite import liveness
from magnum_lite import objects
from magnum_lite import policy

CONTEXT_KEY = "magnum_lite.context"
VERSION_KEY = "magnum_lite.version"
API_KEY = "magnum_lite.api"
HANDLER_KEY = "magnum_lite.handler"
BASE_URL_KEY = "magnum_lite.base_url"
HIDDEN_FIELDS_KEY = "magnum_lite.hidden_fields"
LOSSES_KEY = "magnum_lite.losses"
SERVICES_KEY = "magnum_lite.services"


def spec(status=200, query=None, body=None, returns=None, errors=(),
         body_required=True):
    """Declare what a handler reads and answers.

    The handler validates with exactly these schemas (request.query(),
    request.json()) and openapi.py publishes them, so the two cannot drift.
    `body` may be a function of the microversion. `returns` is the schema
    of the `status` answer's body (None: it has none); `errors` are the
    error statuses the handler's own work can answer (404 for a container
    not found, 409 from the lifecycle table...). openapi.py adds those
    any request can answer, so they need not be repeated here.
    body_required=False: the body may be left out (request.json_or_none()).
    """
    def decorate(handler):
        handler.spec = {"status": status, "query": query, "body": body,
                        "body_required": body_required,
                        "returns": returns, "errors": tuple(errors)}
        return handler
    return decorate


class Request(webob.Request):
    """A webob request that knows its context, version and service."""

    @property
    def context(self):
        return self.environ[CONTEXT_KEY]

    @property
    def version(self):
        return self.environ[VERSION_KEY]

    @property
    def api(self):
        return self.environ[API_KEY]

    @property
    def conf(self):
        return self.api.conf

    @property
    def conductor(self):
        return self.api.conductor

    def _spec(self, key):
        return self.environ[HANDLER_KEY].spec[key]

    def query(self):
        """The query string, checked against the handler's schema."""
        return validation.query(self, self._spec("query"))

    def json(self):
        """The JSON body, checked against the handler's schema."""
        schema = self._spec("body")
        if callable(schema):
            schema = schema(self.version)
        return validation.body(self, schema)

    def json_or_none(self):
        """The JSON body as json() reads it, or {} when there is none."""
        if not self.body.strip():
            return {}
        return self.json()

    def authorize(self, rule, target=None):
        """Policy says yes, or exception.Forbidden (403)."""
        if not self.allows(rule, target):
            raise exception.Forbidden(action=rule)

    def allows(self, rule, target=None):
        """Whether policy lets the caller do `rule` (to its own project
        unless `target` says otherwise)."""
        if target is None:
            target = {"project_id": self.context.project_id,
                      "user_id": self.context.user_id}
        return self.api.enforcer.allows(rule, target, self.context)

    def hidden_fields(self):
        """The container fields policy keeps from this caller (decided
        once a request: a page holds a thousand containers)."""
        hidden = self.environ.get(HIDDEN_FIELDS_KEY)
        if hidden is None:
            hidden = self.environ[HIDDEN_FIELDS_KEY] = tuple(
                field for field, rule in
                policy.CONTAINER_GET_ONE_FIELDS.items()
                if not self.allows(rule))
        return hidden

    def services(self):
        """The conductor services, read once a request."""
        found = self.environ.get(SERVICES_KEY)
        if found is None:
            found = self.environ[SERVICES_KEY] = objects.Service.list(
                self.context)
        return found

    def losses(self):
        """{host: liveness.Loss} of the hosts lost now (judged once a
        request: a page of containers asks for each one's host)."""
        found = self.environ.get(LOSSES_KEY)
        if found is None:
            found = self.environ[LOSSES_KEY] = liveness.losses(
                self.services(), self.conf.conductor.service_down_time)
        return found

    def link(self, *parts):
        """An absolute URL of this API: link("v1", "containers")."""
        # application_url is rebuilt from the environ on every read; a list
        # of a thousand containers asks for two thousand links.
        base = self.environ.get(BASE_URL_KEY)
        if base is None:
            base = self.environ[BASE_URL_KEY] = self.application_url
        return "/".join([base] + [str(p) for p in parts])


def container(request, ident, rule, on_lost_host=False):
    """The container named by uuid or name, if the caller may act on it.

    Another project's container is not found (404), never forbidden. One
    on a lost host is refused at once (409 HostLost) unless on_lost_host:
    only reading it and deleting it need no conductor.
    """
    found = objects.Container.get(request.context, ident)
    if found.kind != objects.container.KIND_CONTAINER:
        # A capsule and its members are reached through /v1/capsules.
        raise exception.ContainerNotFound(container=ident)
    request.authorize(rule, {"project_id": found.project_id,
                             "user_id": found.user_id})
    if not on_lost_host:
        loss = lost(request, found)
        if loss is not None:
            raise exception.HostLost(reason=liveness.explain(
                loss, found.status))
    return found


def lost(request, container):
    """The liveness.Loss of the container's host, or None."""
    if container.host is None:
        return None
    return request.losses().get(container.host)


def respond(body=None, status=200, headers=None):
    """A JSON answer; without a body, an empty one with no content type."""
    if body is None:
        response = webob.Response(status=status)
        # python-zunclient reads a body only when a content type is given.
        response.content_type = None
    else:
        response = webob.Response(status=status,
                                  body=_encode(body),
                                  content_type="application/json")
    response.headers.update(headers or {})
    return response


# Compact and without the circularity check: a page of a thousand
# containers is a megabyte of JSON, built from plain dicts.
_encode_str = json.JSONEncoder(separators=(",", ":"),
                               check_circular=False).encode


def _encode(body):
    return _encode_str(body).encode()


# Lists come a page at a time, two ways: page_query() and page_of_rows()
# for what the database pages (containers, volumes, registries);
# page_in_memory() for the short lists held whole (hosts, services, an
# engine's images).

def page_query(request, params):
    """(limit, marker, (sort_key, sort_dir)) of a list's query, taken out
    of `params`; the limit capped by [api] max_limit."""
    limit = _limit(request, params.pop("limit", None))
    marker = params.pop("marker", None)
    return limit, marker, (params.pop("sort_key", "id"),
                           params.pop("sort_dir", "asc"))


def _limit(request, asked):
    max_limit = request.conf.api.max_limit
    limit = min(int(max_limit if asked is None else asked), max_limit)
    if limit < 1:
        raise exception.InvalidParameter(reason="limit must be at least 1.")
    return limit


def page_of_rows(request, collection, rows, limit, view):
    """{collection: [view(request, row)...], next}: rows holds one row
    past the page when there is a next page."""
    body = {collection: [view(request, row) for row in rows[:limit]]}
    if len(rows) > limit:
        body["next"] = next_link(request, collection, limit,
                                 rows[limit - 1].uuid)
    return body


def next_link(request, collection, limit, marker):
    """The URL of the page after `marker`, keeping the request's query."""
    params = [(k, v) for k, v in request.GET.items()
              if k not in ("limit", "marker")]
    params += [("limit", limit), ("marker", marker)]
    return (request.link("v1", collection) + "?" +
            urllib.parse.urlencode(params))


def page_in_memory(request, collection, items, params, idents):
    """(items, next link or None): a page of a short list held in memory
    (hosts, services). idents(item) are the markers that name an item;
    the first of them is the one the next link uses."""
    items = sorted(items, key=lambda item: getattr(
        item, params.get("sort_key", "id")),
        reverse=params.get("sort_dir") == "desc")
    if "marker" in params:
        for index, item in enumerate(items):
            if params["marker"] in idents(item):
                items = items[index + 1:]
                break
        else:
            raise exception.InvalidParameter(
                reason=f"Marker {params['marker']} was not found.")
    limit = _limit(request, params.get("limit"))
    return items[:limit], (next_link(request, collection, limit,
                                     idents(items[limit - 1])[0])
                           if len(items) > limit else None)


def isotime(moment):
    """Stored times are naive UTC; say so."""
    if moment is None:
        return None
    return moment.isoformat(timespec="seconds") + "+00:00"
