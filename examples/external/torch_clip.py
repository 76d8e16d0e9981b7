#!/usr/bin/env python3
"""The same protocol around a real PyTorch CLIP (open_clip), with sequential fine-tuning.

NOT RUN IN CI: it needs PyTorch, open_clip, pretrained weights on disk and, in practice, a
GPU. Only its model code is untested here; the protocol code it relies on is
clvbench_protocol.py, which CI exercises through numpy_clip.py.

Parameters (suite `external.parameters`): model (default ViT-B-32), pretrained (path to a
local checkpoint file; nothing is downloaded), epochs (1), lr (1e-5), device (cuda).
Example suite entry:
  - external: {command: [python3, examples/external/torch_clip.py], timeout_s: 86400,
               parameters: {pretrained: /data/open_clip_vit_b32.pt}}
"""
import sys

import numpy as np
import torch
import torch.nn.functional as F

import clvbench_protocol as protocol

try:
    import open_clip
except ImportError as e:  # pragma: no cover - documented requirement
    raise SystemExit("torch_clip.py needs open_clip: pip install open_clip_torch") from e


class TorchCLIP:
    def __init__(self, run):
        p = run.parameters
        self.device = p.get("device", "cuda" if torch.cuda.is_available() else "cpu")
        self.epochs, self.lr = int(p.get("epochs", 1)), float(p.get("lr", 1e-5))
        torch.manual_seed(run.seed)
        self.model, _, self.preprocess = open_clip.create_model_and_transforms(p.get("model", "ViT-B-32"), pretrained=p["pretrained"])
        self.tokenizer = open_clip.get_tokenizer(p.get("model", "ViT-B-32"))
        self.model.to(self.device)
        self.groups = {"vision": [n for n, _ in self.model.named_parameters() if n.startswith("visual.")],
                       "shared": ["logit_scale"]}
        self.groups["language"] = [n for n, _ in self.model.named_parameters()
                                   if n not in self.groups["vision"] and n not in self.groups["shared"]]
        self.previous = {k: v.detach().clone() for k, v in self.model.state_dict().items()}

    def images(self, x):
        t = torch.tensor(x).permute(0, 3, 1, 2).to(self.device)
        t = F.interpolate(t, size=224, mode="bilinear", align_corners=False)
        mean = torch.tensor([0.4815, 0.4578, 0.4082], device=self.device).view(1, 3, 1, 1)
        std = torch.tensor([0.2686, 0.2613, 0.2758], device=self.device).view(1, 3, 1, 1)
        return (t - mean) / std

    def train(self, env):
        self.previous = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
        opt = torch.optim.AdamW(self.model.parameters(), lr=self.lr)
        prompts = self.tokenizer(env.class_prompts).to(self.device)
        labels = torch.tensor(env.train_labels.astype(np.int64), device=self.device)
        self.model.train()
        for _ in range(self.epochs):
            for i in torch.randperm(len(labels)).split(32):
                img = F.normalize(self.model.encode_image(self.images(env.train_images[i.numpy()])), dim=-1)
                txt = F.normalize(self.model.encode_text(prompts), dim=-1)
                loss = F.cross_entropy(self.model.logit_scale.exp() * img @ txt.T, labels[i])
                opt.zero_grad()
                loss.backward()
                opt.step()
        print(f"trained {env.name}", file=sys.stderr)

    @torch.no_grad()
    def evaluate(self, env):
        self.model.eval()
        img = torch.cat([F.normalize(self.model.encode_image(self.images(env.eval_images[i:i + 64])), dim=-1)
                         for i in range(0, len(env.eval_images), 64)])
        prompts = F.normalize(self.model.encode_text(self.tokenizer(env.class_prompts).to(self.device)), dim=-1)
        caps = torch.cat([F.normalize(self.model.encode_text(self.tokenizer(env.eval_captions[i:i + 256]).to(self.device)), dim=-1)
                          for i in range(0, len(env.eval_captions), 256)])
        logits = self.model.logit_scale.exp() * img @ prompts.T
        labels = torch.tensor(env.eval_labels.astype(np.int64), device=self.device)
        accuracy = (logits.argmax(dim=1) == labels).float().mean().item()
        loss = F.cross_entropy(logits, labels).item()
        return accuracy, loss, img.cpu().numpy(), caps.cpu().numpy()


if __name__ == "__main__":
    protocol.serve(TorchCLIP)
