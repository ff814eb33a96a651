"""The OpenAPI 3.1 document of this API, built from ROUTES and the very
schemas the handlers validate with (their util.spec)."""
import functools
import re

from magnum_lite.api import microversion
from magnum_lite.api import schemas

_ERROR_RESPONSE = {
    "description": "An API-SIG error body.",
    "content": {"application/json": {"schema": schemas.ERROR}},
}


_PATH_EXAMPLES = {"container_ident": "web", "host_ident": "host-a",
                  "service_id": "1", "request_id": "req-0f6a8d4e"}


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


def _operation(template, method, handler):
    spec = handler.spec
    doc = (handler.__doc__ or "").strip()
    operation = {
        "operationId": f"{handler.__module__.rsplit('.', 1)[-1]}."
                       f"{handler.__name__}",
        "summary": doc.split("\n")[0],
        "parameters": _parameters(template, spec["query"]),
        "responses": {"default": _ERROR_RESPONSE},
    }
    if len(doc.split("\n")) > 1:
        operation["description"] = doc
    body = spec["body"]
    if body is not None:
        schema = body(microversion.MAX_VERSION) if callable(body) else body
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": schema}}}
    answer = {"description": "Success."}
    if spec["returns"] is not None:
        answer["content"] = {"application/json": {
            "schema": spec["returns"]}}
    operation["responses"][str(spec["status"])] = answer
    return operation


@functools.lru_cache(maxsize=1)
def document():
    from magnum_lite.api import routes  # routes imports the handlers
    paths = {}
    for template, methods in routes.ROUTES.items():
        paths[template] = {
            method.lower(): _operation(template, method, handler)
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
                           "`command` is a shell-quoted string.",
        },
        "paths": paths,
    }
