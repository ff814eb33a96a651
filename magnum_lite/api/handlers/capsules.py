"""/v1/capsules: Zun's pods of containers, which magnum_lite does not make.

The list answers, truthfully, that there are none, so a client (zun-ui's
Capsules panel) shows its empty state. Nothing else is routed: a create
is answered 405 (only GET is allowed here), a capsule by id 404.
"""
from magnum_lite.api import answers
from magnum_lite.api import schemas
from magnum_lite.api import util
from magnum_lite import policy


@util.spec(query=schemas.CAPSULE_QUERY, returns=answers.CAPSULE_LIST)
def list_capsules(request):
    """None: this service makes no capsules."""
    request.authorize(policy.CAPSULE_GET_ALL)
    request.query()
    return util.respond({"capsules": []})
