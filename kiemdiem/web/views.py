from django.contrib.auth.decorators import login_required

from kiemdiem.common.views import render_page
from kiemdiem.orgtree.selectors import top_units, unit_list
from kiemdiem.people.models import AffiliationKind
from kiemdiem.people.selectors import person_list


@login_required
def home(request):
    """The start page: where the user works and what their scope holds."""
    user = request.user
    units = unit_list(user)
    context = {
        "roots": top_units(user)[:20],
        "grants": user.grants.select_related("unit").order_by("unit__path"),
        "unit_count": units.count(),
        "cell_count": units.filter(kind__in=["chi_bo_co_so", "chi_bo_truc_thuoc"]).count(),
        "people_count": person_list(user).count(),
        "member_count": person_list(user)
        .filter(affiliations__kind=AffiliationKind.CELL, affiliations__valid_to__isnull=True)
        .count(),
    }
    return render_page(request, "home.html", context)
