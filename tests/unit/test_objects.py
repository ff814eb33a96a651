"""Versioned objects: a field change needs a version bump, and an older
peer gets a record it understands."""
from oslo_versionedobjects import fixture

from magnum_lite import context as ml_context
from magnum_lite import lifecycle
from magnum_lite import objects
from magnum_lite.objects import base
from magnum_lite import rpc

# Change a fingerprint only together with the object's VERSION (and its
# version comment, and obj_make_compatible where a field was added).
EXPECTED = {
    "Container": "1.7-ae06b66127f58bbb6a96d80405e7d439",
    "ContainerAction": "1.2-66cafa23752529f6d1fc4a9a879c5e5e",
    "ContainerActionList": "1.2-15ecf022a68ddbb8c2a6739cfc9f8f5e",
    "ContainerList": "1.7-15ecf022a68ddbb8c2a6739cfc9f8f5e",
    "Registry": "1.0-c0bbb2ed8912ee1ba5c6951088fe6b3f",
    "Service": "1.3-638448f24549aeb88525df9a883d2f4d",
    "Volume": "1.0-41560df403d7e41d53d97a597953555b",
}


def test_fingerprints_match_versions():
    checker = fixture.ObjectVersionChecker(
        base.ObjectRegistry.obj_classes())
    expected, actual = checker.test_hashes(EXPECTED)
    assert expected == actual


def _container():
    ctx = ml_context.RequestContext(project_id="p", user_id="u",
                                    overwrite=False)
    return objects.Container(
        ctx, uuid="9b1c3c1e-8f5c-4a0e-9a51-0c1e2f3a4b5c", name="web",
        project_id="p", user_id="u", image="busybox",
        status=lifecycle.CREATING, status_detail="pulling 1/2 layers",
        memory=64, environment={"A": "1"}, idempotency_key="retry-1")


def test_backport_to_1_1_drops_idempotency_key():
    primitive = _container().obj_to_primitive(target_version="1.1")
    data = primitive["magnum_lite_object.data"]
    assert primitive["magnum_lite_object.version"] == "1.1"
    assert "idempotency_key" not in data
    assert data["status_detail"] == "pulling 1/2 layers"


def test_backport_to_1_0_drops_status_detail_too():
    primitive = _container().obj_to_primitive(target_version="1.0")
    data = primitive["magnum_lite_object.data"]
    assert primitive["magnum_lite_object.version"] == "1.0"
    assert "status_detail" not in data and "idempotency_key" not in data
    assert data["name"] == "web" and data["memory"] == 64


def test_backport_to_1_4_drops_mounts_and_health():
    container = _container()
    container.mounts = [{"source": "data", "destination": "/data",
                         "volume_id": "9b1c3c1e-8f5c-4a0e-9a51-0c1e2f3a4b5d"}]
    container.healthcheck = {"test": "true"}
    container.health = "healthy"
    container.auto_heal = True
    data = container.obj_to_primitive(
        target_version="1.4")["magnum_lite_object.data"]
    assert not {"mounts", "healthcheck", "health", "auto_heal"} & set(data)
    assert data["status_detail"] == "pulling 1/2 layers"


def test_an_action_backported_to_1_1_drops_its_events():
    action = objects.ContainerAction(
        container_uuid="9b1c3c1e-8f5c-4a0e-9a51-0c1e2f3a4b5c",
        action="create", taken_by="conductor-1", events=[{
            "event": "started", "result": "Success", "traceback": None}])
    data = action.obj_to_primitive(
        target_version="1.1")["magnum_lite_object.data"]
    assert "events" not in data and data["taken_by"] == "conductor-1"
    data = action.obj_to_primitive(
        target_version="1.0")["magnum_lite_object.data"]
    assert not {"events", "taken_by"} & set(data)


def test_rpc_serializer_round_trip_keeps_fields_and_context():
    serializer = rpc.RequestContextSerializer()
    container = _container()
    ctx = container._context
    wire = serializer.serialize_entity(ctx, container)
    back = serializer.deserialize_entity(ctx, wire)
    assert isinstance(back, objects.Container)
    assert (back.uuid, back.status_detail, back.environment) == (
        container.uuid, "pulling 1/2 layers", {"A": "1"})
    ctx_back = serializer.deserialize_context(
        serializer.serialize_context(ctx))
    assert (ctx_back.project_id, ctx_back.request_id) == (
        "p", ctx.request_id)


def test_status_field_refuses_unknown_status():
    container = _container()
    try:
        container.status = "Sleeping"
    except ValueError:
        return
    raise AssertionError("an unknown status was accepted")
