#!/usr/bin/env python3
"""A numpy dual encoder with sequential fine-tuning, speaking clvbench's protocol.

It starts where clvbench's built-in methods start: the hello message offers the built-in
pretrained model as a safetensors file (docs/protocol.md, "The shared pretrained start"), and
this method loads it and computes what clvbench's MLP vision tower and bag-of-tokens text tower
compute (docs/models.md): vision = Linear + ReLU layers on the flattened pixels, the last a
projection; text = mean over a caption's real tokens of (token + position embedding), then
Linear + ReLU layers; both L2-normalised, compared by exp(logit_scale). Captions are tokenized
with the vocabulary and rules the hello message gives. Training is cross-entropy over the class
prompts of the current environment with AdamW (weight decay on matrices only, global gradient
norm clipped to 1, the log logit scale clamped to [0, max_log_scale]), as clvbench's finetune.

With `start: random`, or when the offered model is another architecture (ViT, MiniLM), it
starts from random weights of the same layout instead (the behaviour before the shared start).
It reports exact Shapley inputs: the previous checkpoint with each subset of the stage's vision,
language and shared updates applied. numpy only; CI runs it.
Parameters (suite `external.parameters`): epochs (default 3), lr (0.001), batch_size (64),
weight_decay (0.0001), start (pretrained | random); for random starts hidden (128), dim (32).
"""
import os
import sys

import numpy as np

import clvbench_protocol as protocol

PUNCTUATION = set(",:;.!?")


def split_words(text):
    """clvbench's word tokenizer: lower-case, split on white space, , : ; . ! ? as own tokens."""
    out = []
    for raw in text.lower().split():
        current = ""
        for ch in raw:
            if ch in PUNCTUATION:
                if current:
                    out.append(current)
                    current = ""
                out.append(ch)
            else:
                current += ch
        if current:
            out.append(current)
    return out


def group_of(name):
    return "vision" if name.startswith("vision.") else "language" if name.startswith("text.") else "shared"


def layer_names(params, prefix):
    count = 0
    while f"{prefix}.layer{count}.weight" in params:
        count += 1
    return [(f"{prefix}.layer{i}.weight", f"{prefix}.layer{i}.bias") for i in range(count)]


def usable(pretrained):
    """Whether this method computes what the offered model's towers compute."""
    if not pretrained:
        return False, "no pretrained model offered"
    model, tokenizer = pretrained["model"], pretrained["tokenizer"]
    if model["vision"]["kind"] != "mlp" or model["text"]["kind"] != "bag" or tokenizer["kind"] != "words":
        return False, f"offered model is {model['vision']['kind']} + {model['text']['kind']}; this example implements mlp + bag"
    return True, ""


class NumpyCLIP:
    def __init__(self, run):
        p = run.parameters
        self.epochs = int(p.get("epochs", 3))
        self.lr = float(p.get("lr", 0.001))
        self.batch = int(p.get("batch_size", 64))
        self.weight_decay = float(p.get("weight_decay", 0.0001))
        self.rng = np.random.default_rng(run.seed)
        ok, why = usable(run.pretrained)
        start = p.get("start", "pretrained")
        if start == "pretrained" and ok:
            pre = run.pretrained
            self.params, _ = protocol.load_safetensors(os.path.join(run.directory, pre["weights"]))
            tok = pre["tokenizer"]
            self.vocabulary = {w: i for i, w in enumerate(tok["vocabulary"])}
            self.unknown, self.max_tokens = tok["unknown"], tok["max_tokens"]
            self.max_log_scale = float(pre["model"]["max_log_scale"])
            print("starting from clvbench's pretrained model", file=sys.stderr)
        else:
            if start == "pretrained":
                print(f"starting from random weights: {why}", file=sys.stderr)
            self.random_start(run, int(p.get("hidden", 128)), int(p.get("dim", 32)))
        self.vision_layers = layer_names(self.params, "vision")
        self.text_layers = layer_names(self.params, "text")
        self.previous = {k: v.copy() for k, v in self.params.items()}

    def random_start(self, run, hidden, dim):
        words = set()
        for env in run.environments:
            for text in env.class_prompts + list(env.eval_captions) + list(env.train_captions):
                words.update(split_words(text))
        vocabulary = ["<pad>", "<unk>"] + sorted(words - {"<pad>", "<unk>"})
        self.vocabulary = {w: i for i, w in enumerate(vocabulary)}
        self.unknown, self.max_tokens, self.max_log_scale = 1, 16, float(np.log(100.0))
        pixels = int(np.prod(run.image_shape))
        r = self.rng

        def he(n_in, n_out):
            return r.normal(0, np.sqrt(2 / n_in), (n_in, n_out)).astype(np.float32)

        self.params = {
            "vision.layer0.weight": he(pixels, hidden), "vision.layer0.bias": np.zeros((1, hidden), np.float32),
            "vision.layer1.weight": he(hidden, dim), "vision.layer1.bias": np.zeros((1, dim), np.float32),
            "text.token_embedding": r.normal(0, 0.5, (len(vocabulary), dim)).astype(np.float32),
            "text.position_embedding": r.normal(0, 0.1, (self.max_tokens, dim)).astype(np.float32),
            "text.layer0.weight": he(dim, dim), "text.layer0.bias": np.zeros((1, dim), np.float32),
            "logit_scale": np.full((1, 1), np.log(1 / 0.07), np.float32),
        }

    def tokens(self, texts):
        ids = np.zeros((len(texts), self.max_tokens), np.int64)
        for i, t in enumerate(texts):
            row = [self.vocabulary.get(w, self.unknown) for w in split_words(t)][: self.max_tokens]
            ids[i, : len(row)] = row
        return ids

    @staticmethod
    def mlp(p, layers, x):
        inputs, pre, h = [], [], x
        for i, (w, b) in enumerate(layers):
            inputs.append(h)
            z = h @ p[w] + p[b]
            if i < len(layers) - 1:
                pre.append(z)
                h = np.maximum(z, 0)
            else:
                h = z
        norm = np.linalg.norm(h, axis=1, keepdims=True)
        y = h / norm
        return y, (inputs, pre, y, norm)

    @staticmethod
    def mlp_backward(p, layers, dy, trace, g):
        inputs, pre, y, norm = trace
        d = (dy - y * np.sum(y * dy, axis=1, keepdims=True)) / norm
        for i in range(len(layers) - 1, -1, -1):
            w, b = layers[i]
            g[w] += inputs[i].T @ d
            g[b] += d.sum(axis=0, keepdims=True)
            d = d @ p[w].T
            if i > 0:
                d = d * (pre[i - 1] > 0)
        return d

    def encode_images(self, p, x):
        return self.mlp(p, self.vision_layers, x.reshape(len(x), -1))

    def encode_text(self, p, ids):
        mask = (ids != 0).astype(np.float32)
        count = np.maximum(mask.sum(axis=1, keepdims=True), 1)
        summed = (p["text.token_embedding"][ids] + p["text.position_embedding"][None, :, :]) * mask[:, :, None]
        pooled = summed.sum(axis=1) / count
        y, trace = self.mlp(p, self.text_layers, pooled)
        return y, (trace, ids, mask, count)

    def text_backward(self, p, dy, trace, g):
        head, ids, mask, count = trace
        dpooled = self.mlp_backward(p, self.text_layers, dy, head, g)
        per_token = (dpooled / count)[:, None, :] * mask[:, :, None]
        np.add.at(g["text.token_embedding"], ids.ravel(), per_token.reshape(-1, per_token.shape[2]))
        g["text.position_embedding"] += per_token.sum(axis=0)

    def loss_and_grads(self, p, x, labels, prompt_ids):
        g = {k: np.zeros_like(v) for k, v in p.items()}
        vn, vtrace = self.encode_images(p, x)
        un, utrace = self.encode_text(p, prompt_ids)
        s = float(np.exp(p["logit_scale"][0, 0]))
        sim = vn @ un.T
        logits = s * sim
        logits -= logits.max(axis=1, keepdims=True)
        prob = np.exp(logits)
        prob /= prob.sum(axis=1, keepdims=True)
        n = len(x)
        loss = -np.mean(np.log(prob[np.arange(n), labels] + 1e-12))
        d = prob
        d[np.arange(n), labels] -= 1
        d /= n
        g["logit_scale"][0, 0] = np.sum(d * sim) * s
        self.mlp_backward(p, self.vision_layers, s * d @ un, vtrace, g)
        self.text_backward(p, s * d.T @ vn, utrace, g)
        return loss, g

    def train(self, env):
        self.previous = {k: v.copy() for k, v in self.params.items()}
        x, y = env.train_images, env.train_labels.astype(int)
        prompt_ids = self.tokens(env.class_prompts)
        m = {k: np.zeros_like(v) for k, v in self.params.items()}
        v2 = {k: np.zeros_like(v) for k, v in self.params.items()}
        step, loss = 0, float("nan")
        for _ in range(self.epochs):
            order = self.rng.permutation(len(x))
            for start in range(0, len(x), self.batch):
                idx = order[start:start + self.batch]
                loss, g = self.loss_and_grads(self.params, x[idx], y[idx], prompt_ids)
                norm = np.sqrt(sum(float(np.sum(t.astype(np.float64) ** 2)) for t in g.values()))
                clip = 1.0 / norm if norm > 1.0 else 1.0
                step += 1
                for k, value in self.params.items():
                    gk = g[k] * clip
                    m[k] = 0.9 * m[k] + 0.1 * gk
                    v2[k] = 0.999 * v2[k] + 0.001 * gk ** 2
                    update = (m[k] / (1 - 0.9 ** step)) / (np.sqrt(v2[k] / (1 - 0.999 ** step)) + 1e-8)
                    decay = self.weight_decay if value.shape[0] > 1 else 0.0
                    self.params[k] = (value - self.lr * (update + decay * value)).astype(np.float32)
                self.params["logit_scale"] = np.clip(self.params["logit_scale"], 0, self.max_log_scale).astype(np.float32)
        print(f"trained {env.name}: last batch loss {loss:.4f}", file=sys.stderr)

    def evaluate_with(self, p, env):
        vn = self.encode_images(p, env.eval_images)[0]
        prompts = self.encode_text(p, self.tokens(env.class_prompts))[0]
        sim = vn @ prompts.T
        logits = float(np.exp(p["logit_scale"][0, 0])) * sim
        labels = env.eval_labels.astype(int)
        shifted = logits - logits.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        accuracy = float(np.mean(np.argmax(sim, axis=1) == labels))
        loss = float(-np.mean(logp[np.arange(len(labels)), labels]))
        return accuracy, loss, vn

    def evaluate(self, env):
        accuracy, loss, vn = self.evaluate_with(self.params, env)
        un = self.encode_text(self.params, self.tokens(env.eval_captions))[0]
        return accuracy, loss, vn, un

    def shapley(self, envs):
        out = {env.name: {} for env in envs}
        for name in ["vision", "language", "shared", "vision+language", "vision+shared", "language+shared"]:
            chosen = name.split("+")
            mixed = {k: (self.params[k] if group_of(k) in chosen else self.previous[k]) for k in self.params}
            for env in envs:
                out[env.name][name] = self.evaluate_with(mixed, env)[0]
        return out


if __name__ == "__main__":
    protocol.serve(NumpyCLIP)
