"""Forms: Vietnamese errors, nothing changed on bad input, dd/mm/yyyy dates."""

import datetime

from django.urls import reverse
from django.utils import translation

from kiemdiem.audit.models import LogEntry
from kiemdiem.orgtree.models import Unit
from kiemdiem.people.models import Person


def test_date_input_is_day_first(client, province):
    client.force_login(province.users["staff_p"])
    response = client.post(
        reverse("unit-create", kwargs={"pk": province.commune_a.pk}),
        {
            "code": "A9",
            "name": "Chi bộ thôn Mới",
            "kind": "chi_bo_truc_thuoc",
            "valid_from": "03/04/2024",
        },
    )
    assert response.status_code == 302
    assert Unit.objects.get(code="A9").valid_from == datetime.date(2024, 4, 3)


def test_bad_input_shows_a_vietnamese_error_and_changes_nothing(client, province):
    client.force_login(province.users["staff_p"])
    before = (Unit.objects.count(), LogEntry.objects.count())
    response = client.post(
        reverse("unit-create", kwargs={"pk": province.commune_a.pk}),
        {
            "code": "A1",
            "name": "Chi bộ trùng",
            "kind": "chi_bo_truc_thuoc",
            "valid_from": "31/02/2024",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Ngày 31/02/2024 không tồn tại." in page
    assert (Unit.objects.count(), LogEntry.objects.count()) == before
    response = client.post(
        reverse("unit-create", kwargs={"pk": province.commune_a.pk}),
        {
            "code": "A1",
            "name": "Chi bộ trùng",
            "kind": "chi_bo_truc_thuoc",
            "valid_from": "01/02/2024",
        },
    )
    assert response.status_code == 400
    assert "đã tồn tại" in response.content.decode()
    assert (Unit.objects.count(), LogEntry.objects.count()) == before


def test_english_ui_gives_english_errors(client, province):
    user = province.users["staff_p"]
    client.force_login(user)
    client.post(reverse("set-language"), {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"
    with translation.override("en"):
        response = client.post(
            reverse("unit-create", kwargs={"pk": province.commune_a.pk}),
            {"code": "", "name": "X", "kind": "chi_bo_truc_thuoc", "valid_from": "xx"},
        )
    page = response.content.decode()
    assert "Enter a date as dd/mm/yyyy" in page and 'lang="en"' in page


def test_add_person_with_membership_in_one_step(client, province):
    client.force_login(province.users["secretary"])
    response = client.post(
        reverse("person-create", kwargs={"unit_pk": province.cell_a1.pk}),
        {
            "family_name": "Hoàng",
            "middle_name": "Thị",
            "given_name": "Lan",
            "birth_date": "15/08/1990",
            "gender": "F",
            "ethnicity": "Tày",
            "is_member": "on",
            "admitted_on": "02/09/2015",
            "official_on": "02/09/2016",
            "occupation": "cbccvc",
            "kind": "cell",
            "since": "01/01/2024",
        },
    )
    assert response.status_code == 302
    lan = Person.objects.get(given_name="Lan")
    assert lan.birth_date == datetime.date(1990, 8, 15)
    assert lan.membership.admitted_on == datetime.date(2015, 9, 2)
    assert lan.affiliations.get().unit == province.cell_a1


def test_a_failing_step_rolls_back_the_whole_person(client, province):
    client.force_login(province.users["secretary"])
    before = (Person.objects.count(), LogEntry.objects.count())
    # the person is valid, but an 18-year rule breaks the membership step
    response = client.post(
        reverse("person-create", kwargs={"unit_pk": province.cell_a1.pk}),
        {
            "family_name": "Hoàng",
            "given_name": "Nhi",
            "birth_date": "15/08/2010",
            "is_member": "on",
            "admitted_on": "02/09/2020",
            "occupation": "cbccvc",
            "kind": "cell",
            "since": "01/01/2024",
        },
    )
    assert response.status_code == 400
    assert "18" in response.content.decode()
    assert (Person.objects.count(), LogEntry.objects.count()) == before


def test_move_through_the_page_records_history(client, province):
    client.force_login(province.users["staff_p"])
    response = client.post(
        reverse("unit-move", kwargs={"pk": province.cell_a2.pk}),
        {"new_parent": "b", "effective": "01/07/2025"},
    )
    assert response.status_code == 302
    page = client.get(reverse("unit-detail", kwargs={"pk": province.cell_a2.pk})).content.decode()
    assert "01/07/2025" in page and "Đảng bộ phường Bến Thành" in page


def test_unit_code_outside_scope_is_refused(client, province):
    client.force_login(province.users["staff_a"])
    response = client.post(
        reverse("unit-move", kwargs={"pk": province.cell_a2.pk}),
        {"new_parent": "B", "effective": "01/07/2025"},
    )
    assert response.status_code == 400
    assert Unit.objects.get(pk=province.cell_a2.pk).parent_id == province.commune_a.pk


def test_failed_logins_are_throttled(client, province):
    for _ in range(5):
        client.post(reverse("login"), {"username": "staff_p", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "staff_p", "password": "pass12345!"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_login_page_is_vietnamese_and_signs_in(client, province):
    page = client.get(reverse("login")).content.decode()
    assert "Đăng nhập" in page
    response = client.post(reverse("login"), {"username": "staff_p", "password": "pass12345!"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(province.users["staff_p"].pk)


def test_password_change_is_audited(client, province):
    client.force_login(province.users["staff_p"])
    response = client.post(
        reverse("password-change"),
        {
            "old_password": "pass12345!",
            "new_password1": "Mật-khẩu-mới-2026",
            "new_password2": "Mật-khẩu-mới-2026",
        },
    )
    assert response.status_code == 302
    assert LogEntry.objects.filter(action="user.password_changed").count() == 1


def test_split_page_shares_out_members_and_dissolves_the_cell(client, province):
    client.force_login(province.users["staff_a"])
    url = reverse("unit-split", kwargs={"pk": province.cell_a1.pk})
    page = client.get(url).content.decode()
    assert "Nguyễn Văn An" in page and "Trần Thị Bình" in page
    an, binh = province.members["an"], province.members["binh"]
    data = {
        "effective": "01/07/2025",
        "code_0": "A1N",
        "name_0": "Chi bộ thôn Đông Bắc",
        "kind_0": "chi_bo_truc_thuoc",
        "code_1": "A1S",
        "name_1": "Chi bộ thôn Đông Nam",
        "kind_1": "chi_bo_truc_thuoc",
        f"person_{an.pk}": "0",
        f"person_{binh.pk}": "1",
    }
    # a code already in use: a clear error and nothing changes
    response = client.post(url, {**data, "code_1": "B1"})
    assert response.status_code == 400
    assert not Unit.objects.filter(code="A1N").exists()
    assert Unit.objects.get(code="A1").valid_to is None
    response = client.post(url, data)
    assert response.status_code == 302
    assert Unit.objects.get(code="A1").valid_to == datetime.date(2025, 7, 1)
    assert binh.affiliations.get(valid_to__isnull=True, kind="cell").unit.code == "A1S"


def test_admin_creates_a_login_for_a_person(client, province):
    from kiemdiem.accounts.models import Grant, User

    cuong = province.members["cuong"]
    url = reverse("user-create", kwargs={"person_pk": cuong.pk})
    client.force_login(province.users["staff_p"])
    assert client.get(url).status_code == 403
    client.force_login(province.users["admin"])
    before = User.objects.count()
    response = client.post(
        url, {"username": "cuong", "password": "123", "role": "secretary", "unit": "A2"}
    )
    assert response.status_code == 400 and User.objects.count() == before
    response = client.post(
        url,
        {
            "username": "cuong",
            "password": "Chi-bo-thon-Tay-2026",
            "role": "secretary",
            "unit": "A2",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="cuong")
    assert user.person == cuong and user.check_password("Chi-bo-thon-Tay-2026")
    assert Grant.objects.get(user=user).unit == province.cell_a2
