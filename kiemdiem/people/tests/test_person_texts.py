"""Names and phone numbers that cannot be ones are refused on every way in, naming the field."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from kiemdiem.common.validators import is_name, is_phone
from kiemdiem.imports.tests.helpers import PEOPLE_HEADERS, csv_bytes, person_row, run_import
from kiemdiem.people import services as people
from kiemdiem.people.models import Person

pytestmark = pytest.mark.django_db

BAD_NAMES = ['=HYPERLINK("http://x.vn","Bấm")', "=1+2", "An2", "@An", "Lan--Anh", "-An", "Hà."]
GOOD_NAMES = ["Nguyễn", "Thị Diễm", "H'Hen", "Hoa-Mai", "O’Neil", "Ksor H'Bia", "Đặng Ỷ"]
BAD_PHONES = ["=1+2", "0912", "+84 912 345 678 999 12", "09x1234567", "++84912345678", "1+2"]
GOOD_PHONES = ["0912345678", "+84 912 345 678", "(028) 3829.1234", "0912-345-678"]


def test_names_and_phones_accepted_and_refused():
    assert all(is_name(n) for n in GOOD_NAMES)
    assert not any(is_name(n) for n in BAD_NAMES)
    assert all(is_phone(p) for p in GOOD_PHONES)
    assert not any(is_phone(p) for p in BAD_PHONES)


@pytest.mark.parametrize(
    ("field", "value"),
    [("family_name", "=1+2"), ("middle_name", '=HYPERLINK("x")'), ("given_name", "An2")],
)
def test_service_refuses_a_bad_name_naming_the_field(province, field, value):
    an = province.members["an"]
    with translation.override("vi"), pytest.raises(ValidationError) as caught:
        people.person_update(person=an, actor=None, **{field: value})
    label = {"family_name": "Họ", "middle_name": "Tên đệm", "given_name": "Tên"}[field]
    assert caught.value.message_dict[field] == [
        f"{label} chỉ được gồm chữ cái, dấu cách, gạch nối (-) và dấu nháy (')."
    ]
    an.refresh_from_db()
    assert an.full_name == "Nguyễn Văn An"


def test_service_refuses_a_bad_phone_in_english_too(province):
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            people.person_create(family_name="Lê", given_name="Hoa", phone="=1+2", actor=None)
        assert caught.value.message_dict["phone"][0].startswith("Phone: enter 8 to 15 digits")
    assert not Person.objects.filter(given_name="Hoa").exists()


def test_web_form_refuses_formula_names_and_phones(client, province):
    client.force_login(province.users["staff_p"])
    an = province.members["an"]
    response = client.post(
        reverse("person-edit", kwargs={"pk": an.pk}),
        {"family_name": "=1+2", "given_name": "An", "phone": '=HYPERLINK("x")'},
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["family_name"] == [
        "Họ chỉ được gồm chữ cái, dấu cách, gạch nối (-) và dấu nháy (')."
    ]
    assert form.errors["phone"][0].startswith("Điện thoại:")
    an.refresh_from_db()
    assert (an.family_name, an.phone) == ("Nguyễn", "")


def test_import_refuses_formula_names_and_phones_on_their_cells(province):
    headers = [*PEOPLE_HEADERS, "Điện thoại"]
    rows = [
        [*person_row(family="=1+2"), "0912345678"],
        [*person_row(cid="001085000002", given="Lan"), '=HYPERLINK("x")'],
        [*person_row(cid="001085000003", given="H'Hen"), "+84 912 345 678"],
    ]
    data = csv_bytes(headers, rows)
    with translation.override("vi"):
        job = run_import(
            province.users["staff_p"], province.province, "people", data, filename="p.csv"
        )
        found = {(p["row"], p["column"]): p["message"] for p in job.problem_list()}
    assert job.status != "done" and not Person.objects.filter(given_name="H'Hen").exists()
    assert found[(2, "A")].startswith("Họ chỉ được gồm chữ cái")
    assert found[(3, "O")].startswith("Điện thoại:")
    assert (4, "C") not in found and (4, "O") not in found
