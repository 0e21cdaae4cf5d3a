"""The load test's PostgreSQL: the test suite's throwaway server
(nonrecours.testing.postgresql), plus what a load test needs of it: its
database created, and a restart while the load runs."""

from nonrecours.testing.postgresql import ThrowawayPostgres, _find_binary

DATABASE = "nonrecours"


class LoadPostgres(ThrowawayPostgres):
    """A throwaway server on a private Unix socket (fsync off: nothing here
    outlives the run), started by ``start()``, deleted by ``stop()``."""

    def create_database(self) -> None:
        """Create the database named in ``url``. Raises RuntimeError
        (French, with the server's log) when the server refuses."""
        self._run(
            _find_binary("createdb"), "-h", str(self.root), "-p", str(self.port),
            "-U", "postgres", DATABASE,
        )  # fmt: skip

    def restart(self) -> None:
        """`pg_ctl restart -m fast`: every connection is cut, the server
        stops cleanly and starts again with the options of its first start
        (pg_ctl keeps them in postmaster.opts). Returns once it accepts
        connections again. Raises RuntimeError (French) on failure."""
        self._run(
            _find_binary("pg_ctl"), "-D", str(self.data), "-m", "fast",
            "-l", str(self.log), "-w", "restart",
        )  # fmt: skip
