"""Repairity sandbox supervisor.

Runs as the main process of every sandbox container (under docker-init), or on the host for the
explicitly unsafe development backend. It reads one JSON request per line on stdin and answers
each with one line `@@REPAIRITY <json>` on stdout. For each request it:

1. makes a fresh working directory and writes the request's files (and tar archive) into it;
2. runs the task as a fresh process, stdin /dev/null, stdout and stderr into pipes it drains
   (keeping head and tail up to a limit, so gigabytes of output cost time, never memory):
   - a request with `inProcess` (a Python script, e.g. the assert harness) is forked from the
     *zygote*: a process forked from this supervisor at start-up, before any request was read, so
     it holds no data of any task; it forks one child per task, which runs the script with the
     interpreter already warm (no interpreter start-up per task, nothing of earlier tasks in memory);
   - otherwise (and always on the host) the argv is started with fork + exec;
3. kills the process at the wall-clock deadline;
4. afterwards kills every process the task left (container mode: every process but PID 1, this
   supervisor and the zygote, pass after pass until none is left, the pids limit bounding a fork
   bomb; host mode: the task's process group only), removes the working directory, empties every
   writable place (/tmp, /dev/shm, /dev/mqueue, SysV IPC), and verifies that nothing is left.
   A task that leaves something behind is reported (`leftovers`), and the host retires the
   container.

Standard library only: it runs in any image that has python3.
"""
import base64
import ctypes
import io
import json
import os
import resource
import select
import shutil
import signal
import socket
import sys
import tarfile
import time

MODE = sys.argv[1] if len(sys.argv) > 1 else "container"
WORK_ROOT = sys.argv[2] if len(sys.argv) > 2 else "/work"
CONTAINER = MODE == "container"
SCRATCH = ["/tmp", "/dev/shm", "/dev/mqueue"] if CONTAINER else []
RESULT_LIMIT = 4 * 1024 * 1024
SELF = os.getpid()
ZYGOTE = {"pid": None, "sock": None}

try:
    LIBC = ctypes.CDLL(None, use_errno=True)
except OSError:  # pragma: no cover
    LIBC = None


def respond(obj):
    sys.stdout.write("@@REPAIRITY " + json.dumps(obj) + "\n")
    sys.stdout.flush()


def read_oom_kills():
    """The memory cgroup's OOM-kill counter (cgroup v2 or v1), or None when not visible."""
    if not CONTAINER:
        return None
    for path in ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control"):
        try:
            with open(path) as f:
                for line in f:
                    key, _, value = line.partition(" ")
                    if key == "oom_kill":
                        return int(value)
        except OSError:
            continue
    return None


class Capture:
    """Keeps the first and the last `limit // 2` bytes of a stream and counts the rest."""

    def __init__(self, limit):
        self.half = max(1, limit // 2)
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def add(self, chunk):
        self.total += len(chunk)
        room = self.half - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail += chunk
            if len(self.tail) > 2 * self.half:
                del self.tail[: len(self.tail) - self.half]

    def text(self):
        tail = self.tail[-self.half:] if len(self.tail) > self.half else self.tail
        kept = len(self.head) + len(tail)
        if kept >= self.total:
            return (bytes(self.head) + bytes(tail)).decode("utf-8", "replace"), False
        omitted = self.total - kept
        marker = "\n...[%d bytes omitted]...\n" % omitted
        return bytes(self.head).decode("utf-8", "replace") + marker + bytes(tail).decode("utf-8", "replace"), True


def safe_join(root, rel):
    path = os.path.normpath(os.path.join(root, rel))
    if rel.startswith("/") or not (path == root or path.startswith(root + os.sep)):
        raise ValueError("file path %r leaves the working directory" % rel)
    return path


def write_files(wd, files, archive):
    for rel, content in (files or {}).items():
        path = safe_join(wd, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else base64.b64decode(content["base64"])
        with open(path, "wb") as f:
            f.write(data)
        if rel.endswith(".sh"):
            os.chmod(path, 0o755)
    if archive:
        with tarfile.open(fileobj=io.BytesIO(base64.b64decode(archive)), mode="r:*") as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(wd, filter="data")
            else:
                for member in tar.getmembers():
                    safe_join(wd, member.name)
                tar.extractall(wd)


def other_processes():
    """Live (non-zombie) processes other than PID 1 and this supervisor."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        pid = int(name)
        if pid in (1, SELF, ZYGOTE["pid"]):
            continue
        try:
            with open("/proc/%d/stat" % pid) as f:
                stat = f.read()
        except OSError:
            continue
        state = stat.rsplit(")", 1)[-1].split()[0]
        if state not in ("Z", "X"):
            found.append("%d %s" % (pid, stat[stat.find("(") + 1 : stat.rfind(")")]))
    return found


def reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_everything(child_pid):
    if not CONTAINER:
        try:
            os.killpg(child_pid, signal.SIGKILL)
        except OSError:
            pass
        reap()
        return
    for attempt in range(500):
        victims = other_processes()
        if not victims:
            return
        for entry in victims:
            try:
                os.kill(int(entry.split(" ", 1)[0]), signal.SIGKILL)
            except OSError:
                pass
        reap()
        if attempt > 2:
            time.sleep(0.002)


def remove_sysv_ipc():
    if LIBC is None:
        return
    for kind, fn in (("shm", "shmctl"), ("sem", "semctl"), ("msg", "msgctl")):
        try:
            with open("/proc/sysvipc/" + kind) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            ident = int(row.split()[1])
            if fn == "semctl":
                LIBC.semctl(ident, 0, 0)  # IPC_RMID
            else:
                getattr(LIBC, fn)(ident, 0, None)  # IPC_RMID


def sysv_leftovers():
    found = []
    for kind in ("shm", "sem", "msg"):
        try:
            with open("/proc/sysvipc/" + kind) as f:
                found += ["sysv %s %s" % (kind, row.split()[1]) for row in f.read().splitlines()[1:]]
        except OSError:
            pass
    return found


def empty_dir(path):
    try:
        names = os.listdir(path)
    except OSError:
        return
    for name in names:
        full = os.path.join(path, name)
        try:
            if os.path.isdir(full) and not os.path.islink(full):
                shutil.rmtree(full, ignore_errors=True)
            else:
                os.unlink(full)
        except OSError:
            pass


def leftover_files(wd):
    found = []
    if os.path.exists(wd):
        found.append("file " + wd)
    for place in SCRATCH + ([WORK_ROOT] if CONTAINER else []):
        try:
            found += ["file " + os.path.join(place, n) for n in os.listdir(place)]
        except OSError:
            pass
    return found


def close_other_fds():
    """Closes every descriptor above 2 that is open (closerange over the whole range costs one
    syscall per number where close_range is filtered, tens of milliseconds under seccomp)."""
    try:
        fds = [int(n) for n in os.listdir("/proc/self/fd")]
    except OSError:
        os.closerange(3, 4096)
        return
    for fd in fds:
        if fd > 2:
            try:
                os.close(fd)
            except OSError:
                pass


def enter_task(wd, out_w, err_w):
    """In the task's process: its own session, its directory, /dev/null and the pipes as stdio."""
    os.setsid()
    os.chdir(wd)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(out_w, 1)
    os.dup2(err_w, 2)
    close_other_fds()
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if CONTAINER:
        try:  # make the task, not the supervisor, the OOM killer's first choice
            with open("/proc/self/oom_score_adj", "w") as f:
                f.write("1000")
        except OSError:
            pass
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def zygote_main(sock):
    """The zygote: forks one child per order; the child runs a Python script in this warm interpreter."""
    import atexit
    import runpy
    import traceback

    sys.dont_write_bytecode = True
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(sock, 1 << 20, 2)
        except OSError:
            os._exit(0)
        if not msg:
            os._exit(0)
        order = json.loads(msg)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                sock.close()
                enter_task(order["wd"], fds[0], fds[1])
                os.environ.clear()
                os.environ.update(order["env"])
                sys.stdin = open(0, "r", closefd=False)
                sys.stdout = open(1, "w", closefd=False)
                sys.stderr = open(2, "w", buffering=1, closefd=False)
                sys.argv = [order["script"]] + list(order["args"])
                sys.path[0:0] = [os.path.dirname(os.path.abspath(order["script"]))]
                try:
                    runpy.run_path(order["script"], run_name="__main__")
                    code = 0
                except SystemExit as exc:
                    if exc.code is None:
                        code = 0
                    elif isinstance(exc.code, int):
                        code = exc.code
                    else:
                        sys.stderr.write("%s\n" % (exc.code,))
                        code = 1
                except BaseException:
                    traceback.print_exc()
                    code = 1
                try:
                    atexit._run_exitfuncs()
                except BaseException:
                    pass
                for stream in (sys.stdout, sys.stderr):
                    try:
                        stream.flush()
                    except BaseException:
                        pass
            finally:
                os._exit(code & 0xFF)
        for fd in fds:
            os.close(fd)
        sock.sendall(b"P %d\n" % pid)
        _, status = os.waitpid(pid, 0)
        sock.sendall(b"S %d\n" % status)


def start_zygote():
    parent_sock, child_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:
        parent_sock.close()
        try:
            zygote_main(child_sock)
        finally:
            os._exit(0)
    child_sock.close()
    ZYGOTE["pid"] = pid
    ZYGOTE["sock"] = parent_sock
    ZYGOTE["buffer"] = b""


def zygote_alive():
    pid = ZYGOTE["pid"]
    if not pid:
        return False
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        done = pid
    if done:
        ZYGOTE["pid"] = None
        return False
    return True


def zygote_line(block):
    sock = ZYGOTE["sock"]
    while b"\n" not in ZYGOTE["buffer"]:
        if not block:
            ready, _, _ = select.select([sock], [], [], 0)
            if not ready:
                return None
        chunk = sock.recv(4096)
        if not chunk:
            return b"EOF"
        ZYGOTE["buffer"] += chunk
    line, _, ZYGOTE["buffer"] = ZYGOTE["buffer"].partition(b"\n")
    return line


def zygote_spawn(wd, env, in_process, out_w, err_w):
    """Asks the zygote for a task process; its pid, or None when the zygote is gone."""
    order = {"wd": wd, "env": env, "script": in_process["script"], "args": in_process.get("args", [])}
    try:
        socket.send_fds(ZYGOTE["sock"], [json.dumps(order).encode()], [out_w, err_w])
        line = zygote_line(block=True)
    except OSError:
        return None
    if not line.startswith(b"P "):
        return None
    return int(line[2:])


def zygote_status(block=False):
    line = zygote_line(block)
    if line is None:
        return None
    if line.startswith(b"S "):
        return int(line[2:])
    return 0x7F00 if block or line == b"EOF" else None


def run(req):
    task_id = "".join(c for c in str(req.get("id", "task")) if c.isalnum() or c in "-_")[:64] or "task"
    wd = os.path.join(WORK_ROOT, "t-" + task_id)
    limit = int(req.get("outputLimit", 65536))
    timeout = float(req.get("timeoutMs", 10000)) / 1000.0
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": wd,
        "TMPDIR": "/tmp" if CONTAINER else wd,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "REPAIRITY_RESULT": os.path.join(wd, ".repairity", "result.json"),
    }
    env.update(req.get("env") or {})
    response = {"id": req.get("id")}
    try:
        shutil.rmtree(wd, ignore_errors=True)
        os.makedirs(os.path.join(wd, ".repairity"), mode=0o700)
        write_files(wd, req.get("files"), req.get("archive"))
    except Exception as exc:  # bad request: reported, nothing ran
        shutil.rmtree(wd, ignore_errors=True)
        response.update({"setupError": "%s: %s" % (type(exc).__name__, exc)})
        return response

    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    oom_before = read_oom_kills()
    started = time.monotonic()
    in_process = req.get("inProcess") if CONTAINER and ZYGOTE["pid"] else None
    zygote_lost = False
    if in_process:
        pid = zygote_spawn(wd, env, in_process, out_w, err_w)
        zygote_lost = pid is None
    else:
        pid = os.fork()
        if pid == 0:  # the task
            try:
                enter_task(wd, out_w, err_w)
                argv = req["argv"]
                os.execvpe(argv[0], argv, env)
            except BaseException as exc:
                try:
                    os.write(2, ("repairity: cannot start %r: %s\n" % (req.get("argv"), exc)).encode())
                finally:
                    os._exit(127)
    os.close(out_w)
    os.close(err_w)

    def poll_exit():
        """The task's wait status once it has exited, else None."""
        if in_process:
            if zygote_lost:
                return 0x7F00  # as if it had exited with 127
            status = zygote_status()
            return status
        done, st = os.waitpid(pid, os.WNOHANG)
        return st if done else None

    out, err = Capture(limit), Capture(limit)
    streams = {out_r: out, err_r: err}
    deadline = started + timeout
    status = None
    timed_out = False
    exited_at = None
    zsock = ZYGOTE["sock"]
    while True:
        now = time.monotonic()
        if status is None:
            status = poll_exit()
            if status is not None:
                exited_at = now
        if status is not None and (not streams or now - exited_at > 0.2):
            break  # exited; background processes holding the pipes get 200 ms, then are killed
        if status is None and now >= deadline:
            timed_out = True
            break
        watch = list(streams) + ([zsock.fileno()] if in_process and status is None and not zygote_lost else [])
        if not watch:
            time.sleep(0.002)
            continue
        wait = 0.05 if status is not None else max(0.0, min(deadline - now, 0.25))
        ready, _, _ = select.select(watch, [], [], wait)
        for fd in ready:
            if fd not in streams:
                continue
            chunk = os.read(fd, 1 << 16)
            if chunk:
                streams[fd].add(chunk)
            else:
                os.close(fd)
                del streams[fd]
    duration_ms = int((time.monotonic() - started) * 1000)
    kill_everything(pid)
    if status is None:
        if in_process:
            status = zygote_status(block=True)
        else:
            try:
                _, status = os.waitpid(pid, 0)
            except ChildProcessError:
                status = None
    for fd in list(streams):
        os.close(fd)

    result = None
    result_path = env["REPAIRITY_RESULT"]
    try:
        with open(result_path, "rb") as f:
            result = f.read(RESULT_LIMIT).decode("utf-8", "replace")
    except OSError:
        pass
    oom_after = read_oom_kills()

    shutil.rmtree(wd, ignore_errors=True)
    for place in SCRATCH:
        empty_dir(place)
    if CONTAINER:
        remove_sysv_ipc()
    leftovers = (other_processes() if CONTAINER else []) + leftover_files(wd) + (sysv_leftovers() if CONTAINER else [])
    if CONTAINER and not zygote_alive():
        leftovers.append("zygote died")

    stdout, stdout_cut = out.text()
    stderr, stderr_cut = err.text()
    response.update(
        {
            "exitCode": os.WEXITSTATUS(status) if status is not None and os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if status is not None and os.WIFSIGNALED(status) else None,
            "timedOut": timed_out,
            "oomKilled": bool(oom_before is not None and oom_after is not None and oom_after > oom_before),
            "durationMs": duration_ms,
            "stdout": stdout,
            "stderr": stderr,
            "stdoutTruncated": stdout_cut,
            "stderrTruncated": stderr_cut,
            "stdoutBytes": out.total,
            "stderrBytes": err.total,
            "result": result,
            "leftovers": leftovers,
        }
    )
    return response


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if CONTAINER and LIBC is not None:
        LIBC.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: tasks of the same user cannot ptrace us
    os.makedirs(WORK_ROOT, exist_ok=True)
    if CONTAINER and hasattr(socket, "send_fds"):
        start_zygote()  # before the first request is read: the zygote never holds task data
    respond({"ready": True, "pid": SELF, "oomKills": read_oom_kills()})
    stdin = sys.stdin.buffer
    while True:
        line = stdin.readline()
        if not line:
            return
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
        except ValueError as exc:
            respond({"id": None, "setupError": "bad request: %s" % exc})
            continue
        if req.get("ping"):
            respond({"id": req.get("id"), "pong": True})
            continue
        respond(run(req))


if __name__ == "__main__":
    main()
