from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "kiemdiem.web"
    label = "web"
