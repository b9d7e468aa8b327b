"""The Jacobian Gram assembled blockwise on Dask workers, and its extreme eigenvalues.

For a Gram too large for one machine (:mod:`opcheck.linalg.gram_plan`).  Row
``r = k·n + a`` of ``J Jᵀ`` (output k, sample a) has factor columns
``s_r = V_k ⊙ B[:, a]``, ``x_r = X[:, a]``, ``a_r = A[:, a]`` with ``A = φ(WX)``,
``B = φ'(WX)`` (:mod:`opcheck.linalg.gram`), and

    G[r, r'] = ⟨s_r, s_r'⟩ ⟨x_r, x_r'⟩  +  [k_r = k_r'] ⟨a_r, a_r'⟩ .

Rows are cut into blocks of ``chunk``; each block of rows ships its factor columns
to a worker once (:class:`RowBlock`), and block ``(p, q)`` of G is two GEMMs and a
Hadamard product of those columns (:func:`gram_block`) — never the Jacobian.  Only
the upper blocks ``q ≥ p`` are computed and stored; the lower ones are their
transposes.  The order is padded to a multiple of ``chunk`` (``dask.array.linalg.cholesky``
needs equal square chunks) with ``PAD_VALUE · I``, which is block-diagonal to G, so
padded vectors with zero tails see exactly G.

:class:`BlockedGram` offers what the formed-Gram solver and its certificates use
(the interface of :class:`~opcheck.linalg.symmetric_store.SymmetricStore`), so
:func:`opcheck.linalg.spectra.store_extremes` computes the same certified extremes
as for a formed Gram:

* λ_max — Lanczos on the distributed product ``x ↦ G x`` (one task per stored
  block, where it lives);
* λ_min — Lanczos on ``(G + sI)⁻¹``, ``s = N ε λ_max``, through the blocked
  Cholesky factor ``sign·G − shift·I = L Lᵀ`` (``dask.array.linalg.cholesky``;
  its lower blocks stay on the workers) and a blocked forward and back
  substitution per product (LAPACK triangular solves on diagonal blocks, GEMV off
  them); the certificates' further factorisations (Rump's test) run the same way.
  The padding rows are set to exactly 1 in every factorised matrix and are left
  out of the rounding bound: their factor rows are exact.
"""
from __future__ import annotations

from dataclasses import dataclass
import numpy as np

from opcheck.linalg.intervals import SAFETY, gamma

PAD_VALUE = 1.0  # eigenvalue of the padding rows; never seen by the restricted products


@dataclass(frozen=True)
class RowBlock:
    """Factor columns of one block of Gram rows (``m ≤ chunk`` real rows).

    ``S`` (d1 × m) and ``X`` (d0 × m) give the W-term, ``A`` (d1 × m) the V-term;
    either may be None (the W-block alone, or the V-block ``AᵀA``).  ``segments``
    lists the runs ``(k, start, stop)`` of rows that share output k.
    """

    S: np.ndarray | None
    X: np.ndarray | None
    A: np.ndarray | None
    segments: tuple[tuple[int, int, int], ...]
    rows: int
    chunk: int


def row_blocks(V: np.ndarray, A: np.ndarray, B: np.ndarray, X: np.ndarray, block: str, chunk: int):
    """Yield the :class:`RowBlock` of each chunk of rows of the ``block`` Gram (``both``, ``first``, ``second``)."""
    n = X.shape[1]
    d2 = 1 if block == "second" else V.shape[0]
    order = d2 * n
    for r0 in range(0, order, chunk):
        rows = np.arange(r0, min(r0 + chunk, order))
        k, a = np.divmod(rows, n)
        cuts = np.flatnonzero(np.diff(k)) + 1
        starts = np.concatenate(([0], cuts))
        stops = np.concatenate((cuts, [rows.size]))
        segments = tuple((int(k[s]), int(s), int(e)) for s, e in zip(starts, stops))
        w_term = block != "second"
        yield RowBlock(
            S=(B[:, a] * V[k].T) if w_term else None,
            X=X[:, a] if w_term else None,
            A=A[:, a] if block != "first" else None,
            segments=segments,
            rows=int(rows.size),
            chunk=chunk,
        )


def gram_block(P: RowBlock, Q: RowBlock, diagonal: bool) -> np.ndarray:
    """Block (p, q) of the padded Gram: ``(S_pᵀ S_q) ⊙ (X_pᵀ X_q) + [k = k'] A_pᵀ A_q``."""
    out = np.zeros((P.chunk, Q.chunk))
    view = out[: P.rows, : Q.rows]
    if P.S is not None:
        np.multiply(P.S.T @ Q.S, P.X.T @ Q.X, out=view)
    if P.A is not None:
        for k, s0, s1 in P.segments:
            for kq, t0, t1 in Q.segments:
                if k == kq:
                    view[s0:s1, t0:t1] += P.A[:, s0:s1].T @ Q.A[:, t0:t1]
    if diagonal and P.rows < P.chunk:
        idx = np.arange(P.rows, P.chunk)
        out[idx, idx] = PAD_VALUE
    return out


class BlockedGram:
    """The padded Gram's upper blocks on a Dask cluster: products, |G| products and Cholesky solves.

    The store interface of :func:`opcheck.linalg.spectra.store_extremes`.  Products
    run as one task per stored block, placed where the block lives, and return
    only vectors of length ``chunk`` (measured: a third of the scheduling overhead
    of the equivalent ``dask.array`` expression per product).  Use as a context
    manager, or call :meth:`release`, so the workers drop the blocks.
    """

    def __init__(self, client, V: np.ndarray, A: np.ndarray, B: np.ndarray, X: np.ndarray, block: str, chunk: int):
        from distributed import wait

        self.client, self.chunk = client, chunk
        self.N = order_of(V, X, block)
        parts = [client.scatter(rb) for rb in row_blocks(V, A, B, X, block, chunk)]
        self.blocks = len(parts)
        self.padded = self.blocks * chunk
        self._G = {(p, q): client.submit(gram_block, parts[p], parts[q], p == q, pure=False) for p in range(self.blocks) for q in range(p, self.blocks)}
        wait(list(self._G.values()))
        _raise_first_error(self._G.values())
        diag = client.gather([client.submit(np.diagonal, self._G[(p, p)], pure=False) for p in range(self.blocks)])
        self.diag = np.concatenate(diag)[: self.N].copy()
        self._L: dict = {}
        self.last_diagonal_max = self._last_trace = 0.0

    def __enter__(self) -> "BlockedGram":
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def release(self) -> None:
        """Drop every block held on the workers."""
        self._G, self._L = {}, {}

    def trace(self) -> float:
        return float(np.sum(self.diag))

    def gather(self) -> np.ndarray:
        """The Gram as one local array (for checks on small orders only)."""
        c, out = self.chunk, np.empty((self.padded, self.padded))
        for (p, q), f in self._G.items():
            out[p * c : (p + 1) * c, q * c : (q + 1) * c] = blk = f.result()
            out[q * c : (q + 1) * c, p * c : (p + 1) * c] = blk.T
        return out[: self.N, : self.N]

    def _split(self, x: np.ndarray) -> list[np.ndarray]:
        xp = np.zeros((self.padded,) + x.shape[1:])  # a vector or an N × k block
        xp[: self.N] = x
        return np.split(xp, self.blocks)

    def _symmetric_product(self, x: np.ndarray, absolute: bool) -> np.ndarray:
        xs = self._split(x)
        keys = list(self._G)
        futs = [self.client.submit(_block_products, self._G[(p, q)], xs[q], None if p == q else xs[p], absolute, pure=False) for p, q in keys]
        y = [np.zeros((self.chunk,) + x.shape[1:]) for _ in range(self.blocks)]
        for (p, q), (yp, yq) in zip(keys, self.client.gather(futs)):
            y[p] += yp
            if yq is not None:
                y[q] += yq
        return np.concatenate(y)[: self.N]

    def matvec(self, x: np.ndarray) -> np.ndarray:
        """``G x``: each stored block (p, q) returns ``G_pq x_q`` and, off the diagonal, ``G_pqᵀ x_p``."""
        return self._symmetric_product(np.asarray(x, dtype=np.float64), False)

    def abs_matvec(self, x: np.ndarray) -> np.ndarray:
        """``|G| x`` for x ≥ 0, a vector or an N × k block (rounding bounds)."""
        return self._symmetric_product(np.asarray(x, dtype=np.float64), True)

    def factor(self, shift: float, sign: float = 1.0) -> bool:
        """Blocked Cholesky of ``fl(sign·G − shift·I)`` (``dask.array.linalg.cholesky``) on the
        workers, keeping the factor's lower blocks there; False if it breaks down."""
        import dask.array as da
        from distributed import futures_of, wait

        c, P = self.chunk, self.blocks
        self._L = {}
        tiles = {key: da.from_delayed(f, (c, c), dtype=np.float64) for key, f in self._G.items()}
        G = da.block([[tiles[(p, q)] if q >= p else tiles[(q, p)].T for q in range(P)] for p in range(P)])
        d = np.full(self.padded, sign * PAD_VALUE - 1.0)  # padding rows become exactly 1
        d[: self.N] = shift
        h = sign * self.diag - shift
        self.last_diagonal_max, self._last_trace = float(np.max(np.abs(h))), float(np.sum(h))
        Ls = da.linalg.cholesky(sign * G - da.diag(da.from_array(d, chunks=c)), lower=True)
        lower = [(i, j) for i in range(P) for j in range(i + 1)]
        futs = [futures_of(arr)[0] for arr in self.client.persist([Ls.blocks[i, j] for i, j in lower])]
        wait(futs)
        errors = [f.exception() for f in futs if f.status == "error"]
        if errors and all(isinstance(e, np.linalg.LinAlgError) for e in errors):
            return False
        if errors:
            raise errors[0]
        self._L = dict(zip(lower, futs))
        return True

    def solve(self, x: np.ndarray) -> np.ndarray:
        """``(L Lᵀ)⁻¹ x`` with the last factor: forward substitution with L, back substitution with Lᵀ.

        Every task is submitted at once; the scheduler runs each block's product
        where that block of L lives and chains the diagonal solves.
        """
        submit, P, L = self.client.submit, self.blocks, self._L
        y: list = []
        for i, b in enumerate(self._split(x)):
            parts = [submit(np.dot, L[(i, k)], y[k], pure=False) for k in range(i)]
            y.append(submit(_substitute, L[(i, i)], b, parts, True, pure=False))
        z: list = [None] * P
        for i in reversed(range(P)):
            parts = [submit(_dot_t, L[(k, i)], z[k], pure=False) for k in range(i + 1, P)]
            z[i] = submit(_substitute, L[(i, i)], y[i], parts, False, pure=False)
        return np.concatenate(self.client.gather(z))[: self.N]

    def factor_rounding_bound(self, tight_below: float = 0.0, refine_above: float = float("inf")) -> float:
        """Bound on ``‖RᵀR − H‖₂`` for the last factor ``R = Lᵀ`` of the real rows — the bound of
        :meth:`SymmetricStore.factor_rounding_bound`: ``γ/(1 − γ)·tr H`` (γ = γ_{N+1}), and, when
        that exceeds ``tight_below``, also ``γ·max(|Rᵀ|(|R| 1))`` from two passes over L's blocks
        (``refine_above`` — the local store's Collatz–Wielandt refinement — is not implemented here)."""
        g = gamma(self.N + 1)
        bound = g / (1.0 - g) * self._last_trace * SAFETY
        if bound <= tight_below:
            return bound
        c, P = self.chunk, self.blocks
        size = [c] * (P - 1) + [self.N - (P - 1) * c]
        keys = list(self._L)
        cols = self.client.gather([self.client.submit(_abs_column_sums, self._L[(i, j)], size[i], size[j], pure=False) for i, j in keys])
        s = [np.zeros(size[j]) for j in range(P)]  # |R| 1 = |L|ᵀ 1
        for (_, j), col in zip(keys, cols):
            s[j] += col
        rows = self.client.gather([self.client.submit(_abs_rows_times, self._L[(i, j)], size[i], s[j], pure=False) for i, j in keys])
        t = [np.zeros(size[i]) for i in range(P)]  # |Rᵀ| s = |L| s
        for (i, _), part in zip(keys, rows):
            t[i] += part
        return min(bound, g * float(np.max(np.concatenate(t))) * (1.0 + gamma(2 * self.N)) * SAFETY)


def _block_products(blk: np.ndarray, xq: np.ndarray, xp: np.ndarray | None, absolute: bool):
    m = np.abs(blk) if absolute else blk
    return m @ xq, (None if xp is None else m.T @ xp)


def _dot_t(blk: np.ndarray, v: np.ndarray) -> np.ndarray:
    return blk.T @ v


def _substitute(Lii: np.ndarray, rhs: np.ndarray, parts: list, lower: bool) -> np.ndarray:
    """Solve ``Lii y = rhs − Σ parts`` (lower) or ``Liiᵀ y = rhs − Σ parts`` (upper)."""
    from scipy.linalg import solve_triangular

    r = rhs - sum(parts) if parts else rhs
    return solve_triangular(Lii, r, lower=True, trans=0 if lower else 1, check_finite=False)


def _abs_column_sums(blk: np.ndarray, rows: int, cols: int) -> np.ndarray:
    return np.abs(blk[:rows, :cols]).sum(axis=0)


def _abs_rows_times(blk: np.ndarray, rows: int, s: np.ndarray) -> np.ndarray:
    return np.abs(blk[:rows, : s.size]) @ s


def _raise_first_error(futures) -> None:
    for f in futures:
        if f.status == "error":
            raise f.exception()


def order_of(V: np.ndarray, X: np.ndarray, block: str) -> int:
    """Order of the ``block`` Gram: d2·n, or n for the V-block."""
    return X.shape[1] if block == "second" else V.shape[0] * X.shape[1]
