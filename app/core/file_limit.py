"""Servers want descriptors: raise the process's soft limit on open files to its hard limit.

Many systems start programs with a soft limit of 1024 open files while allowing far more;
a server holding thousands of connections would meet EMFILE long before it needs to.
``run`` and the workbench raise the soft limit once at start; the hard limit is the
administrator's and is left alone.
"""

from __future__ import annotations


def raise_file_limit() -> int:
    """Raise RLIMIT_NOFILE's soft limit to the hard one; returns the limit now in force."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows has no such limit
        return -1
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    except (ValueError, OSError):  # macOS refuses values above kern.maxfilesperproc
        return soft
    return wanted
