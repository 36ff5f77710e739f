from __future__ import annotations

from django.urls import path

from help.views import answers, api, articles, support

app_name = "help"

urlpatterns = [
    path("ask", api.ask, name="ask"),
    path("ask/stream", api.ask_stream, name="ask_stream"),
    path("suggest", api.suggest, name="suggest"),
    path("feedback", api.feedback, name="feedback"),
    path("answers/<str:answer_id>", answers.late_answer_view, name="answer"),
    path("starters", support.starters, name="starters"),
    path("tickets", support.tickets, name="tickets"),
    path("health", api.health_view, name="health"),
    path("metrics", api.metrics_view, name="metrics"),
    path("articles/", articles.article_index, name="article_index"),
    path("articles/<slug:slug>/", articles.article_detail, name="article"),
    path("articles/<slug:slug>/panel", articles.article_panel, name="article_panel"),
]
