"""/v1/availability_zones: the one zone that every host is in."""
from magnum_lite.api import answers
from magnum_lite.api import util
from magnum_lite import policy


@util.spec(returns=answers.ZONE_LIST)
def list_zones(request):
    """The availability zones: one, [DEFAULT] default_availability_zone,
    which holds every host (a create may name it, or none)."""
    request.authorize(policy.AVAILABILITY_ZONE_GET_ALL)
    zone = request.conf.default_availability_zone
    return util.respond({"availability_zones": [
        {"availability_zone": zone}]})
