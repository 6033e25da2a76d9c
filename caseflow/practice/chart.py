"""The outcome wheel's distance travelled as a server-rendered SVG: one row per area on a 1 to 10
scale, a line from the first score to the latest, the family's above the keyworker's. It is
decoration over the table printed beside it (the same numbers): an image with a text
alternative, real text labels, no JavaScript."""
from __future__ import annotations

from markupsafe import Markup, escape

from caseflow.practice.vocab import SCORE_MAX, SCORE_MIN

FAMILY_COLOUR = "#1d70b8"   # GOV.UK blue
WORKER_COLOUR = "#6f3b8e"   # GOV.UK purple, dark enough on white
GRID = "#b1b4b6"
TEXT = "#0b0c0c"
LABEL_WIDTH, SCALE_WIDTH, ROW_HEIGHT, TOP = 230, 400, 44, 30


def _x(score: int) -> float:
    return LABEL_WIDTH + (score - SCORE_MIN) * SCALE_WIDTH / (SCORE_MAX - SCORE_MIN)


def _track(y: float, first: int, latest: int, colour: str, dashed: bool) -> list[str]:
    dash = ' stroke-dasharray="5 3"' if dashed else ""
    return [f'<line x1="{_x(first):.1f}" y1="{y}" x2="{_x(latest):.1f}" y2="{y}" stroke="{colour}" stroke-width="3"{dash}/>',
            f'<circle cx="{_x(first):.1f}" cy="{y}" r="5" fill="#ffffff" stroke="{colour}" stroke-width="2"/>',
            f'<circle cx="{_x(latest):.1f}" cy="{y}" r="6" fill="{colour}"/>']


def distance_travelled(travel) -> Markup:
    if not travel:
        return Markup("")
    height = TOP + ROW_HEIGHT * len(travel) + 10
    width = LABEL_WIDTH + SCALE_WIDTH + 20
    summary = "; ".join(f"{t.area.label}: family {t.family_first} to {t.family_latest}, "
                        f"keyworker {t.worker_first} to {t.worker_latest}" for t in travel)
    parts = [f'<svg class="cf-chart" xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
             f'width="100%" preserveAspectRatio="xMinYMin meet" '
             f'aria-label="Distance travelled, first score to latest: {escape(summary)}">']
    for score in range(SCORE_MIN, SCORE_MAX + 1):
        x = _x(score)
        parts.append(f'<line x1="{x:.1f}" y1="{TOP - 8}" x2="{x:.1f}" y2="{height - 8}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{x:.1f}" y="{TOP - 14}" font-size="13" text-anchor="middle" fill="{TEXT}">{score}</text>')
    for i, t in enumerate(travel):
        y = TOP + i * ROW_HEIGHT
        label = t.area.label if len(t.area.label) <= 30 else t.area.label[:29] + "…"
        parts.append(f'<text x="0" y="{y + 18}" font-size="15" fill="{TEXT}">{escape(label)}</text>')
        parts += _track(y + 10, t.family_first, t.family_latest, FAMILY_COLOUR, False)
        parts += _track(y + 26, t.worker_first, t.worker_latest, WORKER_COLOUR, True)
    parts.append("</svg>")
    return Markup("".join(parts))
