"""RunSlots: the bound on lab runs training at once, its queue, release and idle timeout."""

from __future__ import annotations

import threading

import pytest

from gan_demo.lab.slots import LAB_CPU_SHARE, RunSlots, SlotAnswer, core_share, max_runs_from_env


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_limit_then_queue_in_arrival_order() -> None:
    slots = RunSlots(2, clock=FakeClock())
    assert slots.acquire("a") == SlotAnswer(True, 0, 1, 2)
    assert slots.acquire("b") == SlotAnswer(True, 0, 2, 2)
    assert slots.acquire("c") == SlotAnswer(False, 0, 2, 2)
    assert slots.acquire("d") == SlotAnswer(False, 1, 2, 2)
    assert slots.acquire("c") == SlotAnswer(False, 0, 2, 2)  # asking again keeps the place
    assert slots.acquire("a").granted  # a holder keeps its slot
    assert slots.busy() == 2


def test_release_hands_the_slot_to_the_first_waiting() -> None:
    slots = RunSlots(1, clock=FakeClock())
    assert slots.acquire("a").granted
    assert not slots.acquire("b").granted
    assert not slots.acquire("c").granted
    slots.release("a")
    assert not slots.acquire("c").granted  # b waited first: c may not jump the queue
    assert slots.acquire("b").granted
    assert slots.holds("b") and not slots.holds("a")
    slots.release("b")
    assert slots.acquire("c").granted
    slots.release("nobody")  # harmless


def test_release_of_a_waiting_run_moves_the_queue_up() -> None:
    slots = RunSlots(1, clock=FakeClock())
    slots.acquire("a")
    slots.acquire("b")
    assert slots.acquire("c").ahead == 1
    slots.release("b")
    assert slots.acquire("c").ahead == 0


def test_idle_timeout_frees_a_vanished_run() -> None:
    clock = FakeClock()
    slots = RunSlots(1, idle_timeout_s=10, clock=clock)
    assert slots.acquire("gone").granted
    clock.now = 9
    assert not slots.acquire("b").granted
    clock.now = 15  # "gone" last ticked at 0, b at 9
    assert slots.acquire("b").granted
    assert not slots.holds("gone")
    clock.now = 24  # b ticked at 15: still within 10 s
    assert slots.holds("b")
    assert not slots.acquire("gone").granted  # it comes back to the end of the queue


def test_waiting_runs_that_vanish_leave_the_queue() -> None:
    clock = FakeClock()
    slots = RunSlots(1, idle_timeout_s=10, clock=clock)
    slots.acquire("a")
    slots.acquire("gone")
    clock.now = 5
    slots.acquire("a")
    assert slots.acquire("c").ahead == 1
    clock.now = 12
    slots.acquire("a")
    assert slots.acquire("c").ahead == 0


def test_threads_never_exceed_the_limit() -> None:
    slots = RunSlots(3)
    held: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(12)

    def worker(i: int) -> None:
        barrier.wait()
        if slots.acquire(f"run-{i}").granted:
            with lock:
                held.append(i)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(held) == 3 and slots.busy() == 3


def test_max_runs_from_env() -> None:
    assert max_runs_from_env({"GAN_DEMO_LAB_RUNS": "4"}) == 4
    assert max_runs_from_env({}) >= 1
    for bad in ("0", "65", "two", "1.5"):
        with pytest.raises(ValueError, match="GAN_DEMO_LAB_RUNS"):
            max_runs_from_env({"GAN_DEMO_LAB_RUNS": bad})
    with pytest.raises(ValueError, match="max_active"):
        RunSlots(0)


def test_runs_together_train_at_most_their_share_of_the_cores() -> None:
    assert core_share(1, cores=2) == 1.0  # one run trains on one thread: a whole core at most
    assert core_share(2, cores=2) == 0.5
    assert core_share(4, cores=2) == 0.25
    assert core_share(1, cores=1) == 0.5
    for busy in range(1, 9):
        assert busy * core_share(busy, cores=2) <= LAB_CPU_SHARE * 2
