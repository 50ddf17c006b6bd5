"""Benchmark, not a test (minutes): `graft train` without an unlabelled pool, with one
labelled by propagation (`--unlabeled POOL`), and with one labelled by consistency across
augmented views (`--pseudo-labels consistency`, FixMatch-style), on the head benchmark's
four tasks (made by scripts/bench-head.sh in ~/.cache/graft/head-reference: real photos
from scikit-image and scikit-learn). SHOTS photos a class to train on, a pool of 5 x SHOTS
a class from the rest where there are that many (its labels hidden: one flat folder), the task's test images as
--val-dir; DRAWS draws (seeds 7, 8, ...). Prints one JSON line per task, draw and rule:
the held-out accuracy, how many pool photos were labelled and trained on, and the time.

Usage: python3 scripts/bench-unlabelled.py [SHOTS] [DRAWS] [TASK,TASK...]
"""
import glob
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time

src = os.path.expanduser('~/.cache/graft/head-reference')
G = os.path.expanduser('~/.cache/graft/target/debug/graft')
shots = int(sys.argv[1]) if len(sys.argv) > 1 else 3
draws = int(sys.argv[2]) if len(sys.argv) > 2 else 1
tasks = sys.argv[3].split(',') if len(sys.argv) > 3 else ['digits', 'faces', 'photos', 'textures']


def classes_of(task):
    by = {}
    for f in sorted(glob.glob(f'{src}/{task}/*.png')):
        b = os.path.basename(f)
        if task == 'faces':
            i = int(b[3:-4]); c = 'face' if i < 100 else 'nonface'; split = 'pool' if i % 100 < 25 else 'test'
        elif task == 'digits':
            c = b.split('_')[0]; split = None
        else:
            c = re.sub(r'_(pool|test)\d+\.png', '', b); split = 'pool' if '_pool' in b else 'test'
        by.setdefault(c, {'pool': [], 'test': []})
        by[c]['pool' if split is None else split].append(f)
    return by


def build(task, seed):
    root = f'/tmp/graft-bench-unlabelled/{task}-{shots}-{seed}'
    shutil.rmtree(root, ignore_errors=True)
    random.seed(seed)
    truth = {}
    for c, d in classes_of(task).items():
        pool = sorted(d['pool']); random.shuffle(pool)
        # Digits have no test set of their own: their last 30 are it, never in the pool.
        test = d['test'] if d['test'] else pool[-30:]
        pool = pool if d['test'] else pool[:-30]
        # 5 x SHOTS where the task has them (digits: 20 a class besides the test ones;
        # faces 25, photos and textures 20): fewer at 10 photos a class.
        n = min(shots * 6, len(pool))
        for split, sel in (('train', pool[:shots]), ('val', test)):
            os.makedirs(f'{root}/{split}/{c}', exist_ok=True)
            for f in sel: shutil.copy(f, f'{root}/{split}/{c}/')
        os.makedirs(f'{root}/pool', exist_ok=True)
        for f in pool[shots:n]:
            name = f'{c}-{os.path.basename(f)}'
            shutil.copy(f, f'{root}/pool/{name}')
            truth[name] = c
    return root, truth


if __name__ == '__main__':
    for task in tasks:
        for draw in range(draws):
            root, truth = build(task, 7 + draw)
            for rule, extra in (('none', []), ('propagation', ['--unlabeled', f'{root}/pool', '--pseudo-labels', 'propagation']),
                                ('consistency', ['--unlabeled', f'{root}/pool', '--pseudo-labels', 'consistency'])):
                started = time.time()
                run = subprocess.run([G, 'train', f'{root}/train', '--val-dir', f'{root}/val',
                                      '--out', f'{root}/m.graft', *extra], capture_output=True, text=True)
                seconds = time.time() - started
                acc = re.search(r'accuracy ([\d.]+%)', run.stderr)
                kept = re.search(r'(\d+) unlabelled images: (\d+) labelled by', run.stderr)
                print(json.dumps({'task': task, 'shots': shots, 'draw': draw, 'rule': rule,
                                  'accuracy': acc.group(1) if acc else run.stderr[-300:],
                                  'pool': len(truth), 'kept': int(kept.group(2)) if kept else 0,
                                  'seconds': round(seconds, 1)}), flush=True)
