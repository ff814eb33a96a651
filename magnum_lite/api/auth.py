"""Who is asking: the request context, from keystone's headers or noauth's.

Both strategies read the same headers (X-Project-Id, X-User-Id, X-Roles).
With keystone, keystonemiddleware's auth_token has checked the token and
written them (dropping any the caller sent); with noauth they are trusted
as sent, and [api] noauth_* fill in what is missing.
"""
from keystonemiddleware import auth_token

from magnum_lite import context as ml_context
from magnum_lite import policy


def context(request, conf, enforcer):
    """The RequestContext of `request`, its is_admin decided by policy."""
    defaults = {}
    if conf.api.auth_strategy == "noauth":
        headers = request.headers
        if not headers.get("X-Project-Id"):
            defaults["project_id"] = conf.api.noauth_project_id
        if not headers.get("X-User-Id"):
            defaults["user_id"] = conf.api.noauth_user_id
        if not headers.get("X-Roles"):
            defaults["roles"] = list(conf.api.noauth_roles)
    ctx = ml_context.RequestContext.from_environ(request.environ,
                                                 **defaults)
    ctx.is_admin = policy.is_admin(enforcer, ctx)
    return ctx


def keystone(application, conf):
    """`application` behind keystonemiddleware, configured from conf's
    [keystone_authtoken]."""
    return auth_token.AuthProtocol(application,
                                   {"oslo_config_config": conf})
