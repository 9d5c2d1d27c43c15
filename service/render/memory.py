"""Keep long-lived rendering processes from holding on to memory they have freed (glibc only)."""

from __future__ import annotations

import ctypes
import gc
import logging
from functools import cache

log = logging.getLogger("courtdocs.memory")
M_MMAP_THRESHOLD = -3  # mallopt parameter, from glibc's malloc.h
MMAP_THRESHOLD = 128 * 1024  # glibc's initial value


def fix_mmap_threshold() -> bool:
    """Give every allocation above 128 KiB its own mapping, returned to the system when freed.

    WeasyPrint copies a whole font file into memory for each PDF that uses it (12 MB for the
    Traditional Chinese face). glibc raises its mmap threshold after such a block is freed, so
    later copies come from the heap, which does not shrink: a worker's resident memory grew by
    about 25 MiB after a few Chinese letters. Fixing the threshold keeps it flat (docs/performance.md).
    Return False where the C library has no mallopt (not glibc); nothing changes there.
    """
    library = _libc()
    if not hasattr(library, "mallopt"):
        log.info("no mallopt in this C library; memory settings unchanged")
        return False
    return bool(library.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))


def release_freed_memory() -> None:
    """Collect cyclic garbage and hand the heap's free pages back to the system (after each job).

    WeasyPrint's layouts are reference cycles: after laying out an Exhibit A part of 400 cases
    (62 MiB at its peak) a process still held 48 MiB more than before, 32 MiB after gc.collect()
    and 13 MiB once malloc_trim had returned the free pages.
    """
    gc.collect()
    library = _libc()
    if hasattr(library, "malloc_trim"):
        library.malloc_trim(0)


@cache
def _libc() -> ctypes.CDLL:
    """Return the symbols this process has loaded, the C library's among them (no ldconfig search)."""
    return ctypes.CDLL(None)
