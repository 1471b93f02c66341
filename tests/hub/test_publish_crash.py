"""A publish killed at any step leaves the old entry (or none) and a sound index.

A subprocess publishes and dies (`os._exit`, no cleanup, as under SIGKILL) at the k-th
rename or replace of the publish, for every k; the parent then checks the zoo.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import kerazoo
from tiny_family import TinyAutoencoder, bernoulli_images

NAME = "tiny_ae.fashion_mnist"
TESTS_DIR = Path(__file__).resolve().parents[1]

SCRIPT = """
import os, sys
import keras
import kerazoo
from tiny_family import TinyAutoencoder, bernoulli_images

crash_at = int(sys.argv[1])
keras.utils.set_random_seed(int(sys.argv[2]))
model = TinyAutoencoder(code_size=4, seed=int(sys.argv[2]))
model(bernoulli_images(2))

calls = 0
def dying(real):
    def op(*args, **kwargs):
        global calls
        calls += 1
        if calls == crash_at:
            os._exit(17)
        return real(*args, **kwargs)
    return op
os.rename, os.replace = dying(os.rename), dying(os.replace)
kerazoo.publish(model, "{name}", overwrite=True)  # republishing is part of the test
print("CALLS", calls)
"""


def run_publish(crash_at, seed):
    env = dict(os.environ, PYTHONPATH=f"{TESTS_DIR}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(name=NAME), str(crash_at), str(seed)],
        capture_output=True, text=True, env=env, timeout=300,
    )
    return proc


def outputs(model):
    return model.predict(bernoulli_images(8, seed=11), verbose=0)


def count_steps():
    proc = run_publish(0, seed=1)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return int(proc.stdout.split("CALLS")[-1])


def leftovers(zoo):
    return sorted(p.name for p in zoo.iterdir() if p.name.startswith((".tmp", ".old", ".journal")))


@pytest.mark.slow
def test_publish_killed_at_every_step_keeps_the_zoo_sound(tmp_zoo):
    count_steps()  # publishes the seed-1 model as the entry
    n_steps = count_steps()  # publishes it again: over an existing entry, one rename more
    assert n_steps >= 6
    reference = {1: outputs(kerazoo.load(NAME))}
    new_seen = False
    for k in range(1, n_steps + 1):
        proc = run_publish(k, seed=2)
        assert proc.returncode == 17, proc.stderr[-2000:]
        assert kerazoo.list_models() == [NAME]  # repairs, then reads the index
        got = outputs(kerazoo.load(NAME))
        if 2 not in reference and not np.array_equal(got, reference[1]):
            reference[2] = got
        assert any(np.array_equal(got, ref) for ref in reference.values()), f"crash at step {k}"
        new_seen = new_seen or 2 in reference
        assert leftovers(tmp_zoo) == [], f"crash at step {k}"
        kerazoo.verify(NAME, run_signatures=False)
    assert new_seen, "a crash after the entry was swapped in should roll forward"


def test_first_publish_killed_midway_leaves_no_entry(tmp_zoo):
    proc = run_publish(1, seed=3)  # dies at the first rename: the card inside the temp folder
    assert proc.returncode == 17, proc.stderr[-2000:]
    assert kerazoo.list_models() == []
    with pytest.raises(kerazoo.UnknownModelError):
        kerazoo.load(NAME)
    # the next publish cleans the dead one's temp folder
    proc = run_publish(0, seed=3)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert kerazoo.list_models() == [NAME] and leftovers(tmp_zoo) == []


@pytest.mark.parametrize("crash_at, expect", [(5, "old"), (6, "new")])
def test_republish_killed_in_the_swap_rolls_back_or_forward(tmp_zoo, crash_at, expect):
    # Over an existing entry the publish renames: 1 card, 2 metadata, 3 journal,
    # 4 old entry aside, 5 new entry into place, 6 index.
    # (the slow test above checks these counts)
    old_model = TinyAutoencoder(code_size=4, seed=1)
    old_model(bernoulli_images(2))
    kerazoo.publish(old_model, NAME)
    old = outputs(kerazoo.load(NAME))
    proc = run_publish(crash_at, seed=2)
    assert proc.returncode == 17, proc.stderr[-2000:]
    got = outputs(kerazoo.load(NAME))
    assert np.array_equal(got, old) == (expect == "old")
    assert leftovers(tmp_zoo) == []
    kerazoo.verify(NAME, run_signatures=False)
