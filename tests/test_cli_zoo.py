"""`--zoo` must name a folder (issue 31, F13): a file is not an empty zoo."""

import pytest

from kerazoo import cli
from kerazoo.hub import resolve_zoo_dir


@pytest.mark.parametrize("argv", [["list"], ["info", "rbm.fashion_mnist"], ["verify"]])
def test_zoo_that_is_a_file_is_refused_naming_it(tmp_path, capsys, argv):
    not_a_folder = tmp_path / "passwd"
    not_a_folder.write_text("root:x:0:0")
    assert cli.main(argv + ["--zoo", str(not_a_folder)]) == 1
    out, err = capsys.readouterr()
    assert "has no models" not in out
    assert f"{not_a_folder} is not a folder" in err and len(err.strip().splitlines()) == 1


def test_zoo_env_var_that_is_a_file_is_refused(tmp_path, monkeypatch):
    (tmp_path / "f").write_text("")
    monkeypatch.setenv("KERAZOO_ZOO", str(tmp_path / "f"))
    with pytest.raises(NotADirectoryError, match="KERAZOO_ZOO"):
        resolve_zoo_dir()


def test_a_missing_zoo_folder_is_still_an_empty_zoo(tmp_path, capsys):
    assert cli.main(["list", "--zoo", str(tmp_path / "new")]) == 0
    assert "has no models yet" in capsys.readouterr().out
