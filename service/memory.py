"""Keep long-lived rendering processes from holding on to memory they have freed (glibc only)."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger("courtdocs.memory")
M_MMAP_THRESHOLD = -3  # mallopt parameter, from glibc's malloc.h
MMAP_THRESHOLD = 128 * 1024  # glibc's initial value


def release_large_allocations() -> bool:
    """Give every allocation above 128 KiB its own mapping, returned to the system when freed.

    WeasyPrint copies a whole font file into memory for each PDF that uses it (12 MB for the
    Traditional Chinese face). glibc raises its mmap threshold after such a block is freed, so
    later copies come from the heap, which does not shrink: a worker's resident memory grew by
    about 25 MiB after a few Chinese letters. Fixing the threshold keeps it flat (docs/performance.md).
    Return False where the C library has no mallopt (not glibc); nothing changes there.
    """
    name = ctypes.util.find_library("c")
    library = ctypes.CDLL(name) if name else None
    if library is None or not hasattr(library, "mallopt"):
        log.info("no mallopt in this C library; memory settings unchanged")
        return False
    return bool(library.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
