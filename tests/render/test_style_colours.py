"""Colours used as text in figures keep WCAG AA contrast on the white face."""

from __future__ import annotations

import pytest

from je_vs_rc.render.style import MIN_TEXT_CONTRAST, NEUTRAL, NEUTRAL_LIGHT, contrast, levels, text_color, text_on
from je_vs_rc.theory import methods


def test_contrast_is_wcag():
    assert contrast("white", "black") == pytest.approx(21.0)
    assert contrast("#e07b24", "white") == pytest.approx(2.99, abs=0.01)  # RC's orange: too light for text
    assert contrast((255, 255, 255), "#ffffff") == pytest.approx(1.0)


@pytest.mark.parametrize("color", [*levels(6), NEUTRAL, NEUTRAL_LIGHT, *(m.color for m in methods.METHODS.values())])
def test_text_colour_reads_on_white_and_keeps_its_hue(color):
    shade = text_color(color)
    assert contrast(shade, "white") >= MIN_TEXT_CONTRAST
    assert shade == color or contrast(color, "white") < MIN_TEXT_CONTRAST  # only too-light colours change


def test_text_on_a_fill_reads():
    assert text_on("#1b6ca8") == "white" and text_on("#e07b24") == "black"


def test_levels_run_light_to_dark_apart_from_every_method_colour():
    import matplotlib as mpl

    shades = levels(5)
    lum = [contrast(c, "white") for c in shades]
    assert lum == sorted(lum) and lum[0] >= 3.0  # light to dark; the lightest still visible as a line (3:1)
    for shade in shades:
        for m in methods.METHODS.values():
            # not the method's hue: differ by more than a tenth of the colour wheel, or in lightness
            h1 = mpl.colors.rgb_to_hsv(mpl.colors.to_rgb(shade))[0]
            h2 = mpl.colors.rgb_to_hsv(mpl.colors.to_rgb(m.color))[0]
            assert min(abs(h1 - h2), 1 - abs(h1 - h2)) > 0.1, (shade, m.key)
    assert levels(1) == [NEUTRAL]  # a single line is not a level
