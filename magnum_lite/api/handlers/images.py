"""/v1/images: the images on the Docker hosts."""
from magnum_lite.api import schemas
from magnum_lite.api import util
from magnum_lite import policy


@util.spec(query=schemas.PAGE_QUERY, returns=schemas.ANY_OBJECT)
def list_images(request):
    """The images the conductor hosts hold.

    TODO: the conductor's RPC interface (1.0) has no call that lists a
    host's images, so this answers an empty list until one is added.
    """
    request.authorize(policy.IMAGE_GET_ALL)
    request.query()
    return util.respond({"images": []})
