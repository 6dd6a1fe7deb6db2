"""The Hub round trip without a network: publish a model folder into a Hub cache, load it by repo id elsewhere.

`push_to_hub` needs huggingface.co. What a user's machine gets back from it is the Hub cache that `from_pretrained`
and `snapshot_download` fill: `models--{org}--{name}/` with content-addressed `blobs/`, a `snapshots/{commit}/` of
links to them and `refs/main`. `publish_to_hub_cache` writes that layout, so `from_pretrained("org/name")` with
`HF_HUB_CACHE` pointing at it and `HF_HUB_OFFLINE=1` resolves the repo id exactly as after a download.
`run_without_package` runs Python where `import uomni_hf` fails, as on the machine of a user who only has
transformers (`trust_remote_code=True` then runs the folder's own code).
"""

import hashlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path


def publish_to_hub_cache(folder: str | os.PathLike, repo_id: str, cache_dir: str | os.PathLike) -> str:
    """Put every file of `folder` into `cache_dir` as revision `main` of model repo `repo_id`; returns the commit.

    Blobs are named by their sha256 (the Hub's etag of LFS files) and the commit hash is derived from the files'
    paths and contents, so publishing the same folder twice gives the same revision.
    """
    folder = Path(folder)
    files = sorted(path for path in folder.rglob("*") if path.is_file())
    if not files:
        raise ValueError(f"{folder} has no files to publish")
    if repo_id.count("/") != 1:
        raise ValueError(f"repo_id must look like 'org/name', got {repo_id!r}")
    digests = {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest() for path in files}
    commit = hashlib.sha1("".join(f"{name}\0{digest}\n" for name, digest in digests.items()).encode()).hexdigest()

    repo = Path(cache_dir) / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / commit
    (repo / "blobs").mkdir(parents=True, exist_ok=True)
    for name, digest in digests.items():
        blob = repo / "blobs" / digest
        if not blob.exists():
            blob.write_bytes((folder / name).read_bytes())
        link = snapshot / name
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(os.path.relpath(blob, link.parent))
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / "main").write_text(commit)
    return commit


def run_without_package(
    script: str, cwd: str | os.PathLike, timeout: float = 300, **env: str
) -> subprocess.CompletedProcess:
    """Run `script` in a fresh interpreter where `import uomni_hf` fails; raise with its stderr if it fails."""
    prelude = "import sys\nsys.modules['uomni_hf'] = None  # block the installed package\n"
    environment = {**os.environ, "HF_MODULES_CACHE": str(Path(cwd) / "modules"), **env}
    result = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(script)],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"the script failed without uomni_hf:\n{result.stderr[-3000:]}")
    return result
