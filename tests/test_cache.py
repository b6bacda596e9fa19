"""The disk cache holds plain JSON keyed by the sources' content and is verified on every read."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

from advisor.inputs.datafiles import _cache_dir, data_dir
from advisor.inputs.knowledge import _load_cached


def copy_knowledge(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    for src in data_dir("knowledge").glob("*.toml"):
        (folder / src.name).write_bytes(src.read_bytes())
    return folder


def _entries(kind: str) -> list[Path]:
    return sorted(_cache_dir().glob(f"{kind}-*"))


def test_cache_is_json_never_pickle(tmp_path):
    _load_cached.__wrapped__(copy_knowledge(tmp_path))
    entries = _entries("knowledge")
    assert entries and all(p.suffix == ".json" for p in entries)
    for path in entries:
        entry = json.loads(path.read_text())
        assert set(entry) == {"key", "sha256", "payload"}


def test_a_planted_pickle_is_never_loaded(tmp_path):
    folder = copy_knowledge(tmp_path)
    _load_cached.__wrapped__(folder)
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (Path.touch, (marker,))

    for path in _entries("knowledge"):
        path.write_bytes(pickle.dumps(Evil()))
        path.with_suffix(".pickle").write_bytes(pickle.dumps(Evil()))
    assert _load_cached.__wrapped__(folder).figures["token_reduction"].value == 0.25
    assert not marker.exists()


def test_one_changed_byte_in_the_cache_is_detected(tmp_path):
    folder = copy_knowledge(tmp_path)
    true_price = _load_cached.__wrapped__(folder).gpu_offers[0].usd_per_hour
    for path in _entries("knowledge"):
        entry = json.loads(path.read_text())
        text = f"{true_price:g}"
        assert text in entry["payload"]
        entry["payload"] = entry["payload"].replace(f":{text},", f":{text.replace('.', '')[:-1]}.{text[-1]},", 1)
        path.write_text(json.dumps(entry))  # the payload changed, its hash did not
    assert _load_cached.__wrapped__(folder).gpu_offers[0].usd_per_hour == true_price


def test_an_edit_that_keeps_size_and_mtime_is_not_served_stale(tmp_path):
    folder = copy_knowledge(tmp_path)
    assert _load_cached.__wrapped__(folder).figures["token_reduction"].value == 0.25
    econ = folder / "economics.toml"
    before = econ.stat()
    text = econ.read_text()
    assert "value = 0.25\nlow = 0.20" in text
    econ.write_text(text.replace("value = 0.25\nlow = 0.20", "value = 0.22\nlow = 0.20"))  # same length
    os.utime(econ, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert econ.stat().st_size == before.st_size and econ.stat().st_mtime_ns == before.st_mtime_ns
    assert _load_cached.__wrapped__(folder).figures["token_reduction"].value == 0.22


def test_tampered_price_cache_falls_back_to_genai_prices():
    from advisor.costs import prices

    prices.token_price.cache_clear()
    right = prices.token_price("gpt-4o")
    for path in _entries("price"):
        entry = json.loads(path.read_text())
        payload = json.loads(entry["payload"])
        payload["price"]["input_usd_per_mtok"] = right.input_usd_per_mtok * 10
        entry["payload"] = json.dumps(payload)
        path.write_text(json.dumps(entry))
    prices.token_price.cache_clear()
    assert prices.token_price("gpt-4o").input_usd_per_mtok == right.input_usd_per_mtok
