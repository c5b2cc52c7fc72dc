from django.contrib.auth import views as auth_views
from django.urls import include, path

from kiemdiem.accounts import views as accounts
from kiemdiem.audit import views as audit
from kiemdiem.cycles import views as cycles
from kiemdiem.orgtree import views as orgtree
from kiemdiem.people import views as people
from kiemdiem.web import views as web

urlpatterns = [
    path("", web.home, name="home"),
    # accounts
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", accounts.account, name="account"),
    path("account/password/", accounts.PasswordChangeView.as_view(), name="password-change"),
    path("account/tokens/", accounts.token_list, name="account-tokens"),
    path(
        "account/sign-out-everywhere/",
        accounts.sign_out_everywhere,
        name="sign-out-everywhere",
    ),
    path("language/", accounts.set_language, name="set-language"),
    path("access/", accounts.user_list, name="user-list"),
    path("access/<int:pk>/", accounts.user_detail, name="user-detail"),
    path("people/<int:person_pk>/login/", accounts.user_create_for_person, name="user-create"),
    # organization tree
    path("units/", orgtree.tree, name="tree"),
    path("units/<int:pk>/", orgtree.unit_detail, name="unit-detail"),
    path("units/<int:pk>/children/", orgtree.unit_children, name="unit-children"),
    path("units/<int:pk>/as-of/", orgtree.unit_as_of, name="unit-as-of"),
    path("units/<int:pk>/new/", orgtree.unit_create, name="unit-create"),
    path("units/<int:pk>/edit/", orgtree.unit_edit, name="unit-edit"),
    path("units/<int:pk>/move/", orgtree.unit_move, name="unit-move"),
    path("units/<int:pk>/merge/", orgtree.unit_merge, name="unit-merge"),
    path("units/<int:pk>/split/", orgtree.unit_split, name="unit-split"),
    path("units/<int:pk>/dissolve/", orgtree.unit_close, name="unit-close"),
    path("units/<int:unit_pk>/people/new/", people.person_create, name="person-create"),
    # people
    path("people/", people.person_list, name="person-list"),
    path("people/<int:pk>/", people.person_detail, name="person-detail"),
    path("people/<int:pk>/edit/", people.person_edit, name="person-edit"),
    path("people/<int:pk>/status/", people.person_status, name="person-status"),
    path("people/<int:pk>/transfer/", people.person_transfer, name="person-transfer"),
    path("people/<int:pk>/affiliations/new/", people.affiliation_add, name="affiliation-add"),
    path("affiliations/<int:pk>/end/", people.affiliation_end, name="affiliation-end"),
    # review cycles
    path("cycles/", cycles.cycle_list, name="cycle-list"),
    path("cycles/<int:pk>/", cycles.cycle_detail, name="cycle-detail"),
    path(
        "cycles/<int:pk>/subjects/generate/",
        cycles.subjects_generate,
        name="cycle-subjects-generate",
    ),
    path("cycles/<int:pk>/units/<int:unit_pk>/", cycles.cycle_unit, name="cycle-unit"),
    path("cycles/<int:pk>/units/<int:unit_pk>/plan/", cycles.plan_issue, name="plan-issue"),
    path(
        "cycles/<int:pk>/units/<int:unit_pk>/plan/return/", cycles.plan_return, name="plan-return"
    ),
    path("units/<int:unit_pk>/cycles/new/", cycles.cycle_open, name="cycle-open"),
    # audit
    path("audit/", audit.audit_log, name="audit-log"),
    path("imports/", include("kiemdiem.imports.urls")),
    path("reviews/", include("kiemdiem.reviews.urls")),
    path("notifications/", include("kiemdiem.notifications.urls")),
    path("jobs/", include("kiemdiem.jobs.urls")),
    path("cycles/", include("kiemdiem.cycles.urls")),
]
