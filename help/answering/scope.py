"""An answer's scope: whether it depends on the page the question was asked on.

A "site" answer is the same on every page: its prompt has no page path and no page hints,
its cache key leaves them out, and the widget keeps it for every page of the site. A
question is answered for its page ("page") when

* it refers to the page: "ici", "cette page", "ce bouton", "here", "this screen"... (a
  follow-up also when one of the earlier questions it follows did);
* or a page could change the article its answer rests on: the search's boost for the
  page's own articles (``help.search.index.PATH_BOOST``, ``SECTION_BOOST``) could put
  another article first. Checked once for every page: the best article found without a
  page leads the next one by more than the largest boost, so that no page can overtake it;
* or that best article answers weakly: under what an article that barely answers
  (``MIN_SCORE``) scores on its own page. The page's articles and hints are then the best
  clue (on the retrieval evaluation, "à quoi servent les compteurs" on "/" needs the
  dashboard's article, third there and under the relative floor without the page).

The decision never depends on the page asked from (a site answer never needs checking on
another page: the widget serves it there without asking), and a site answer's articles
are those found without a page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from help.search.index import MIN_SCORE, PATH_BOOST, SECTION_BOOST, ScoredArticle
from help.search.text import fold

PAGE, SITE = "page", "site"

# The most any page multiplies an article's score by.
MAX_BOOST = 1 + max(PATH_BOOST, SECTION_BOOST)

# What users call the parts of a screen, after a demonstrative ("ce bouton", "this field").
_UI_NOUNS = (
    "page|ecran|bouton|champ|champs|formulaire|fenetre|menu|liste|tableau|lien|onglet|"
    "colonne|case|message|section|vue|icone|chiffre|nombre|zone|encadre|graphique|panneau|"
    "barre|filtre|fiche|"
    "screen|button|field|form|window|list|table|link|tab|column|box|checkbox|view|icon|"
    "number|figure|area|chart|panel|bar|filter|card|popup"
)
_REFERS_TO_PAGE = re.compile(
    r"\b(?:"
    r"ici|here|"
    rf"(?:ce|cet|cette|ces|this|that|these|those)\s(?:{_UI_NOUNS})s?|"
    r"(?:sur|dans)\s(?:la|l)\s(?:page|ecran)|"
    r"(?:on|in)\sthe\s(?:page|screen)|"
    r"page\s(?:actuelle|courante|en\scours)|current\s(?:page|screen)"
    r")\b"
)


def refers_to_page(text: str) -> bool:
    """Whether the text points at the page it is asked on ("que fait ce bouton ?")."""
    return _REFERS_TO_PAGE.search(fold(text)) is not None


def page_independent(articles: Sequence[ScoredArticle]) -> bool:
    """Whether no page can change the best of ``articles``, found without a page: it leads
    the next one (any article under it scores at most as much) by more than any boost, and
    answers well enough to stand without the page. No article at all: none on any page."""
    if not articles:
        return True
    if articles[0].score < MIN_SCORE * MAX_BOOST:
        return False
    if len(articles) < 2:
        return True  # the others are under the relative floor, too far for any boost
    return articles[0].score > articles[1].score * MAX_BOOST
