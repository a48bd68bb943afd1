"""Colours used as text in figures keep WCAG AA contrast on the white face."""

from __future__ import annotations

import pytest

from je_vs_rc.render.style import COLORS, MIN_TEXT_CONTRAST, contrast, text_color, text_on
from je_vs_rc.theory import methods


def test_contrast_is_wcag():
    assert contrast("white", "black") == pytest.approx(21.0)
    assert contrast("#e07b24", "white") == pytest.approx(2.99, abs=0.01)  # RC's orange: too light for text
    assert contrast((255, 255, 255), "#ffffff") == pytest.approx(1.0)


@pytest.mark.parametrize("color", [*COLORS, *(m.color for m in methods.METHODS.values())])
def test_text_colour_reads_on_white_and_keeps_its_hue(color):
    shade = text_color(color)
    assert contrast(shade, "white") >= MIN_TEXT_CONTRAST
    assert shade == color or contrast(color, "white") < MIN_TEXT_CONTRAST  # only too-light colours change


def test_text_on_a_fill_reads():
    assert text_on("#1b6ca8") == "white" and text_on("#e07b24") == "black"
