#!/usr/bin/env python3
"""An external method that tries to outlive its cell, for the containment tests.

usage: escape.py MODE MARKER. Before anything else it starts a forked child and a grandchild
double-forked into its own session with setsid; both ignore SIGTERM, keep stdout and stderr
open and sleep. Their pids and the run directory go to MARKER (one per line: dir, pid, pid).
MODE: done (speaks the protocol correctly, exits 0), failed (exits 3 after ready),
timeout (sleeps), interrupt (sleeps; the test signals clvbench). Standard library only.
"""
import json
import os
import signal
import struct
import sys
import time

mode, marker = sys.argv[1], sys.argv[2]
hello = json.loads(sys.stdin.readline())
pids = []


def linger():
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(1000)
    os._exit(0)


child = os.fork()
if child == 0:
    linger()
pids.append(child)
r, w = os.pipe()
first = os.fork()
if first == 0:
    os.setsid()
    grandchild = os.fork()
    if grandchild == 0:
        os.close(r)
        os.write(w, str(os.getpid()).encode())
        os.close(w)
        linger()
    os._exit(0)
os.close(w)
os.waitpid(first, 0)
pids.append(int(os.read(r, 32).decode()))
with open(marker + ".tmp", "w") as f:
    f.write("\n".join([hello["directory"]] + [str(p) for p in pids]) + "\n")
os.rename(marker + ".tmp", marker)


def send(obj):
    obj["protocol"] = 1
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def npy(path, rows, cols):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (rows, cols)
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
        for k in range(rows * cols):
            f.write(struct.pack("<f", ((k * 7919) % 13) / 13.0 + 0.1))


send({"type": "ready"})
if mode == "failed":
    sys.exit(3)
if mode in ("timeout", "interrupt"):
    time.sleep(1000)
while True:
    msg = json.loads(sys.stdin.readline())
    if msg["type"] == "finish":
        sys.exit(0)
    envs = {}
    for spec in hello["environments"]:
        n = len(json.load(open(os.path.join(hello["directory"], spec["eval_captions"]))))
        name = "e-%s.npy" % spec["name"]
        npy(os.path.join(hello["directory"], name), n, 4)
        envs[spec["name"]] = {"accuracy": 0.5, "loss": 1.0, "image_embeddings": name, "caption_embeddings": name}
    send({"type": "result", "stage": msg["stage"], "environments": envs})
