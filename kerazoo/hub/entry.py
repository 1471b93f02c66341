"""The files of a zoo entry, named once (no Keras or TensorFlow: the CLI's `list` and `info`
read entries without importing either)."""

MODEL_FILE = "model.keras"
SAVED_MODEL_DIR = "saved_model"
CARD_FILE = "README.md"
METADATA_FILE = "metadata.json"
METADATA_FORMAT = 1
MAX_ENTRY_MB = 20  # the zoo's budget per entry (model.keras + saved_model + pictures)


def entry_files(directory):
    """The entry's files (relative POSIX paths, sorted) that `metadata.json` must list."""
    return sorted(
        p.relative_to(directory).as_posix()
        for p in directory.rglob("*")
        if p.is_file() and p.relative_to(directory).as_posix() != METADATA_FILE
    )
