"""What machine a benchmark ran on, for the tables it writes."""

from __future__ import annotations

import platform
import subprocess


def cpu_model() -> str:
    """Return the CPU model name from lscpu, or what the platform module knows."""
    model = platform.processor() or "unknown CPU"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return model
    for line in out.splitlines():
        if line.startswith("Model name"):
            model = line.split(":", 1)[1].strip()
    return model
