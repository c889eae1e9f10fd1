"""The drop folder: departments (or their systems) put files into DIR/<catalog item>/; each new
file is ingested, then moved with its result to DIR/<item>/processed/ (or failed/)."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from xinyong.catalog.registry import CatalogError, get_catalog
from xinyong.ingest.pipeline import IngestResult
from xinyong.ingest.readers import ReadError

SUFFIXES = {".csv", ".xlsx", ".jsonl", ".ndjson"}
STABLE_SECONDS = 2.0


def _ready_files(folder: Path, min_age: float) -> list[tuple[str, Path]]:
    """Files that stopped growing (unchanged for ``min_age`` seconds), per item subfolder."""
    ready = []
    now = time.time()
    for item_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        for path in sorted(item_dir.iterdir()):
            if (
                path.suffix.lower() in SUFFIXES
                and ".rejected" not in path.name
                and (now - path.stat().st_mtime >= min_age)
            ):
                ready.append((item_dir.name, path))
    return ready


def _move(path: Path, target_dir: Path) -> Path:
    target_dir.mkdir(exist_ok=True)
    target = target_dir / path.name
    shutil.move(str(path), target)
    return target


def process_once(
    folder: Path,
    handle: Callable[[str, Path], IngestResult],
    report: Callable[[IngestResult], None],
    warn: Callable[[str], None],
    min_age: float = STABLE_SECONDS,
) -> int:
    catalog = get_catalog()
    done = 0
    for item, path in _ready_files(folder, min_age):
        if item not in catalog.items:
            warn(f"目录“{item}”不是目录项代码，其中的文件 {path.name} 未处理")
            continue
        try:
            result = handle(item, path)
        except (CatalogError, ReadError, ValueError) as exc:
            failed = _move(path, path.parent / "failed")
            failed.with_suffix(failed.suffix + ".error.txt").write_text(str(exc), "utf-8")
            warn(f"{path.name} 载入失败：{exc}")
            continue
        moved = _move(path, path.parent / "processed")
        if result.rejected_file:
            rejected = Path(result.rejected_file)
            result.rejected_file = str(_move(rejected, moved.parent))
        moved.with_suffix(moved.suffix + ".result.json").write_text(
            json.dumps(result.as_dict(), ensure_ascii=False, indent=2), "utf-8"
        )
        report(result)
        done += 1
    return done


def watch_folder(
    folder: Path,
    handle: Callable[[str, Path], IngestResult],
    *,
    interval: float,
    once: bool,
    report: Callable[[IngestResult], None],
    warn: Callable[[str], None],
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    while True:
        process_once(folder, handle, report, warn, 0.0 if once else STABLE_SECONDS)
        if once:
            return
        time.sleep(interval)
