#!/usr/bin/env python3
"""A CUPS backend that copies each job's bytes into a folder: the tests' PDF sink.

URI ``stationsink:/abs/folder``. Called with no arguments it announces itself (the
device-discovery convention); with job arguments it reads the file argument (or
stdin) and writes ``job-<id>.pdf`` atomically.
"""

import os
import sys


def main() -> int:
    if len(sys.argv) == 1:
        print('direct stationsink "Station" "Station test sink"')
        return 0
    if len(sys.argv) not in (6, 7):
        print("ERROR: usage: stationsink job user title copies options [file]",
              file=sys.stderr)
        return 1
    job = sys.argv[1]
    uri = os.environ.get("DEVICE_URI", "")
    folder = uri.split(":", 1)[1] if ":" in uri else ""
    if not folder.startswith("/"):
        print("ERROR: bad DEVICE_URI", file=sys.stderr)
        return 1
    if len(sys.argv) == 7:
        with open(sys.argv[6], "rb") as src:
            data = src.read()
    else:
        data = sys.stdin.buffer.read()
    tmp = os.path.join(folder, f".job-{job}.part")
    with open(tmp, "wb") as out:
        out.write(data)
    os.replace(tmp, os.path.join(folder, f"job-{job}.pdf"))
    print(f"INFO: stored job {job}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
