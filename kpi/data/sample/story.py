"""The story the sample tells, as targets shaped like the published Shared Lives figures, and the model's parameters.

docs/sample-data.md tables each target against the published figure and what the default sample gives.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from kpi.data import schema

YEARS = np.array(schema.SAMPLE_YEARS)
LAST_DAY = dt.date(schema.SAMPLE_YEARS[-1] + 1, 3, 31)  # end of 2024-25
EPOCH = dt.date(1970, 1, 1)  # day 0 of Arrow date32 values


# The published story, as knots that years in between interpolate (2022-23 lies halfway between 2021-22 and
# 2023-24). People supported by Shared Lives, per area. The latest year tells the published England story: just under
# 12,000 people, about +580 on 2023-24 after about +1,000 a year since the 2021-22 low (COVID); the regions that grew
# added about 1,170, about half of it in the North West and most of the rest in London and the South West, with the
# North East (one of the smallest regions) growing; the South East and Yorkshire fell clearly; the East and West
# Midlands are flat; the East of England, the smallest region every year, fell; Scotland, Wales and Northern Ireland
# grew. Each latest-year change is large enough for its growth status (registry.GROWTH_RULE) to hold.
# Earlier years keep the older published scale: England just under 12,000 around 2016-17 and 11,470 in 2019-20.
KNOT_YEARS = (2014, 2016, 2018, 2019, 2020, 2021, 2023, 2024)
SHARED_LIVES_PEOPLE: dict[str, tuple[int, ...]] = {
    "E12000001": (640, 620, 600, 600, 540, 480, 590, 720),  # North East: flat, then growing from 2021-22
    "E12000002": (1350, 1550, 1800, 1850, 1720, 1700, 2230, 2850),  # North West: strong growth, half the latest
    "E12000003": (1950, 2250, 2100, 1950, 1700, 1450, 1530, 1295),  # Yorkshire: strong years, then falling
    "E12000004": (1050, 1100, 1080, 1060, 980, 900, 1130, 1140),  # East Midlands: flat in the latest year
    "E12000005": (1300, 1350, 1330, 1320, 1200, 1100, 1380, 1370),  # West Midlands: flat in the latest year
    "E12000006": (560, 550, 520, 500, 420, 400, 540, 450),  # East of England: smallest, falling
    "E12000007": (600, 620, 650, 680, 640, 660, 900, 1120),  # London: growing
    "E12000008": (2400, 2700, 2600, 2350, 2200, 1800, 2030, 1765),  # South East: strong years, then falling
    "E12000009": (1050, 1100, 1170, 1200, 1100, 1000, 1040, 1240),  # South West: growing
    "W92000004": (1000, 1050, 1100, 1100, 950, 850, 790, 900),  # Wales: about 1,100 around 2019-20, growing again
    "S92000003": (330, 390, 470, 500, 540, 572, 520, 605),  # Scotland: 435 in 2017-18, 572 in 2021-22
    "N92000002": (200, 210, 210, 200, 180, 170, 165, 215),
}
HOMESHARE_PEOPLE = (420, 500, 600, 620, 700, 800, 980, 1040)  # UK Homeshare, growing as new programmes open

# Schemes per area: Shared Lives (Scotland has 15 in the published figures) and Homeshare programmes (none in the
# East of England, so its story stays "smallest and falling").
SHARED_LIVES_SCHEMES = {
    "E12000001": 6, "E12000002": 19, "E12000003": 12, "E12000004": 8, "E12000005": 11, "E12000006": 5,
    "E12000007": 9, "E12000008": 15, "E12000009": 10, "W92000004": 7, "S92000003": 15, "N92000002": 3,
}
HOMESHARE_SCHEMES = {
    "E12000001": 1, "E12000002": 4, "E12000003": 2, "E12000004": 1, "E12000005": 2, "E12000007": 6,
    "E12000008": 5, "E12000009": 4, "W92000004": 2, "S92000003": 3,
}

# Shared Lives arrangement mix (live-in, short breaks, day support) by knot year: about half live-in early on, day
# support collapsing in 2020 (COVID) and back by 2024-25, when about half are live-in again. Schemes that offer no day
# support (world.py) put the realised live-in share about 3 points above these.
MIX_KNOTS = np.array(
    [[0.47, 0.30, 0.23], [0.49, 0.29, 0.22], [0.50, 0.28, 0.22], [0.50, 0.28, 0.22], [0.58, 0.27, 0.15],
     [0.57, 0.27, 0.16], [0.50, 0.27, 0.23], [0.47, 0.27, 0.26]]
)
# Approved carers per person: about 0.9 until 2021-22, 1.05 by 2024-25, the ratios of the published 9,193 carers for
# 10,549 people (2021-22) and 10,406 for 9,898 (2024-25); the sample follows the ratios, not those older totals.
CARER_RATIO = ((2014, 0.92), (2021, 0.92), (2022, 0.97), (2023, 1.03), (2024, 1.06))  # small rows round down a little

# Who answers. Age bands in schema order; needs in schema order, conditional on programme and age.
AGE_PROBS = {
    "shared_lives": (0.11, 0.19, 0.26, 0.25, 0.11, 0.06, 0.02),
    "homeshare": (0.00, 0.00, 0.02, 0.05, 0.15, 0.38, 0.40),
}
#                LD    autism MH    dement phys  older leave other
NEED_PROBS = {
    ("shared_lives", "18-24"): (0.62, 0.12, 0.08, 0.00, 0.03, 0.00, 0.13, 0.02),
    ("shared_lives", "25-64"): (0.72, 0.08, 0.10, 0.00, 0.05, 0.00, 0.00, 0.05),
    ("shared_lives", "65+"): (0.45, 0.02, 0.10, 0.18, 0.08, 0.14, 0.00, 0.03),
    ("homeshare", "18-24"): (0.00, 0.10, 0.25, 0.00, 0.50, 0.00, 0.00, 0.15),
    ("homeshare", "25-64"): (0.00, 0.10, 0.25, 0.00, 0.50, 0.00, 0.00, 0.15),
    ("homeshare", "65+"): (0.00, 0.00, 0.04, 0.25, 0.12, 0.55, 0.00, 0.04),
}
HELP_PROB_BY_NEED = np.array([0.54, 0.40, 0.22, 0.55, 0.30, 0.27, 0.18, 0.27])  # completed_with_help, ~45% overall

# Impact domains: national share positive and negative among positive/none/negative, not applicable, unanswered,
# and the average logit gain per later response ("distance travelled": friendships and connectedness improve most).
IMPACTS = {
    #                          positive negative n/a   null  gain
    "impact_connected": (0.90, 0.03, 0.02, 0.04, 0.35),
    "impact_friendships": (0.82, 0.04, 0.04, 0.05, 0.40),
    "impact_physical_health": (0.83, 0.05, 0.05, 0.05, 0.05),
    "impact_emotional_health": (0.88, 0.03, 0.03, 0.04, 0.10),
    "impact_control": (0.85, 0.04, 0.08, 0.06, 0.10),
    "impact_safety": (0.89, 0.025, 0.03, 0.03, 0.05),
    "impact_doing_things": (0.87, 0.03, 0.03, 0.04, 0.10),
    "impact_community": (0.78, 0.05, 0.10, 0.07, 0.15),
}
# Other items, best answer first: probabilities, unanswered share, how strongly the person effect loads, gain.
CONNECTIONS_PROBS = (0.75, 0.21, 0.04)  # helps, no difference, gets in the way
LONELY_PROBS = (0.20, 0.25, 0.25, 0.20, 0.10)  # never ... often/always (reverse of schema order)
EXPERIENCE_PROBS = (0.72, 0.21, 0.05, 0.02)  # always, mostly, sometimes, never

SCHEME_SD = 0.10  # common scheme effect (logit): the rest stay close to national
SCHEME_DOMAIN_SD = 0.06  # per-domain wobble on top
PERSON_SD = 1.10  # a person's own effect, shared by all their answers and responses
OUTLIER_SHIFT = {"high": 1.4, "low": -1.1}  # about +8..+12 and -13..-17 points: clear funnel outliers
REPEAT_PROBS = (0.60, 0.30, 0.10)  # 1, 2 or 3 responses per person: 40% answer more than once
GAP_DAYS = (182, 15, 150, 215)  # mean, sd, min, max days between a person's responses (about six months)
