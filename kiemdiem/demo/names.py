"""Vietnamese names, ethnicities and place-name material for the demo province.

Frequencies are rounded from published surname surveys (Nguyễn ≈ 38 %, Trần ≈ 11 %, Lê ≈ 9.5 %,
…); the southern provinces write Huỳnh and Võ where the north writes Hoàng and Vũ. Ethnic
minorities have their own family names and, for some (H'Mông, Dao), their own middle and given
names. Everything here is plain data plus a few pure functions of a ``random.Random``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

Weighted = list[tuple[str, float]]

KINH_FAMILY_NORTH: Weighted = [
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9.5),
    ("Phạm", 7),
    ("Hoàng", 5),
    ("Phan", 4.5),
    ("Vũ", 3.9),
    ("Đặng", 2.1),
    ("Bùi", 2),
    ("Đỗ", 1.4),
    ("Hồ", 1.3),
    ("Ngô", 1.3),
    ("Dương", 1),
    ("Lý", 0.5),
    ("Đinh", 0.8),
    ("Trịnh", 0.6),
    ("Đào", 0.6),
    ("Mai", 0.4),
    ("Lương", 0.4),
    ("Hà", 0.5),
    ("Cao", 0.4),
    ("Tạ", 0.3),
    ("Lưu", 0.3),
    ("Chu", 0.3),
    ("Kiều", 0.2),
    ("Tô", 0.2),
    ("Triệu", 0.2),
    ("Quách", 0.1),
]
_SOUTH_SWAP = {"Hoàng": "Huỳnh", "Vũ": "Võ"}
KINH_FAMILY_SOUTH: Weighted = [(_SOUTH_SWAP.get(n, n), w) for n, w in KINH_FAMILY_NORTH] + [
    ("Trương", 0.6),
    ("Lâm", 0.4),
    ("Thái", 0.2),
]

MIDDLE_MALE: Weighted = [
    ("Văn", 40),
    ("Hữu", 6),
    ("Đức", 8),
    ("Minh", 8),
    ("Quang", 6),
    ("Thanh", 5),
    ("Công", 5),
    ("Xuân", 4),
    ("Mạnh", 3),
    ("Tiến", 3),
    ("Ngọc", 3),
    ("Anh", 3),
    ("Trung", 2),
    ("Việt", 2),
    ("Đình", 4),
    ("Duy", 2),
]
MIDDLE_FEMALE: Weighted = [
    ("Thị", 55),
    ("Thu", 6),
    ("Thanh", 6),
    ("Ngọc", 6),
    ("Minh", 3),
    ("Thùy", 4),
    ("Hồng", 4),
    ("Phương", 3),
    ("Kim", 3),
    ("Bích", 2),
    ("Hải", 2),
    ("Mai", 2),
    ("Lan", 2),
    ("Diệu", 1),
]
GIVEN_MALE = [
    "An",
    "Anh",
    "Bình",
    "Cường",
    "Chiến",
    "Dũng",
    "Đức",
    "Giang",
    "Hải",
    "Hiếu",
    "Hòa",
    "Hùng",
    "Huy",
    "Khánh",
    "Kiên",
    "Lâm",
    "Long",
    "Minh",
    "Nam",
    "Nghĩa",
    "Phong",
    "Phúc",
    "Quang",
    "Quân",
    "Sơn",
    "Tâm",
    "Thắng",
    "Thành",
    "Thịnh",
    "Toàn",
    "Trung",
    "Tuấn",
    "Tùng",
    "Việt",
    "Vinh",
    "Hưng",
    "Hiệp",
    "Lợi",
    "Tiến",
    "Thái",
]
GIVEN_FEMALE = [
    "An",
    "Anh",
    "Ánh",
    "Chi",
    "Dung",
    "Giang",
    "Hà",
    "Hạnh",
    "Hằng",
    "Hiền",
    "Hoa",
    "Hương",
    "Huyền",
    "Lan",
    "Liên",
    "Linh",
    "Loan",
    "Mai",
    "Nga",
    "Ngân",
    "Ngọc",
    "Nhung",
    "Oanh",
    "Phương",
    "Quyên",
    "Tâm",
    "Thảo",
    "Thủy",
    "Trang",
    "Tuyết",
    "Uyên",
    "Vân",
    "Yến",
    "Hậu",
    "Thơm",
    "Xuân",
]


@dataclass(frozen=True)
class NameStyle:
    """How one ethnic group names people; ``None`` lists fall back to the Kinh lists."""

    family: Weighted
    middle_male: Weighted | None = None
    middle_female: Weighted | None = None
    given_male: list[str] | None = None
    given_female: list[str] | None = None


ETHNIC_STYLES: dict[str, NameStyle] = {
    "Tày": NameStyle(
        [
            ("Nông", 20),
            ("Hoàng", 18),
            ("Ma", 10),
            ("Lý", 8),
            ("Triệu", 6),
            ("Hà", 8),
            ("Lương", 6),
            ("Nguyễn", 8),
            ("Vi", 3),
            ("Lục", 3),
            ("Quan", 3),
            ("Đàm", 3),
        ]
    ),
    "Nùng": NameStyle(
        [
            ("Nông", 20),
            ("Hoàng", 25),
            ("Lương", 10),
            ("Vi", 8),
            ("Lăng", 6),
            ("Chu", 6),
            ("Mã", 5),
            ("Lộc", 5),
            ("Hứa", 5),
        ]
    ),
    "Dao": NameStyle(
        [("Triệu", 35), ("Bàn", 25), ("Đặng", 15), ("Lý", 12), ("Phùng", 6), ("Chảo", 5)],
        middle_male=[("Văn", 50), ("Tiến", 15), ("Kim", 10), ("Phúc", 10), ("Tài", 10)],
        middle_female=[("Thị", 80), ("Mùi", 10), ("Kim", 10)],
        given_male=["Tòn", "Quẩy", "Kiềm", "Vảng", "Sành", "Phin", "Chòi", "Dụng", "Lai", "Hin"],
        given_female=["Mẩy", "Nhất", "Phấu", "Duyên", "Kiều", "Mai", "Xuân", "Hoa", "Vần"],
    ),
    "H'Mông": NameStyle(
        [
            ("Giàng", 18),
            ("Sùng", 15),
            ("Vàng", 15),
            ("Lý", 12),
            ("Thào", 10),
            ("Hoàng", 8),
            ("Lầu", 8),
            ("Mua", 6),
            ("Ly", 4),
            ("Hầu", 4),
        ],
        middle_male=[("Seo", 30), ("Mí", 30), ("A", 20), ("Văn", 20)],
        middle_female=[("Thị", 85), ("Mỷ", 15)],
        given_male=["Páo", "Chứ", "Sính", "Dình", "Súa", "Chúng", "Pó", "Lử", "Sủ", "Chính", "Tủa"],
        given_female=["Mỷ", "Dế", "Mai", "Say", "Pà", "Chi", "Sinh", "Dợ", "Súa", "Ly"],
    ),
    "Thái": NameStyle(
        [
            ("Lò", 25),
            ("Cầm", 15),
            ("Lường", 15),
            ("Quàng", 12),
            ("Vi", 8),
            ("Hà", 10),
            ("Tòng", 8),
            ("Điêu", 7),
        ]
    ),
    "Mường": NameStyle([("Bùi", 45), ("Đinh", 25), ("Quách", 12), ("Hà", 10), ("Xa", 8)]),
    "Sán Chay": NameStyle([("Hoàng", 30), ("Lâm", 25), ("Trần", 15), ("La", 15), ("Hà", 15)]),
    "Hoa": NameStyle([("Lâm", 30), ("Trương", 25), ("Quách", 15), ("Lý", 15), ("Mạc", 15)]),
    "Khmer": NameStyle(
        [("Thạch", 40), ("Danh", 25), ("Sơn", 15), ("Kim", 10), ("Lâm", 10)],
        middle_male=[("", 60), ("Văn", 40)],
        middle_female=[("Thị", 100)],
        given_male=["Sa Rươne", "Sô Phanh", "Chanh Đa", "Sóc Khum", "Rây", "Pha", "Sươl"],
        given_female=["Sa Ri", "Sô Phia", "Mỹ Linh", "Chanh Thy", "Srey", "Kim Hoa", "Sa Ly"],
    ),
}

# Rough shares of each ethnic group among a province's party members.
ETHNICITY_BY_PROVINCE: dict[str, Weighted] = {
    "tuyen_quang": [
        ("Kinh", 40),
        ("Tày", 25),
        ("H'Mông", 13),
        ("Dao", 11),
        ("Nùng", 5),
        ("Sán Chay", 4),
        ("Hoa", 2),
    ],
    "cao_bang": [("Tày", 40), ("Nùng", 31), ("Kinh", 8), ("H'Mông", 10), ("Dao", 11)],
    "lang_son": [("Nùng", 42), ("Tày", 35), ("Kinh", 17), ("Dao", 4), ("Hoa", 2)],
    "dien_bien": [("Thái", 38), ("H'Mông", 33), ("Kinh", 20), ("Dao", 5), ("Tày", 4)],
    "lai_chau": [("Thái", 32), ("H'Mông", 30), ("Kinh", 18), ("Dao", 12), ("Tày", 8)],
    "son_la": [("Thái", 53), ("Kinh", 17), ("H'Mông", 15), ("Mường", 9), ("Dao", 6)],
    "lao_cai": [("Kinh", 55), ("Tày", 12), ("H'Mông", 13), ("Dao", 12), ("Nùng", 4), ("Thái", 4)],
    "thai_nguyen": [
        ("Kinh", 70),
        ("Tày", 13),
        ("Nùng", 7),
        ("Dao", 4),
        ("Sán Chay", 3),
        ("H'Mông", 3),
    ],
    "phu_tho": [("Kinh", 74), ("Mường", 22), ("Dao", 2), ("Tày", 2)],
    "thanh_hoa": [("Kinh", 84), ("Mường", 9), ("Thái", 7)],
    "nghe_an": [("Kinh", 86), ("Thái", 10), ("H'Mông", 2), ("Mường", 2)],
    "quang_ninh": [("Kinh", 88), ("Dao", 5), ("Tày", 4), ("Sán Chay", 2), ("Hoa", 1)],
    "an_giang": [("Kinh", 90), ("Khmer", 8), ("Hoa", 2)],
    "ca_mau": [("Kinh", 94), ("Khmer", 5), ("Hoa", 1)],
    "vinh_long": [("Kinh", 90), ("Khmer", 9), ("Hoa", 1)],
    "can_tho": [("Kinh", 90), ("Khmer", 8), ("Hoa", 2)],
}
DEFAULT_ETHNICITY: Weighted = [("Kinh", 98.5), ("Hoa", 0.5), ("Mường", 0.5), ("Tày", 0.5)]

# Province codes from Quảng Trị southward write Huỳnh/Võ.
SOUTHERN_FROM_CODE = 44

KINH_VILLAGES = [
    "Tân Lập",
    "Đoàn Kết",
    "Thống Nhất",
    "Quyết Thắng",
    "Trung Tâm",
    "Đồng Tâm",
    "An Lạc",
    "Phú Thịnh",
    "Hòa Bình",
    "Tân Tiến",
    "Làng Chùa",
    "Cầu Trắng",
    "Đồng Mới",
    "Xuân Hòa",
    "Minh Khai",
    "Hưng Thịnh",
    "Gò Chè",
    "Đầm Sen",
    "Bãi Cát",
    "Vĩnh Phúc",
    "Yên Thịnh",
    "Ninh Phú",
    "Phúc Lâm",
    "Đông",
    "Đoài",
    "Thượng",
    "Trung",
    "Hạ",
    "Tân Thành",
    "Hợp Nhất",
    "Liên Minh",
    "Đồng Bầu",
    "Cây Đa",
    "Làng Mới",
    "Phú Yên",
    "Bình Minh",
]
MOUNTAIN_VILLAGES = [
    "Nà Khá",
    "Khuổi Phầy",
    "Bản Pài",
    "Pác Cáp",
    "Nặm Đăm",
    "Phiêng Luông",
    "Cốc Phát",
    "Nà Héc",
    "Lũng Pù",
    "Sủng Là",
    "Bản Thàng",
    "Khuổi Củng",
    "Nà Bó",
    "Pắc Khoang",
    "Làng Mạ",
    "Nà Mèo",
    "Bó Củng",
    "Thâm Luông",
    "Nà Đon",
    "Khau Vài",
    "Lũng Cẩm",
    "Tả Lủng",
    "Bản Tấng",
    "Nà Lừa",
    "Khuổi Hóp",
    "Pù Đồn",
]

ENTERPRISES = [
    "Công ty Cổ phần Chè {}",
    "Công ty TNHH May {}",
    "Công ty TNHH MTV Lâm nghiệp {}",
    "Công ty Cổ phần Vật liệu xây dựng {}",
    "Công ty Cổ phần Chế biến nông sản {}",
    "Công ty Cổ phần Khoáng sản {}",
]


def weighted_choice(rng: random.Random, items: Weighted) -> str:
    total = sum(w for _n, w in items)
    point = rng.random() * total
    for name, weight in items:
        point -= weight
        if point < 0:
            return name
    return items[-1][0]


def person_name(
    rng: random.Random, *, gender: str, ethnicity: str, southern: bool, young: bool
) -> tuple[str, str, str]:
    """(family, middle, given) for one person; younger Kinh use fewer Văn/Thị middle names."""
    style = ETHNIC_STYLES.get(ethnicity)
    if style is None:
        family = weighted_choice(rng, KINH_FAMILY_SOUTH if southern else KINH_FAMILY_NORTH)
        style = NameStyle([])
    else:
        family = weighted_choice(rng, style.family)
    male = gender == "M"
    middles = (style.middle_male or MIDDLE_MALE) if male else (style.middle_female or MIDDLE_FEMALE)
    if young and ethnicity == "Kinh":
        common = "Văn" if male else "Thị"
        middles = [(n, w / 4 if n == common else w) for n, w in middles]
    middle = weighted_choice(rng, middles)
    given = rng.choice(
        (style.given_male or GIVEN_MALE) if male else (style.given_female or GIVEN_FEMALE)
    )
    return family, middle, given
