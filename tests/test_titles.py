"""The cases list's playbook titles, kept by sha256 in the cache folder (tui/titles.py)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from trinn.tui.titles import playbook_head

TEXT = """\
id: test.titles
version: 1
language: da
title: {da: Titel, en: Title}
timezone: Europe/Copenhagen
states:
  aaben: {title: Åben}
  lukket: {final: true}
"""
SHA = hashlib.sha256(TEXT.encode()).hexdigest()


def test_playbook_head_parsed_once_then_read_from_its_file(tmp_path: Path) -> None:
    head = playbook_head(SHA, TEXT, tmp_path)
    assert head == {
        "id": "test.titles",
        "title": {"da": "Titel", "en": "Title"},
        "language": "da",
        "states": {"aaben": "Åben", "lukket": None},
        "timezone": "Europe/Copenhagen",
    }
    assert (tmp_path / f"{SHA}.json").is_file()
    assert playbook_head(SHA, "not: [the same text", tmp_path) == head  # read, not parsed


def test_playbook_head_file_not_ours_is_parsed_again(tmp_path: Path) -> None:
    for written in ("{not json", json.dumps({"format": 0, "head": {}}), json.dumps({"format": 1, "head": 5})):
        (tmp_path / f"{SHA}.json").write_text(written)
        assert playbook_head(SHA, TEXT, tmp_path)["title"] == {"da": "Titel", "en": "Title"}
    kept = json.loads((tmp_path / f"{SHA}.json").read_text())  # and written anew
    assert kept["head"]["id"] == "test.titles"


def test_playbook_head_hash_that_is_not_one_names_no_file(tmp_path: Path) -> None:
    folder = tmp_path / "titles"
    assert playbook_head("../../escape", TEXT, folder)["id"] == "test.titles"
    assert not folder.exists() and not (tmp_path / "escape.json").exists()


def test_playbook_head_not_plain_text_is_not_written(tmp_path: Path) -> None:
    text = TEXT.replace("title: {da: Titel, en: Title}", "title: [5]")  # no playbook that checks
    sha = hashlib.sha256(text.encode()).hexdigest()
    assert playbook_head(sha, text, tmp_path)["title"] == [5]  # as the YAML says, every time
    assert not (tmp_path / f"{sha}.json").exists()
