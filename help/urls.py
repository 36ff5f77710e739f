from __future__ import annotations

from django.urls import path

from help.views import articles

app_name = "help"

urlpatterns = [
    path("articles/", articles.article_index, name="article_index"),
    path("articles/<slug:slug>/", articles.article_detail, name="article"),
]
