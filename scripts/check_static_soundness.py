#!/usr/bin/env python3
"""Checks `sysfence static` against reality: runs a command under `strace -f`, splits the
calls by the image each process was running (a child that has not exec'd belongs to its
parent's image; the execve that loads an image counts for the image that called it), runs
`sysfence static` on every image, and reports every traced call the static set lacks.

  check_static_soundness.py --sysfence build/src/cli/sysfence -- diff -u a b
  check_static_soundness.py --sysfence ... --log trace.log --image /usr/bin/ssh

Exit status: 0 when no image misses anything, 1 when something is missed, 2 on usage errors.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

LINE = re.compile(r"^(\d+)\s+(?:<\.\.\.\s+([a-z0-9_]+)\s+resumed>|([a-z0-9_]+)\()")
RESULT = re.compile(r"=\s+(-?\d+|\?)")
EXECVE_PATH = re.compile(r'^\d+\s+execve(?:at)?\((?:AT_FDCWD,\s*)?"([^"]*)"')


def syscall_name(raw):
    """strace names unknown numbers syscall_0x25b; sysfence calls them syscall_603."""
    if raw.startswith("syscall_0x"):
        return "syscall_%d" % int(raw[len("syscall_0x"):], 16)
    return raw


def which(program):
    """The ELF image the kernel runs for `program`: found in PATH, symlinks resolved, and for
    a script its interpreter (the #! line)."""
    if "/" not in program:
        program = shutil.which(program) or program
    path = os.path.realpath(program)
    for _ in range(4):
        try:
            with open(path, "rb") as f:
                head = f.read(256)
        except OSError:
            return path
        if not head.startswith(b"#!"):
            return path
        words = head[2:].split(b"\n")[0].split()
        if not words:
            return path
        path = os.path.realpath(words[0].decode(errors="replace"))
    return path


def parse_log(path, first_image):
    """Returns {image: set(syscall names)}."""
    image_of = {}
    calls = {}
    pending_exec = {}   # pid -> path of an execve whose result is not known yet
    cloning = []        # pids inside a clone/fork that has not returned yet
    first_pid = None
    with open(path, errors="replace") as log:
        for line in log:
            match = LINE.match(line)
            if not match:
                continue
            pid = int(match.group(1))
            name = syscall_name(match.group(2) or match.group(3))
            resumed = match.group(2) is not None
            if first_pid is None:
                first_pid = pid
                image_of[pid] = first_image
            if pid not in image_of:
                # A new child printing before its parent's clone returned.
                parent = cloning[-1] if cloning else first_pid
                image_of[pid] = image_of.get(parent, first_image)
            image = image_of[pid]
            result = RESULT.search(line)
            finished = result is not None or "<unfinished" not in line
            if name in ("execve", "execveat"):
                if not resumed:
                    exec_path = EXECVE_PATH.match(line)
                    if exec_path:
                        pending_exec[pid] = exec_path.group(1)
                # The execve strace itself makes to start the command is not the program's.
                if not (pid == first_pid and not calls):
                    calls.setdefault(image, set()).add(name)
                if result and result.group(1) == "0" and pid in pending_exec:
                    image_of[pid] = which(pending_exec.pop(pid))
                elif finished:
                    pending_exec.pop(pid, None)
                continue
            calls.setdefault(image, set()).add(name)
            if name in ("clone", "clone3", "fork", "vfork"):
                if not finished or "<unfinished" in line:
                    cloning.append(pid)
                if result:
                    if pid in cloning:
                        cloning.remove(pid)
                    if result.group(1) not in ("?",) and int(result.group(1)) > 0:
                        image_of.setdefault(int(result.group(1)), image)
    return calls


def static_set(sysfence, image, extra):
    result = subprocess.run([sysfence, "static"] + extra + [image], capture_output=True, text=True)
    if result.returncode != 0:
        return None, result.stderr.strip()
    profile = json.loads(result.stdout)
    return set(profile["syscalls"]), ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sysfence", required=True)
    parser.add_argument("--log", help="an existing strace -f log instead of running COMMAND")
    parser.add_argument("--image", help="the image the first traced process runs (with --log)")
    parser.add_argument("--static-arg", action="append", default=[],
                        help="extra argument for sysfence static (repeatable)")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if args.log:
        log = args.log
        first = which(args.image or "")
    else:
        if not command:
            parser.error("give a COMMAND or --log")
        handle, log = tempfile.mkstemp(prefix="sysfence-strace-")
        os.close(handle)
        subprocess.run(["strace", "-f", "-qq", "-o", log] + command,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        first = which(command[0])
    calls = parse_log(log, first)
    if not args.log:
        os.unlink(log)
    missed_any = False
    for image, names in sorted(calls.items()):
        static, error = static_set(args.sysfence, image, args.static_arg)
        if static is None:
            print("%s: cannot analyse: %s" % (image, error))
            missed_any = True
            continue
        missing = sorted(names - static)
        if missing:
            missed_any = True
        if missing or not args.quiet:
            print("%s: %d traced, %d static, missed: %s" %
                  (image, len(names), len(static), " ".join(missing) if missing else "none"))
    return 1 if missed_any else 0


if __name__ == "__main__":
    sys.exit(main())
