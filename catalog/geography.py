"""Where a package works: every ISO-3166 country by continent, so the sync can derive a
package's region and default category."""

from collections import Counter

CONTINENT_COUNTRIES = {
    "asia": (
        "AF AM AZ BD BN BT CN GE HK ID IN JP KG KH KP KR KZ LA LK MM MN MO MV MY NP PH PK SG TH "
        "TJ TL TM TW UZ VN"
    ),
    "middle-east": "AE BH CY EG IL IQ IR JO KW LB OM PS QA SA SY TR YE",
    "europe": (
        "AD AL AT AX BA BE BG BY CH CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE LI "
        "LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SK SM UA VA XK"
    ),
    "africa": (
        "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EH ER ET GA GH GM GN GQ GW KE KM LR LS LY MA MG ML "
        "MR MU MW MZ NA NE NG RE RW SC SD SL SN SO SS ST SZ TD TG TN TZ UG YT ZA ZM ZW"
    ),
    "americas": (
        "AG AI AR AW BB BL BM BO BQ BR BS BZ CA CL CO CR CU CW DM DO EC FK GD GF GL GP GT GY HN HT "
        "JM KN KY LC MF MQ MS MX NI PA PE PM PR PY SR SV SX TC TT US UY VC VE VG VI"
    ),
    "oceania": "AS AU CK FJ FM GU KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV VU WF WS",
}

CONTINENT_OF: dict[str, str] = {
    code: continent for continent, codes in CONTINENT_COUNTRIES.items() for code in codes.split()
}

REGIONS = (*CONTINENT_COUNTRIES, "multi-region", "global")
# A package covering this many countries or more is sold as global.
GLOBAL_MIN_COUNTRIES = 50


def coverage_of(location_codes: tuple[str, ...] | list[str], provider_location_code: str) -> str:
    if (
        provider_location_code.upper().startswith("GL")
        or len(location_codes) >= GLOBAL_MIN_COUNTRIES
    ):
        return "global"
    return "single" if len(location_codes) == 1 else "regional"


def region_of(location_codes: tuple[str, ...] | list[str], coverage: str) -> str:
    """The continent a package serves: the one holding at least two thirds of its countries
    (a "Europe" package that also covers Turkey is still European), else multi-region."""
    if coverage == "global":
        return "global"
    continents = Counter(
        CONTINENT_OF[code.upper()] for code in location_codes if code.upper() in CONTINENT_OF
    )
    if not continents:
        return "multi-region"
    continent, countries = continents.most_common(1)[0]
    return continent if countries * 3 >= sum(continents.values()) * 2 else "multi-region"
