"""What magnum_lite.context takes from oslo.context's private parts still
holds: the thread's current context lives where forget_current looks."""
from oslo_context import context as oslo_context

from magnum_lite import context as ml_context


def test_forget_current_forgets_what_oslo_context_stored():
    made = ml_context.RequestContext(user_id="alice", overwrite=True)
    assert oslo_context.get_current() is made
    ml_context.forget_current()
    assert oslo_context.get_current() is None
    ml_context.forget_current()  # and forgetting twice is harmless
    assert oslo_context.get_current() is None
