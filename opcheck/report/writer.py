"""Write the report folder atomically: report.html, report.md, results.json, PNGs, marker.

Folder policy for ``--out DIR``:

* ``DIR`` missing or empty — written (``new``);
* ``DIR`` is an earlier opcheck report — its marker file :data:`MARKER` lists
  every file, and nothing else is there — replaced as a whole (``replace``);
* anything else non-empty — refused with exit 2 unless ``--force``; with
  ``--force`` the report's files are moved in one by one and every other file
  is left alone (``merge``); files an earlier report listed and this one does
  not write are removed.  The working directory itself is always merged into,
  never swapped.

Atomicity: everything is first written into a hidden temporary folder next to
``DIR`` (same file system), the marker last.  ``new``/``replace`` then put it in
place in one step (:mod:`opcheck.report.atomic_folder`: ``rename``, or
``renameat2(RENAME_EXCHANGE)`` for a replace, with a signal-blocked two-rename
fallback); ``merge`` removes an old marker first, moves the files with
``os.replace`` and writes the marker last.  An interrupted run therefore never
leaves a folder whose marker promises a complete report that is not there, and
its hidden leftovers are removed by the next run.  A ``--out`` that is a symlink
is followed: the report replaces the link's target and the link stays.

HTML is self-contained: plots are embedded as ``data:image/png;base64`` URIs.
"""
from __future__ import annotations

import base64
import html
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from opcheck import __version__
from opcheck._runtime import interrupts
from opcheck.errors import InputError
from opcheck.report import atomic_folder
from opcheck.report.document import Block, build
from opcheck.report.plots import Plot
from opcheck.checks.records import jsonable

MARKER = ".opcheck-report"
FIXED_FILES = ("report.html", "report.md", "results.json")


@dataclass(frozen=True)
class Written:
    path: Path
    files: tuple[str, ...]
    mode: str  # new | replace | merge


def _read_marker(folder: Path) -> list[str] | None:
    try:
        doc = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("kind") != "opcheck-report" or not isinstance(doc.get("files"), list):
        return None
    return [str(f) for f in doc["files"]]


def resolve_out(out: Path) -> Path:
    """``--out`` as written to: a symlink is followed (the link stays, its target is the report)."""
    out = Path(out)
    return Path(os.path.realpath(out)) if out.is_symlink() else out


def _probe_writable(folder: Path) -> bool:
    """Whether a folder can be created in ``folder`` (a real probe: ACLs, read-only mounts, root)."""
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".opcheck-probe-", dir=folder))
        return True
    except OSError:
        return False


def destination_mode(out: Path, force: bool) -> str:
    """``new``, ``replace`` or ``merge`` for ``out``; InputError when refused.

    Called before any sweep: it also removes leftovers of interrupted earlier runs
    (:func:`opcheck.report.atomic_folder.clean_leftovers`) and probes that the
    folder that will receive the new report is writable.
    """
    given, out = Path(out), resolve_out(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {given} is a file, not a folder")
    if not out.exists():
        for parent in out.parents:
            if parent.exists():
                if not parent.is_dir():
                    raise InputError(f"--out {given}: {parent} is a file, not a folder")
                if not _probe_writable(parent):
                    raise InputError(f"--out {given}: cannot create it inside {parent} (not writable)")
                break
        return "new"
    atomic_folder.clean_leftovers(out)
    entries = sorted(p.name for p in out.iterdir())
    # the working directory (or a folder holding it) is never swapped out from under the shell
    here = Path.cwd().resolve()
    pinned = out.resolve() == here or out.resolve() in here.parents
    parent_ok = _probe_writable(out.resolve().parent)
    if not entries:
        if pinned or not parent_ok:
            if not _probe_writable(out):
                raise InputError(f"--out {given} is not writable")
            return "merge"
        return "new"
    listed = _read_marker(out)
    if listed is not None and set(entries) <= set(listed) | {MARKER}:
        if pinned:
            return "merge"
        if not parent_ok:
            raise InputError(f"--out {given}: its parent folder is not writable")
        return "replace"
    if not force:
        why = "it holds files an opcheck report did not write" if listed is not None else "it is not an earlier opcheck report"
        raise InputError(f"--out {given} is not empty and {why}; choose another folder or pass --force (other files are kept)")
    if not _probe_writable(out):
        raise InputError(f"--out {given} is not writable")
    return "merge"


# ----------------------------------------------------------------------------- rendering
def _html_block(b: Block, pngs: dict[str, bytes]) -> str:
    e = html.escape
    if b.kind in ("h1", "h2", "h3"):
        return f"<{b.kind}>{e(b.text)}</{b.kind}>"
    if b.kind == "p":
        return f"<p>{e(b.text)}</p>"
    if b.kind == "list":
        return "<ul>" + "".join(f"<li>{e(str(i))}</li>" for i in b.items) + "</ul>"
    if b.kind == "box":
        return "<div class='box'>" + "".join(f"<p class='{'sub' if str(i).startswith(' ') else 'head'}'>{e(str(i).strip())}</p>" for i in b.items) + "</div>"
    if b.kind == "table":
        head = "".join(f"<th>{e(h)}</th>" for h in b.headers)
        body = "".join(("<tr class='muted'>" if k in b.muted else "<tr>") + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>"
                       for k, row in enumerate(b.rows))
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    if b.kind == "kv":
        return "<table class='kv'><tbody>" + "".join(f"<tr><th>{e(str(k))}</th><td>{e(str(v))}</td></tr>" for k, v in b.rows) + "</tbody></table>"
    if b.kind == "figure":
        uri = "data:image/png;base64," + base64.b64encode(pngs[b.file]).decode("ascii")
        cap = e(b.items[0]) if b.items else ""
        return f"<figure><img src=\"{uri}\" alt=\"{e(b.text)}\" data-file=\"{e(b.file)}\"><figcaption><b>{e(b.text)}.</b> {cap}</figcaption></figure>"
    if b.kind == "code":
        return f"<pre>{e(b.text)}</pre>"
    raise ValueError(f"unknown block kind {b.kind}")


CSS = (
    "body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1150px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}"
    "table{border-collapse:collapse;margin:0.8em 0;font-size:0.86em}th,td{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}"
    "thead th{background:#f0f0f0}table.kv th{background:#fafafa;font-weight:600}figure{margin:1em 0}img{max-width:100%}"
    ".box{border:2px solid #2a6;border-radius:6px;padding:0.4em 1em;background:#f4fbf6}.box p{margin:0.3em 0}.box p.head{font-weight:600}"
    ".box p.sub{margin-left:1.5em;font-size:0.92em}tr.muted td{color:#999}"
    "figcaption{font-size:0.88em;color:#444}li{margin:0.3em 0}h2{border-bottom:1px solid #ddd;padding-bottom:0.2em;margin-top:1.6em}"
)


def render_html(blocks: list[Block], pngs: dict[str, bytes]) -> str:
    body = "\n".join(_html_block(b, pngs) for b in blocks)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"generator\" content=\"opcheck " + html.escape(__version__) + "\">"
            "<title>opcheck report</title><style>" + CSS + "</style></head><body>\n" + body + "\n</body></html>\n")


def _md_cell(x) -> str:
    return str(x).replace("|", "\\|").replace("\n", " ")


def _md_block(b: Block) -> str:
    if b.kind == "h1":
        return f"# {b.text}"
    if b.kind == "h2":
        return f"## {b.text}"
    if b.kind == "h3":
        return f"### {b.text}"
    if b.kind == "p":
        return b.text
    if b.kind == "list":
        return "\n".join(f"- {i}" for i in b.items)
    if b.kind == "box":
        return "\n".join((f"> - {str(i).strip()}" if str(i).startswith(" ") else f"> **{i}**") + "  " for i in b.items)
    if b.kind == "table":
        lines = ["| " + " | ".join(_md_cell(h) for h in b.headers) + " |", "|" + "---|" * len(b.headers)]
        lines += ["| " + " | ".join((f"_{_md_cell(c)}_ (greyed)" if (k in b.muted and j == 0) else _md_cell(c)) for j, c in enumerate(row)) + " |"
                  for k, row in enumerate(b.rows)]
        return "\n".join(lines)
    if b.kind == "kv":
        return "\n".join(["| | |", "|---|---|"] + [f"| {_md_cell(k)} | {_md_cell(v)} |" for k, v in b.rows])
    if b.kind == "figure":
        return f"![{b.text}]({b.file})\n\n*{b.text}.* {b.items[0] if b.items else ''}"
    if b.kind == "code":
        return f"```\n{b.text}\n```"
    raise ValueError(f"unknown block kind {b.kind}")


def render_markdown(blocks: list[Block]) -> str:
    return "\n\n".join(_md_block(b) for b in blocks) + "\n"


# ----------------------------------------------------------------------------- writing
def _write(path: Path, data: bytes | str) -> None:
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path, mode, **({} if isinstance(data, bytes) else {"encoding": "utf-8"})) as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def write_report(out: Path, results: dict, plots: list[Plot], force: bool = False, blocks: list[Block] | None = None) -> Written:
    """Render and write the folder (see module docstring); returns where and how.

    ``blocks`` replaces the report's own document (:func:`opcheck.report.document.build`):
    ``opcheck verify --out`` writes its one run through the same atomic folder writer.
    """
    given, out = Path(out), resolve_out(out)
    mode = destination_mode(out, force)
    results = jsonable({**results, "plots": [p.meta() for p in plots]})
    pngs = {p.file: p.png for p in plots}
    blocks = build(results, [p.meta() for p in plots]) if blocks is None else blocks
    files = {
        "results.json": json.dumps(results, indent=2, allow_nan=False) + "\n",
        "report.md": render_markdown(blocks),
        "report.html": render_html(blocks, pngs),
        **pngs,
    }
    names = tuple(sorted(files))
    marker = json.dumps({"kind": "opcheck-report", "opcheck_version": __version__, "files": list(names)}, indent=1) + "\n"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        # merge may write into a folder whose parent is read-only: stage inside it then
        tmp = atomic_folder.make_tmp(out, where=out if mode == "merge" else None)
    except OSError as exc:
        raise InputError(f"--out {given}: cannot create a folder there ({exc.strerror or exc})") from None
    try:
        for name, data in files.items():
            _write(tmp / name, data)
        _write(tmp / MARKER, marker)
        if mode == "merge":
            _merge(tmp, out, names, marker)
        else:
            os.chmod(tmp, 0o755 & ~_umask())  # mkdtemp made it 0700; a report folder is not private
            interrupts.raise_if_received()  # a Ctrl-C a library swallowed still means no report
            atomic_folder.swap_in(tmp, out)
    except OSError as exc:
        raise InputError(f"--out {given}: writing failed ({exc.strerror or exc})") from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return Written(given, names, mode)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _merge(tmp: Path, out: Path, names: tuple[str, ...], marker: str) -> None:
    """``--force`` into a foreign folder: move our files in, marker last; keep everything else."""
    previous = _read_marker(out) or []
    try:
        (out / MARKER).unlink()
    except FileNotFoundError:
        pass
    for name in names:
        os.replace(tmp / name, out / name)
    for stale in set(previous) - set(names):
        if "/" not in stale and stale not in (MARKER,):
            try:
                (out / stale).unlink()
            except FileNotFoundError:
                pass
    os.replace(tmp / MARKER, out / MARKER)
