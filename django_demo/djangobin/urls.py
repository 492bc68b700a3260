from django.contrib.auth import views as auth_views
from django.urls import path

from django_demo.djangobin import views

urlpatterns = [
    path("", views.index, name="index"),
    path("signup/", views.signup, name="signup"),
    path("activate/<str:uidb64>/<str:token>/", views.activate, name="activate"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("contact/", views.contact, name="contact"),
    path("<slug:slug>/", views.snippet_detail, name="snippet"),
]
