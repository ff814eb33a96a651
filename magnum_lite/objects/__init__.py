"""Versioned objects: the records as the rest of the code sees them."""
from magnum_lite.objects.container import Container  # noqa: F401
from magnum_lite.objects.container import ContainerList  # noqa: F401
from magnum_lite.objects.container_action import ContainerAction  # noqa
from magnum_lite.objects.registry import Registry  # noqa: F401
from magnum_lite.objects.service import Service  # noqa: F401
from magnum_lite.objects.volume import Volume  # noqa: F401
from magnum_lite.objects import deployment  # noqa: F401
from magnum_lite.objects import image_pull  # noqa: F401
from magnum_lite.objects import quota  # noqa: F401
from magnum_lite.db.api import together  # noqa: F401
