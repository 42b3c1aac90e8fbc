"""The ten-person picture ("9 in 10 people"): the count rule, its geometry and colours, and its SVG.

Every drawing of it (the presentation page's SVG, the plotly pictogram, the PowerPoint and PDF slides) takes its
positions and sizes from `boxes`, so the four look alike.
"""

from __future__ import annotations

from typing import NamedTuple

from kpi.metrics import registry
from kpi.render.style import OKABE_ITO

__all__ = ["count", "Box", "boxes", "height", "corner", "svg", "ON", "OFF", "OFF_EDGE", "PEOPLE"]

PEOPLE = 10
ON = OKABE_ITO["blue"]  # the people who said yes
OFF = "#E4E4E4"
OFF_EDGE = "#767676"  # 4.5:1 outline, so the uncoloured people are still visible shapes

# One person in a slot 50 units wide and 100 high (the SVG's own units): head circle, then a rounded body.
_SLOT, _SLOT_H = 50, 100
_HEAD_CX, _HEAD_CY, _HEAD_R = 25, 14, 11
_BODY_X, _BODY_Y, _BODY_W, _BODY_H, _BODY_RX = 10, 30, 30, 66, 12


class Box(NamedTuple):
    x: float
    y: float
    w: float
    h: float


def count(value_pct: float) -> int:
    """How many of 10 people to colour in for a percentage: the numeral of its words (`registry.share`, the one rule:
    87% → 9, as in "Nearly 9 in 10 people"); 0 for a share said out of 100 ("About 3 in 100"), which ten people
    cannot show."""
    said = registry.share(value_pct)
    return said.count if said is not None and said.pictured else 0


def boxes(left: float, top: float, width: float) -> list[tuple[Box, Box]]:
    """(head, body) boxes of the ten people in a row `width` wide, y growing downwards, in the caller's units."""
    s = width / (PEOPLE * _SLOT)
    return [(Box(left + s * (i * _SLOT + _HEAD_CX - _HEAD_R), top + s * (_HEAD_CY - _HEAD_R), s * 2 * _HEAD_R,
                 s * 2 * _HEAD_R),
             Box(left + s * (i * _SLOT + _BODY_X), top + s * _BODY_Y, s * _BODY_W, s * _BODY_H))
            for i in range(PEOPLE)]


def height(width: float) -> float:
    """The picture's height for a given width."""
    return width * _SLOT_H / (PEOPLE * _SLOT)


def corner(width: float) -> float:
    """The radius of a body's rounded corners for a picture `width` wide."""
    return width * _BODY_RX / (PEOPLE * _SLOT)


def _n(v: float) -> str:
    return f"{v:g}"


def svg(k: int, *, on: str = ON, off: str = OFF, edge: str = OFF_EDGE) -> str:
    """The picture as SVG markup (viewBox 0 0 500 100), the first `k` people coloured in."""
    width = PEOPLE * _SLOT
    parts = []
    for i, (head, body) in enumerate(boxes(0, 0, width)):
        fill, stroke = (on, "none") if i < k else (off, edge)
        parts.append(f'<circle cx="{_n(head.x + head.w / 2)}" cy="{_n(head.y + head.h / 2)}" r="{_n(head.w / 2)}" '
                     f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'
                     f'<rect x="{_n(body.x)}" y="{_n(body.y)}" width="{_n(body.w)}" height="{_n(body.h)}" '
                     f'rx="{_n(corner(width))}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {_n(height(width))}">'
            f'{"".join(parts)}</svg>')
