"""Who is asking: the request context, from keystone's headers or noauth's.

Both strategies read the same headers (X-Project-Id, X-User-Id, X-Roles).
With keystone, keystonemiddleware's auth_token has checked the token and
written them (dropping any the caller sent); with noauth they are trusted
as sent, and [api] noauth_* fill in what is missing.
"""
from magnum_lite import context as ml_context
from magnum_lite import policy


def context(request, conf, enforcer):
    """The RequestContext of `request`, its is_admin decided by policy."""
    if conf.api.auth_strategy == "keystone":
        if request.headers.get("X-Identity-Status") != "Confirmed":
            # No checked identity (a public path, or auth_token told to
            # delay its decision): nobody, whom policy refuses everything.
            return ml_context.RequestContext.from_environ(
                {}, request_id=request.environ.get("openstack.request_id"))
        values = {}
    else:
        values = _noauth_defaults(request.headers, conf)
    ctx = ml_context.RequestContext.from_environ(request.environ, **values)
    ctx.is_admin = policy.is_admin(enforcer, ctx)
    return ctx


def _noauth_defaults(headers, conf):
    values = {}
    if not headers.get("X-Project-Id"):
        values["project_id"] = conf.api.noauth_project_id
    if not headers.get("X-User-Id"):
        values["user_id"] = conf.api.noauth_user_id
    if not headers.get("X-Roles"):
        values["roles"] = list(conf.api.noauth_roles)
    return values


def keystone(application, conf):
    """`application` behind keystonemiddleware, configured from conf's
    [keystone_authtoken]."""
    # Imported here: it brings keystoneauth and its friends (~25 MiB), which
    # a noauth service never uses.
    from keystonemiddleware import auth_token
    return auth_token.AuthProtocol(application,
                                   {"oslo_config_config": conf})
