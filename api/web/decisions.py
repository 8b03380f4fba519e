"""The decision tables editor: a procedure's DMN tables edited with dmn-js, saved into a draft.

Designers and admins open a procedure's newest version; the page's script draws the chosen
table with dmn-js (vendored by api/decisions_ui, served from here) and posts the edited XML
back through a CSRF-checked form. Saving changes the open draft, or starts a new draft from
a published version, which the designer then validates, trial-runs and publishes as usual.
"""

from pathlib import Path

from flask import current_app, g, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _

from api.clock import now
from api.extensions import db
from api.web import blp, sessions
from engine.access import check_can_design
from engine.decisions import DMN_FILE
from engine.models import ProcedureVersion
from engine.procedures import get_all_procedures, get_procedure_or_raise, stored_decisions
from engine.validation import HostileXml
from engine.versions import (
    create_draft,
    get_versions,
    update_draft,
    validate_version,
    version_decisions,
    version_xml,
)

STATIC_DIR = Path(__file__).resolve().parent.parent / "decisions_ui" / "static"
VENDOR_FILE = "vendor/dmn-js/dmn-modeler.production.min.js"
CHANGE_NOTE_MAX = 2000
# dmn-js sets style attributes as it draws: the page allows inline styles, and still runs
# only its own scripts, without eval.
CONTENT_SECURITY_POLICY = ("default-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                           "form-action 'self'; frame-ancestors 'none'")


def _designer():
    user = sessions.signed_in_user()
    check_can_design(user, "edit decision tables")
    return user


def _newest(code: str) -> ProcedureVersion:
    """Return the version the editor opens: the newest draft, else the published one."""
    versions = get_versions(db.session, code)
    drafts = [v for v in versions if v.state == "draft"]
    published = [v for v in versions if v.state == "published"]
    return (drafts or published or versions)[-1]


@blp.get("/thiet-ke/<string:code>/bang-quyet-dinh")
def decision_tables(code: str):
    """Show a procedure's decision tables in dmn-js, ready to edit and save into a draft."""
    _designer()
    procedure = get_procedure_or_raise(db.session, code)
    version = _newest(code)
    tables = version_decisions(db.session, code, version.number)
    chosen = request.args.get("bang")
    if chosen not in tables:
        chosen = next(iter(sorted(tables)), None)
    problems = (validate_version(db.session, _ctx(), code=code, number=version.number)
                if version.state == "draft" else [])
    g.content_security_policy = CONTENT_SECURITY_POLICY
    return render_template(
        "web/decisions.html", procedure=procedure, version=version, tables=sorted(tables),
        chosen=chosen, xml=tables.get(chosen, ""), problems=problems,
        saved=request.args.get("da_luu") == "1",
        assets_ready=(STATIC_DIR / VENDOR_FILE).is_file())


@blp.post("/thiet-ke/<string:code>/bang-quyet-dinh")
def save_decision_table(code: str):
    """Save one edited table into the procedure's draft (a new draft if none is open)."""
    user = _designer()
    name = request.form.get("bang", "")
    xml = request.form.get("xml", "")
    note = request.form.get("ghi_chu", "").strip()[:CHANGE_NOTE_MAX] or _(
        "Sửa bảng quyết định %(name)s", name=name)
    version = _newest(code)
    tables = version_decisions(db.session, code, version.number)
    if name not in tables or not DMN_FILE.match(name) or not xml.strip():
        return _refused(_("Bảng quyết định này không có trong phiên bản đang mở."), 400)
    tables[name] = xml
    try:
        if version.state == "draft":
            update_draft(db.session, _ctx(), code=code, number=version.number,
                         decisions=tables, change_note=note, user=user, now=now(),
                         max_bytes=_max_bytes())
        else:
            create_draft(db.session, _ctx(), code=code,
                         bpmn_xml=version_xml(db.session, code, version.number),
                         meta=version.meta, forms=version.forms, decisions=tables,
                         change_note=note, user=user, now=now(), max_bytes=_max_bytes())
    except HostileXml:
        db.session.rollback()
        return _refused(_("Tệp bảng quyết định có DTD, thực thể hoặc quá lớn: không lưu gì."),
                        400)
    return redirect(url_for("web.decision_tables", code=code, bang=name, da_luu="1"))


@blp.get("/thiet-ke/bang-quyet-dinh")
def decision_procedures():
    """List the procedures with the decision tables of their current version."""
    _designer()
    procedures = [(procedure, sorted(stored_decisions(db.session, procedure.spec_hash)))
                  for procedure in get_all_procedures(db.session)]
    return render_template("web/decision_procedures.html", procedures=procedures)


@blp.get("/thiet-ke/tep/<path:filename>")
def decisions_asset(filename: str):
    """Serve the editor's script, style and the vendored dmn-js files."""
    return send_from_directory(STATIC_DIR, filename)


def _refused(message: str, status: int):
    return render_template("web/page_refused.html", message=message), status


def _ctx():
    return current_app.extensions["motcua"]


def _max_bytes() -> int:
    return current_app.config["MOTCUA_MAX_MODEL_BYTES"]
