#!/usr/bin/env python3
"""Replays a protocol transcript as an external method, for the hostile-input corpus.

The transcript is $CLVBENCH_HOSTILE_CASE/transcript.txt, one directive per line:
  < TYPE            read one message from clvbench; stop with status 9 if its type differs
  > TEXT            write TEXT and a newline to stdout ($DIR becomes the run directory)
  ! npy NAME ROWS COLS     write a valid float32 .npy of ROWS x COLS into the run directory
  ! copy NAME FILE         copy FILE from the case directory into the run directory as NAME
  ! symlink NAME TARGET    make NAME in the run directory a symlink to TARGET ($CASE, $DIR expand)
  ! stderr TEXT            write TEXT to stderr (\\0 becomes a NUL byte)
  ! line BYTES             write one line of BYTES 'x' characters to stdout
  ! exit STATUS            exit at once with STATUS
Blank lines and lines starting with # are skipped. Needs only the standard library.
"""
import json
import os
import shutil
import struct
import sys

case = os.environ["CLVBENCH_HOSTILE_CASE"]
run_dir = ""


def expand(s):
    return s.replace("$DIR", run_dir).replace("$CASE", case)


def npy(path, rows, cols):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (rows, cols)
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
        for k in range(rows * cols):
            f.write(struct.pack("<f", ((k * 7919) % 13) / 13.0 + 0.1))


for raw in open(os.path.join(case, "transcript.txt"), encoding="utf-8"):
    line = raw.rstrip("\n")
    if not line.strip() or line.startswith("#"):
        continue
    op, _, rest = line.partition(" ")
    if op == "<":
        got = sys.stdin.readline()
        if not got:
            sys.exit(8)
        msg = json.loads(got)
        if msg.get("type") != rest.strip():
            print("replay: expected %s, got %s" % (rest.strip(), msg.get("type")), file=sys.stderr)
            sys.exit(9)
        if msg["type"] == "hello":
            run_dir = msg["directory"]
    elif op == ">":
        sys.stdout.write(expand(rest) + "\n")
        sys.stdout.flush()
    elif op == "!":
        words = rest.split(" ")
        verb = words[0]
        if verb == "npy":
            npy(os.path.join(run_dir, words[1]), int(words[2]), int(words[3]))
        elif verb == "copy":
            shutil.copyfile(os.path.join(case, words[2]), os.path.join(run_dir, words[1]))
        elif verb == "symlink":
            os.symlink(expand(words[2]), os.path.join(run_dir, words[1]))
        elif verb == "stderr":
            sys.stderr.buffer.write(" ".join(words[1:]).replace("\\0", "\0").encode() + b"\n")
            sys.stderr.flush()
        elif verb == "line":
            sys.stdout.write("x" * int(words[1]) + "\n")
            sys.stdout.flush()
        elif verb == "exit":
            sys.exit(int(words[1]))
        else:
            sys.exit("replay: unknown directive " + verb)
    else:
        sys.exit("replay: unknown line " + line)
