"""A seccomp filter for the sandbox: no new namespaces, no ptrace, no kernel-extension calls.

bubblewrap loads it (``--seccomp FD``) just before the sandboxed program starts. It answers
``EPERM`` to the system calls a notebook never needs and that widen the kernel's attack surface:
``unshare``/``setns``/``clone`` with a namespace flag (a new user namespace would give the
submission capabilities inside it), ``mount``, ``ptrace``, the key ring, ``bpf``,
``perf_event_open``, ``userfaultfd``, ``io_uring`` and module loading. ``clone3`` gets
``ENOSYS`` so the C library falls back to ``clone``, whose flags the filter can read. Other
architectures (or the x32 ABI) get no filter here and are refused by the arch check.

Example:
    >>> len(filter_program()) % 8
    0
"""

from __future__ import annotations

import errno
import platform
import struct

AUDIT_ARCH_X86_64 = 0xC000003E
#: x86_64 system call numbers answered with EPERM.
DENIED = {
    "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161, "ptrace": 101,
    "unshare": 272, "setns": 308, "keyctl": 250, "add_key": 248, "request_key": 249,
    "bpf": 321, "perf_event_open": 298, "userfaultfd": 323, "io_uring_setup": 425,
    "io_uring_enter": 426, "io_uring_register": 427, "kexec_load": 246, "init_module": 175,
    "finit_module": 313, "delete_module": 176, "open_by_handle_at": 304,
}
CLONE, CLONE3 = 56, 435
#: CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET | NEWTIME
NAMESPACE_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | \
    0x20000000 | 0x40000000 | 0x00000080

_LD_ABS, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_ALLOW, _ERRNO, _KILL = 0x7FFF0000, 0x00050000, 0x80000000


def filter_program() -> bytes:
    """The compiled BPF program (``struct sock_filter`` array) for x86_64.

    Returns:
        bytes: 8 bytes per instruction, ready for ``bwrap --seccomp FD``.
    """
    code: list[tuple[int, int, int, int]] = []
    denied = sorted(DENIED.values())
    # layout: [arch checks][nr load][x32 check][clone][clone3][denied...][allow]
    #         [clone flag check: ld, jset, allow][ret eperm][ret enosys]
    code += [(_LD_ABS, 0, 0, 4), (_JEQ, 1, 0, AUDIT_ARCH_X86_64), (_RET, 0, 0, _KILL),
             (_LD_ABS, 0, 0, 0), None, None, None]
    code += [None] * len(denied)
    code += [(_RET, 0, 0, _ALLOW)]
    flags_at = len(code)
    code += [(_LD_ABS, 0, 0, 16), None, (_RET, 0, 0, _ALLOW)]
    eperm, enosys = len(code), len(code) + 1
    code += [(_RET, 0, 0, _ERRNO | errno.EPERM), (_RET, 0, 0, _ERRNO | errno.ENOSYS),
             ]

    def jump(at: int, target: int) -> int:
        return target - at - 1

    code[4] = (_JGE, jump(4, eperm), 0, 0x40000000)
    code[5] = (_JEQ, jump(5, flags_at), 0, CLONE)
    code[6] = (_JEQ, jump(6, enosys), 0, CLONE3)
    for offset, number in enumerate(denied):
        at = 7 + offset
        code[at] = (_JEQ, jump(at, eperm), 0, number)
    code[flags_at + 1] = (_JSET, jump(flags_at + 1, eperm), 0, NAMESPACE_FLAGS)
    return b"".join(struct.pack("=HBBI", *instruction) for instruction in code)


def available() -> bool:
    """True where this filter applies (Linux on x86_64)."""
    return platform.system() == "Linux" and platform.machine() in ("x86_64", "AMD64")
