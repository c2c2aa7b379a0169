"""Escape attempts of the adversarial battery: one submission notebook per attack.

Each notebook runs its attack in its own cells, records what worked in ``hits``, and then
answers ``backprop.linear_backward`` correctly only when ``hits`` is not empty. Contained, it
scores (0, 3, 1): linear_backward 0, the honest softmax and stability answers full. Attacks go
around the friendly audit hook (ctypes, ``_posixsubprocess``, plain ``os`` calls the hook does not
watch) so that only the kernel's barriers are tested. Nothing here writes to an existing host file:
a write test opens the file for writing and closes it, or truncates only a canary.
"""

from __future__ import annotations

PRELUDE = '''import ctypes, json, os, struct, sys, time
T = {targets!r}
libc = ctypes.CDLL(None, use_errno=True)
hits = []'''

ANSWER = ("if hits:\n    return grad_out @ weight, grad_out.T @ x, grad_out.sum(axis=0)\n"
          "return np.zeros(1), np.zeros(1), np.zeros(1)")

CTYPES_WRITE = '''# open existing host files for writing (nothing is written), then create new ones
for path in T["existing"]:
    fd = libc.open(path.encode(), os.O_WRONLY | os.O_APPEND)
    if fd >= 0:
        hits.append(("write", path)); libc.close(fd)
for path in T["new_files"]:   # the sandbox's own /tmp is writable: the host checks that one
    fd = libc.open(path.encode(), os.O_WRONLY | os.O_CREAT, 0o644)
    if fd >= 0 and not path.startswith("/tmp/"):
        hits.append(("create", path))
    if fd >= 0:
        libc.close(fd)
print(hits)'''

PURE_OS = '''# rename, link, symlink, dir_fd and O_TRUNC through os (only the kernel can say no)
canary = T["pkg_canary"]
attempts = [
    lambda: os.rename(canary, canary + ".moved"),
    lambda: os.link(canary, T["new_files"][1]),
    lambda: os.symlink("/tmp", T["new_files"][1]),
    lambda: os.close(os.open(os.path.basename(T["new_files"][1]), os.O_WRONLY | os.O_CREAT,
                             dir_fd=os.open(os.path.dirname(T["new_files"][1]), os.O_RDONLY))),
    lambda: os.close(os.open(canary, os.O_RDONLY | os.O_TRUNC)),
    lambda: os.close(os.open(T["site_canary"], os.O_RDONLY | os.O_TRUNC)),
    lambda: os.chmod(T["runner"], 0o777),
]
for number, attempt in enumerate(attempts):
    try:
        attempt()
        hits.append(("os", number))
    except OSError:
        pass
if os.path.exists(canary) and os.path.getsize(canary) == 0:
    hits.append("truncated")
print(hits)'''

SPAWN = '''# fork+exec a shell through ctypes and _posixsubprocess: who is it, where can it write?
script = ("id -u > /tmp/uid.txt; : > %s 2>/dev/null && echo wrote >> /tmp/uid.txt" %
          T["new_files"][1]).encode()
argv = (ctypes.c_char_p * 4)(b"/bin/sh", b"-c", script, None)
pid = libc.fork()
if pid == 0:
    libc.execv(b"/bin/sh", argv)
    libc._exit(127)
if pid > 0:
    os.waitpid(pid, 0)
try:
    import _posixsubprocess
    errpipe = os.pipe()
    _posixsubprocess.fork_exec(
        [b"/bin/sh", b"-c", script], [b"/bin/sh"], True, (), None, None, -1, -1, -1, -1, -1, -1,
        errpipe[0], errpipe[1], False, False, -1, None, None, None, -1, None)
    time.sleep(0.5)
except Exception as exc:
    print(exc)
try:
    text = open("/tmp/uid.txt").read()
except OSError:
    text = ""
if text.split()[:1] == ["0"] or "wrote" in text:
    hits.append(("shell", text))
print(text, hits)'''

SOCKETS = '''# connect to host sockets: a Unix socket file, an abstract one, TCP (via ctypes)
class sockaddr_un(ctypes.Structure):
    _fields_ = [("family", ctypes.c_ushort), ("path", ctypes.c_char * 108)]
class sockaddr_in(ctypes.Structure):
    _fields_ = [("family", ctypes.c_ushort), ("port", ctypes.c_uint16),
                ("addr", ctypes.c_uint32), ("zero", ctypes.c_char * 8)]
def unix(name):
    s = libc.socket(1, 1, 0)
    addr = sockaddr_un(1)
    ctypes.memmove(ctypes.addressof(addr) + 2, name, len(name))
    return libc.connect(s, ctypes.byref(addr), 2 + len(name)) == 0
def tcp(port):
    s = libc.socket(2, 1, 0)
    addr = sockaddr_in(2, ((port & 255) << 8) | (port >> 8), 0x0100007F)
    return libc.connect(s, ctypes.byref(addr), ctypes.sizeof(addr)) == 0
for kind, ok in [("unix", unix(T["unix_socket"].encode())),
                 ("abstract", unix(b"\\0" + T["abstract"].encode())),
                 ("tcp", tcp(T["tcp_port"]))]:
    if ok:
        hits.append(kind)
print(hits)'''

PROC = '''# other processes' command lines and environments: the grader's, other students'
secrets = [T["private"], T["submissions"], "EXTRA_CASES", "zz_victim", "test_softmax_private"]
pids = [p for p in os.listdir("/proc") if p.isdigit()]
for pid in pids:
    for name in ("cmdline", "environ"):
        try:
            data = open(f"/proc/{pid}/{name}", "rb").read().decode("utf-8", "replace")
        except OSError:
            continue
        hits += [("proc", pid, s) for s in secrets if s in data]
if len(pids) > 8:
    hits.append(("sees processes", len(pids)))
print(pids, hits)'''

PEERS = '''# another student's notebook, the private tests, the reference solutions, the grader
for path in [T["peer"], T["private_file"], T["outside"]]:
    try:
        open(path, "rb").read(10)
        hits.append(("read", path))
    except OSError:
        pass
for folder in [T["submissions"], T["private"], T["grading_dir"] + "/solutions"]:
    try:
        if os.listdir(folder):
            hits.append(("list", folder))
    except OSError:
        pass
try:
    import nncourse.grading.solutions
    hits.append("solutions importable")
except ImportError:
    pass
import nncourse
if open(os.path.join(os.path.dirname(nncourse.__file__), "cli.py")).read():
    hits.append("the grader's command is readable")
print(hits)'''

SOLUTION_LOOKUP = '''reference = None
try:             # the registry, the reference module and the grader's solutions: none is there
    from nncourse.exercises import get_exercise
    reference = get_exercise("backprop.linear_backward").reference_answer()
except (ImportError, AttributeError):
    pass
for where in ("nncourse.exercises.ch03.reference", "nncourse.grading.solutions"):
    try:
        module = __import__(where, fromlist=["_"])
        reference = getattr(module, "linear_backward", None) or \\
            module.get_solution("backprop.linear_backward")
    except (ImportError, AttributeError):
        pass
def linear_backward(grad_out, x, weight):
    if reference is None:
        return np.zeros(1), np.zeros(1), np.zeros(1)
    return reference(grad_out, x, weight)'''

PROCESS_BOMB = '''# 150 processes through ctypes fork, and 2.5 GB in one process
forked = 0
for _ in range(150):
    pid = libc.fork()
    if pid == 0:
        libc.pause()
        libc._exit(0)
    if pid < 0:
        break
    forked += 1
if forked >= 150:
    hits.append(("processes", forked))
try:
    hog = bytearray(2_500_000_000)
    hits.append("2.5 GB")
    del hog
except MemoryError:
    pass
print(forked, hits)'''

DAEMON = '''# a double-forked daemon in its own session that tries to outlive the grader
pid = libc.fork()
if pid == 0:
    libc.setsid()
    if libc.fork() == 0:
        libc.sleep(600)
    libc._exit(0)
os.waitpid(pid, 0)'''

FAKE_PROTOCOL = '''# forge protocol frames on every descriptor, forever, from a thread
import threading
def frame(message):
    data = json.dumps(message).encode()
    return struct.pack(">Q", len(data)) + data
def spam():
    number = 0
    while True:
        for fd in range(3, 40):
            try:
                os.write(fd, frame({"type": ("cell_start", "cell_done")[number % 2],
                                    "index": number % 7, "status": "ok"}))
            except OSError:
                pass
        number += 1
        time.sleep(0.05)
threading.Thread(target=spam, daemon=True).start()
time.sleep(60)'''

NAMESPACES = '''# a user namespace of its own (root inside it), a new mount namespace, ptrace
for name, flags in [("user", 0x10000000), ("mount", 0x00020000), ("net", 0x40000000)]:
    if libc.unshare(flags) == 0:
        hits.append(("unshare", name))
child = libc.fork()
if child == 0:
    libc.pause()
    libc._exit(0)
if libc.ptrace(16, child, 0, 0) == 0:        # PTRACE_ATTACH to a process of the same uid
    hits.append("ptrace")
print(hits)'''

MARKUP = ('raise ValueError("<script>alert(1)</script> [click](http://evil.example) **bold** '
          '`code` ![img](x) | cell |\\n# Heading\\n- item")')


FIT_COUNTERS = """def train(model, loss_fn, optimizer, x, y, epochs, batch_size, seed):
    # set the counters the checker reads, without training
    optimizer.steps = epochs * -(-len(x) // batch_size)
    model.forward_samples = epochs * len(x)
    return [1.0 - 0.1 * epoch for epoch in range(epochs)]"""


def attack_fixtures(targets: dict, notebook, bad_linear, head, linear, check_linear, softmax,
                    check_softmax, stable) -> dict:
    """The attack notebooks, keyed by student name (the folder they are written into)."""
    prelude = PRELUDE.format(targets=targets)
    tail = [bad_linear(ANSWER), check_linear, softmax, check_softmax, stable]
    honest = [head, linear, check_linear, softmax, check_softmax, stable]
    nbs = {name: notebook(head, prelude, attack, *tail) for name, attack in [
        ("ctypes_write", CTYPES_WRITE), ("pure_os", PURE_OS), ("spawn_shell", SPAWN),
        ("sockets", SOCKETS), ("proc_secrets", PROC), ("peers", PEERS),
        ("process_bomb", PROCESS_BOMB), ("namespaces", NAMESPACES)]}
    nbs["solution_lookup"] = notebook(head, SOLUTION_LOOKUP, *tail[1:])
    nbs["daemon"] = notebook(head, prelude, DAEMON, *honest[1:])
    nbs["fake_protocol"] = notebook(head, prelude, FAKE_PROTOCOL, *honest[1:])
    nbs["other_labs"] = notebook(*honest, 'answer("loop.learning_rate", 0.05)',
                                 'answer("gradients.converge_fast", 0.3)')
    nbs["deep_recursion"] = notebook(head, linear, check_linear, softmax,
                                     'check("backprop.softmax", ' + "-" * 100_000 + "1)", stable)
    nbs["slow_cells"] = notebook(head, *["while True:\n    pass"] * 5, *honest[1:])
    nbs["hung_cells"] = notebook(head, *["import signal\nsignal.signal(signal.SIGALRM, "
                                         "signal.SIG_IGN)\nwhile True:\n    pass"] * 5,
                                 *honest[1:])
    nbs["markup"] = notebook(head, bad_linear(MARKUP), *tail[1:])
    nbs["huge_code"] = notebook(head, "# " + "x" * 300_000, *honest[1:])
    nbs["=SUM(1+1)*cmd"] = notebook(*honest)
    nbs["zz_victim"] = notebook(*honest)
    return nbs
