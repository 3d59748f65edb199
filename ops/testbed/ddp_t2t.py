"""PyTorch DDP (gloo) on the official T2T-ViT code: the reference the scaling testbed measures beside ours.

One process per host (rank), started by scaling.py inside that host's network namespace:

  /usr/bin/python3 ddp_t2t.py --official T2T-ViT-CHECKOUT --rank R --world N --master IP:PORT \
      --steps S --warmup W --out RESULT.json

The official code (yitu-opensource/T2T-ViT) is not part of this repository: --official points at a
checkout of it, and only its models/t2t_vit.py and the three files that one imports are loaded (its
package __init__ also imports variants that need more of timm). The four timm helpers those files
import are given here as small stand-ins, as model/tools/make_parity_fixtures.py does.

The job is the testbed's: t2t_vit_7, 64 px, 32 random images per rank per step, 10 classes, one
thread, AdamW. The result is written by every rank: its step end times and the bytes its eth0 sent
in the measured window (steps warmup+1..steps).
"""
import argparse
import importlib
import json
import os
import sys
import time
import types
from datetime import timedelta

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel


def drop_path(x, drop_prob, training):
    if drop_prob == 0.0 or not training:
        return x
    keep = 1.0 - drop_prob
    mask = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(keep)
    return x * mask / keep


class DropPath(nn.Module):
    def __init__(self, drop_prob=None):
        super().__init__()
        self.drop_prob = drop_prob or 0.0

    def forward(self, x):
        return drop_path(x, self.drop_prob, self.training)


def install_timm_stand_ins():
    """The names the official models import from timm; the training path uses only these."""
    def module(name, **attrs):
        m = types.ModuleType(name)
        m.__dict__.update(attrs)
        sys.modules[name] = m
        return m

    def load_pretrained(*args, **kwargs):
        raise RuntimeError('the testbed trains from scratch: no pretrained weights')

    module('timm')
    module('timm.models')
    module('timm.models.helpers', load_pretrained=load_pretrained)
    module('timm.models.registry', register_model=lambda fn: fn)
    module('timm.models.layers', DropPath=DropPath, trunc_normal_=nn.init.trunc_normal_)


def official_t2t_vit(checkout):
    models_dir = os.path.join(checkout, 'models')
    if not os.path.isfile(os.path.join(models_dir, 't2t_vit.py')):
        sys.exit(f'ddp_t2t: {models_dir}/t2t_vit.py not found: --official must be a checkout of yitu-opensource/T2T-ViT')
    install_timm_stand_ins()
    # A bare package over the checkout's models/ folder, so its __init__ (which imports every variant) never runs.
    package = types.ModuleType('models')
    package.__path__ = [models_dir]
    sys.modules['models'] = package
    return importlib.import_module('models.t2t_vit')


def tx_bytes(interface):
    with open(f'/sys/class/net/{interface}/statistics/tx_bytes') as f:
        return int(f.read())


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--official', required=True)
    p.add_argument('--rank', type=int, required=True)
    p.add_argument('--world', type=int, required=True)
    p.add_argument('--master', required=True, help='IP:PORT of rank 0')
    p.add_argument('--steps', type=int, required=True)
    p.add_argument('--warmup', type=int, required=True)
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--img-size', type=int, default=64)
    p.add_argument('--classes', type=int, default=10)
    p.add_argument('--interface', default='eth0')
    p.add_argument('--out', required=True)
    a = p.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(a.rank)
    T = official_t2t_vit(a.official)
    dist.init_process_group('gloo', init_method=f'tcp://{a.master}', rank=a.rank, world_size=a.world,
                            timeout=timedelta(minutes=10))
    model = T.t2t_vit_7(img_size=a.img_size, num_classes=a.classes)
    ddp = DistributedDataParallel(model)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    batches = [(torch.randn(a.batch, 3, a.img_size, a.img_size), torch.randint(0, a.classes, (a.batch,)))
               for _ in range(4)]
    params = sum(t.numel() for t in model.parameters())

    ends = []
    window_start_bytes = tx_bytes(a.interface)
    for step in range(a.steps):
        x, y = batches[step % len(batches)]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(ddp(x), y)
        loss.backward()  # DDP's gradient all-reduce runs here, bucket by bucket, overlapped with backward
        opt.step()
        ends.append(time.perf_counter())
        if step + 1 == a.warmup:
            window_start_bytes = tx_bytes(a.interface)
    window_bytes = tx_bytes(a.interface) - window_start_bytes
    dist.barrier()
    dist.destroy_process_group()
    with open(a.out, 'w') as f:
        json.dump({'rank': a.rank, 'world': a.world, 'params': params, 'step_ends': ends,
                   'window_tx_bytes': window_bytes, 'loss': float(loss)}, f)


if __name__ == '__main__':
    main()
