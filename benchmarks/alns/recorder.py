"""Streams a method's incumbents to disk as they appear, so a run killed at its deadline still counts.

Files next to ``out`` (the final JSON): ``.trajectory.jsonl`` (one ``{"t", "objective"}`` per improving
solution, ``t`` in seconds since the clock started) and ``.solution.json`` (the best solution so far,
replaced atomically). The clock starts at :meth:`start`, after the method's libraries are imported
and before the instance is read.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any


class Recorder:
    """Best-so-far tracking in the model's own sense (``maximize`` flips the comparison)."""

    def __init__(self, out: Path, maximize: bool) -> None:
        self.out = out
        self.maximize = maximize
        self.t0 = 0.0
        self.best: float | None = None
        self.trajectory_path = out.with_suffix(".trajectory.jsonl")
        self.solution_path = out.with_suffix(".solution.json")
        self.trajectory_path.unlink(missing_ok=True)
        self.solution_path.unlink(missing_ok=True)

    def start(self) -> float:
        """Start the clock; also writes the wall-clock start so a parent can enforce the deadline."""
        self.t0 = time.perf_counter()
        with self.trajectory_path.open("w") as fh:
            fh.write(json.dumps({"start_wall": time.time()}) + "\n")
        return self.t0

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def improves(self, objective: float) -> bool:
        if self.best is None:
            return True
        return objective > self.best if self.maximize else objective < self.best

    def offer(
        self,
        objective: float,
        solution: Mapping[str, float] | None = None,
        at: float | None = None,
    ) -> None:
        """Record ``objective`` if it improves; ``at`` overrides the time stamp (seconds since start)."""
        if not self.improves(objective):
            return
        self.best = objective
        stamp = self.elapsed() if at is None else at
        with self.trajectory_path.open("a") as fh:
            fh.write(json.dumps({"t": round(stamp, 4), "objective": objective}) + "\n")
        if solution is not None:
            self.save_solution(solution)

    def save_solution(self, solution: Mapping[str, float]) -> None:
        tmp = self.solution_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({k: float(v) for k, v in solution.items()}))
        os.replace(tmp, self.solution_path)

    def finish(self, status: str, extra: Mapping[str, Any] | None = None) -> None:
        """Write the final JSON record (the parent assembles one itself if this never runs)."""
        record = {"status": status, "wall": round(self.elapsed(), 4), "extra": dict(extra or {})}
        self.out.write_text(json.dumps(record))


def load_run(out: Path) -> dict[str, Any]:
    """Read what a worker left: trajectory, best solution, final record (if it got that far)."""
    trajectory: list[tuple[float, float]] = []
    start_wall = None
    path = out.with_suffix(".trajectory.jsonl")
    if path.exists():
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            point = json.loads(line)
            if "start_wall" in point:
                start_wall = point["start_wall"]
            else:
                trajectory.append((point["t"], point["objective"]))
    solution_path = out.with_suffix(".solution.json")
    solution = json.loads(solution_path.read_text()) if solution_path.exists() else None
    final = json.loads(out.read_text()) if out.exists() else None
    return {
        "trajectory": trajectory,
        "solution": solution,
        "final": final,
        "start_wall": start_wall,
    }
