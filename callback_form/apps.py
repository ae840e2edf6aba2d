from django.apps import AppConfig


class CallbackFormConfig(AppConfig):
    name = "callback_form"
