from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from monchai.forms import LoginForm
from monchai.views import clients, quotes, stock
from monchai.views.dashboard import dashboard

client_patterns = [
    path("", clients.ClientListView.as_view(), name="list"),
    path("nouveau/", clients.ClientCreateView.as_view(), name="create"),
    path("<int:pk>/", clients.ClientDetailView.as_view(), name="detail"),
    path("<int:pk>/modifier/", clients.ClientUpdateView.as_view(), name="update"),
]

quote_patterns = [
    path("", quotes.QuoteListView.as_view(), name="list"),
    path("nouveau/", quotes.quote_create, name="create"),
    path("<int:pk>/", quotes.QuoteDetailView.as_view(), name="detail"),
    path("<int:pk>/modifier/", quotes.quote_update, name="update"),
    path("<int:pk>/statut/", quotes.quote_status, name="status"),
]

stock_patterns = [
    path("", stock.CuveeListView.as_view(), name="list"),
    path("cuvees/nouvelle/", stock.CuveeCreateView.as_view(), name="cuvee_create"),
    path("cuvees/<int:pk>/", stock.CuveeDetailView.as_view(), name="cuvee_detail"),
    path("cuvees/<int:pk>/modifier/", stock.CuveeUpdateView.as_view(), name="cuvee_update"),
    path("mouvements/", stock.MovementListView.as_view(), name="movements"),
    path("mouvements/nouveau/", stock.MovementCreateView.as_view(), name="movement_create"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("help/", include("help.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the header's FR / EN
    path(
        "connexion/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("", dashboard, name="dashboard"),
    path("clients/", include((client_patterns, "clients"))),
    path("devis/", include((quote_patterns, "quotes"))),
    path("stock/", include((stock_patterns, "stock"))),
]
