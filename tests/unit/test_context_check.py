"""The build-context check on real folders, with the SDK's .dockerignore rules."""

from __future__ import annotations

import tarfile
from pathlib import Path

from workbench.build.request import BuildRequest, pack_context
from workbench.context import TOO_BIG, Progress, check_context, copy_sources, scan_context
from workbench.dockerfile import parse


def make(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data)
    return root


def sent_by_pack_context(root: Path) -> set[str]:
    fileobj, name = pack_context(BuildRequest(context_dir=root, dockerfile_text="FROM x\n"))
    with fileobj, tarfile.open(fileobj=fileobj) as tar:
        return {m.name for m in tar.getmembers() if m.isfile()} - {name, ".dockerignore"}


def test_count_and_size_match_what_pack_context_sends(tmp_path: Path) -> None:
    root = make(tmp_path, {
        "app.py": "print(1)\n", "logs/a.log": "x" * 100, "logs/keep.txt": "k",
        "docs/readme.md": "r", "build/out.bin": b"\0" * 50,
        ".dockerignore": "logs\n!logs/keep.txt\nbuild/\n*.md\n**/*.md\n",
    })
    report = check_context(root)
    sent = sent_by_pack_context(root)
    assert sent == {"app.py", "logs/keep.txt"}
    # the SDK always sends .dockerignore itself too
    assert report.files == len(sent) + 1
    assert report.size == sum((root / p).stat().st_size for p in [*sent, ".dockerignore"])
    assert report.ignored >= 3  # logs/a.log, build, docs/readme.md
    assert report.warnings == ()
    assert "will be sent" in report.summary


def test_negation_pattern_keeps_a_file_for_copy(tmp_path: Path) -> None:
    root = make(tmp_path, {"data/keep.txt": "k", "data/drop.txt": "d",
                           ".dockerignore": "data/*\n!data/keep.txt\n"})
    doc = parse("FROM x\nCOPY data/keep.txt /k\nCOPY data/drop.txt /d\nCOPY nothere /n\n")
    report = check_context(root, doc)
    assert [(w.kind, w.line, w.path) for w in report.warnings] == [
        ("copy-excluded", 3, "data/drop.txt"), ("copy-missing", 4, "nothere")]
    assert "!data/drop.txt" in report.warnings[0].message


def test_globs_directories_stage_copies_and_urls(tmp_path: Path) -> None:
    root = make(tmp_path, {"src/a.py": "", "req.txt": ""})
    doc = parse("FROM x AS b\nCOPY src/*.py ./\nCOPY src /src\nCOPY ./req.txt /\n"
                "COPY --from=b /x /y\nADD https://example.com/f /f\nCOPY $A /a\n"
                'COPY ["req.txt", "/r"]\nCOPY *.js /j/\n')
    report = check_context(root, doc)
    assert [(w.kind, w.line) for w in report.warnings] == [("copy-missing", 9)]
    assert copy_sources(doc.instructions[4]) == []


def test_secret_looking_files_unless_ignored(tmp_path: Path) -> None:
    root = make(tmp_path, {
        ".env": "TOKEN=1", ".env.example": "TOKEN=", "certs/server.pem": "-", "tls.key": "-",
        "home/.ssh/id_rsa": "-", ".git/config": "[remote]\n url = https://bob:tok@h/r\n",
        "notes.txt": "", ".aws/credentials": "[default]",
    })
    found = sorted(w.path or "" for w in check_context(root).warnings if w.kind == "secret")
    assert found == [".aws/credentials", ".env", ".git/config", "certs/server.pem",
                     "home/.ssh/id_rsa", "tls.key"]
    (root / ".dockerignore").write_text(".env\n*.pem\n**/*.pem\n*.key\n.git\nhome\n.aws\n")
    assert [w for w in check_context(root).warnings if w.kind == "secret"] == []


def test_plain_git_config_is_not_a_secret(tmp_path: Path) -> None:
    root = make(tmp_path, {".git/config": "[remote]\n url = https://host/repo\n"})
    assert check_context(root).warnings == ()


def test_a_big_context_is_called_out_with_progress(tmp_path: Path) -> None:
    root = tmp_path / "ctx"
    root.mkdir()
    with open(root / "big.bin", "wb") as f:
        f.truncate(TOO_BIG + 1)  # sparse: fast to make, same size on stat
    for i in range(2001):
        (root / f"f{i}").write_bytes(b"")
    items = list(scan_context(root))
    assert any(isinstance(i, Progress) for i in items)
    report = check_context(root)
    assert [w.kind for w in report.warnings] == ["too-big"]
    assert "wrong folder" in report.warnings[0].message


def test_missing_folder(tmp_path: Path) -> None:
    report = check_context(tmp_path / "nope")
    assert [w.kind for w in report.warnings] == ["no-folder"]


def test_dockerignore_itself_is_counted_like_the_sdk(tmp_path: Path) -> None:
    root = make(tmp_path, {"a": "1", ".dockerignore": "a\n"})
    report = check_context(root)
    assert (report.files, report.ignored) == (1, 1)
