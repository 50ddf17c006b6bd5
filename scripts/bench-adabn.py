"""Benchmark, not a test (minutes): `graft train` with and without --adapt-bn (AdaBN) on the
head benchmark's four tasks (made by scripts/bench-head.sh in ~/.cache/graft/head-reference:
real photos from scikit-image and scikit-learn), SHOTS photos a class to train on and the
task's test images as --val-dir; one draw (seed 7). Prints one line per task and setting.

Usage: python3 scripts/bench-adabn.py [SHOTS]
"""
import glob
import os
import random
import re
import shutil
import subprocess
import sys

src=os.path.expanduser('~/.cache/graft/head-reference')
G=os.path.expanduser('~/.cache/graft/target/debug/graft')
shots=int(sys.argv[1]) if len(sys.argv)>1 else 10
def build(task):
    root=f'/tmp/graft-bench-adabn/{task}-{shots}'; shutil.rmtree(root, ignore_errors=True)
    files=sorted(glob.glob(f'{src}/{task}/*.png'))
    by={}
    for f in files:
        b=os.path.basename(f)
        if task=='faces':
            i=int(b[3:-4]); c='face' if i<100 else 'nonface'; split='pool' if i%100<25 else 'test'
        elif task=='digits':
            c=b.split('_')[0]; split=None
        else:
            c=re.sub(r'_(pool|test)\d+\.png','',b); split='pool' if '_pool' in b else 'test'
        by.setdefault(c,{'pool':[],'test':[]})
        if split is None:
            by[c]['pool'].append(f)
        else:
            by[c][split].append(f)
    random.seed(7)
    for c,d in by.items():
        pool=sorted(d['pool']); random.shuffle(pool)
        test=d['test'] if d['test'] else pool[shots:shots+30]
        for split,sel in (('train',pool[:shots]),('val',test)):
            os.makedirs(f'{root}/{split}/{c}',exist_ok=True)
            for f in sel: shutil.copy(f,f'{root}/{split}/{c}/')
    return root
for task in ['digits','faces','photos','textures']:
    root=build(task)
    for extra in ([],['--adapt-bn']):
        out=subprocess.run([G,'train',f'{root}/train','--val-dir',f'{root}/val','--out',f'{root}/m.graft',*extra],capture_output=True,text=True).stderr
        acc=re.search(r'accuracy ([\d.]+%)',out); t=re.search(r'adapted to (\d+) of (\d+) photos in ([\d.]+) s',out)
        print(task, shots, extra, acc.group(1) if acc else out[-300:], t.groups() if t else '', flush=True)
