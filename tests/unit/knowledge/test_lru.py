import threading

from knowledge.lru import Lru


def test_the_least_recently_used_entry_goes_first_and_a_read_counts_as_use() -> None:
    memo: Lru[str, int] = Lru(2)
    memo.put("a", 1)
    memo.put("b", 2)
    assert memo.get("a") == 1  # "a" is now the most recent
    memo.put("c", 3)
    assert memo.get("b") is None and memo.get("a") == 1 and memo.get("c") == 3 and len(memo) == 2
    memo.put("a", 10)  # rewriting an entry replaces it without growing the map
    assert memo.get("a") == 10 and len(memo) == 2


def test_threads_writing_at_once_never_exceed_the_bound() -> None:
    memo: Lru[int, int] = Lru(50)

    def write(offset: int) -> None:
        for i in range(2_000):
            memo.put(offset + i, i)
            memo.get(offset + i // 2)

    threads = [threading.Thread(target=write, args=(n * 10_000,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(memo) == 50
