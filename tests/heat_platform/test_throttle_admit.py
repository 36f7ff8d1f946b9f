"""The throttle kernel's admit/refund: an attempt is counted against every
limit before it is judged (no check-then-act gap), a refused attempt counts
nowhere, and a refund never outlives its window."""

import pytest
from django.core.cache import cache
from django.utils import translation

from heat_platform.kernel import throttle

A = throttle.Limit("test.a", 3, 60)
B = throttle.Limit("test.b", 5, 60)


@pytest.fixture(autouse=True)
def _clear():
    cache.clear()
    yield
    cache.clear()


def test_admit_counts_everywhere_until_one_limit_is_full():
    for _ in range(3):
        assert throttle.admit([(A, "x"), (B, "y")]) is None
    assert throttle.counts([(A, "x"), (B, "y")]) == [3, 3]
    assert throttle.admit([(A, "x"), (B, "y")]) == (A, "x")
    # the refused attempt was taken back everywhere it was counted
    assert throttle.counts([(A, "x"), (B, "y")]) == [3, 3]
    assert throttle.retry_after(A, "x") > 0


def test_a_full_later_limit_takes_back_the_earlier_counts():
    for _ in range(5):
        throttle.hit(B, "y")
    assert throttle.admit([(A, "x"), (B, "y")]) == (B, "y")
    assert throttle.counts([(A, "x"), (B, "y")]) == [0, 5]


def test_other_values_are_counted_apart():
    for _ in range(3):
        throttle.admit([(A, "x")])
    assert throttle.admit([(A, "other")]) is None


def test_refund_takes_back_and_never_creates_a_key():
    throttle.hit(A, "x")
    throttle.refund(A, "x")
    assert throttle.count(A, "x") == 0
    throttle.refund(A, "never-hit")
    assert cache.get(A.key("never-hit")) is None


@pytest.mark.parametrize(("seconds", "zh", "en"), [
    (0, "1 秒", "1 s"), (45, "45 秒", "45 s"), (60, "1 分钟", "1 min"), (61, "2 分钟", "2 min"),
    (3599, "60 分钟", "60 min"), (3600, "1 小时", "1 h"), (5400, "2 小时", "2 h"),
])
def test_wait_text_rounds_up(seconds, zh, en):
    with translation.override("zh-hans"):
        assert throttle.wait_text(seconds) == zh
    with translation.override("en"):
        assert throttle.wait_text(seconds) == en


def test_concurrent_attempts_never_pass_the_limit_together():
    """Increment-first: of many simultaneous attempts exactly `max` get through."""
    import threading

    limit = throttle.Limit("test.race", 5, 60)
    admitted = []
    barrier = threading.Barrier(20)

    def attempt():
        barrier.wait()
        admitted.append(throttle.admit([(limit, "target")]) is None)

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert admitted.count(True) == 5
    assert throttle.count(limit, "target") == 5
