"""The conversion report of an imported model: every change and everything left to decide."""

from dataclasses import dataclass
from enum import StrEnum

from engine.model_problems import owner_id


class EntryKind(StrEnum):
    """What the designer does with an entry."""

    CHANGED = "changed"      # done by the import; review it
    DECIDE = "decide"        # the import chose a default or asks a question
    REFUSED = "refused"      # the model cannot run until the designer changes it


@dataclass(frozen=True)
class ReportEntry:
    """One change, question or refusal, located in the file the designer gave."""

    kind: EntryKind
    line: int | None
    element: str | None
    message: str
    action: str = ""

    def as_dict(self) -> dict:
        """Return the entry as plain JSON-safe data."""
        return {"kind": str(self.kind), "line": self.line, "element": self.element,
                "message": self.message, "action": self.action}


def entry_at(kind: EntryKind, el, message: str, action: str = "") -> ReportEntry:
    """Return an entry located at an element: its line, and its id or its owner's."""
    return ReportEntry(kind, el.sourceline, owner_id(el), message, action)


_HEADINGS = {
    EntryKind.REFUSED: "Bị từ chối: phải sửa trước khi chạy (refused: fix before it runs)",
    EntryKind.DECIDE: "Cần quyết định (to decide)",
    EntryKind.CHANGED: "Đã thay đổi (changed)",
}


def render_markdown(entries: list[ReportEntry], *, source: str, problems: list[dict],
                    trial: str | None) -> str:
    """Write the report as import-report.md: refusals first, then questions, then changes."""
    lines = [f"# Báo cáo chuyển đổi mô hình (import report): {source}", ""]
    for kind in (EntryKind.REFUSED, EntryKind.DECIDE, EntryKind.CHANGED):
        chosen = [e for e in entries if e.kind == kind]
        if not chosen:
            continue
        lines += [f"## {_HEADINGS[kind]} — {len(chosen)}", ""]
        for entry in chosen:
            action = f" → {entry.action}" if entry.action else ""
            lines.append(f"- line {entry.line or '?'}, `{entry.element or '-'}`: "
                         f"{entry.message}{action}")
        lines.append("")
    lines += ["## Kiểm tra (motcua workflows check)", ""]
    lines += [f"- line {p.get('line') or '?'}, `{p.get('element') or '-'}` ({p['severity']}): "
              f"{p['message']}" for p in problems] or ["- không có lỗi (no problems)"]
    if trial is not None:
        lines += ["", "## Chạy thử (trial run)", "", trial]
    return "\n".join(lines) + "\n"
