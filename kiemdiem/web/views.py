from django.contrib.auth.decorators import login_required

from kiemdiem.common.views import render_page
from kiemdiem.orgtree.policies import top_units
from kiemdiem.orgtree.selectors import unit_list
from kiemdiem.people.selectors import member_count, people_count


@login_required
def home(request):
    """The start page: where the user works and what their scope holds.

    The counts come from the selectors of the lists they summarise (the people list, the
    members of the cells the user can open), so the numbers and the pages agree.
    """
    user = request.user
    units = unit_list(user)
    context = {
        "roots": top_units(user)[:20],
        "grants": user.grants.select_related("unit").order_by("unit__path"),
        "unit_count": units.count(),
        "cell_count": units.filter(kind__in=["chi_bo_co_so", "chi_bo_truc_thuoc"]).count(),
        "people_count": people_count(user),
        "member_count": member_count(user),
    }
    return render_page(request, "home.html", context)
