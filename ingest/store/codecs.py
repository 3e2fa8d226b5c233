"""How the catalog stores vectors: a passage's as float32 bytes, a passage's sentences' as
float16 rows (half the space; a cosine moves by less than 0.001)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def vector_bytes(vector: Sequence[float]) -> bytes:
    """A vector as the float32 bytes the catalog keeps."""
    import numpy as np

    return np.asarray(vector, dtype=np.float32).tobytes()


def floats(blob: bytes) -> list[float]:
    """The vector that ``vector_bytes`` stored."""
    import numpy as np

    return np.frombuffer(blob, dtype=np.float32).astype(float).tolist()  # type: ignore[no-any-return]


def sentence_bytes(vectors: Any) -> bytes:
    """The stored form of a chunk's sentence vectors: float16, a row per sentence."""
    import numpy as np

    return np.asarray(vectors, dtype=np.float16).tobytes()


def sentence_rows(blob: bytes, dim: int) -> Any | None:
    """The float32 rows that ``sentence_bytes`` stored (None when they are not ``dim`` wide)."""
    import numpy as np

    if len(blob) % (2 * dim):
        return None
    return np.frombuffer(blob, dtype=np.float16).astype(np.float32).reshape(-1, dim)
