"""The tour's data files: every chapter in every language, with every key; every chapter
names a form, components, a row and an order that exist; a damaged file is refused
with a clear reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.builtin_actions import ACTIONS
from app.core.form_document import FormDocument
from app.core.tour import (
    TEXT_KEYS,
    TOUR_DIR,
    TourDataError,
    load_chapters,
    load_texts,
    text_problems,
    texts_path,
)
from app.qt.translations import LANGUAGES
from components.event_order import ORDERS

TOUR_LANGUAGES = ("en", *LANGUAGES)


def test_twelve_chapters_in_the_walkthroughs_order():
    ids = [c.id for c in load_chapters()]
    assert ids == ["services_ports", "three_kinds", "host_vs_address", "port_vs_service", "open_close",
                   "client_events", "server_events", "non_blocking", "thread_blocking", "socket_stream",
                   "error_code", "send_stream"]


@pytest.mark.parametrize("language", TOUR_LANGUAGES)
def test_every_language_has_every_chapter_and_key(language):
    assert texts_path(language).is_file()
    texts = load_texts(language)
    assert text_problems(load_chapters(), texts) == []
    assert all(set(texts[c.id]) == set(TEXT_KEYS) for c in load_chapters())


def test_the_chinese_texts_are_chinese_and_keep_the_vcl_names():
    en, zh = load_texts("en"), load_texts("zh_CN")
    for chapter in load_chapters():
        for key in TEXT_KEYS:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in zh[chapter.id][key]), (chapter.id, key)
        # the identifier the learner touches is named as it is in both languages
        assert chapter.row in en[chapter.id]["body"] or chapter.row == "Active"
        assert (chapter.row in zh[chapter.id]["body"]) == (chapter.row in en[chapter.id]["body"])


def test_bodies_are_two_or_three_sentences():
    for chapter_id, texts in load_texts("en").items():
        sentences = [s for s in texts["body"].replace("? ", ". ").split(". ") if s.strip()]
        assert 2 <= len(sentences) <= 4, chapter_id


def test_every_chapter_names_what_exists():
    for chapter in load_chapters():
        document = FormDocument.load(chapter.form)
        names = {e.name: e for e in document.components}
        assert chapter.component in names and chapter.watched in names, chapter.id
        cls = names[chapter.component].cls
        rows = {p.vcl_name for p in cls.properties()} | {e.vcl_name for e in cls.events()}
        assert chapter.row in rows, chapter.id
        assert chapter.order in ORDERS and set(chapter.goal) <= set(ORDERS[chapter.order].rows)
        assert not chapter.action or chapter.action in ACTIONS
        assert chapter.expected_events()  # the goal can be reached


def test_the_client_chapter_expects_the_walkthroughs_sequence():
    chapter = next(c for c in load_chapters() if c.id == "client_events")
    assert chapter.expected_events() == ("OnLookup", "OnConnecting", "OnConnect")


def test_a_damaged_chapters_file_is_refused_with_the_reason(tmp_path: Path):
    bad = tmp_path / "chapters.toml"
    bad.write_text('[[chapter]]\nid = "x"\n', encoding="utf-8")
    with pytest.raises(TourDataError, match="no 'form'"):
        load_chapters(bad)
    bad.write_text('[[chapter]]\nid = "x"\nform = "tour/forms/error_code.sockform"\ncomponent = "Client"\n'
                   'property = "Port"\norder = "client"\ngoal = ["nowhere"]\n', encoding="utf-8")
    with pytest.raises(TourDataError, match="nowhere is no state"):
        load_chapters(bad)
    bad.write_text("[[chapter]\n", encoding="utf-8")
    with pytest.raises(TourDataError):
        load_chapters(bad)
    assert TOUR_DIR.is_dir()
