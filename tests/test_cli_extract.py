"""`guidecheck extract`: bad files get one clear line each, the good ones are still read."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from guidecheck.cli import main

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _encrypted_ole() -> bytes:
    # An encrypted Office file is an OLE container holding an "EncryptedPackage" stream.
    return OLE + b"\0" * 200 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 300


def _corrupt_zip(good: bytes) -> bytes:
    return good[: len(good) // 2]  # truncated: central directory gone


def _not_a_docx_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "not a document")
    return buf.getvalue()


BAD_FILES = {
    "empty.docx": lambda good: b"",
    "text.docx": lambda good: "这不是文档".encode(),
    "old.doc": lambda good: OLE + b"\0" * 512,
    "locked.docx": lambda good: _encrypted_ole(),
    "truncated.docx": _corrupt_zip,
    "plainzip.docx": lambda good: _not_a_docx_zip(),
    "news.html": lambda good: "<html><body><h1>新闻</h1><p>今天天气晴。</p></body></html>".encode(),
}


@pytest.fixture()
def mixed_folder(tmp_path: Path, corpus_dir: Path) -> Path:
    folder = tmp_path / "manual"
    folder.mkdir()
    good_docx = corpus_dir / "manuals" / "xihu.docx"
    shutil.copy(good_docx, folder / "xihu.docx")
    shutil.copy(sorted((corpus_dir / "web" / "city").glob("*.html"))[0], folder / "page.html")
    for name, make in BAD_FILES.items():
        (folder / name).write_bytes(make(good_docx.read_bytes()))
    return folder


def test_bad_files_reported_one_line_each_and_good_ones_read(mixed_folder, capsys):
    code = main(["extract", str(mixed_folder), "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0
    doc = json.loads(out)
    sources = {Path(g["source"]["source"]).name for g in doc["guides"]}
    assert sources == {"xihu.docx", "page.html"}
    failed = {Path(e["source"]).name: e["reason"] for e in doc["errors"]}
    assert set(failed) == set(BAD_FILES)
    assert "另存为 .docx" in failed["old.doc"]
    assert "加密" in failed["locked.docx"]
    assert "Traceback" not in err
    error_lines = [line for line in err.splitlines() if line.startswith("无法读取")]
    assert len(error_lines) == len(BAD_FILES)
    assert all(line.count("\n") == 0 and len(line) < 300 for line in error_lines)


def test_exit_2_when_nothing_could_be_read(mixed_folder, capsys):
    bad = [str(mixed_folder / name) for name in BAD_FILES]
    assert main(["extract", *bad]) == 2
    assert "7 个文件无法读取" in capsys.readouterr().err


def test_missing_path_is_a_clear_error(tmp_path, capsys):
    assert main(["extract", str(tmp_path / "nope.docx")]) == 2
    assert "无法读取文件" in capsys.readouterr().err


def test_table_format_shows_fields(corpus_dir, capsys):
    page = sorted((corpus_dir / "web" / "province").glob("*.html"))[0]
    assert main(["extract", str(page), "--format", "table"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("== ") and "[province]" in out
    for key in ("materials", "time_limit_promised", "phone"):
        assert f"  {key}" in out


def test_control_characters_never_crash(tmp_path, capsys, vocab):
    page = tmp_path / "city" / "ctl.html"
    page.parent.mkdir()
    page.write_text(
        "<html><body><table>"
        "<tr><th>事项名称</th><td>食品\x00经营\x0b许可</td></tr>"
        "<tr><th>承诺办结时限</th><td>5个工作日\x1f</td></tr>"
        "<tr><th>咨询电话</th><td>0571-87654321</td></tr>"
        "</table></body></html>",
        encoding="utf-8",
    )
    out_file = tmp_path / "out" / "x.json"
    assert main(["extract", str(page), "--format", "json", "-o", str(out_file)]) == 0
    guide = json.loads(out_file.read_text(encoding="utf-8"))["guides"][0]
    assert guide["channel"] == "city"
    assert guide["time_limit_promised"]["amount"] == 5


def test_folders_are_walked_in_path_order_with_symlinked_folders_left_out(tmp_path: Path):
    from guidecheck.extract.files import iter_files

    root = tmp_path / "web"
    for rel in ["a/b.html", "a-c.html", "A.HTM", "z/deep/x.docx", "notes.txt", "a/skip.pdf"]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"<html></html>")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "o.html").write_bytes(b"<html></html>")
    (root / "linked").symlink_to(outside, target_is_directory=True)  # not entered
    (root / "file-link.html").symlink_to(outside / "o.html")  # a file: kept
    (root / "broken.html").symlink_to(tmp_path / "gone.html")  # no file behind it

    found = [p.relative_to(root).as_posix() for p in iter_files([root])]

    # Path order compares parts: "a/b.html" (parts a, b.html) before "a-c.html".
    assert found == ["A.HTM", "a/b.html", "a-c.html", "file-link.html", "z/deep/x.docx"]
    assert list(iter_files([root / "notes.txt"])) == [root / "notes.txt"]  # named: kept
