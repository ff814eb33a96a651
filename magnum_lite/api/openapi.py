"""The OpenAPI 3.1 document of this API, built from ROUTES and the very
schemas the handlers validate with and answer by (their util.spec)."""
import functools
import http
import re

from magnum_lite.api import microversion
from magnum_lite.api import answers

# Error statuses any request can be answered with, whatever its handler:
# app.API refuses bytes that are not UTF-8 or a malformed microversion
# header (400), a version it does not serve (406) and a body over the
# limit (413) before it routes; a query that breaks its schema is a 400
# too, and anything unforeseen a 500.
ANY_REQUEST = (400, 406, 413, 500)
# Every path but routes.PUBLIC: with keystone, auth_token answers a
# missing or bad token (401) and an identity service that does not answer
# (503); with either strategy, policy may refuse (403). The same 503 is
# the answer of a handler that finds no conductor up, or whose call or
# cast the message bus does not carry (errors.to_response).
AUTHENTICATED = (401, 403, 503)
# A handler that reads a JSON body (util.spec body=) refuses other types.
READS_BODY = (415,)

# status -> (its name under components/responses, what it means here).
ERRORS = {
    400: ("BadRequest", "The request is invalid: its query, body, "
                        "microversion header or bytes, or arguments the "
                        "Docker Engine refused."),
    401: ("Unauthorized", "No valid token (with [api] auth_strategy = "
                          "keystone)."),
    403: ("Forbidden", "Policy does not allow it."),
    404: ("NotFound", "Not found, or not the caller's to see."),
    406: ("NotAcceptable", "The microversion asked for is not served, or "
                           "the operation needs a later one."),
    409: ("Conflict", "The container's status does not allow it now, or "
                      "a name conflicts."),
    413: ("RequestTooLarge", "The request body is over [api] "
                             "max_request_body_size, or the archive asked "
                             "for is over [api] max_output_bytes."),
    415: ("UnsupportedMediaType", "The request body is not "
                                  "application/json."),
    500: ("InternalServerError", "The server failed; the request id "
                                 "finds the details in its log."),
    503: ("ServiceUnavailable", "No conductor is up or answered, the "
                                "message bus or the Docker Engine cannot "
                                "be reached, or the identity service does "
                                "not answer; try again later."),
    504: ("GatewayTimeout", "The command did not finish within [docker] "
                            "execute_timeout; it goes on in the "
                            "container."),
}

# operationId -> the headers its success answer may carry.
ANSWER_HEADERS = {"actions.logs": answers.OUTPUT_CUT_HEADERS,
                  "actions.execute": answers.OUTPUT_CUT_HEADERS}

_PATH_EXAMPLES = {"container_ident": "web", "host_ident": "host-a",
                  "service_id": "1", "request_id": "req-0f6a8d4e",
                  "project_id": "demo", "quota_class_name": "default",
                  "registry_ident": "my-registry",
                  "volume_ident": "data", "capsule_ident": "web",
                  "image": "busybox",
                  "image_id": "5a0f4f2e-3c1d-4d8e-9a47-2b6f0c9e7d13"}


def error_statuses(spec, public=False):
    """Every error status an operation of `spec` can answer."""
    statuses = set(ANY_REQUEST) | set(spec["errors"])
    if not public:
        statuses |= set(AUTHENTICATED)
    if spec["body"] is not None:
        statuses |= set(READS_BODY)
    return sorted(statuses)


def _parameters(template, query):
    params = [{"name": name, "in": "path", "required": True,
               "schema": {"type": "string", "minLength": 1,
                          "pattern": "^[^/]+$"},
               "example": _PATH_EXAMPLES[name]}
              for name in re.findall(r"\{(\w+)\}", template)]
    params.append({
        "name": microversion.HEADER, "in": "header", "required": False,
        "schema": {"type": "string",
                   "pattern": r"^container (latest|1\.[0-9]+)$"},
        "description": f"container {microversion.MIN_VERSION} to "
                       f"{microversion.MAX_VERSION}, or latest."})
    for name, schema in (query or {}).get("properties", {}).items():
        params.append({"name": name, "in": "query", "schema": schema,
                       "required": name in query.get("required", ())})
    return params


def _operation(template, handler, public):
    spec = handler.spec
    doc = (handler.__doc__ or "").strip()
    operation = {
        "operationId": f"{handler.__module__.rsplit('.', 1)[-1]}."
                       f"{handler.__name__}",
        "summary": doc.split("\n")[0],
        "parameters": _parameters(template, spec["query"]),
    }
    if len(doc.split("\n")) > 1:
        operation["description"] = doc
    body = spec["body"]
    if body is not None:
        schema = body(microversion.MAX_VERSION) if callable(body) else body
        operation["requestBody"] = {
            "required": spec.get("body_required", True), "content": {
            "application/json": {"schema": schema}}}
    answer = {"description": http.HTTPStatus(spec["status"]).phrase + "."}
    if operation["operationId"] in ANSWER_HEADERS:
        answer["headers"] = ANSWER_HEADERS[operation["operationId"]]
    if spec["returns"] is not None:
        answer["content"] = {"application/json": {
            "schema": spec["returns"]}}
    responses = {str(spec["status"]): answer}
    for status in error_statuses(spec, public):
        responses[str(status)] = {
            "$ref": f"#/components/responses/{ERRORS[status][0]}"}
    operation["responses"] = responses
    return operation


@functools.lru_cache(maxsize=1)
def document():
    from magnum_lite.api import routes  # routes imports the handlers
    paths = {}
    for template, methods in routes.ROUTES.items():
        paths[template] = {
            method.lower(): _operation(template, handler,
                                       template in routes.PUBLIC)
            for method, handler in methods.items()}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "magnum_lite",
            "version": str(microversion.MAX_VERSION),
            "description": "Zun's v1 containers API as magnum_lite serves "
                           "it. Request bodies are described at the "
                           f"latest microversion "
                           f"({microversion.MAX_VERSION}); before 1.20 "
                           "`command` is a shell-quoted string. Each "
                           "operation lists the statuses it answers; "
                           "every error is an API-SIG body.",
        },
        "paths": paths,
        "components": {"responses": {
            name: {"description": meaning, "content": {
                "application/json": {"schema": answers.error(status)}}}
            for status, (name, meaning) in ERRORS.items()}},
    }
