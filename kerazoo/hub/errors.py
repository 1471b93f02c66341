"""Errors raised by the zoo hub."""


class IntegrityError(Exception):
    """A zoo file does not match the sha256 recorded for it (corrupted or tampered).

    The message names the file. Nothing is deserialized from an entry that fails.
    """


class UnknownModelError(ValueError):
    """A name that is not in the zoo index; the message lists the closest names."""


class EntryExistsError(FileExistsError):
    """Publishing to a name the zoo already holds, without `overwrite=True` (`--force`).

    The message names the entry and its current headline metric.
    """


class FetchError(OSError):
    """A zoo entry could not be downloaded from the mirror (unreachable, an HTTP error, a cut
    connection, a timeout). The message names the URL, the entry and how to get it otherwise.
    """


class PushError(OSError):
    """Uploading an entry to the Hugging Face Hub failed; the message names the repository
    and the endpoint."""
