from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kiemdiem.orgtree.integrity import tree_problems
from kiemdiem.orgtree.models import Unit


class Command(BaseCommand):
    help = "Check the organization tree: paths, depths, parents and placement history."

    def handle(self, *args, **options):
        problems = tree_problems()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(_("%(n)d problem(s) found in the tree.") % {"n": len(problems)})
        self.stdout.write(
            _("The tree is sound: %(n)d units checked.") % {"n": Unit.objects.count()}
        )
