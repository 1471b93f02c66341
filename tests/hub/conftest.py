import base64
import json
import urllib.parse

import keras
import pytest

from tiny_family import TinyAutoencoder, bernoulli_images


@pytest.fixture(scope="module")
def model():
    """An untrained, built tiny autoencoder (seed 0) to publish; a module may override it."""
    keras.utils.set_random_seed(0)
    model = TinyAutoencoder(code_size=4, seed=0)
    model(bernoulli_images(2))
    return model


class LoopbackHub:
    """A small Hugging Face Hub on 127.0.0.1: the requests `huggingface_hub` makes for
    `snapshot_download`, `create_repo` and `upload_folder`, answered from memory.

    Reads: `GET /api/models/<repo>/revision/<rev>` (the model info: `sha`, `siblings`),
    `GET /api/models/<repo>/tree/<rev>` (the file listing) and `HEAD`/`GET
    /<repo>/resolve/<rev>/<path>` (`X-Repo-Commit`, `ETag` and the bytes). Writes:
    `POST /api/repos/create`, `POST /api/validate-yaml` (the card's front matter must be
    there), `POST /api/models/<repo>/preupload/<rev>` (which answers
    "regular" for every file, so commits carry the files inline: the real Hub sends large
    binaries through LFS or Xet storage instead, which this server does not implement) and
    `POST /api/models/<repo>/commit/<rev>` (the NDJSON commit, applied to the repository).
    Every commit gets a new 40-hex sha. `requests` records what was asked, for the tests.
    """

    def __init__(self):
        import hashlib
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.repos = {}  # repo_id -> {"sha": str, "files": {path: bytes}}
        self.requests = []
        self.validated = []  # README.md contents sent to /api/validate-yaml
        self.commits = 0
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body=b"", headers=(), head=False):
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not head:
                    self.wfile.write(body)

            def _json(self, status, obj):
                self._send(status, json.dumps(obj).encode(), [("Content-Type", "application/json")])

            def _body(self):
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _route(self, head=False):
                path = urllib.parse.unquote(self.path.split("?", 1)[0])
                hub.requests.append((self.command, path))
                parts = path.strip("/").split("/")
                if parts[:2] == ["api", "models"] and len(parts) >= 6 and parts[4] in ("revision", "tree"):
                    repo = hub.repos.get("/".join(parts[2:4]))
                    if repo is None:
                        return self._json(404, {"error": "Repository not found"})
                    if parts[4] == "revision":
                        return self._json(200, {"id": "/".join(parts[2:4]), "sha": repo["sha"],
                                                "siblings": [{"rfilename": p} for p in sorted(repo["files"])]})
                    return self._json(200, [
                        {"type": "file", "path": p, "size": len(data),
                         "oid": hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()}
                        for p, data in sorted(repo["files"].items())])
                if len(parts) >= 5 and parts[2] == "resolve":
                    repo = hub.repos.get("/".join(parts[:2]))
                    rel = "/".join(parts[4:])
                    if repo is None or rel not in repo["files"]:
                        return self._send(404, b"Entry not found", [("X-Error-Code", "EntryNotFound")], head)
                    data = repo["files"][rel]
                    return self._send(200, data, [
                        ("X-Repo-Commit", repo["sha"]),
                        ("ETag", '"%s"' % hashlib.sha256(data).hexdigest()),
                        ("Content-Type", "application/octet-stream")], head)
                return self._send(404, b"not found", head=head)

            def do_GET(self):
                self._route()

            def do_HEAD(self):
                self._route(head=True)

            def do_POST(self):
                path = urllib.parse.unquote(self.path.split("?", 1)[0])
                hub.requests.append(("POST", path))
                parts = path.strip("/").split("/")
                body = self._body()
                if parts == ["api", "repos", "create"]:
                    spec = json.loads(body)
                    repo_id = f"{spec['organization']}/{spec['name']}"
                    hub.repos.setdefault(repo_id, {"sha": hub._new_sha(), "files": {}})
                    return self._json(200, {"url": f"{hub.endpoint}/{repo_id}", "name": repo_id,
                                            "id": repo_id})
                if parts == ["api", "validate-yaml"]:  # the card's front matter, before a commit
                    content = json.loads(body)["content"]
                    if not content.startswith("---\n") or "\n---\n" not in content[4:]:
                        return self._json(400, {"error": "README.md has no YAML front matter"})
                    hub.validated.append(content)
                    return self._json(200, {"errors": [], "warnings": []})
                if parts[:2] == ["api", "models"] and len(parts) >= 6 and parts[4] == "preupload":
                    files = json.loads(body)["files"]
                    return self._json(200, {"files": [
                        {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False}
                        for f in files]})
                if parts[:2] == ["api", "models"] and len(parts) >= 6 and parts[4] == "commit":
                    repo = hub.repos.get("/".join(parts[2:4]))
                    if repo is None:
                        return self._json(404, {"error": "Repository not found"})
                    files = dict(repo["files"])
                    for line in body.decode().splitlines():
                        item = json.loads(line)
                        if item["key"] == "file":
                            value = item["value"]
                            assert value.get("encoding") == "base64", value
                            files[value["path"]] = base64.b64decode(value["content"])
                        elif item["key"] == "deletedFile":
                            files.pop(item["value"]["path"], None)
                    repo["files"] = files
                    repo["sha"] = hub._new_sha()
                    return self._json(200, {"commitUrl": f"{hub.endpoint}/{'/'.join(parts[2:4])}/commit/{repo['sha']}",
                                            "commitOid": repo["sha"], "pullRequestUrl": None})
                return self._json(404, {"error": f"not served: POST {path}"})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def _new_sha(self):
        import hashlib

        self.commits += 1
        return hashlib.sha1(f"commit {self.commits}".encode()).hexdigest()

    def put(self, repo_id, folder):
        """Makes `repo_id` hold the files of `folder` (a new commit)."""
        from pathlib import Path

        folder = Path(folder)
        self.repos[repo_id] = {"sha": self._new_sha(), "files": {
            p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}}

    def stop(self):
        if self.thread.is_alive():
            self.httpd.shutdown()
            self.thread.join()
        self.httpd.server_close()


@pytest.fixture
def hf_hub(monkeypatch, tmp_path):
    """A `LoopbackHub`, with `HF_ENDPOINT` pointing at it and huggingface_hub's caches, token
    and telemetry kept inside `tmp_path` (huggingface_hub reads `HF_ENDPOINT` when it is
    imported, so its `constants.ENDPOINT` is patched too)."""
    from huggingface_hub import constants

    hub = LoopbackHub()
    monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
    monkeypatch.setattr(constants, "ENDPOINT", hub.endpoint)
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE",
                        hub.endpoint + "/{repo_id}/resolve/{revision}/{filename}")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf-home" / "hub"))
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.setenv("HF_TOKEN", "hf_loopback")
    yield hub
    hub.stop()
