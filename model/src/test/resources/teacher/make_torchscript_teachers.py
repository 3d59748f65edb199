"""Tiny TorchScript teachers and their expected targets (ours; Debian's python3-torch 1.13).

    /usr/bin/python3 make_torchscript_teachers.py

Writes tiny_dense.pt (returns (logits [B,C], per-location logits [B,C,h,w])), tiny_tokens.pt
(returns (logits, per-location logits [B,h*w,C])), tiny_global.pt (returns logits only) and
expected.json: the input batch, the global logits and the token targets
(adaptive_avg_pool2d to the grid, softmax over classes) for several grids.
"""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(7)


class TinyCnn(nn.Module):
    def __init__(self, classes: int = 4):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 8, 3, stride=2, padding=1)
        self.head = nn.Conv2d(8, classes, 1)

    def locations(self, x):
        return self.head(F.relu(self.conv2(F.relu(self.conv1(x)))))  # [B, C, h, w]


class Dense(TinyCnn):
    def forward(self, x):
        loc = self.locations(x)
        return loc.mean((2, 3)), loc


class Tokens(TinyCnn):
    def forward(self, x):
        loc = self.locations(x)
        return loc.mean((2, 3)), loc.flatten(2).transpose(1, 2)


class GlobalOnly(TinyCnn):
    def forward(self, x):
        return self.locations(x).mean((2, 3))


base = Dense().eval()
x = torch.randn(2, 1, 12, 12)
out = {'input_shape': list(x.shape), 'input': x.reshape(-1).tolist()}
with torch.no_grad():
    for cls, name in [(Dense, 'tiny_dense'), (Tokens, 'tiny_tokens'), (GlobalOnly, 'tiny_global')]:
        m = cls().eval()
        m.load_state_dict(base.state_dict())
        torch.jit.script(m).save(name + '.pt')
    glob, loc = base(x)
    out['global'] = glob.reshape(-1).tolist()
    out['feature_grid'] = list(loc.shape[2:])
    out['grids'] = {}
    for gh, gw in [(6, 6), (3, 3), (4, 4), (2, 3)]:
        pooled = F.adaptive_avg_pool2d(loc, (gh, gw))
        tokens = pooled.permute(0, 2, 3, 1).reshape(x.shape[0], gh * gw, -1).softmax(-1)
        out['grids'][f'{gh}x{gw}'] = tokens.reshape(-1).tolist()
json.dump(out, open('expected.json', 'w'))
