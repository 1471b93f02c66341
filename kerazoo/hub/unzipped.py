"""`kerazoo export NAME DIR`: a zoo entry in Keras 3's unzipped layout, with its card.

Keras 3 saves a model either as a `.keras` zip or, with `keras.saving.save_model(model,
folder, zipped=False)` (and for `hf://` destinations), as the same three members side by side
in a folder: `config.json` (the serialized model), `model.weights.h5` (the variables) and
`metadata.json`. `keras.saving.load_model(folder)` reads such a folder when it holds a
`config.json`, and `keras.saving.load_model("hf://org/repo")` downloads one with
`huggingface_hub.snapshot_download` and reads it the same way: Keras reads only
`config.json` and the weights, never `metadata.json`.

So the exported folder is that layout, and its `metadata.json` is kerazoo's: the entry's
metadata (class, recipe, metrics, card fields), Keras's own two fields (`keras_version`,
`date_saved`), `exported_from` (the entry and the sha256 of its metadata) and `files`, the
sha256 of every other file of the folder, as in a zoo entry. The card `README.md` (with its
Hugging Face front matter) and the pictures it shows come along, so the folder is a model
repository ready for the Hub (`kerazoo push`). `kerazoo.load(folder)` checks every file
against that `metadata.json` before it deserializes anything; the SavedModel of the entry is
not exported (it is TensorFlow-only and not part of the layout).

The model is written by Keras from the entry as loaded (every sha256 checked), so the
weights are the entry's, value for value.
"""

import datetime
import json
import os
import shutil
import tempfile
from pathlib import Path

from kerazoo.hub.entry import CARD_FILE, METADATA_FILE, MODEL_FILE, SAVED_MODEL_DIR
from kerazoo.utils.io import make_readable_by_all, sha256_file

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"
LAYOUT = "keras-unzipped"


def is_unzipped(files):
    """Whether an entry whose metadata lists `files` is in the unzipped layout."""
    return CONFIG_FILE in files and WEIGHTS_FILE in files and MODEL_FILE not in files


def export_entry(name_or_path, directory, zoo_dir=None, overwrite=False):
    """Writes the zoo entry `name_or_path` into `directory` in Keras 3's unzipped layout.

    `directory` must not exist, or be an empty folder (any folder with `overwrite=True`,
    whose content is then replaced). Returns the folder. Afterwards
    `keras.saving.load_model(directory)` (after `import kerazoo`, which registers the
    classes) and `kerazoo.load(directory)` read it.
    """
    import keras

    from kerazoo.hub.load import _checked_entry, load, verify_entry

    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise NotADirectoryError(f"{directory} is not a folder: export writes a folder. "
                                 f"Received: {directory}")
    if directory.is_dir() and any(directory.iterdir()) and not overwrite:
        raise FileExistsError(
            f"{directory} is not empty: export writes a new folder (pass overwrite=True, "
            f"`--force`, to replace its content). Received: {directory}"
        )
    source, metadata, _ = _checked_entry(name_or_path, zoo_dir, "files to export")
    model = load(source, compile=True)
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.export-", dir=directory.parent))
    try:
        keras.saving.save_model(model, tmp, zipped=False)
        assets = tmp / "assets"  # Keras makes it for models with assets; ours have none
        if assets.is_dir() and not any(assets.iterdir()):
            assets.rmdir()
        keras_meta = json.loads((tmp / METADATA_FILE).read_text(encoding="utf-8"))
        for rel in sorted(metadata["files"]):  # the card and its pictures
            if rel == MODEL_FILE or rel.split("/")[0] == SAVED_MODEL_DIR:
                continue
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / rel, tmp / rel)
        files = {p.relative_to(tmp).as_posix(): sha256_file(p)
                 for p in sorted(tmp.rglob("*")) if p.is_file()
                 and p.relative_to(tmp).as_posix() != METADATA_FILE}
        out = {k: v for k, v in metadata.items() if k not in ("files", "signatures")}
        out.update({
            "layout": LAYOUT,
            "keras_version": keras_meta.get("keras_version", keras.__version__),
            "date_saved": keras_meta.get("date_saved",
                                         datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")),
            "exported_from": {"entry": metadata.get("name", str(name_or_path)),
                              "metadata_sha256": sha256_file(source / METADATA_FILE)},
            "files": files,
        })
        (tmp / METADATA_FILE).write_text(json.dumps(out, indent=2, sort_keys=True) + "\n",
                                         encoding="utf-8")
        verify_entry(tmp)
        make_readable_by_all(tmp)
        if directory.exists():
            shutil.rmtree(directory)
        os.rename(tmp, directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return directory


__all__ = ["CARD_FILE", "CONFIG_FILE", "WEIGHTS_FILE", "export_entry", "is_unzipped"]
