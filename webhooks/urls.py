from django.urls import path

from webhooks import views

urlpatterns = [
    path("", views.webhook_list, name="webhook-list"),
    path("<int:pk>/", views.webhook_detail, name="webhook-detail"),
    path("<int:pk>/rotate-secret/", views.webhook_rotate_secret, name="webhook-rotate-secret"),
    path("<int:pk>/resume/", views.webhook_resume, name="webhook-resume"),
    path("<int:pk>/delete/", views.webhook_delete, name="webhook-delete"),
    path(
        "<int:pk>/deliveries/<int:delivery_id>/resend/",
        views.webhook_delivery_resend,
        name="webhook-delivery-resend",
    ),
]
