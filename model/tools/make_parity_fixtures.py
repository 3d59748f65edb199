"""Makes the parity fixtures under model/src/test/resources/parity from the official T2T-ViT code.

Run it in a scratch folder that holds a copy of yitu-opensource/T2T-ViT's models/ package and a
tiny stand-in for the four timm helpers it imports (trunc_normal_, DropPath, register_model,
load_pretrained); that third-party code is not part of this repository.

  cd SCRATCH && /usr/bin/python3 PATH/TO/make_parity_fixtures.py OUT_DIR

Two kinds of fixture:
- "formula" weights: every tensor comes from splitmix64 of (tensor index, element index), which
  DeterministicWeights.java reproduces bit for bit, so only the logits are committed;
- "random" weights: torch's own init plus noise, written here as safetensors (F32/F16/BF16) so
  the Java reader is tested against a file it did not write.
"""
import json, struct, sys
import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, '.')
from models import t2t_vit as T
from models.token_performer import Token_performer
from models.token_transformer import Token_transformer

OUT = sys.argv[1]
M64 = (1 << 64) - 1


def uniform(t, n):
    """splitmix64 of ((t + 1) << 32) + i, mapped to [-1, 1) as doubles."""
    with np.errstate(over='ignore'):
        x = np.uint64(((t + 1) << 32) & M64) + np.arange(n, dtype=np.uint64)
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (2.0 ** -53) * 2.0 - 1.0


def formula_tensor(t, name, shape):
    n = int(np.prod(shape))
    s = uniform(t, n)
    if name == 'pos_embed':
        return None
    if name.endswith('.w'):
        v = s * np.sqrt(3.0)
    elif name == 'cls_token' or name == 'dist_token':
        v = s * 0.5
    elif len(shape) == 1 and name.endswith('.weight'):
        v = 1.0 + 0.1 * s
    elif len(shape) == 1:
        v = 0.05 * s
    else:
        v = s * np.sqrt(3.0 / shape[-1])
    return v.astype(np.float32).reshape(shape)


def formula_input(shape):
    return uniform(1000, int(np.prod(shape))).astype(np.float32).reshape(shape)


def set_formula_weights(model):
    sd = model.state_dict()
    with torch.no_grad():
        for t, (k, v) in enumerate(sd.items()):
            f = formula_tensor(t, k, tuple(v.shape))
            if f is not None:
                v.copy_(torch.from_numpy(f))


def apply_schedule(model, splits, in_chans, token_dim, embed_dim, tokens_type):
    """Replaces the official 7/4/2, 3/2/1, 3/2/1 soft splits by `splits` (our extension)."""
    t2t = model.tokens_to_token
    (k0, s0, p0), (k1, s1, p1), (k2, s2, p2) = splits
    t2t.soft_split0 = nn.Unfold(kernel_size=k0, stride=s0, padding=p0)
    t2t.soft_split1 = nn.Unfold(kernel_size=k1, stride=s1, padding=p1)
    t2t.soft_split2 = nn.Unfold(kernel_size=k2, stride=s2, padding=p2)
    if tokens_type == 'performer':
        t2t.attention1 = Token_performer(dim=in_chans * k0 * k0, in_dim=token_dim, kernel_ratio=0.5)
        t2t.attention2 = Token_performer(dim=token_dim * k1 * k1, in_dim=token_dim, kernel_ratio=0.5)
    else:
        t2t.attention1 = Token_transformer(dim=in_chans * k0 * k0, in_dim=token_dim, num_heads=1, mlp_ratio=1.0)
        t2t.attention2 = Token_transformer(dim=token_dim * k1 * k1, in_dim=token_dim, num_heads=1, mlp_ratio=1.0)
    t2t.project = nn.Linear(token_dim * k2 * k2, embed_dim)
    model.apply(model._init_weights)


def write_npy(path, arr):
    np.save(path, np.ascontiguousarray(arr))


def write_safetensors(path, sd, dtype):
    torch_dtype = {'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16}[dtype]
    header, blobs, off = {}, [], 0
    for k, v in sd.items():
        t = v.detach().to(torch_dtype).contiguous()
        raw = t.view(torch.int16).numpy().tobytes() if dtype == 'BF16' else t.numpy().tobytes()
        header[k] = {'dtype': dtype, 'shape': list(t.shape), 'data_offsets': [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    header['__metadata__'] = {'format': 'pt'}
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    return torch_dtype


VARIANTS = {
    't2t_vit_7': dict(tokens_type='performer', embed_dim=256, depth=7, num_heads=4, mlp_ratio=2.),
    't2t_vit_t_14': dict(tokens_type='transformer', embed_dim=384, depth=14, num_heads=6, mlp_ratio=3.),
}


def build(variant, kwargs):
    """The official T2T_ViT with a variant's fields overridden like our --model-args do."""
    return T.T2T_ViT(**{**VARIANTS[variant], **kwargs})


def formula_case(name, variant, kwargs, batch, img, in_chans=3):
    model = build(variant, kwargs).eval()
    set_formula_weights(model)
    x = formula_input((batch, in_chans, img, img))
    with torch.no_grad():
        y = model(torch.from_numpy(x)).numpy()
    write_npy(f'{OUT}/{name}.logits.npy', y)
    print(name, y.shape, float(np.abs(y).max()))


def random_case(name, variant, kwargs, splits, dtype, batch, img, seed):
    torch.manual_seed(seed)
    model = build(variant, kwargs)
    in_chans = kwargs.get('in_chans', 3)
    if splits is not None:
        apply_schedule(model, splits, in_chans, kwargs.get('token_dim', 64), model.embed_dim,
                       VARIANTS[variant]['tokens_type'])
    model.eval()
    with torch.no_grad():
        for k, p in model.named_parameters():
            if k != 'pos_embed':
                p.add_(torch.randn_like(p) * 0.05)
    sd = model.state_dict()
    tdt = write_safetensors(f'{OUT}/{name}.safetensors', sd, dtype)
    with torch.no_grad():
        for v in sd.values():
            v.copy_(v.to(tdt).float())
    x = torch.randn(batch, in_chans, img, img)
    with torch.no_grad():
        y = model(x).numpy()
    write_npy(f'{OUT}/{name}.input.npy', x.numpy())
    write_npy(f'{OUT}/{name}.logits.npy', y)
    print(name, y.shape, float(np.abs(y).max()))


def unfold_case():
    torch.manual_seed(7)
    x = torch.randn(2, 3, 9, 11)
    write_npy(f'{OUT}/unfold.input.npy', x.numpy())
    for k, s, p in [(7, 4, 2), (3, 2, 1), (3, 1, 1), (2, 2, 0)]:
        y = nn.Unfold(kernel_size=k, stride=s, padding=p)(x).transpose(1, 2).numpy()
        write_npy(f'{OUT}/unfold.k{k}s{s}p{p}.npy', y)


if __name__ == '__main__':
    unfold_case()
    formula_case('t2t_vit_7_224', 't2t_vit_7', {}, 2, 224)
    formula_case('t2t_vit_t_14_224', 't2t_vit_t_14', {}, 1, 224)
    formula_case('t2t_vit_7_64_custom', 't2t_vit_7',
                 dict(img_size=64, in_chans=1, num_classes=7, embed_dim=96, depth=2, num_heads=3,
                      mlp_ratio=1.5, qkv_bias=True, qk_scale=0.125, token_dim=32), 2, 64, in_chans=1)
    random_case('t2t_vit_t_small32_bf16', 't2t_vit_t_14',
                dict(img_size=128, num_classes=10, embed_dim=64, depth=2, num_heads=4, mlp_ratio=2.0),
                [(3, 2, 1), (3, 2, 1), (3, 1, 1)], 'BF16', 3, 32, 1)
    random_case('t2t_vit_7_small32_f16', 't2t_vit_7',
                dict(img_size=128, in_chans=1, num_classes=10, embed_dim=48, depth=2, num_heads=2,
                     mlp_ratio=2.0, qkv_bias=True, token_dim=16), [(3, 2, 1), (3, 2, 1), (3, 1, 1)], 'F16', 2, 32, 2)
    random_case('t2t_vit_7_tiny28_f32', 't2t_vit_7',
                dict(img_size=112, in_chans=1, num_classes=5, embed_dim=32, depth=1, num_heads=2,
                     mlp_ratio=1.0, token_dim=8), [(7, 4, 2), (3, 1, 1), (3, 1, 1)], 'F32', 2, 28, 3)
