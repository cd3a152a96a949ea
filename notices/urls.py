from django.urls import path

from notices import views

urlpatterns = [path("", views.notice_list, name="notice-list")]
