"""Print the demo logins (bin/demo calls this after loading the demo province)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print the demo users, their roles and scopes."

    def handle(self, *args, **options):
        from kiemdiem.demo.generator import login_table

        self.stdout.write(login_table())
