import threading

from nonrecours.rights.batching import Batcher
from nonrecours.rights.engine import simulate
from nonrecours.rights.reference import all_cases


def test_concurrent_requests_are_computed_together_with_the_same_results():
    cases = all_cases()[:12]
    alone = simulate([c.situation for c in cases])
    batcher = Batcher(wait=0.2)
    results = [None] * len(cases)
    start = threading.Barrier(len(cases))

    def request(index):
        start.wait()
        results[index] = batcher.simulate(cases[index].situation)

    threads = [threading.Thread(target=request, args=(i,)) for i in range(len(cases))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == alone
    assert max(batcher.batches) > 1  # at least some were merged
    assert sum(batcher.batches) == len(cases)


def test_an_error_reaches_every_waiting_request():
    def broken(situations):
        raise RuntimeError("moteur indisponible")

    batcher = Batcher(compute=broken)
    future = batcher.submit(all_cases()[0].situation)
    try:
        future.result(timeout=5)
    except RuntimeError as error:
        assert "moteur indisponible" in str(error)
    else:
        raise AssertionError("l'erreur aurait dû remonter")


def test_the_worker_waits_for_an_announced_situation():
    """A request announces its simulation while it reads its form; the
    worker, holding another one, waits for it instead of computing alone."""
    cases = all_cases()[:2]
    batcher = Batcher(max_wait=5.0)
    announced = threading.Event()
    release = threading.Event()
    results = {}

    def slow_reader():
        with batcher.expected():
            announced.set()
            release.wait(5)  # still reading its form
            results["slow"] = batcher.simulate(cases[1].situation)

    reader = threading.Thread(target=slow_reader)
    reader.start()
    announced.wait(5)
    first = batcher.submit(cases[0].situation)
    release.set()
    results["first"] = first.result(timeout=60)
    reader.join()
    assert batcher.batches == [2]
    assert [results["first"], results["slow"]] == simulate([c.situation for c in cases])


def test_a_request_alone_or_withdrawn_is_not_waited_for():
    cases = all_cases()[:1]
    batcher = Batcher(max_wait=30.0)  # a wait would show as a timeout below
    with batcher.expected():
        pass  # announced, then left without simulating (an invalid form)
    assert batcher.simulate(cases[0].situation, timeout=20) == simulate([cases[0].situation])[0]
    assert batcher.batches == [1]


def test_announcements_are_counted_back_whatever_happens():
    batcher = Batcher()
    with batcher.expected():
        with batcher.expected():
            batcher.submit(all_cases()[0].situation).result(timeout=60)
        assert batcher._announced == 1  # the outer one still to come
        try:
            with batcher.expected():
                raise ValueError("formulaire illisible")
        except ValueError:
            pass
        assert batcher._announced == 1
    assert batcher._announced == 0
