"""Helper for clvbench's external-method protocol (docs/protocol.md), versions 1 and 2.

Write a class with `train(env)` and `evaluate(env)` (and optionally `shapley(env, envs)`),
then call `serve(MyMethod)`. This module does the talking: it reads JSON lines on stdin,
loads the run's files, writes embeddings as .npy and answers on stdout. numpy only.
Anything you print for yourself must go to stderr (stdout carries the protocol).
"""
import json
import os
import sys

import numpy as np

# The version the suite declared for this method (external.protocol), which clvbench passes
# in CLVBENCH_PROTOCOL; every message both ways carries it. Version 2 adds image file paths.
SUPPORTED = (1, 2)
PROTOCOL = int(os.environ.get("CLVBENCH_PROTOCOL", "1"))
if PROTOCOL not in SUPPORTED:
    raise SystemExit(f"clvbench_protocol.py speaks protocols {SUPPORTED}, not {PROTOCOL}")


def load_safetensors(path):
    """A safetensors file as ({name: float32 array}, metadata), parsed by hand (numpy only):
    an 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}}
    plus an optional "__metadata__" object of strings, then the raw little-endian bytes."""
    with open(path, "rb") as f:
        blob = f.read()
    n = int.from_bytes(blob[:8], "little")
    header = json.loads(blob[8:8 + n])
    metadata = header.pop("__metadata__", {})
    data = memoryview(blob)[8 + n:]
    tensors = {}
    for name, entry in header.items():
        if entry["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} is {entry['dtype']}, expected F32")
        begin, end = entry["data_offsets"]
        values = np.frombuffer(data[begin:end], dtype="<f4")
        tensors[name] = values.reshape(entry["shape"]).astype(np.float32)
    return tensors, metadata


class Environment:
    """One environment of the run. Arrays are loaded on first use."""

    def __init__(self, directory, spec):
        self.name = spec["name"]
        self.held_out = spec["held_out"]
        self.class_names = spec["class_names"]
        self.class_prompts = spec["class_prompts"]
        self._dir = directory
        self._spec = spec
        self._cache = {}

    def _load(self, key):
        if key not in self._cache:
            path = os.path.join(self._dir, self._spec[key])
            self._cache[key] = json.load(open(path)) if path.endswith(".json") else np.load(path)
        return self._cache[key]

    @property
    def train_images(self):
        """float32, (n, height, width, 3), values in [0, 1]."""
        return self._load("train_images")

    @property
    def train_labels(self):
        """uint8, (n,): index into class_prompts."""
        return self._load("train_labels")

    @property
    def train_captions(self):
        return self._load("train_captions")

    @property
    def eval_images(self):
        return self._load("eval_images")

    @property
    def eval_labels(self):
        return self._load("eval_labels")

    @property
    def eval_captions(self):
        return self._load("eval_captions")

    @property
    def train_files(self):
        """Protocol 2: absolute paths of the original image files, in sample order; None when
        the world renders its images (or under protocol 1)."""
        return self._spec.get("train_files")

    @property
    def eval_files(self):
        return self._spec.get("eval_files")


class Run:
    """What the hello message said: seed, order, parameters, environments."""

    def __init__(self, hello):
        self.seed = hello["seed"]
        self.order = hello["order"]
        self.parameters = hello.get("parameters", {})
        self.directory = hello["directory"]
        self.image_shape = tuple(hello["image_shape"])
        self.shapley_requested = hello.get("shapley", False)
        # The built-in pretrained model (weights file, architecture, tokenizer), when offered.
        self.pretrained = hello.get("pretrained")
        self.environments = [Environment(self.directory, e) for e in hello["environments"]]
        self.by_name = {e.name: e for e in self.environments}


def _send(obj):
    obj["protocol"] = PROTOCOL
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def log(message):
    """A free-form note; clvbench skips it (use stderr for anything long)."""
    _send({"type": "log", "message": str(message)})


def _read():
    line = sys.stdin.readline()
    if not line:
        raise SystemExit("clvbench closed the connection")
    message = json.loads(line)
    if message.get("protocol") != PROTOCOL:
        raise SystemExit(f"unsupported protocol {message.get('protocol')}")
    return message


def serve(method_class):
    """Runs the protocol to the end with an instance of `method_class(run)`."""
    hello = _read()
    assert hello["type"] == "hello", hello
    run = Run(hello)
    method = method_class(run)
    out = os.path.join(run.directory, "output")
    os.makedirs(out, exist_ok=True)
    _send({"type": "ready"})
    while True:
        message = _read()
        if message["type"] == "finish":
            return
        assert message["type"] == "stage", message
        stage = message["stage"]
        if message["train"] is not None:
            method.train(run.by_name[message["train"]])
        environments = {}
        for env in run.environments:
            accuracy, loss, images, captions = method.evaluate(env)
            base = f"output/stage{stage}-{env.name}"
            np.save(os.path.join(run.directory, base + ".images.npy"), np.ascontiguousarray(images, dtype=np.float32))
            np.save(os.path.join(run.directory, base + ".captions.npy"), np.ascontiguousarray(captions, dtype=np.float32))
            environments[env.name] = {
                "accuracy": float(accuracy),
                "loss": float(loss),
                "image_embeddings": base + ".images.npy",
                "caption_embeddings": base + ".captions.npy",
            }
        result = {"type": "result", "stage": stage, "environments": environments}
        if message.get("shapley") and hasattr(method, "shapley"):
            result["shapley"] = method.shapley(run.environments)
        _send(result)
