#!/usr/bin/env python3
"""Writes a small image dataset in clvbench's manifest form (docs/manifest.md), as a researcher's
own data would be laid out: PNG files, one CSV per split (path,label,caption) and a data.yaml.

Three environments of shapes on noisy backgrounds, each captioned with all of its attributes
("a small red circle on the left, dark background"):
  colours  classes red, blue        (shape, side and size vary)
  sides    classes left, right      (shape, colour and size vary)
  sizes    classes small, large     (held out: evaluated at every stage, never trained)

Every image is a pure function of (seed, environment, split, index): each one draws from its own
random.Random seeded with that string, and only Random.random() is used, whose sequence Python
guarantees across versions. Standard library only (zlib writes the PNGs).

Usage: make_dataset.py OUT [--seed N] [--train N] [--eval N] [--size PIXELS]
"""
import argparse
import csv
import os
import random
import struct
import zlib

ENVIRONMENTS = [
    # name, attribute that is the class, classes, held out
    ("colours", "colour", ["red", "blue"], False),
    ("sides", "side", ["left", "right"], False),
    ("sizes", "size", ["small", "large"], True),
]
COLOURS = {"red": (200, 40, 40), "blue": (40, 60, 200), "green": (40, 160, 60), "yellow": (210, 190, 40)}
SHAPES = ["circle", "square", "triangle"]
SIZES = {"small": 0.15, "large": 0.3}
SIDES = ["left", "right"]
BACKGROUNDS = {"light": 200, "dark": 50}


def png(width, height, rgb):
    """An 8-bit RGB PNG (filter 0 on every row) from rows of (r, g, b) tuples."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes(v for px in row for v in px) for row in rgb)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def inside(shape, x, y, cx, cy, r):
    if shape == "circle":
        return (x - cx) ** 2 + (y - cy) ** 2 <= r * r
    if shape == "square":
        return abs(x - cx) <= r * 0.85 and abs(y - cy) <= r * 0.85
    # an upward triangle: apex at (cx, cy - r), base at y = cy + r
    if y < cy - r or y > cy + r:
        return False
    return abs(x - cx) <= (y - (cy - r)) / 2


def sample(seed, env, split, index, label, size):
    """One image and its caption; `label` fixes the environment's class attribute."""
    rng = random.Random(f"{seed}/{env}/{split}/{index}")
    pick = lambda options: options[int(rng.random() * len(options))]
    attributes = {"shape": pick(SHAPES), "colour": pick(list(COLOURS)), "size": pick(list(SIZES)), "side": pick(SIDES)}
    attributes[dict((e[0], e[1]) for e in ENVIRONMENTS)[env]] = label
    background = pick(list(BACKGROUNDS))
    r = SIZES[attributes["size"]] * size * (0.9 + 0.2 * rng.random())
    cx = size * (0.3 if attributes["side"] == "left" else 0.7) + (rng.random() - 0.5) * 0.1 * size
    cy = size / 2 + (rng.random() - 0.5) * 0.3 * size
    colour = [min(255, max(0, c + int(40 * (rng.random() - 0.5)))) for c in COLOURS[attributes["colour"]]]
    base = BACKGROUNDS[background]
    rows = []
    for y in range(size):
        row = []
        for x in range(size):
            if inside(attributes["shape"], x + 0.5, y + 0.5, cx, cy, r):
                row.append(tuple(colour))
            else:
                v = min(255, max(0, base + int(30 * (rng.random() - 0.5))))
                row.append((v, v, v))
        rows.append(row)
    caption = f"a {attributes['size']} {attributes['colour']} {attributes['shape']} on the {attributes['side']}, {background} background"
    return png(size, size, rows), caption


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="directory to write (created; data.yaml goes at its top)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train", type=int, default=48, help="training images per environment")
    parser.add_argument("--eval", type=int, default=24, help="evaluation images per environment")
    parser.add_argument("--size", type=int, default=32, help="image width and height in pixels")
    args = parser.parse_args()
    if args.train < 2 or args.eval < 2 or args.size < 8:
        parser.error("--train and --eval must be at least 2, --size at least 8")
    manifest = ["# Written by examples/byo/make_dataset.py; docs/manifest.md describes the layout.", "environments:"]
    for env, _, classes, held_out in ENVIRONMENTS:
        os.makedirs(os.path.join(args.out, env, "img"), exist_ok=True)
        for split, count in (("train", args.train), ("eval", args.eval)):
            rows = [["path", "label", "caption"]]
            for i in range(count):
                label = classes[i % len(classes)]
                data, caption = sample(args.seed, env, split, i, label, args.size)
                path = f"{env}/img/{split}-{i:04d}.png"
                with open(os.path.join(args.out, path), "wb") as f:
                    f.write(data)
                rows.append([path, label, caption])
            with open(os.path.join(args.out, env, f"{split}.csv"), "w", newline="") as f:
                csv.writer(f, lineterminator="\n").writerows(rows)   # captions with commas are quoted
        manifest += [
            f"  - name: {env}",
            f"    classes: [{', '.join(classes)}]",
            "    prompts: [" + ", ".join(f'"a shape on the {c}"' if env == "sides" else f'"a photo of a {c} shape"' for c in classes) + "]",
            f"    train: {env}/train.csv",
            f"    evaluation: {env}/eval.csv",
        ] + (["    held_out: true"] if held_out else [])
    with open(os.path.join(args.out, "data.yaml"), "w") as f:
        f.write("\n".join(manifest) + "\n")
    print(f"wrote {len(ENVIRONMENTS)} environments, {len(ENVIRONMENTS) * (args.train + args.eval)} images to {args.out}")


if __name__ == "__main__":
    main()
