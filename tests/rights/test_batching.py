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
