"""``disclosure-archive parse``: the JSON is the exact document, errors are one line and exit
non-zero without a traceback, URLs are fetched (from a local server only)."""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from disclosure_archive.cli import main
from tests.conftest import REAL_PAGES, REPO_ROOT, SEED_REPORT
from tests.test_parse_schema import FIXTURES, _validator

SHUYANG = REAL_PAGES / "shuyang-development-reform-2023.html"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["parse", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_is_the_seed_document(capsys, shared_dir) -> None:
    code, out, err = run(capsys, str(SEED_REPORT), "--json")
    assert code == 0 and err == ""
    document = json.loads(out)
    assert not list(_validator().iter_errors(document))
    assert document["schema"] == "disclosure-report/1"
    assert document["header"]["index_no"] == "002489604/2024-00117"
    assert document["proactive"]["normative_documents"] == {"issued": 9, "repealed": 1,
                                                            "in_force": 33}
    assert document["applications"]["total_handled"]["total"] == 11
    assert "杭州市商务局" in out  # ensure_ascii=False: Chinese printed as is


def test_summary_names_the_report_and_its_numbers(capsys, shared_dir) -> None:
    code, out, _ = run(capsys, str(SHUYANG))
    assert code == 0
    assert "沭阳县发展和改革局2023年政府信息公开年度报告" in out
    assert "014314799/2024-00002" in out
    assert "template: 2021" in out
    assert "0 failed" in out


def test_summary_lists_failed_checks_and_warnings(capsys) -> None:
    code, out, _ = run(capsys, str(FIXTURES / "broken-sums.txt"))
    assert code == 0
    assert "FAILED row_total applications.total_handled: total 6 ≠ sum of applicants 5" in out
    code, out, _ = run(capsys, str(FIXTURES / "truncated.txt"))
    assert "warnings:" in out and "text ends" in out


@pytest.mark.parametrize("name", ["not-a-report.html", "ruishu-challenge.html"])
def test_not_a_report_exits_1_with_one_line(capsys, name: str) -> None:
    code, out, err = run(capsys, str(FIXTURES / name))
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "not a report" in err and "Traceback" not in err


def test_missing_file_exits_2(capsys, tmp_path: Path) -> None:
    code, out, err = run(capsys, str(tmp_path / "nowhere.html"))
    assert code == 2 and out == "" and err.count("\n") == 1


def test_pdf_is_refused_as_unreadable(capsys, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    code, _, err = run(capsys, str(pdf))
    assert code == 1 and "cannot parse" in err and err.count("\n") == 1


class _Pages(http.server.BaseHTTPRequestHandler):
    pages: dict[str, tuple[bytes, str]] = {}

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        page = self.pages.get(self.path)
        if page is None:
            self.send_error(404)
            return
        body, content_type = page
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def server(shared_dir) -> Iterator[str]:
    html = SHUYANG.read_text(encoding="utf-8")
    # Served as GBK with the charset only in the HTTP header (the page still says utf-8).
    _Pages.pages = {
        "/utf8.shtml": (SHUYANG.read_bytes(), "text/html"),
        "/gbk.shtml": (html.encode("gb18030"), "text/html; charset=GBK"),
    }
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_url_is_fetched_and_parsed(capsys, server: str) -> None:
    for path in ("/utf8.shtml", "/gbk.shtml"):
        code, out, err = run(capsys, f"{server}{path}", "--json")
        assert code == 0, err
        document = json.loads(out)
        assert document["url"] == f"{server}{path}"
        assert document["header"]["index_no"] == "014314799/2024-00002"
        assert document["applications"]["new_received"]["total"] == 26


def test_url_error_exits_2(capsys, server: str) -> None:
    code, out, err = run(capsys, f"{server}/missing.shtml")
    assert code == 2 and out == "" and "404" in err and err.count("\n") == 1


def test_console_script_reads_stdin(shared_dir) -> None:
    script = Path(sys.executable).with_name("disclosure-archive")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "disclosure_archive"]
    done = subprocess.run([*command, "parse", "-", "--json"], input=SEED_REPORT.read_bytes(),
                          capture_output=True, cwd=REPO_ROOT, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout)["year"] == 2023
    failed = subprocess.run([*command, "parse", "-"], input=b"hello", capture_output=True,
                            cwd=REPO_ROOT, timeout=60)
    assert failed.returncode == 1 and b"Traceback" not in failed.stderr
