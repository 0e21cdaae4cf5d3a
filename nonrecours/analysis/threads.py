"""numpy's linear algebra on one thread per process.

OpenBLAS starts one thread per core. With one process per core (the test
suite under pytest-xdist, the national barometer's tasks, the web workers),
those threads wait for each other on the small matrices of the secrecy
checks (analysis.disclosure): 15 times more CPU for the rank of a 200 × 300
matrix, 1.9 s a territory instead of 0.4 in `barometer national`.
"""

import ctypes
import glob
from functools import cache
from pathlib import Path


@cache
def one_blas_thread() -> None:
    """Run numpy's OpenBLAS on one thread in this process, once. numpy is
    usually loaded already, too late for OPENBLAS_NUM_THREADS: the library's
    own setter is called. Nothing is done when numpy comes with another
    BLAS."""
    import numpy

    libraries = Path(numpy.__file__).parent.with_name("numpy.libs")
    for path in glob.glob(str(libraries / "libscipy_openblas*.so")):
        setter = getattr(ctypes.CDLL(path), "scipy_openblas_set_num_threads64_", None)
        if setter is not None:
            setter(1)
