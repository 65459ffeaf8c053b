#!/bin/sh
# Makes the python3 study's inputs in $1: a JSON document for json.tool and a script that
# raises an exception. Fixed content.
set -eu
mkdir -p "$1"
printf '{"study": "python3", "numbers": [1, 2, 3], "nested": {"ok": true}}\n' > "$1/doc.json"
printf 'def f():\n    raise ValueError("on purpose")\nf()\n' > "$1/fails.py"
