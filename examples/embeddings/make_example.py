#!/usr/bin/env python3
"""Writes the synthetic example embeddings directory used in docs/embeddings.md.

Three environments, three checkpoints (pretrained, then stages training env-a and env-b).
Each environment has three classes; image and caption embeddings sit near their class
centre plus an environment offset, and fine-tuning on an environment pulls every image
embedding toward that environment's offset (a caricature of forgetting). Not a trained
model: it only exercises the file layout. numpy only; deterministic.
"""
import json
import os

import numpy as np

rng = np.random.default_rng(20261129)
here = os.path.dirname(os.path.abspath(__file__))
d, n, classes = 16, 24, 3
envs = ["env-a", "env-b", "env-c"]
centres = rng.normal(size=(classes, d))
offsets = {e: rng.normal(size=d) * 1.5 for e in envs}
labels = {e: (np.arange(n) % classes).astype(np.uint8) for e in envs}
noise_img = {e: rng.normal(size=(n, d)) * 0.7 for e in envs}
noise_txt = {e: rng.normal(size=(n, d)) * 0.7 for e in envs}


def unit(x):
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


manifest = {"format": "clvbench-embeddings/1", "environments": envs, "checkpoints": []}
pull = np.zeros(d)
for stage, trained in enumerate([None, "env-a", "env-b"]):
    if trained:
        pull = pull * 0.5 + offsets[trained]
    entry = {"stage": stage, "environments": {}}
    if trained:
        entry["trained"] = trained
    for e in envs:
        img = centres[labels[e]] + offsets[e] + noise_img[e] + 0.6 * pull
        txt = centres[labels[e]] + 0.5 * offsets[e] + noise_txt[e]
        cls = centres + 0.5 * offsets[e]
        base = f"stage{stage}/{e}"
        os.makedirs(os.path.join(here, f"stage{stage}"), exist_ok=True)
        np.save(os.path.join(here, base + ".images.npy"), unit(img))
        np.save(os.path.join(here, base + ".captions.npy"), unit(txt))
        np.save(os.path.join(here, base + ".labels.npy"), labels[e])
        np.save(os.path.join(here, base + ".class_texts.npy"), unit(cls))
        entry["environments"][e] = {
            "images": base + ".images.npy",
            "captions": base + ".captions.npy",
            "labels": base + ".labels.npy",
            "class_texts": base + ".class_texts.npy",
        }
    manifest["checkpoints"].append(entry)

with open(os.path.join(here, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=2)
    f.write("\n")
