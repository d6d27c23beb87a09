"""Traditional characters of the template's labels, mapped to the simplified forms we match on.

Portals offer a 繁體版 of every page and some agencies publish in traditional characters, so the
label matcher folds pages onto simplified characters first. The table covers every character of
the labels in ``parsers.template`` (rows, columns, groups, headers, sections) as OpenCC's s2t,
s2tw and s2hk conversions print them; ``tests/test_parse_normalise.py`` checks it against OpenCC
so a label added to the template cannot silently lose its traditional mirror. Characters outside
the labels are left alone: page text is kept as published, only label keys are folded.
"""

from __future__ import annotations

_TRADITIONAL = (
    "佈來內動務區問單國執報審對屬廢強後復採數於時會條業構機權決沒況減無獲現當發確祕穩範糾納組結經維"
    "總織繳繼續罰舉萬處號補製複覆規計訟訪許訴詢認請議護費購轉辦這進過開間關項題額類體"
)
_SIMPLIFIED = (
    "布来内动务区问单国执报审对属废强后复采数于时会条业构机权决没况减无获现当发确秘稳范纠纳组结经维"
    "总织缴继续罚举万处号补制复复规计讼访许诉询认请议护费购转办这进过开间关项题额类体"
)

TRADITIONAL_TO_SIMPLIFIED: dict[str, str] = dict(zip(_TRADITIONAL, _SIMPLIFIED, strict=True))
