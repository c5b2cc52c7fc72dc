from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "kiemdiem.common"
    label = "common"
