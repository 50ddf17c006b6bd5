"""Benchmark, not a test (minutes to hours): issue 17's methods side by side with `graft
train`, on the head benchmark's tasks (made by scripts/bench-head.sh in
~/.cache/graft/head-reference: real photos from scikit-image and scikit-learn; digits are
8x8 scans, far from ImageNet). SHOTS photos a class to train on, the task's test images as
--val-dir (what every figure is measured on), an unlabelled pool of 5 x SHOTS a class from
the rest where the task has them; DRAWS draws (seeds 7, 8, ...). Methods: prototypes; the
default head; the head with 4 augmented views; + the unlabelled pool (the default rule);
+ AdaBN; LP-FT of 1 and 2 blocks (Adam, STEPS steps, default 100); Auto (`--method auto`,
its default 60 s budget; it measures on the same --val-dir, so its figure is optimistic by
construction). Prints one JSON line per task, draw and method: held-out accuracy and time
(embedding included), and for Auto what it kept.

Usage: python3 scripts/bench-methods.py [SHOTS] [DRAWS] [TASK,TASK...] [STEPS] ['METHOD;...'] [FIRST]
(FIRST: the first draw, default 0, so that later draws can be added to earlier ones.)
"""
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from importlib import import_module

# GRAFT: another binary (a copy, so that a build meanwhile does not replace it mid-run).
G = os.environ.get('GRAFT', os.path.expanduser('~/.cache/graft/target/debug/graft'))
shots = int(sys.argv[1]) if len(sys.argv) > 1 else 3
draws = int(sys.argv[2]) if len(sys.argv) > 2 else 1
tasks = sys.argv[3].split(',') if len(sys.argv) > 3 else ['digits', 'photos']
steps = sys.argv[4] if len(sys.argv) > 4 else '100'
# The folders are made as bench-unlabelled.py makes them (the same draws).
unlabelled = import_module('bench-unlabelled')
unlabelled.shots = shots

METHODS = [
    ('prototypes', ['--method', 'prototypes']),
    ('head', []),
    ('head + 4 views', ['--augment-views', '4']),
    ('+ unlabelled', ['--unlabeled', '{root}/pool']),
    ('+ adabn', ['--adapt-bn']),
    ('lp-ft, 1 block', ['--solver', 'adam', '--tuned-blocks', '1', '--lp-ft', '--steps', steps]),
    ('lp-ft, 2 blocks', ['--solver', 'adam', '--tuned-blocks', '2', '--lp-ft', '--steps', steps]),
    ('auto', ['--method', 'auto']),
]
# A fifth argument limits the methods run (names separated by ';').
only = sys.argv[5].split(';') if len(sys.argv) > 5 else None
first = int(sys.argv[6]) if len(sys.argv) > 6 else 0

for task in tasks:
    for draw in range(first, first + draws):
        root, _ = unlabelled.build(task, 7 + draw)
        for name, extra in METHODS:
            if only and name not in only:
                continue
            extra = [a.replace('{root}', root) for a in extra]
            started = time.time()
            run = subprocess.run([G, 'train', f'{root}/train', '--val-dir', f'{root}/val',
                                  '--out', f'{root}/m.graft', *extra], capture_output=True, text=True)
            seconds = time.time() - started
            acc = re.findall(r'accuracy ([\d.]+%)', run.stderr)
            kept = re.search(r'auto: kept (.+)', run.stderr)
            line = {'task': task, 'shots': shots, 'draw': draw, 'method': name,
                    'accuracy': acc[-1] if acc and run.returncode == 0 else run.stderr[-300:],
                    'seconds': round(seconds, 1)}
            if kept:
                line['kept'] = kept.group(1)
                # Its table: each method's figure and time, or why it was skipped.
                table = run.stderr.split('auto: tried')[-1].split('graft: auto: kept')[0]
                line['tried'] = [' '.join(t.split()[:8]) for t in table.splitlines()[1:] if t.strip()]
            print(json.dumps(line), flush=True)
