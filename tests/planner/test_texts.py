"""Tests of the text catalogues, one per language (planner/texts/zh.toml, en.toml)."""

from __future__ import annotations

import pytest

from planner import texts
from planner.patrol.routes import break_texts, check_text


def test_both_languages_have_the_same_keys() -> None:
    """Tests that every text is in both catalogues."""
    zh, en = texts.catalogue("zh"), texts.catalogue("en")
    assert sorted(set(zh) - set(en)) == []
    assert sorted(set(en) - set(zh)) == []
    assert len(zh) > 700


def test_both_languages_have_the_same_placeholders() -> None:
    """Tests that each text has the same {placeholders} in Chinese and in English."""
    zh, en = texts.catalogue("zh"), texts.catalogue("en")
    differ = {
        key: (sorted(texts.placeholders(zh[key])), sorted(texts.placeholders(en[key])))
        for key in zh
        if texts.placeholders(zh[key]) != texts.placeholders(en.get(key, ""))
    }
    assert differ == {}


def test_no_text_is_empty() -> None:
    """Tests that no entry of either catalogue is blank."""
    for lang in texts.LANGS:
        assert [k for k, v in texts.catalogue(lang).items() if not v.strip()] == []


def test_the_catalogue_is_read_once() -> None:
    """Tests that asking twice gives the same loaded catalogue, not a second reading."""
    assert texts.catalogue("en") is texts.catalogue("en")


def test_text_fills_placeholders_and_refuses_unknown_keys() -> None:
    """Tests filling a text, a key that is not there, and a language that is not there."""
    assert texts.text("user_created", "en", name="li") == "User li created."
    assert texts.both("user_created", name="li") == ("已创建用户 li。", "User li created.")
    with pytest.raises(KeyError):
        texts.text("no_such_key", "en")
    with pytest.raises(ValueError, match="No text catalogue for language 'fr'"):
        texts.catalogue("fr")


def test_the_planner_reads_its_stop_texts_from_the_catalogue() -> None:
    """Tests that what a stop says to check comes from the catalogue, with a default."""
    assert check_text("bank") == ("ATMs, cash transport, loitering", "取款机、押运、徘徊人员")
    assert check_text("no_such_category") == texts.both("check_area_default")[::-1]
    assert break_texts("rest") == ("轮休", "Rest", "Rest at the base, in turns", "基地轮流休息")
    assert break_texts("unknown")[1] == "Meal break"  # an unknown break reads as a meal
