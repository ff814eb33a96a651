"""Policy decisions are remembered, and a changed policy file still
applies without a restart."""
import os

from oslo_policy import opts as policy_opts

from harness import stack as shared
from magnum_lite import context as ml_context
from magnum_lite import policy


def _enforcer(tmp_path, text):
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    conf = shared.make_conf()
    for group, options in policy_opts.list_opts():
        conf.register_opts(options, group=group)
    conf.set_override("policy_file", str(path), group="oslo_policy")
    return policy.get_enforcer(conf), path


def _tenant(project="p1"):
    return ml_context.RequestContext(project_id=project, user_id="u1",
                                     roles=["member"], overwrite=False)


def test_owner_allowed_other_project_refused(tmp_path):
    enforcer, _ = _enforcer(tmp_path, "{}\n")
    target = {"project_id": "p1", "user_id": "u1"}
    assert enforcer.allows(policy.CONTAINER_GET_ONE, target, _tenant())
    assert not enforcer.allows(policy.CONTAINER_GET_ONE, target,
                               _tenant("p2"))
    assert not policy.is_admin(enforcer, _tenant())


def test_edited_policy_file_applies_without_restart(tmp_path):
    enforcer, path = _enforcer(tmp_path, "{}\n")
    enforcer.RECHECK_SECONDS = 0  # ask about the file on every decision
    target = {"project_id": "p1", "user_id": "u1"}
    assert enforcer.allows(policy.CONTAINER_CREATE, target, _tenant())
    path.write_text('"container:create": "!"\n')
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 5))
    assert not enforcer.allows(policy.CONTAINER_CREATE, target, _tenant())
