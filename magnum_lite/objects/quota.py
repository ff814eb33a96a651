"""Quotas: what a project may claim of containers, memory, cpu and disk,
and what it holds; limits come from the project, else its quota class
("default"), else [quota]."""
from magnum_lite.db import quotas as db

RESOURCES = ("containers", "memory", "cpu", "disk")
DEFAULT_CLASS = "default"
UNLIMITED = -1


def class_limits(conf, class_name=DEFAULT_CLASS):
    """{resource: limit} of a quota class: what it sets, the rest from
    [quota]."""
    limits = {name: getattr(conf.quota, name) for name in RESOURCES}
    limits.update(db.quota_class_get(class_name))
    return limits


def limits(conf, project_id):
    """{resource: limit} that holds for the project now."""
    found = {name: getattr(conf.quota, name) for name in RESOURCES}
    of_class, own = db.limits_of(project_id, DEFAULT_CLASS)
    found.update(of_class)
    found.update(own)
    return found


def usage(project_id):
    """{resource: in use}; no container asks for disk yet."""
    return dict(db.quota_usage(project_id), disk=0)


def set_limits(project_id, values):
    db.quota_set(project_id, values)


def set_class_limits(class_name, values):
    db.quota_class_set(class_name, values)


def delete(project_id):
    db.quota_delete(project_id)
