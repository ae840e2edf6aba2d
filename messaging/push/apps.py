from django.apps import AppConfig


class PushConfig(AppConfig):
    name = "messaging.push"
    label = "push"
    verbose_name = "Web Push"
    default_auto_field = "django.db.models.BigAutoField"
