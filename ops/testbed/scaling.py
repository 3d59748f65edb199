"""The scaling testbed (issue 13): N hosts as Linux network namespaces on this machine.

Run it through `./t2t bench scaling [flags]` (or `/usr/bin/python3 ops/testbed/scaling.py`), as root.

What it builds: one network namespace per host (HOST_PREFIX-h0 .. -hN-1) and one for the switch
(-sw, a bridge); each host's eth0 is a veth whose other end is a bridge port in the switch
namespace, so no interface of the testbed exists in the machine's own namespace. Addresses are
SUBNET.1 .. SUBNET.N (/24) with no default route: traffic can only reach the testbed's own
hosts. Each link is shaped with tc tbf in both directions (the host's egress and the switch port's
egress) to --rate; --delay-ms adds a netem delay on each host's egress (the kernel must have
sch_netem; without it the testbed refuses the flag: tbf shapes rate, and no other qdisc here can
hold packets back for a fixed time). Host i's processes are pinned to core i mod (usable cores).

What it runs, --repeats times: the job on 1 host and on N hosts, for each system:
- t2t: fresh certificates (./t2t certs), a `./t2t node` per host (TLS on, every role, one worker),
  and `./t2t train --cluster` in host 0's namespace from its own address (SUBNET.100);
- pytorch_ddp_gloo: ops/testbed/ddp_t2t.py on the official T2T-ViT code (--official CHECKOUT),
  one rank per host.
The job: t2t_vit_7, 64 px, synthetic data, no teacher, 32 images per worker per step, one thread.
img/s is measured over steps warmup+1..steps (the global batch over the summed step times);
bytes sent per step per host are read from the hosts' eth0 tx counters over the same window.

It prints progress on stderr and, as the last stdout line, one JSON object (the issue's table).
Whatever happens (an error, Ctrl-C, SIGTERM) it stops the processes it started and deletes the
namespaces it made; --keep leaves them for debugging (it prints how to delete them).
"""
import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DDP_DRIVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'ddp_t2t.py')
SEED_PORT = 25520
DDP_PORT = 29500
CLIENT_OCTET = 100
MODEL = 't2t_vit_7'
IMG_SIZE = 64
BATCH_PER_WORKER = 32
CLASSES = 10
EXIT_USAGE = 2
EXIT_INTERNAL = 1


class UsageError(Exception):
    """Bad flags or a machine that cannot host the testbed: one line, exit 2."""


def log(msg):
    print(f'testbed: {msg}', file=sys.stderr, flush=True)


def sh(*cmd, check=True):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f'{" ".join(cmd)} failed ({r.returncode}): {r.stderr.strip()}')
    return r


class Testbed:
    """The namespaces, links and processes of one testbed; close() removes every one of them."""

    def __init__(self, hosts, subnet, rate, delay_ms, cores):
        self.prefix = f't2tb{os.getpid()}'
        self.hosts = hosts
        self.subnet = subnet
        self.rate = rate
        self.delay_ms = delay_ms
        self.cores = cores
        self.namespaces = []
        self.etc_dirs = []
        self.procs = []
        self.certs = None

    def ns(self, i):
        return f'{self.prefix}-h{i}'

    def ip(self, i):
        return f'{self.subnet}.{i + 1}'

    @property
    def client_ip(self):
        return f'{self.subnet}.{CLIENT_OCTET}'

    def core(self, i):
        return self.cores[i % len(self.cores)]

    def _add_ns(self, name):
        sh('ip', 'netns', 'add', name)
        self.namespaces.append(name)
        sh('ip', '-n', name, 'link', 'set', 'lo', 'up')

    def build(self):
        switch = f'{self.prefix}-sw'
        self._add_ns(switch)
        sh('ip', '-n', switch, 'link', 'add', 'br0', 'type', 'bridge')
        sh('ip', '-n', switch, 'link', 'set', 'br0', 'up')
        for i in range(self.hosts):
            host = self.ns(i)
            self._add_ns(host)
            port = f'p{i}'
            # Both ends are created inside the namespaces: nothing of the testbed appears in the machine's own.
            sh('ip', 'link', 'add', 'eth0', 'netns', host, 'type', 'veth', 'peer', 'name', port, 'netns', switch)
            sh('ip', '-n', switch, 'link', 'set', port, 'master', 'br0')
            sh('ip', '-n', switch, 'link', 'set', port, 'up')
            sh('ip', '-n', host, 'addr', 'add', f'{self.ip(i)}/24', 'dev', 'eth0')
            if i == 0:
                sh('ip', '-n', host, 'addr', 'add', f'{self.client_ip}/24', 'dev', 'eth0')
            sh('ip', '-n', host, 'link', 'set', 'eth0', 'up')
            self._shape(host, 'eth0', self.delay_ms)
            self._shape(switch, port, 0)
            # `ip netns exec` mounts /etc/netns/NS/hosts over /etc/hosts: this machine's name then resolves
            # to the host's own address, which is what `train --cluster` advertises to the cluster.
            etc = f'/etc/netns/{host}'
            os.makedirs(etc, exist_ok=True)
            self.etc_dirs.append(etc)
            me = self.client_ip if i == 0 else self.ip(i)
            with open(os.path.join(etc, 'hosts'), 'w') as f:
                f.write(f'127.0.0.1 localhost\n{me} {socket.gethostname()}\n')

    def _shape(self, ns, dev, delay_ms):
        rate_bps = parse_rate(self.rate)
        # The bucket holds 4 ms at the rate, and at least two 64 KiB GSO segments (veth hands tbf whole ones).
        burst = max(rate_bps // 8 * 4 // 1000, 131072)
        tbf = ['tbf', 'rate', self.rate, 'burst', str(burst), 'latency', '100ms']
        if delay_ms > 0:
            r = sh('tc', '-n', ns, 'qdisc', 'add', 'dev', dev, 'root', 'handle', '1:', 'netem',
                   'delay', f'{delay_ms}ms', 'limit', '100000', check=False)
            if r.returncode != 0:
                raise UsageError(f'--delay-ms {delay_ms}: this kernel has no netem qdisc (tc says: '
                                 f'{r.stderr.strip()}); tbf shapes the rate only, so run without --delay-ms '
                                 'or on a kernel with sch_netem')
            sh('tc', '-n', ns, 'qdisc', 'add', 'dev', dev, 'parent', '1:1', 'handle', '10:', *tbf)
        else:
            sh('tc', '-n', ns, 'qdisc', 'add', 'dev', dev, 'root', *tbf)

    def tx_bytes(self, i):
        r = sh('ip', 'netns', 'exec', self.ns(i), 'cat', '/sys/class/net/eth0/statistics/tx_bytes')
        return int(r.stdout)

    def start(self, i, argv, log_path, env=None, stdout_path=None):
        """Starts argv in host i's namespace, pinned to its core, in its own session (so it is stopped as a group).

        stderr goes to log_path, and so does stdout unless stdout_path is given."""
        cmd = ['ip', 'netns', 'exec', self.ns(i), 'taskset', '-c', str(self.core(i)), *argv]
        err = open(log_path, 'w')
        out = open(stdout_path, 'w') if stdout_path else err
        p = subprocess.Popen(cmd, stdout=out, stderr=err, start_new_session=True,
                             env={**os.environ, **(env or {})}, cwd=ROOT)
        err.close()
        out.close()
        self.procs.append(p)
        return p

    def stop(self, procs, grace_s=20):
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        deadline = time.time() + grace_s
        for p in procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        for p in procs:
            if p in self.procs:
                self.procs.remove(p)

    def close(self, keep):
        self.stop(list(self.procs), grace_s=5 if not keep else 0)
        if keep:
            log(f'--keep: namespaces left: {" ".join(self.namespaces)}; delete them with: '
                + '; '.join(f'ip netns del {n}' for n in self.namespaces)
                + f'; rm -r {" ".join(self.etc_dirs)}')
            return
        for name in self.namespaces:
            # Anything still inside a namespace this testbed made was started by it.
            pids = sh('ip', 'netns', 'pids', name, check=False).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
            sh('ip', 'netns', 'del', name, check=False)
        for etc in self.etc_dirs:
            shutil.rmtree(etc, ignore_errors=True)
        if self.etc_dirs and os.path.isdir('/etc/netns') and not os.listdir('/etc/netns'):
            os.rmdir('/etc/netns')
        self.namespaces.clear()
        self.etc_dirs.clear()


def parse_rate(rate):
    units = {'kbit': 10 ** 3, 'mbit': 10 ** 6, 'gbit': 10 ** 9, 'bit': 1}
    low = rate.lower()
    for unit, scale in units.items():
        if low.endswith(unit):
            try:
                value = float(low[:-len(unit)])
            except ValueError:
                break
            if value > 0:
                return int(value * scale)
    raise UsageError(f'--rate {rate}: expected a positive rate with a unit, e.g. 1gbit, 10gbit or 500mbit')


def job_size(hosts, steps):
    """Synthetic samples for one epoch that holds every step (the eval split is a fifth of it)."""
    return (steps + 1) * hosts * BATCH_PER_WORKER


def window(step_ms, warmup, global_batch):
    measured = step_ms[warmup:]
    if not measured:
        raise RuntimeError('no measured steps: --steps must exceed --warmup')
    return global_batch * len(measured) / (sum(measured) / 1000.0)


def run_t2t(bed, hosts, a, work, tag):
    """One `train --cluster` job on hosts 0..hosts-1; returns img/s, bytes and step times of the window."""
    out = os.path.join(work, 'runs')
    name = f'{tag}-t2t-{hosts}'
    seed = f'{bed.ip(0)}:{SEED_PORT}'
    nodes = []
    for i in range(hosts):
        argv = [*a.t2t_command, 'node', '--seed', seed, '--host', bed.ip(i), '--tls', os.path.join(bed.certs, bed.ip(i)),
                '--workers', '1']
        if i == 0:
            argv += ['--port', str(SEED_PORT)]
        nodes.append(bed.start(i, argv, os.path.join(work, f'{name}-node{i}.log')))
    gb = hosts * BATCH_PER_WORKER
    client_log = os.path.join(work, f'{name}-client.log')
    client_out = os.path.join(work, f'{name}-client.json')
    client = bed.start(0, [*a.t2t_command, 'train', '--cluster', seed, '--host', bed.client_ip,
                           '--tls', os.path.join(bed.certs, bed.client_ip),
                           '--min-workers', str(hosts), '--model', MODEL, '--img-size', str(IMG_SIZE),
                           '--model-args', f'num_classes={CLASSES}', '--data', f'synthetic:{job_size(hosts, a.steps)}',
                           '--teacher', 'none', '--token-label', 'false', '--distillation-type', 'none',
                           '--aa', 'none', '--mixup', '0', '--cutmix', '0', '--reprob', '0',
                           '--batch-size', str(gb), '--threads-per-worker', '1', '--loaders', '1',
                           '--steps', str(a.steps), '--log-every', '1', '--out', out, '--name', name, '--json'],
                       client_log, stdout_path=client_out)
    metrics = os.path.join(out, name, 'metrics.jsonl')
    start_bytes = end_bytes = None
    deadline = time.time() + a.run_timeout_s
    lines = 0
    while client.poll() is None and time.time() < deadline:
        if os.path.exists(metrics):
            with open(metrics) as f:
                lines = sum(1 for line in f if '"step_ms"' in line)
        if start_bytes is None and lines >= a.warmup:
            start_bytes = [bed.tx_bytes(i) for i in range(hosts)]
        if end_bytes is None and lines >= a.steps:
            end_bytes = [bed.tx_bytes(i) for i in range(hosts)]
        time.sleep(0.02)
    if client.poll() is None:
        bed.stop([client] + nodes)
        raise RuntimeError(f't2t on {hosts} host(s) did not finish within {a.run_timeout_s} s: see {client_log}')
    bed.stop(nodes)
    bed.procs.remove(client)
    if client.returncode != 0 or start_bytes is None or end_bytes is None:
        raise RuntimeError(f't2t on {hosts} host(s) failed (exit {client.returncode}, {lines} steps logged): '
                           f'see {client_log} and the node logs beside it')
    with open(client_out) as f:
        summary = json.loads(f.read().strip().splitlines()[-1])
    with open(metrics) as f:
        rows = [json.loads(line) for line in f if '"step_ms"' in line]
    step_ms = [r['step_ms'] for r in rows][:a.steps]
    measured = a.steps - a.warmup
    return {'img_per_s': window(step_ms, a.warmup, gb),
            'bytes_sent_per_step_per_host': [(e - s) / measured for s, e in zip(start_bytes, end_bytes)],
            'step_ms_median': statistics.median(step_ms[a.warmup:]),
            'compute_ms_median': statistics.median(r['compute_ms'] for r in rows[a.warmup:a.steps]),
            'params': summary['params']}


def run_ddp(bed, hosts, a, work, tag):
    """One DDP job, a rank per host; returns the same figures as run_t2t."""
    name = f'{tag}-ddp-{hosts}'
    env = {'GLOO_SOCKET_IFNAME': 'eth0', 'OMP_NUM_THREADS': '1', 'OPENBLAS_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1'}
    ranks = []
    results = [os.path.join(work, f'{name}-rank{i}.json') for i in range(hosts)]
    for i in range(hosts):
        ranks.append(bed.start(i, [a.python, DDP_DRIVER, '--official', a.official, '--rank', str(i),
                                   '--world', str(hosts), '--master', f'{bed.ip(0)}:{DDP_PORT}',
                                   '--steps', str(a.steps), '--warmup', str(a.warmup), '--out', results[i]],
                               os.path.join(work, f'{name}-rank{i}.log'), env=env))
    deadline = time.time() + a.run_timeout_s
    for p in ranks:
        try:
            p.wait(timeout=max(1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            bed.stop(ranks)
            raise RuntimeError(f'DDP on {hosts} host(s) did not finish within {a.run_timeout_s} s: see {work}/{name}-rank*.log')
    bed.stop(ranks)
    if any(p.returncode != 0 for p in ranks):
        raise RuntimeError(f'DDP on {hosts} host(s) failed (exits {[p.returncode for p in ranks]}): see {work}/{name}-rank*.log')
    per_rank = []
    for path in results:
        with open(path) as f:
            per_rank.append(json.load(f))
    ends = per_rank[0]['step_ends']
    step_ms = [(b - c) * 1000 for c, b in zip(ends, ends[1:])]
    # The first step has no start mark; the window starts after warmup steps anyway.
    measured = a.steps - a.warmup
    return {'img_per_s': hosts * BATCH_PER_WORKER * measured / (ends[-1] - ends[a.warmup - 1]),
            'bytes_sent_per_step_per_host': [r['window_tx_bytes'] / measured for r in per_rank],
            'step_ms_median': statistics.median(step_ms[a.warmup - 1:]),
            'params': per_rank[0]['params']}


def summarise(system, one, many, hosts):
    def med(xs):
        return round(statistics.median(xs), 3)

    def rng(xs):
        return [round(min(xs), 3), round(max(xs), 3)]

    ones = [r['img_per_s'] for r in one]
    manys = [r['img_per_s'] for r in many]
    eff = [m / (hosts * o) for o, m in zip(ones, manys)]
    sent = [statistics.mean(r['bytes_sent_per_step_per_host']) for r in many]
    return {'system': system, 'img_per_s_1_host': med(ones), 'img_per_s_1_host_range': rng(ones),
            f'img_per_s_{hosts}_hosts': med(manys), f'img_per_s_{hosts}_hosts_range': rng(manys),
            'scaling_efficiency': med(eff), 'scaling_efficiency_range': rng(eff),
            'bytes_sent_per_step_per_host': round(statistics.median(sent)),
            'runs_1_host': one, f'runs_{hosts}_hosts': many}


def cpu_model():
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('model name'):
                return line.split(':', 1)[1].strip()
    return 'unknown'


def preflight(a):
    if os.geteuid() != 0:
        raise UsageError('the testbed makes network namespaces: run it as root (sudo ./t2t bench scaling ...)')
    for tool in ('ip', 'tc', 'taskset'):
        if shutil.which(tool) is None:
            raise UsageError(f'{tool} not found: apt-get install iproute2 util-linux')
    if a.hosts < 2:
        raise UsageError(f'--hosts {a.hosts}: must be 2 or more (the 1-host run is always made)')
    if a.hosts > 99:
        raise UsageError(f'--hosts {a.hosts}: at most 99 (SUBNET.100 is the client)')
    if a.warmup < 1 or a.steps <= a.warmup:
        raise UsageError(f'--steps {a.steps} --warmup {a.warmup}: need 1 <= warmup < steps')
    if a.repeats < 1:
        raise UsageError(f'--repeats {a.repeats}: must be 1 or more')
    if a.delay_ms < 0:
        raise UsageError(f'--delay-ms {a.delay_ms}: must be 0 or more')
    parse_rate(a.rate)
    octets = a.subnet.split('.')
    if len(octets) != 3 or not all(o.isdigit() and int(o) < 256 for o in octets) \
            or not (octets[0] == '10' or (octets[0] == '192' and octets[1] == '168')
                    or (octets[0] == '172' and 16 <= int(octets[1]) < 32)):
        raise UsageError(f'--subnet {a.subnet}: give the first three octets of a private /24, e.g. 10.213.77')
    probe = sh('ip', 'netns', 'list', check=False)
    if probe.returncode != 0:
        raise UsageError(f'ip netns is unavailable here ({probe.stderr.strip()}): the testbed needs network namespaces')
    if 'ddp' in a.systems:
        if a.official is None:
            raise UsageError('--official DIR is needed for the PyTorch DDP reference: a checkout of '
                             'yitu-opensource/T2T-ViT (git clone it anywhere outside this repository), '
                             'or --systems t2t to skip the reference')
        a.official = os.path.abspath(a.official)
        if not os.path.isfile(os.path.join(a.official, 'models', 't2t_vit.py')):
            raise UsageError(f'--official {a.official}: no models/t2t_vit.py there; give a checkout of '
                             'yitu-opensource/T2T-ViT')
        r = sh(a.python, '-c', 'import torch', check=False)
        if r.returncode != 0:
            raise UsageError(f'{a.python} cannot import torch: apt-get install python3-torch libopenblas0-pthread '
                             '(Debian; OpenBLAS instead of the reference BLAS makes torch ~5x faster), or pass '
                             '--python with one that can')
    usable = sorted(os.sched_getaffinity(0))
    a.cores = usable if a.cores is None else [int(c) for c in a.cores.split(',')]
    if not set(a.cores) <= set(usable):
        raise UsageError(f'--cores {a.cores}: this process may only use cores {usable}')


class OneLineParser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f'{message} (see --help)')


def parse_args(argv):
    p = OneLineParser(prog='t2t bench scaling', description=__doc__.split('\n\n')[0])
    p.add_argument('--hosts', type=int, default=2, help='hosts (network namespaces) of the N-host run (default 2)')
    p.add_argument('--rate', default='1gbit', help='link rate per direction, tc syntax (default 1gbit)')
    p.add_argument('--delay-ms', type=float, default=0, help='one-way delay added on each host\'s egress (needs netem)')
    p.add_argument('--steps', type=int, default=30, help='steps per run (default 30)')
    p.add_argument('--warmup', type=int, default=5, help='first steps not measured (default 5)')
    p.add_argument('--repeats', type=int, default=1, help='runs of each configuration; medians are reported')
    p.add_argument('--systems', default='t2t,ddp', help='t2t, ddp or both (default t2t,ddp)')
    p.add_argument('--official', help='checkout of yitu-opensource/T2T-ViT, for the DDP reference')
    p.add_argument('--python', default='/usr/bin/python3', help='python with torch, for the DDP reference')
    p.add_argument('--cores', help='cores to pin hosts to, comma-separated (host i: the i-th mod their count; '
                                   'default: every usable core)')
    p.add_argument('--subnet', default='10.213.77', help='first three octets of the private /24 (default 10.213.77)')
    p.add_argument('--work', help='folder for certificates, logs and run folders (default: a new temp folder)')
    p.add_argument('--run-timeout-s', type=int, default=900, help='give up on one run after this long')
    p.add_argument('--t2t-command', default=json.dumps([os.path.join(ROOT, 't2t')]),
                   help='the t2t command as a JSON list (default: this checkout\'s ./t2t launcher)')
    p.add_argument('--keep', action='store_true', help='leave the namespaces (and processes) for debugging')
    a = p.parse_args(argv)
    try:
        a.t2t_command = json.loads(a.t2t_command)
    except json.JSONDecodeError:
        raise UsageError(f'--t2t-command {a.t2t_command}: expected a JSON list, e.g. ["./t2t"]')
    a.systems = [s.strip() for s in a.systems.split(',') if s.strip()]
    if not a.systems or any(s not in ('t2t', 'ddp') for s in a.systems):
        raise UsageError(f'--systems {",".join(a.systems)}: use t2t, ddp or t2t,ddp')
    return a


def main(argv):
    try:
        a = parse_args(argv)
        preflight(a)
    except UsageError as e:
        print(f't2t bench scaling: {e}', file=sys.stderr)
        return EXIT_USAGE
    bed = Testbed(a.hosts, a.subnet, a.rate, a.delay_ms, a.cores)

    def on_signal(signum, frame):
        raise KeyboardInterrupt(f'signal {signum}')

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    ok = False
    work = a.work or tempfile.mkdtemp(prefix='t2t-testbed-')
    os.makedirs(work, exist_ok=True)
    try:
        bed.build()
        log(f'{a.hosts} hosts {bed.namespaces[1:]} on cores {[bed.core(i) for i in range(a.hosts)]}, '
            f'links {a.rate}{f" + {a.delay_ms} ms" if a.delay_ms else ""}; logs in {work}')
        results = {s: {1: [], a.hosts: []} for s in a.systems}
        params = None
        if 't2t' in a.systems:
            # The certificates (and the first build, if any) come before any timing.
            ips = [bed.ip(i) for i in range(a.hosts)] + [bed.client_ip]
            # Fresh ones every time, in a folder named after this testbed (a reused --work keeps older ones).
            bed.certs = os.path.join(work, f'certs-{bed.prefix}')
            sh(*a.t2t_command, 'certs', '--out', bed.certs, '--hosts', ','.join(ips))
        for r in range(a.repeats):
            for hosts in (1, a.hosts):
                for system in a.systems:
                    run = run_t2t if system == 't2t' else run_ddp
                    res = run(bed, hosts, a, work, f'r{r}')
                    params = res.pop('params', params)
                    res['loadavg_1m_after'] = os.getloadavg()[0]
                    results[system][hosts].append(res)
                    log(f'repeat {r + 1}/{a.repeats}: {system} on {hosts} host(s): {res["img_per_s"]:.1f} img/s, '
                        f'{statistics.mean(res["bytes_sent_per_step_per_host"]) / 1e6:.2f} MB sent per step per host')
        names = {'t2t': 't2t_train_cluster', 'ddp': 'pytorch_ddp_gloo'}
        table = {'hosts': a.hosts, 'rate': a.rate, 'delay_ms': a.delay_ms, 'cpu': cpu_model(),
                 'cores': [bed.core(i) for i in range(a.hosts)], 'model': MODEL, 'img_size': IMG_SIZE,
                 'batch_per_worker': BATCH_PER_WORKER, 'threads_per_worker': 1, 'data': 'synthetic',
                 'tls': 't2t: on (mutual TLS 1.3); gloo has none',
                 'steps': a.steps, 'warmup': a.warmup, 'repeats': a.repeats,
                 'gradient_bytes': params * 4 if params else None,
                 'rows': [summarise(names[s], results[s][1], results[s][a.hosts], a.hosts) for s in a.systems]}
        print(json.dumps(table), flush=True)
        ok = True
        return 0
    except UsageError as e:
        ok = True
        print(f't2t bench scaling: {e}', file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as e:
        log(f'interrupted ({e}): cleaning up')
        return 130
    except RuntimeError as e:
        print(f't2t bench scaling: {e}', file=sys.stderr)
        return EXIT_INTERNAL
    finally:
        # A second signal (Ctrl-C reaches both this script and ./t2t's JVM, which passes a SIGTERM on) must
        # not cut the cleanup short.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        bed.close(a.keep)
        if ok and not a.keep and a.work is None:
            shutil.rmtree(work, ignore_errors=True)
        elif a.work is None:
            log(f'logs and run folders left in {work}')


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
