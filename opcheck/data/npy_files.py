"""Read ``.npy`` and ``.npz`` arrays in one pass, header first, never unpickling.

Every array is read from a stream opened **once** (so a FIFO or stdin works: the
magic check and the data come from the same read), and its header (shape,
dtype) is checked against the memory planner *before* the data are read or
decompressed: a 2 MB ``.npz`` that claims 2 GiB of zeros is refused at once,
naming the shape the file claims.  Object (pickled) arrays are refused; opcheck
never unpickles.
"""
from __future__ import annotations

import io
import zipfile
from typing import BinaryIO

import numpy as np

from opcheck._runtime import memory
from opcheck.errors import InputError

MAGIC = b"\x93NUMPY"
#: float64 copies of an input array alive while it is prepared (as read,
#: float64, transposed, normalised): the planner's figure for loading
COPIES_WHILE_PREPARING = 4


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:120] if text else type(exc).__name__


def _read_exact(fh: BinaryIO, count: int) -> bytes:
    """``count`` bytes (fewer only at the end of the stream); loops over short pipe reads."""
    chunks, got = [], 0
    while got < count:
        chunk = fh.read(min(count - got, 1 << 24))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def plan_array(shape: tuple[int, ...], dtype: np.dtype, where: str, name: str) -> None:
    """Refuse (exit 2) an array whose header claims more than the memory budget allows."""
    count = 1.0
    for s in shape:
        count *= float(s)
    need = count * (dtype.itemsize + 8.0 * COPIES_WHILE_PREPARING)
    memory.require(
        need,
        f"{where}: {name} claims shape {tuple(int(s) for s in shape)} ({dtype}); loading it",
        "use a smaller file",
    )


def read_npy_stream(fh: BinaryIO, where: str, name: str = "X", magic: bytes | None = None) -> np.ndarray:
    """One ``.npy`` array from ``fh``; ``magic`` = its first 6 bytes if already consumed."""
    magic = _read_exact(fh, 6) if magic is None else magic
    if magic != MAGIC:
        raise InputError(f"{where} is not a valid .npy file (no NumPy header)" if magic else f"{where} is empty")
    version = _read_exact(fh, 2)
    if len(version) != 2 or version[0] not in (1, 2, 3):
        raise InputError(f"{where}: unsupported .npy format version")
    try:
        reader = np.lib.format.read_array_header_1_0 if version[0] == 1 else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = reader(fh)
    except (ValueError, SyntaxError, EOFError, OSError) as exc:
        raise InputError(f"{where} is not a valid .npy file ({_short(exc)})") from None
    if dtype.hasobject:
        raise InputError(f"{where} holds pickled Python objects; opcheck loads plain numeric arrays only (allow_pickle=False)")
    plan_array(shape, dtype, where, name)
    count = 1
    for s in shape:
        count *= int(s)
    nbytes = count * dtype.itemsize
    data = _read_exact(fh, nbytes)
    if len(data) != nbytes:
        raise InputError(f"{where} is truncated: {name} claims shape {tuple(shape)} ({nbytes} bytes) but holds {len(data)}")
    arr = np.frombuffer(data, dtype=dtype, count=count)
    return arr.reshape(shape, order="F" if fortran else "C")


def read_npy(path: str, stream: BinaryIO | None = None) -> np.ndarray:
    """A ``.npy`` file (or stdin ``stream``) read once; archives and pickles are named as such."""
    try:
        fh = stream if stream is not None else open(path, "rb")
    except OSError as exc:
        raise InputError(f"cannot read {path} ({exc.strerror or _short(exc)})") from None
    try:
        magic = _read_exact(fh, 6)
        if magic[:2] == b"PK":
            raise InputError(f"{path} is a .npz archive, not a .npy file; rename it to .npz")
        if magic[:1] == b"\x80":
            raise InputError(f"{path} is a Python pickle, not a .npy file; opcheck never unpickles (allow_pickle=False)")
        return read_npy_stream(fh, path, "X", magic)
    except OSError as exc:
        raise InputError(f"cannot read {path} ({exc.strerror or _short(exc)})") from None
    finally:
        if stream is None:
            fh.close()


class NpzArchive:
    """An ``.npz`` opened once; members are read header first by :meth:`read`."""

    def __init__(self, path: str, data: bytes | None = None):
        self.path = path
        try:
            if data is not None:
                self._zip = zipfile.ZipFile(io.BytesIO(data))
            else:
                with open(path, "rb") as fh:  # one open: FIFOs and pipes are read into memory
                    seekable = fh.seekable()
                    payload = None if seekable else fh.read()
                self._zip = zipfile.ZipFile(path if payload is None else io.BytesIO(payload))
        except zipfile.BadZipFile as exc:
            raise InputError(f"{path} is not a valid .npz file ({_short(exc)})") from None
        except OSError as exc:
            raise InputError(f"cannot read {path} ({exc.strerror or _short(exc)})") from None
        self.files = [n[:-4] for n in self._zip.namelist() if n.endswith(".npy")]

    def __enter__(self) -> "NpzArchive":
        return self

    def __exit__(self, *exc) -> None:
        self._zip.close()

    def read(self, key: str) -> np.ndarray:
        """Member ``key``: its header is checked against the budget before decompressing."""
        try:
            with self._zip.open(key + ".npy") as fh:
                return read_npy_stream(fh, f"{self.path}", key)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
            raise InputError(f"{self.path}: cannot read '{key}' ({_short(exc)})") from None
