"""The request context: who asks, on which project, under which request id."""
from oslo_context import context

# oslo.context keeps "the current context" of each thread, for oslo.log to
# stamp log lines with, in this module-level threading.local. It has a
# setter (RequestContext.update_store) but nothing that forgets; checked
# against oslo.context 6.x, and tests/unit/test_context.py checks it holds.
_STORE = context._request_store


class RequestContext(context.RequestContext):
    """oslo.context's context; it crosses RPC as to_dict()/from_dict()."""

    def __init__(self, all_projects=False, **kwargs):
        super().__init__(**kwargs)
        self.all_projects = all_projects

    def to_dict(self):
        values = super().to_dict()
        values["all_projects"] = self.all_projects
        return values

    @classmethod
    def from_dict(cls, values, **kwargs):
        kwargs.setdefault("all_projects", values.get("all_projects", False))
        return super().from_dict(values, **kwargs)

    def elevated(self):
        ctx = self.__class__.from_dict(self.to_dict())
        ctx.is_admin = True
        if "admin" not in ctx.roles:
            ctx.roles.append("admin")
        return ctx


def forget_current():
    """This thread serves no request now: log lines name none."""
    _STORE.__dict__.pop("context", None)


def admin_context(**kwargs):
    """A context for the service's own work (reconcile, start-up)."""
    return RequestContext(is_admin=True, roles=["admin"], overwrite=False,
                          **kwargs)
