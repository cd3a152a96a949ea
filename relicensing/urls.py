from django.urls import path

from relicensing import views

urlpatterns = [path("", views.catalog, name="catalog")]
