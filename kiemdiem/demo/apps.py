from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "kiemdiem.demo"
    label = "demo"
