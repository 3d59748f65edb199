"""Fits the step-time model of docs/scaling-model.md to scaling-testbed tables and checks it on a crowded run.

  /usr/bin/python3 ops/testbed/fit_scaling_model.py LOW_RATE.json HIGH_RATE.json [CHECK.json]

LOW_RATE.json and HIGH_RATE.json: `t2t bench scaling` outputs (the last line is used) of the same
host count at two link rates; CHECK.json: a run with more hosts (possibly more hosts than cores) that the
fitted model must predict. Prints one JSON object: per system the fitted constants, the prediction for
CHECK and its error, and the efficiency at 8 and 64 hosts on 10/25/100 Gbit/s for the given step times.

The model (per host, one step; every time in seconds):
  T(N, R) = s * (C + c * B(N)) + w * B(N) / R
  B(N)    = beta * 2 (N - 1) / N * G
C: the 1-host step time; G: the gradient bytes; R: the link rate in bytes/s; s: hosts sharing the
busiest core (the step waits for the slowest host); c: CPU seconds per byte exchanged (serialising,
TLS, copies, and every per-step cost of the exchange, assumed to scale with the bytes); w: the part of
the wire time not hidden behind compute (0: fully overlapped, 1: not at all, above 1: the link is not
driven at its rate); beta: bytes on the wire over the ideal ring's 2 (N-1)/N G.
"""
import json
import math
import sys

BATCH = 32
# Parameters and GMACs per image at 224 px (timm / the paper); a step's compute scales with the GMACs.
MODELS = {'t2t_vit_7': (4.26e6, 1.1), 't2t_vit_14': (21.5e6, 4.8), 't2t_vit_24': (64.1e6, 12.6)}


def table(path):
    with open(path) as f:
        lines = [line for line in f.read().splitlines() if line.strip()]
    return json.loads(lines[-1])


def rate_bytes(rate):
    for unit, scale in (('kbit', 1e3), ('mbit', 1e6), ('gbit', 1e9)):
        if rate.lower().endswith(unit):
            return float(rate[:-len(unit)]) * scale / 8
    raise ValueError(f'rate {rate}: expected NNNkbit|mbit|gbit')


def step_s(row, hosts):
    return hosts * BATCH / row[f'img_per_s_{hosts}_hosts']


def fit(low, high, system):
    n = low['hosts']
    lo = next(r for r in low['rows'] if r['system'] == system)
    hi = next(r for r in high['rows'] if r['system'] == system)
    g = low['gradient_bytes']
    # Each table's N-host step less its own 1-host step: both were measured in the same run, under the same load.
    c_lo, c_hi = BATCH / lo['img_per_s_1_host'], BATCH / hi['img_per_s_1_host']
    c1 = (c_lo + c_hi) / 2
    b = (lo['bytes_sent_per_step_per_host'] + hi['bytes_sent_per_step_per_host']) / 2
    r1, r2 = rate_bytes(low['rate']), rate_bytes(high['rate'])
    x1, x2 = step_s(lo, n) - c_lo, step_s(hi, n) - c_hi
    w = (x1 - x2) / (b * (1 / r1 - 1 / r2))
    c = (x1 - w * b / r1) / b
    beta = b / (2 * (n - 1) / n * g)
    return {'system': system, 'fitted_on': f'{n} hosts at {low["rate"]} and {high["rate"]}',
            'C_s': c1, 'c_s_per_MB': c * 1e6, 'w': w, 'beta': beta, 'G_bytes': g}


def predict(m, hosts, rate, cores, c_s=None, g=None):
    g = m['G_bytes'] if g is None else g
    c_s = m['C_s'] if c_s is None else c_s
    s = math.ceil(hosts / cores)
    b = m['beta'] * 2 * (hosts - 1) / hosts * g
    t = s * (c_s + m['c_s_per_MB'] / 1e6 * b) + m['w'] * b / rate
    return t, b


def main(argv):
    low, high = table(argv[0]), table(argv[1])
    check = table(argv[2]) if len(argv) > 2 else None
    out = []
    for row in low['rows']:
        m = fit(low, high, row['system'])
        if check is not None:
            cr = next(r for r in check['rows'] if r['system'] == m['system'])
            n = check['hosts']
            # The check run's own 1-host step: it was measured beside the N-host one, under the same load.
            c_check = BATCH / cr['img_per_s_1_host']
            t, b = predict(m, n, rate_bytes(check['rate']), len(set(check['cores'])), c_s=c_check)
            measured = cr[f'img_per_s_{n}_hosts']
            m['check'] = {'run': f'{n} hosts on {len(set(check["cores"]))} cores at {check["rate"]}',
                          'C_s': c_check, 'predicted_img_per_s': n * BATCH / t, 'measured_img_per_s': measured,
                          'error': (n * BATCH / t) / measured - 1,
                          'predicted_efficiency': c_check / t, 'measured_efficiency': cr['scaling_efficiency'],
                          'predicted_bytes_per_step_per_host': b,
                          'measured_bytes_per_step_per_host': cr['bytes_sent_per_step_per_host']}
        ref_params, ref_gmacs = MODELS['t2t_vit_7']
        m['efficiency_one_core_per_host'] = {
            name: {f'{hosts}_hosts_{gbit}_gbit': round(
                (m['C_s'] * gmacs / ref_gmacs) / predict(m, hosts, gbit * 1e9 / 8, hosts,
                                                          c_s=m['C_s'] * gmacs / ref_gmacs,
                                                          g=m['G_bytes'] * params / ref_params)[0], 3)
                for hosts in (8, 64) for gbit in (10, 25, 100)}
            for name, (params, gmacs) in MODELS.items()}
        out.append(m)
    print(json.dumps(out, indent=1))


if __name__ == '__main__':
    main(sys.argv[1:])
