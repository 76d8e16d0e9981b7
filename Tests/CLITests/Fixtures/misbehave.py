#!/usr/bin/env python3
"""An external method that breaks the protocol on purpose, one way per MODE, for tests.

usage: misbehave.py MODE MARKER. Writes the run directory it was given to MARKER (so the test
can check it was removed) and, in timeout mode, the pid of a child it spawns to MARKER.child
(so the test can check the child was killed too).
"""
import json
import subprocess
import sys
import time

import numpy as np

mode, marker = sys.argv[1], sys.argv[2]


def send(obj):
    obj["protocol"] = 1
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


hello = json.loads(sys.stdin.readline())
open(marker, "w").write(hello["directory"])
if mode == "nonzero":
    print("something went wrong inside the method", file=sys.stderr)
    sys.exit(3)
send({"type": "ready"})
stage = json.loads(sys.stdin.readline())
if mode == "timeout":
    child = subprocess.Popen(["sleep", "1000"])
    open(marker + ".child", "w").write(str(child.pid))
    time.sleep(1000)
if mode == "badjson":
    print("this is {not json", flush=True)
    time.sleep(30)
if mode == "unknown":
    send({"type": "greetings"})
    time.sleep(30)
if mode == "oldprotocol":
    sys.stdout.write(json.dumps({"type": "result", "protocol": 0}) + "\n")
    sys.stdout.flush()
    time.sleep(30)
envs = {}
for spec in hello["environments"]:
    n = len(json.load(open(hello["directory"] + "/" + spec["eval_captions"])))
    rows = n - 1 if mode == "misshaped" else n
    images = np.random.default_rng(0).normal(size=(rows, 8)).astype(np.float32)
    if mode == "nan":
        images[0, 0] = np.nan
    name = f"output-{spec['name']}.npy"
    if mode != "missing":
        np.save(hello["directory"] + "/" + name, images)
    envs[spec["name"]] = {"accuracy": 1.5 if mode == "accuracy" else 0.5, "loss": 1.0,
                          "image_embeddings": name, "caption_embeddings": name}
send({"type": "result", "stage": stage["stage"], "environments": envs})
time.sleep(30)
