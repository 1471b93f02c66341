"""The gallery's bookkeeping: the output folder, sections, pictures, failures and progress.

A `Gallery` runs each picture's drawing function under `picture()`: the time is printed,
and an exception becomes a reported failure (printed, and shown in the page) instead of
ending the run. `write_page()` then writes `index.html` (see `kerazoo.demo.page`).
"""

import dataclasses
import html
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

from kerazoo.utils import atomic_write_text


#: What every gallery page starts with (`kerazoo.demo.page`): an `index.html` without it is
#: someone else's page, which `kerazoo demo --out` never overwrites.
PAGE_MARK = "<title>kerazoo gallery</title>"


def check_output_dir(out):
    """Creates `out` if needed and proves it writable; returns it as a `Path`.

    A folder that already holds an `index.html` not written by `kerazoo demo` (a web site,
    a project's docs) is refused before anything is written: the gallery would replace it.

    Raises:
        ValueError: the folder cannot be created or written, or holds another page, naming
            it and the reason.
    """
    out = Path(os.fspath(out)).expanduser()
    page = out / "index.html"
    if page.exists() or page.is_symlink():
        try:
            with open(page, "rb") as f:
                ours = PAGE_MARK.encode() in f.read(4096) and not page.is_symlink()
        except OSError:
            ours = False
        if not ours:
            raise ValueError(
                f"The gallery folder {out} already holds {page}, which kerazoo demo did not "
                "write; the gallery would replace it. Pass --out an empty folder (or one "
                "holding an earlier gallery)."
            )
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".kerazoo-demo-", suffix=".probe"):
            pass
    except OSError as e:
        reason = e.strerror or type(e).__name__
        raise ValueError(
            f"The gallery folder {out} cannot be written: {reason}"
            f"{f' ({e.filename})' if e.filename and str(e.filename) != str(out) else ''}. "
            "Pass --out a folder you can write to."
        ) from None
    return out


@dataclasses.dataclass
class Item:
    """One piece of a section: a picture (`image`), an HTML fragment, or a failure."""

    kind: str  # "image", "html" or "failure"
    body: str  # file name, HTML, or the failure message
    caption: str = ""


@dataclasses.dataclass
class Section:
    key: str
    title: str
    intro: str = ""
    items: list = dataclasses.field(default_factory=list)

    def add_html(self, fragment):
        self.items.append(Item("html", fragment))


class Gallery:
    """Collects the pictures of `kerazoo demo` into sections, with progress and failures.

    Args:
        out: the output folder (created; checked writable first: `check_output_dir`).
        stream: where progress goes (default: stdout).
    """

    def __init__(self, out, stream=None):
        self.out = check_output_dir(out)
        self.stream = stream or sys.stdout
        self.sections = []
        self.failures = []  # (what, message)
        self.notes = []  # (what, message): things skipped for a known reason
        self.pictures = []  # file names written
        self.start = time.perf_counter()

    def log(self, message):
        print(f"[{time.perf_counter() - self.start:6.1f} s] {message}", file=self.stream, flush=True)

    def section(self, key, title, intro=""):
        section = Section(key, title, intro)
        self.sections.append(section)
        return section

    def fail(self, what, error, section=None):
        """Records a failure (an exception or a message) and prints it."""
        if isinstance(error, BaseException):
            where = traceback.extract_tb(error.__traceback__)[-1:] if error.__traceback__ else []
            at = f" (at {Path(where[0].filename).name}:{where[0].lineno})" if where else ""
            message = f"{type(error).__name__}: {error}{at}"
        else:
            message = str(error)
        first_line = message.splitlines()[0] if message else ""
        self.failures.append((what, message))
        self.log(f"FAILED {what}: {first_line}")
        if section is not None:
            section.items.append(Item("failure", f"{what}: {message}"))

    def note(self, what, message, section=None):
        """Records something left out for a known reason (e.g. missing data)."""
        self.notes.append((what, message))
        self.log(f"skipped {what}: {message.splitlines()[0]}")
        if section is not None:
            section.items.append(Item("failure", f"{what} skipped: {message}"))

    def picture(self, section, filename, draw, caption="", show=True):
        """Runs `draw(path)`, which writes the picture `out/filename`; adds it to `section`.

        `caption` is HTML, or a callable returning HTML (called after `draw`, so it can
        quote numbers computed while drawing). `show=False` counts the picture without
        adding it to the section (a widget that shows it is added separately). A failure
        is recorded, not raised. Returns True if the picture was written.
        """
        t0 = time.perf_counter()
        try:
            draw(self.out / filename)
            text = caption() if callable(caption) else caption
        except Exception as e:  # noqa: BLE001  (one failed picture never ends the gallery)
            self.fail(filename, e, section)
            return False
        if not (self.out / filename).is_file():
            self.fail(filename, "the drawing function wrote no file", section)
            return False
        if show:
            section.items.append(Item("image", filename, text))
        self.pictures.append(filename)
        self.log(f"{filename} ({time.perf_counter() - t0:.1f} s)")
        return True

    def attempt(self, what, fn, section=None):
        """Runs `fn()` for a step that is not a picture; a failure is recorded. Returns
        fn's result, or None after a failure."""
        try:
            return fn()
        except Exception as e:  # noqa: BLE001
            self.fail(what, e, section)
            return None

    def write_text(self, filename, text):
        atomic_write_text(self.out / filename, text)
        return self.out / filename

    def elapsed(self):
        return time.perf_counter() - self.start


def escape(text):
    return html.escape(str(text), quote=True)
