"""An output folder flag that names a file is a one-line error naming the flag, before any
work (issue 31, F7: `--out /etc/passwd` style paths gave a `FileExistsError` traceback)."""

import pytest

from kerazoo import cli
from tiny_family import tiny_job_toml


@pytest.mark.parametrize("verb, flag", [("demo", "--out"), ("train", "--checkpoint-dir"),
                                        ("tune", "--directory")])
def test_output_folder_that_is_a_file_is_refused(tmp_path, capsys, verb, flag):
    taken = tmp_path / "passwd"
    taken.write_text("root:x:0:0")
    job = tmp_path / "tiny_ae.fashion_mnist.toml"
    job.write_text(tiny_job_toml(epochs=1))
    argv = [verb] + ([str(job)] if verb != "demo" else []) + [flag, str(taken)]
    assert cli.main(argv) == 1
    out, err = capsys.readouterr()
    assert err == f"kerazoo {verb}: ValueError: {flag} {taken} is not a folder (a file of that name exists).\n"
    assert taken.read_text() == "root:x:0:0"
