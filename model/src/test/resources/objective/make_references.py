"""Reference numbers for the objective/optimizer tests (ours; run with Debian's python3-torch 1.13).

    /usr/bin/python3 make_references.py > references.json

Losses follow timm (SoftTargetCrossEntropy, LabelSmoothingCrossEntropy), DeiT (DistillationLoss)
and Token Labeling's dense term, written out here with torch.nn.functional; AdamW is
torch.optim.AdamW itself; the schedule is timm CosineLRScheduler._get_lr's formula restated.
"""
import json
import math

import torch
import torch.nn.functional as F

torch.manual_seed(1234)


def t(x):
    return x.detach().reshape(-1).tolist()


def losses():
    B, C, N = 4, 5, 3
    cls = torch.randn(B, C) * 2
    dist = torch.randn(B, C) * 2
    aux = torch.randn(B, N, C) * 2
    teacher = torch.randn(B, C) * 3
    labels = torch.tensor([0, 3, 4, 1])
    mix = torch.rand(B, C)
    targets = mix / mix.sum(-1, keepdim=True)
    tok = torch.randn(B, N, C)
    token_targets = tok.softmax(-1)
    out = dict(B=B, C=C, N=N, cls=t(cls), dist=t(dist), aux=t(aux), teacher=t(teacher),
               labels=labels.tolist(), targets=t(targets), token_targets=t(token_targets))

    def soft_ce(x, y):
        return torch.sum(-y * F.log_softmax(x, dim=-1), dim=-1).mean()

    def smooth_ce(x, y, s):
        logp = F.log_softmax(x, dim=-1)
        nll = -logp.gather(dim=-1, index=y.unsqueeze(1)).squeeze(1)
        return ((1 - s) * nll + s * -logp.mean(dim=-1)).mean()

    def kd_soft(s, te, T):
        return F.kl_div(F.log_softmax(s / T, dim=1), F.log_softmax(te / T, dim=1),
                        reduction='sum', log_target=True) * (T * T) / s.numel()

    def kd_hard(s, te):
        return F.cross_entropy(s, te.argmax(dim=1))

    def dense(a, y):
        return soft_ce(a.reshape(-1, a.shape[-1]), y.reshape(-1, y.shape[-1]))

    out['soft_ce'] = soft_ce(cls, targets).item()
    out['smooth_ce_0.1'] = smooth_ce(cls, labels, 0.1).item()
    out['smooth_ce_0.0'] = smooth_ce(cls, labels, 0.0).item()
    out['kd_soft_tau1'] = kd_soft(dist, teacher, 1.0).item()
    out['kd_soft_tau3'] = kd_soft(dist, teacher, 3.0).item()
    out['kd_hard'] = kd_hard(dist, teacher).item()
    out['dense'] = dense(aux, token_targets).item()

    # the full objective with gradients: soft distillation alpha 0.3 tau 2, token labeling 1.0/0.5
    c = cls.clone().requires_grad_()
    d = dist.clone().requires_grad_()
    a = aux.clone().requires_grad_()
    base = soft_ce(c, targets)
    kd = kd_soft(d, teacher, 2.0)
    total = 1.0 * ((1 - 0.3) * base + 0.3 * kd) + 0.5 * dense(a, token_targets)
    total.backward()
    out['objective'] = dict(alpha=0.3, tau=2.0, cls_weight=1.0, dense_weight=0.5, total=total.item(),
                            base=base.item(), distill=kd.item(), dense=dense(aux, token_targets).item(),
                            grad_cls=t(c.grad), grad_dist=t(d.grad), grad_aux=t(a.grad))
    # hard distillation without a distillation token (cls head takes both terms), alpha 0.5
    c2 = cls.clone().requires_grad_()
    total2 = 0.5 * soft_ce(c2, targets) + 0.5 * kd_hard(c2, teacher)
    total2.backward()
    out['objective_hard_no_dist'] = dict(alpha=0.5, total=total2.item(), grad_cls=t(c2.grad))
    return out


def adamw():
    shapes = [('blocks.0.mlp.fc1.weight', (3, 4)), ('blocks.0.mlp.fc1.bias', (4,)), ('cls_token', (1, 1, 4))]
    init = [torch.randn(*s) for _, s in shapes]
    steps = 5
    grads = [[torch.randn(*s) * (0.5 + k) for _, s in shapes] for k in range(steps)]
    lrs = [1e-3, 2e-3, 3e-3, 2.5e-3, 1e-3]
    wd = 0.05
    cases = {}
    for case in ['all_decay', 'groups', 'groups_clip']:
        ps = [p.clone().requires_grad_() for p in init]
        if case == 'all_decay':
            opt = torch.optim.AdamW(ps, lr=lrs[0], weight_decay=wd, betas=(0.9, 0.999), eps=1e-8)
        else:
            opt = torch.optim.AdamW([{'params': [ps[0]], 'weight_decay': wd},
                                     {'params': [ps[1], ps[2]], 'weight_decay': 0.0}],
                                    lr=lrs[0], betas=(0.9, 0.999), eps=1e-8)
        traj = []
        norms = []
        for k in range(steps):
            for p, g in zip(ps, grads[k]):
                p.grad = g.clone()
            if case == 'groups_clip':
                norms.append(float(torch.nn.utils.clip_grad_norm_(ps, max_norm=2.0)))
            for group in opt.param_groups:
                group['lr'] = lrs[k]
            opt.step()
            traj.append([x for p in ps for x in t(p)])
        cases[case] = dict(params=traj, norms=norms)
    return dict(names=[n for n, _ in shapes], shapes=[list(s) for _, s in shapes],
                init=[x for p in init for x in t(p)],
                grads=[[x for g in gs for x in t(g)] for gs in grads], lrs=lrs, weight_decay=wd,
                max_norm=2.0, cases=cases)


def cosine_lr(t, base, warmup_lr, min_lr, t_initial, warmup_t, warmup_prefix=False):
    # CosineLRScheduler._get_lr, cycle_mul = cycle_decay = k_decay = 1, cycle_limit = 1
    if t < warmup_t:
        return warmup_lr + t * ((base - warmup_lr) / warmup_t)
    if warmup_prefix:
        t = t - warmup_t
    i = t // t_initial
    t_curr = t - t_initial * i
    if i < 1:
        return min_lr + 0.5 * (base - min_lr) * (1 + math.cos(math.pi * t_curr / t_initial))
    return min_lr


def schedule():
    cases = []
    for (base, wlr, mlr, epochs, warm, cool, spe, prefix) in [
            (5e-4, 1e-6, 1e-5, 310 - 10, 10, 10, 2502, False),
            (1e-3, 1e-6, 1e-5, 20, 2, 3, 7, False),
            (1e-3, 1e-6, 1e-5, 20, 2, 3, 7, True)]:
        total = (epochs + cool) * spe
        steps = sorted(set([0, 1, 2, warm * spe - 1, warm * spe, warm * spe + 1, epochs * spe // 2,
                            epochs * spe - 1, epochs * spe, total - 1, total + 5, 13, 101]))
        cases.append(dict(base=base, warmup_lr=wlr, min_lr=mlr, epochs=epochs, warmup_epochs=warm,
                          cooldown_epochs=cool, steps_per_epoch=spe, warmup_prefix=prefix, steps=steps,
                          lrs=[cosine_lr(s, base, wlr, mlr, epochs * spe, warm * spe, prefix) for s in steps]))
    return cases


print(json.dumps(dict(torch=torch.__version__, losses=losses(), adamw=adamw(), schedule=schedule())))
