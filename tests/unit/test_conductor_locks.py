"""Operations on one container never interleave; on two, they may."""
import threading
import time

from magnum_lite.conductor import status


def _run_two(locks, key_a, key_b):
    inside = []
    overlap = threading.Event()

    def work(key):
        with locks.hold(key):
            inside.append(key)
            if len(inside) > 1:
                overlap.set()
            time.sleep(0.05)
            inside.remove(key)

    threads = [threading.Thread(target=work, args=(k,))
               for k in (key_a, key_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return overlap.is_set()


def test_same_container_is_serialised():
    assert _run_two(status.KeyedLocks(), "c1", "c1") is False


def test_different_containers_run_together():
    assert _run_two(status.KeyedLocks(), "c1", "c2") is True


def test_locks_are_dropped_when_unused():
    locks = status.KeyedLocks()
    with locks.hold("c1"):
        assert "c1" in locks._locks
    assert locks._locks == {}


def test_try_hold_does_not_wait_for_a_busy_container():
    locks = status.KeyedLocks()
    with locks.hold("c1"):
        with locks.hold("c1", timeout=0) as got:
            assert got is False
        with locks.hold("c2", timeout=0) as got:
            assert got is True
    assert locks._locks == {}
