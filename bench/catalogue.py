"""How long a commune's 432-procedure catalogue takes to load, and to list and search.

`python -m bench.catalogue` initialises a fresh SQLite file (or, with `--database-url`, an
empty database you name), writes a 432-row catalogue CSV, and times through the real Flask
app (in-process, one thread): checking the file, loading it, loading it again (nothing
changes), the public catalogue API (everything, one field, one page), the citizen's
catalogue page and reception's search page. It prints numbers; it never fails on them.
"""

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPEATS = 20


def _timed(label: str, work, repeats: int = 1) -> None:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    median = samples[len(samples) // 2]
    print(f"{label:58} {median:9.1f} ms" + (f"  (median of {repeats})" if repeats > 1 else ""))


def run(args) -> None:
    """Load the catalogue and time the reads; print one line per measure."""
    from api import create_app
    from api.cli import initialise
    from api.extensions import db
    from engine.accounts import create_user
    from engine.catalogue_file import read_catalogue
    from engine.catalogue_load import load_catalogue
    from engine.procedure_creation import handling_departments
    from tests.catalogue_files import catalogue_rows, write_csv
    from tests.e2e.staff_app import CSRF_FIELD

    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        path = write_csv(Path(folder) / "danh_muc.csv", catalogue_rows(args.rows))
        now = datetime.now(UTC)
        with app.app_context():
            initialise(seed_demo=False)
            create_user(db.session, username="bench.reception", role="receptionist",
                        department_code="RECEPTION", password="bench-password-1", now=now)
            departments = handling_departments(db.session)
            checked = {}
            _timed(f"check {args.rows} rows (read_catalogue)",
                   lambda: checked.update(file=read_catalogue(path, departments=departments)))
            rows = checked["file"].rows
            _timed(f"load {args.rows} rows (first time: all created)",
                   lambda: load_catalogue(db.session, rows, source=path.name, now=now))
            _timed(f"load {args.rows} rows again (all unchanged)",
                   lambda: load_catalogue(db.session, rows, source=path.name, now=now))
            db.session.remove()
        client = app.test_client()
        for label, url_path in (
                ("GET /api/v1/public/procedures (all)", "/api/v1/public/procedures"),
                ("GET /api/v1/public/procedures?q=thu nghiem so 250",
                 "/api/v1/public/procedures?q=thu+nghiem+so+250"),
                ("GET /api/v1/public/procedures?field=Hộ tịch",
                 "/api/v1/public/procedures?field=H%E1%BB%99+t%E1%BB%8Bch"),
                ("GET /api/v1/public/procedures?page=3&page_size=50",
                 "/api/v1/public/procedures?page=3&page_size=50"),
                ("GET /thu-tuc (citizen page 1)", "/thu-tuc"),
                ("GET /thu-tuc?q=dat dai (citizen search)", "/thu-tuc?q=dat+dai")):
            _timed(label, lambda p=url_path: _ok(client.get(p)), REPEATS)
        form = client.get("/dang-nhap").get_data(as_text=True)
        token = CSRF_FIELD.search(form).group(1)
        signed_in = client.post("/dang-nhap", data={"username": "bench.reception",
                                                    "password": "bench-password-1",
                                                    "csrf_token": token})
        if signed_in.status_code in (302, 303):
            _timed("GET /tiep-nhan (reception page 1)", lambda: _ok(client.get("/tiep-nhan")),
                   REPEATS)
            _timed("GET /tiep-nhan?q=thu nghiem so 250 (reception search)",
                   lambda: _ok(client.get("/tiep-nhan?q=thu+nghiem+so+250")), REPEATS)


def _ok(response) -> None:
    if response.status_code != 200:
        raise SystemExit(f"{response.request.path}: {response.status_code}")


def main() -> int:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=432, help="catalogue rows (default 432)")
    parser.add_argument("--database-url", default=None,
                        help="an empty database to use instead of a temporary SQLite file")
    run(parser.parse_args())
    return 0


if __name__ == "__main__":
    sys.exit(main())
