#!/usr/bin/env python3
"""The precision table of docs/STATIC.md: `sysfence static` on programs of /usr/bin (and
ssh, sshd), with separate debug files and without them (--no-debug-info), with the count of
unresolved sites and the median set size of each column.

    scripts/static_precision_table.py [--build BUILD] [PROGRAM...]     (make static-table)

Without PROGRAM arguments it uses the list below (the programs that exist on the machine).
Prints a Markdown table on stdout; exit status 1 when an analysis fails.
"""
import argparse
import json
import shutil
import statistics
import subprocess
import sys

# Callander's figures on this machine, the loader's calls included (docs/STATIC.md).
CALLANDER = {"readlink": 55, "rm": 57, "mkdir": 73, "cp": 91, "sort": 72, "ls": 91,
             "diff": 50, "ssh": 131, "sshd": 150}

PROGRAMS = [
    "readlink", "rm", "mkdir", "cp", "sort", "ls", "diff", "ssh", "/usr/sbin/sshd",
    "cat", "chmod", "chown", "date", "dd", "df", "du", "echo", "env", "head", "id", "ln",
    "md5sum", "mv", "nproc", "od", "pwd", "realpath", "rmdir", "sha256sum", "split", "stat",
    "tail", "tee", "touch", "tr", "uniq", "wc", "whoami", "grep", "sed", "find", "xargs",
    "tar", "gzip", "bzip2", "xz", "cmp", "file", "less", "make", "curl", "wget", "jq",
    "bash", "dash", "ps", "top", "free", "ip", "scp", "sftp", "git", "sqlite3", "openssl",
]


def analyse(sysfence, path, debug):
    argv = [sysfence, "static", path]
    if not debug:
        argv.insert(2, "--no-debug-info")
    run = subprocess.run(argv, capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {run.stderr.strip()}")
    profile = json.loads(run.stdout)
    return len(profile["syscalls"]), len(profile.get("unresolved", []))


def cell(count, unresolved):
    return f"{count}" + (f" ({unresolved} unresolved)" if unresolved else "")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("programs", nargs="*")
    args = parser.parse_args()
    sysfence = f"{args.build}/src/cli/sysfence"
    rows = []
    for name in args.programs or PROGRAMS:
        path = name if "/" in name else shutil.which(name)
        if path is None:
            continue
        try:
            with_debug = analyse(sysfence, path, True)
            without = analyse(sysfence, path, False)
        except RuntimeError as error:
            print(error, file=sys.stderr)
            return 1
        short = path.rsplit("/", 1)[-1]
        rows.append((short, with_debug, without, CALLANDER.get(short)))
    print("| program | with debug files | without (`--no-debug-info`) | Callander (with loader) |")
    print("|---|---:|---:|---:|")
    for short, with_debug, without, callander in rows:
        print(f"| `{short}` | {cell(*with_debug)} | {cell(*without)} | "
              f"{callander if callander else '–'} |")
    print(f"| **median of {len(rows)}** | {statistics.median(r[1][0] for r in rows):g} | "
          f"{statistics.median(r[2][0] for r in rows):g} | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
