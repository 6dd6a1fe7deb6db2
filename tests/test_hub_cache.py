"""examples/hub_cache.py: a published folder is a Hub cache entry that huggingface_hub itself resolves by repo id
offline; scripts run where `uomni_hf` cannot be imported."""

import pytest
from huggingface_hub import scan_cache_dir, snapshot_download

from .conftest import load_script


hub_cache = load_script("examples/hub_cache.py")


def make_folder(root, files: dict[str, bytes]):
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(content)
    return root


def test_published_folder_resolves_by_repo_id_offline(tmp_path):
    files = {"config.json": b"{}", "model.safetensors": b"\0" * 1000, "language_model/lm.arpa": b"\\data\\"}
    folder = make_folder(tmp_path / "folder", files)
    revision = hub_cache.publish_to_hub_cache(folder, "me/tiny", tmp_path / "hub")
    snapshot = snapshot_download("me/tiny", cache_dir=tmp_path / "hub", local_files_only=True)
    assert snapshot.endswith(revision)
    assert {name: (tmp_path / "hub" / snapshot / name).read_bytes() for name in files} == files
    (repo,) = scan_cache_dir(tmp_path / "hub").repos
    assert (repo.repo_id, repo.repo_type, repo.nb_files) == ("me/tiny", "model", 3)
    assert {r.commit_hash for r in repo.revisions} == {revision} and len(revision) == 40


def test_republishing_is_stable_and_a_change_moves_main(tmp_path):
    folder = make_folder(tmp_path / "folder", {"config.json": b"{}"})
    first = hub_cache.publish_to_hub_cache(folder, "me/tiny", tmp_path / "hub")
    assert hub_cache.publish_to_hub_cache(folder, "me/tiny", tmp_path / "hub") == first
    (folder / "config.json").write_bytes(b'{"a": 1}')
    second = hub_cache.publish_to_hub_cache(folder, "me/tiny", tmp_path / "hub")
    assert second != first
    assert (tmp_path / "hub" / "models--me--tiny" / "refs" / "main").read_text() == second
    snapshot = snapshot_download("me/tiny", cache_dir=tmp_path / "hub", local_files_only=True)
    assert (tmp_path / "hub" / snapshot / "config.json").read_bytes() == b'{"a": 1}'


def test_bad_publish_arguments_are_named(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no files"):
        hub_cache.publish_to_hub_cache(tmp_path / "empty", "me/tiny", tmp_path / "hub")
    folder = make_folder(tmp_path / "folder", {"config.json": b"{}"})
    with pytest.raises(ValueError, match="org/name"):
        hub_cache.publish_to_hub_cache(folder, "tiny", tmp_path / "hub")


def test_scripts_run_without_the_package_and_failures_carry_their_error(tmp_path):
    result = hub_cache.run_without_package(
        """
        try:
            import uomni_hf
        except ImportError:
            print("blocked")
        """,
        tmp_path,
    )
    assert result.stdout.strip() == "blocked"
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        hub_cache.run_without_package("1 / 0", tmp_path)
