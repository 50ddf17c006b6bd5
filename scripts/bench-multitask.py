"""Benchmark, not a test (minutes): two tasks on one backbone (issue 18), joint against
separate, on a real two-task set made from the head benchmark's tasks
(~/.cache/graft/head-reference, made by scripts/bench-head.sh: real photos from
scikit-image, 8x8 digit scans from scikit-learn). Task "what": the photo's class; task
"turned": whether it is upside down, a random half of every split turned here (generated,
said so). SHOTS photos a class to train on, up to 20 test photos a class; DRAWS draws
(seeds 7, 8, ...). Set-ups, all measured with `graft predict` on the test photos:
- frozen: one `graft train --task` run, a head per task on the backbone's features;
- joint K: one run fine-tuning the last K blocks on both tasks' summed losses
  (`--tuned-blocks K --solver adam --steps STEPS`, nothing held out);
- separate K: two one-task runs with the same settings, one model per task.
Prints one JSON line per task, draw and set-up: each task's test accuracy and the time.

Usage: python3 scripts/bench-multitask.py [SHOTS] [DRAWS] [TASK,TASK...] [K] [STEPS]
"""
import json
import os
import random
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from importlib import import_module
from PIL import Image

# GRAFT: another graft binary (a copy, so that a build meanwhile does not replace it).
G = os.environ.get('GRAFT', os.path.expanduser('~/.cache/graft/target/debug/graft'))
shots = int(sys.argv[1]) if len(sys.argv) > 1 else 10
draws = int(sys.argv[2]) if len(sys.argv) > 2 else 1
tasks = sys.argv[3].split(',') if len(sys.argv) > 3 else ['digits', 'photos']
k = sys.argv[4] if len(sys.argv) > 4 else '1'
steps = sys.argv[5] if len(sys.argv) > 5 else '200'
classes_of = import_module('bench-unlabelled').classes_of


def build(task, seed):
    """root/{train,test}/what/<class>/ and root/{train,test}/turned/<way>/: the same
    files (same bytes) in both, a random half turned upside down."""
    root = f'/tmp/graft-bench-multitask/{task}-{shots}-{seed}'
    shutil.rmtree(root, ignore_errors=True)
    rng = random.Random(seed)
    truth = []
    for c, d in classes_of(task).items():
        pool = sorted(d['pool']); rng.shuffle(pool)
        test = sorted(d['test']) if d['test'] else pool[-30:]
        pool = pool if d['test'] else pool[:-30]
        rng.shuffle(test)
        for split, sel in (('train', pool[:shots]), ('test', test[:20])):
            for f in sel:
                way = rng.choice(['upright', 'upside down'])
                img = Image.open(f).convert('RGB')
                if way == 'upside down':
                    img = img.rotate(180)
                name = f'{c}-{os.path.basename(f)}'
                for folder in (f'{root}/{split}/what/{c}', f'{root}/{split}/turned/{way}'):
                    os.makedirs(folder, exist_ok=True)
                    img.save(f'{folder}/{name}')
                if split == 'test':
                    truth.append((f'{root}/test/what/{c}/{name}', c, way))
    return root, truth


def train(args):
    run = subprocess.run([G, 'train', *args], capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(run.stderr)


def accuracy(model, truth, task, single=False):
    """The share of test photos whose `task` answer (`single`: a one-task model's) is right."""
    run = subprocess.run([G, 'predict', '--json', model, *[t[0] for t in truth]],
                         capture_output=True, text=True)
    lines = [json.loads(l) for l in run.stdout.splitlines()]
    right = 0
    for line, (_, c, way) in zip(lines, truth):
        answer = line['label'] if single else line['tasks'][task]['label']
        right += answer == (c if task == 'what' else way)
    return right / len(truth)


tuned = ['--tuned-blocks', k, '--solver', 'adam', '--steps', steps, '--validation-percent', '0']
for task in tasks:
    for draw in range(draws):
        root, truth = build(task, 7 + draw)
        what, turned = f'{root}/train/what', f'{root}/train/turned'
        both = ['--task', f'turned={turned}']
        for setup in ('frozen', f'joint {k}', f'separate {k}'):
            started = time.time()
            if setup == 'frozen':
                train([what, *both, '--out', f'{root}/m.graft'])
                acc = [accuracy(f'{root}/m.graft', truth, t) for t in ('what', 'turned')]
            elif setup.startswith('joint'):
                train([what, *both, *tuned, '--out', f'{root}/m.graft'])
                acc = [accuracy(f'{root}/m.graft', truth, t) for t in ('what', 'turned')]
            else:
                train([what, *tuned, '--out', f'{root}/what.graft'])
                train([turned, *tuned, '--out', f'{root}/turned.graft'])
                acc = [accuracy(f'{root}/what.graft', truth, 'what', True),
                       accuracy(f'{root}/turned.graft', truth, 'turned', True)]
            print(json.dumps({'task': task, 'shots': shots, 'draw': draw, 'setup': setup,
                              'what': round(acc[0], 4), 'turned': round(acc[1], 4),
                              'test_photos': len(truth),
                              'seconds': round(time.time() - started, 1)}), flush=True)
