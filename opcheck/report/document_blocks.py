"""The neutral block the report documents are made of (rendered to HTML and Markdown by the writer)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Block:
    kind: str  # "h1" | "h2" | "h3" | "p" | "list" | "box" | "table" | "figure" | "kv" | "code"
    text: str = ""
    items: tuple = ()
    headers: tuple = ()
    rows: tuple = ()
    file: str = ""
    muted: tuple = ()  # table rows shown greyed (fits that are not findings)
