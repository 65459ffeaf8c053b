#!/usr/bin/env python3
"""Checks `sysfence static` against reality: runs a command under `sysfence trace` (or reads a
traced profile, or imports an strace log), takes the calls each executable image made (the
tracer's `images`: a child that has not exec'd counts for its parent's image, the execve that
loads an image for the image that called it), runs `sysfence static` on every image, and
reports every traced call the static set lacks.

  check_static_soundness.py --sysfence build/src/cli/sysfence -- diff -u a b
  check_static_soundness.py --sysfence ... --profile traced.json
  check_static_soundness.py --sysfence ... --log strace-f.log

Exit status: 0 when no image misses anything, 1 when something is missed or an image cannot
be analysed, 2 on usage errors or when the trace itself fails.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

# The tracer's key for the launch's own execve, which belongs to no image of the program.
LAUNCHER = "[launcher]"


def traced_images(sysfence, args, command):
    """Returns {image path: set(syscall names)} from the chosen source."""
    if args.profile:
        with open(args.profile) as f:
            profile = json.load(f)
    else:
        with tempfile.TemporaryDirectory(prefix="sysfence-soundness-") as scratch:
            out = os.path.join(scratch, "traced.json")
            if args.log:
                argv = [sysfence, "import-strace", "-o", out, args.log]
            else:
                argv = [sysfence, "trace", "-o", out, "--"] + command
            result = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True)
            if not os.path.exists(out):
                print("no profile from %s: %s" % (" ".join(argv), result.stderr.strip()))
                sys.exit(2)
            with open(out) as f:
                profile = json.load(f)
    return {image: set(names) for image, names in profile.get("images", {}).items()
            if image != LAUNCHER}


def static_set(sysfence, image, extra):
    result = subprocess.run([sysfence, "static"] + extra + [image], capture_output=True,
                            text=True)
    if result.returncode != 0:
        return None, result.stderr.strip()
    return set(json.loads(result.stdout)["syscalls"]), ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sysfence", required=True)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--profile", help="a traced (or imported) profile instead of COMMAND")
    source.add_argument("--log", help="an strace log (any form import-strace reads)")
    parser.add_argument("--static-arg", action="append", default=[],
                        help="extra argument for sysfence static (repeatable)")
    parser.add_argument("--quiet", action="store_true", help="print only images that miss")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not (args.profile or args.log or command):
        parser.error("give a COMMAND, --profile or --log")
    images = traced_images(args.sysfence, args, command)
    if not images:
        print("the trace holds no image")
        return 2
    missed_any = False
    for image, names in sorted(images.items()):
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
