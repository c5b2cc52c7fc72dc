"""Template columns: Vietnamese headers, aliases, and how a header in a user's file is matched.

A header matches when it is equal to the column's header or one of its aliases after folding:
no diacritics, lower case, punctuation and repeated spaces dropped, a trailing "(*)" removed.
So "HỌ VÀ TÊN", "Ho va ten" and " họ  và tên (*) " are the same column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from kiemdiem.common.vietnamese import fold_diacritics
from kiemdiem.imports import encodings
from kiemdiem.imports.encodings import TITLE, strip_invisible
from kiemdiem.orgtree.models import UnitKind
from kiemdiem.people.models import (
    FORMER_OCCUPATION_CODES,
    Gender,
    MemberStatusKind,
    Occupation,
    PostRole,
    StateCategory,
)
from kiemdiem.register.models import DisciplineForm, EntryKind, EntryTrack


@lru_cache(maxsize=50_000)
def fold_header(text: str) -> str:
    folded = fold_diacritics(strip_invisible(str(text or "")))
    folded = re.sub(r"\(\s*\*\s*\)|\*", " ", folded)
    folded = re.sub(r"[^0-9a-z]+", " ", folded)
    return " ".join(folded.split())


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # Vietnamese header written in templates and exports
    label: object  # translatable name for messages
    aliases: tuple[str, ...] = ()
    required: bool = False
    type: str = "text"  # text | name | date | code | codes | choice | digits | posts
    check_encoding: bool = False
    help: str = ""
    example: str = ""
    choices: tuple = field(default=())
    # People's names are written in Title Case: a TCVN3 letter with no capital of its own
    # starting a name ("¸nh") is read as a capital ("Ánh") unless the column is in capitals.
    case: str = ""

    def folded_names(self) -> set[str]:
        return {fold_header(n) for n in (self.header, *self.aliases)}


UNIT_COLUMNS = [
    Column(
        "code",
        "Mã đơn vị",
        _("unit code"),
        ("ma", "code", "unit code", "ma don vi"),
        True,
        "code",
        help="Mã duy nhất của đơn vị, không trùng trong toàn hệ thống.",
        example="A1",
    ),
    Column(
        "name",
        "Tên đơn vị",
        _("unit name"),
        ("ten", "name", "unit name", "ten to chuc"),
        True,
        "name",
        True,
        "Tên đầy đủ, có dấu (Unicode).",
        "Chi bộ thôn Đông",
    ),
    Column(
        "short_name",
        "Tên viết tắt",
        _("short name"),
        ("short name", "ten tat"),
        False,
        "name",
        True,
        "Không bắt buộc.",
        "",
    ),
    Column(
        "kind",
        "Loại đơn vị",
        _("kind"),
        ("loai", "kind", "loai to chuc"),
        True,
        "choice",
        help="Một trong các loại ở trang “Danh mục”.",
        example="Chi bộ trực thuộc",
        choices=tuple(UnitKind),
    ),
    Column(
        "parent",
        "Mã đơn vị cấp trên",
        _("parent unit code"),
        ("cap tren", "don vi cap tren", "parent", "parent code", "ma cap tren"),
        False,
        "code",
        help="Để trống cho đơn vị gốc của phạm vi nhập.",
        example="A",
    ),
    Column(
        "managed_by",
        "Mã đơn vị đánh giá",
        _("rated by (unit code)"),
        ("rated by", "managed by", "don vi danh gia"),
        False,
        "code",
        help="Chỉ ghi khi đơn vị đánh giá không phải cấp trên trực tiếp.",
        example="",
    ),
    Column(
        "valid_from",
        "Ngày thành lập",
        _("effective from"),
        ("ngay hieu luc", "effective from", "valid from", "tu ngay"),
        True,
        "date",
        help="dd/mm/yyyy",
        example="01/01/2020",
    ),
]

_POSTS_HELP = (
    "Mỗi mục: “MÃ ĐƠN VỊ: Chức danh (vai trò) từ dd/mm/yyyy”, cách nhau bằng dấu “;”. "
    "Vai trò: Người đứng đầu, Cấp phó, Ủy viên (không bắt buộc). “từ …” không bắt buộc."
)

PEOPLE_COLUMNS = [
    Column(
        "family_name",
        "Họ",
        _("family name"),
        ("family name", "last name", "ho dem"),
        False,
        "name",
        True,
        "Bắt buộc (hoặc dùng cột “Họ và tên”).",
        "Nguyễn",
        case=TITLE,
    ),
    Column(
        "middle_name",
        "Tên đệm",
        _("middle name"),
        ("middle name", "chu lot", "ten lot"),
        False,
        "name",
        True,
        "",
        "Văn",
        case=TITLE,
    ),
    Column(
        "given_name",
        "Tên",
        _("given name"),
        ("given name", "first name", "ten goi"),
        False,
        "name",
        True,
        "Bắt buộc (hoặc dùng cột “Họ và tên”).",
        "An",
        case=TITLE,
    ),
    Column(
        "full_name",
        "Họ và tên",
        _("full name"),
        ("ho ten", "full name", "ho va ten khai sinh"),
        False,
        "name",
        True,
        "Chỉ dùng thay cho ba cột Họ / Tên đệm / Tên.",
        "",
        case=TITLE,
    ),
    Column(
        "birth_date",
        "Ngày sinh",
        _("date of birth"),
        ("birth date", "date of birth", "sinh ngay"),
        False,
        "date",
        help="dd/mm/yyyy",
        example="01/05/1980",
    ),
    Column(
        "gender",
        "Giới tính",
        _("gender"),
        ("gender", "gioi", "nam nu"),
        False,
        "choice",
        help="Nam hoặc Nữ.",
        example="Nam",
        choices=tuple(Gender),
    ),
    Column(
        "ethnicity",
        "Dân tộc",
        _("ethnicity"),
        ("ethnicity", "dan toc"),
        False,
        "name",
        True,
        "",
        "Kinh",
    ),
    Column(
        "citizen_id",
        "Số CCCD",
        _("citizen ID"),
        (
            "cccd",
            "so can cuoc",
            "can cuoc cong dan",
            "so dinh danh",
            "so dinh danh ca nhan",
            "citizen id",
            "so cccd cmnd",
        ),
        False,
        "digits",
        help="12 chữ số. Dùng để nhận ra người khi nhập lại.",
        example="001080012345",
    ),
    Column(
        "phone",
        "Điện thoại",
        _("phone"),
        ("so dien thoai", "phone", "dt"),
        False,
        "text",
        example="",
    ),
    Column(
        "email",
        "Thư điện tử",
        _("e-mail"),
        ("email", "e mail", "thu dien tu"),
        False,
        "text",
        example="",
    ),
    Column(
        "card_number",
        "Số thẻ đảng viên",
        _("party card number"),
        ("so the dang", "the dang vien", "so the", "party card number", "card number"),
        False,
        "text",
        example="12345678",
    ),
    Column(
        "admitted_on",
        "Ngày vào Đảng",
        _("admitted on"),
        ("ngay ket nap", "ngay vao dang", "admitted on"),
        False,
        "date",
        help="dd/mm/yyyy. Để trống nếu không phải đảng viên.",
        example="01/01/2010",
    ),
    Column(
        "official_on",
        "Ngày chính thức",
        _("official member since"),
        ("ngay chinh thuc", "official on", "official member since"),
        False,
        "date",
        help="dd/mm/yyyy",
        example="01/01/2011",
    ),
    Column(
        "occupation",
        "Nghề nghiệp",
        _("occupation"),
        ("occupation", "doi tuong"),
        False,
        "choice",
        example="Cán bộ, công chức, viên chức",
        choices=tuple(Occupation),
    ),
    Column(
        "status",
        "Trạng thái sinh hoạt",
        _("status"),
        ("trang thai", "status"),
        False,
        "choice",
        help="Đang sinh hoạt / Miễn công tác và sinh hoạt đảng / Đình chỉ sinh hoạt đảng.",
        example="Đang sinh hoạt",
        choices=tuple(MemberStatusKind),
    ),
    Column(
        "status_from",
        "Ngày bắt đầu trạng thái",
        _("status from"),
        ("trang thai tu ngay", "status from"),
        False,
        "date",
        help="dd/mm/yyyy",
        example="",
    ),
    Column(
        "cell",
        "Mã chi bộ sinh hoạt",
        _("party cell code"),
        ("chi bo", "ma chi bo", "chi bo sinh hoat", "party cell", "cell"),
        False,
        "code",
        help="Mã một chi bộ (chỉ một).",
        example="A1",
    ),
    Column(
        "cell_from",
        "Ngày sinh hoạt tại chi bộ",
        _("in the cell since"),
        ("ngay vao chi bo", "cell from", "in the cell since"),
        False,
        "date",
        help="dd/mm/yyyy",
        example="01/01/2020",
    ),
    Column(
        "residence",
        "Mã chi bộ nơi cư trú",
        _("residence cell code"),
        ("chi bo noi cu tru", "noi cu tru", "residence cell"),
        False,
        "code",
        example="",
    ),
    Column(
        "residence_from",
        "Ngày đăng ký nơi cư trú",
        _("residence since"),
        ("residence from", "residence since"),
        False,
        "date",
        help="dd/mm/yyyy",
        example="",
    ),
    Column(
        "posts",
        "Chức vụ",
        _("posts"),
        ("chuc vu dang", "posts", "chuc danh"),
        False,
        "posts",
        True,
        _POSTS_HELP,
        "A1: Phó bí thư chi bộ (Cấp phó) từ 01/01/2020",
    ),
    Column(
        "collectives",
        "Tập thể lãnh đạo",
        _("leadership collectives"),
        ("tham gia tap the", "cap uy", "collectives"),
        False,
        "posts",
        True,
        _POSTS_HELP,
        "",
    ),
    Column(
        "employment",
        "Công tác tại cơ quan nhà nước",
        _("state employment"),
        ("co quan nha nuoc", "noi cong tac", "employment", "state employment"),
        False,
        "posts",
        True,
        "Như cột Chức vụ; trong ngoặc ghi ngạch: Cán bộ, Công chức, Viên chức, Lao động hợp đồng.",
        "UBA: Chủ tịch UBND xã (Cán bộ) từ 01/01/2021",
    ),
]


class YesNo(models.TextChoices):
    """A yes/no cell of a template (Có / Không)."""

    YES = "yes", _("Yes")
    NO = "no", _("No")


YES_NO_CHOICES = tuple(YesNo)

# The register of discipline and conclusions (``kiemdiem/register``, docs/register.md): one
# row an entry, about a person (by citizen ID) or a unit (by code).
REGISTER_COLUMNS = [
    Column(
        "citizen_id",
        "Số CCCD",
        _("citizen ID"),
        ("cccd", "so cccd", "can cuoc", "citizen id", "so dinh danh"),
        False,
        "digits",
        help="Số căn cước của người bị kỷ luật (12 chữ số). Bỏ trống nếu ghi cho đơn vị.",
        example="001080000123",
    ),
    Column(
        "full_name",
        "Họ và tên",
        _("full name"),
        ("ho ten", "ho va ten", "full name", "name"),
        False,
        "name",
        True,
        "Để đối chiếu: phải khớp với người có số CCCD trên.",
        "Trần Thị Bình",
        case="title",
    ),
    Column(
        "unit_code",
        "Mã đơn vị",
        _("unit code"),
        ("ma don vi", "unit code", "don vi"),
        False,
        "code",
        help="Khi quyết định, kết luận về một tổ chức, cơ quan, tập thể: mã của đơn vị.",
        example="",
    ),
    Column(
        "kind",
        "Loại",
        _("kind"),
        ("loai", "kind", "loai quyet dinh"),
        True,
        "choice",
        help="Quyết định kỷ luật; Kết luận suy thoái…; Kết luận vi phạm những điều đảng viên "
        "không được làm; Kết luận vi phạm trách nhiệm nêu gương; Kết luận kiểm tra, thanh tra; "
        "Để xảy ra tham nhũng, lãng phí, tiêu cực bị xử lý.",
        example="Quyết định kỷ luật",
        choices=tuple(EntryKind),
    ),
    Column(
        "track",
        "Khối",
        _("track"),
        ("khoi", "track", "ben"),
        True,
        "choice",
        help="Đảng hoặc Chính quyền (nhà nước).",
        example="Đảng",
        choices=tuple(EntryTrack),
    ),
    Column(
        "discipline_form",
        "Hình thức kỷ luật",
        _("form of discipline"),
        ("hinh thuc", "hinh thuc ky luat", "discipline"),
        False,
        "choice",
        help="Chỉ với quyết định kỷ luật: Khiển trách, Cảnh cáo, Cách chức, Khai trừ, Giải tán, "
        "Hạ bậc lương, Giáng chức, Buộc thôi việc.",
        example="Khiển trách",
        choices=tuple(DisciplineForm),
    ),
    Column(
        "decided_on",
        "Ngày quyết định",
        _("date of the decision or conclusion"),
        ("ngay", "ngay quyet dinh", "ngay ket luan", "decided on"),
        True,
        "date",
        help="dd/mm/yyyy",
        example="01/09/2025",
    ),
    Column(
        "issuing_body",
        "Cơ quan ban hành",
        _("issued by"),
        ("co quan ban hanh", "noi ban hanh", "issued by"),
        True,
        "name",
        True,
        "Cơ quan, tổ chức ra quyết định, kết luận.",
        "Ủy ban Kiểm tra Đảng ủy xã",
    ),
    Column(
        "document_number",
        "Số văn bản",
        _("document number"),
        ("so van ban", "so quyet dinh", "so", "document number"),
        False,
        "text",
        example="05-QĐ/UBKT",
    ),
    Column(
        "year",
        "Năm vi phạm",
        _("year of the violation"),
        ("nam vi pham", "nam", "year"),
        True,
        "digits",
        example="2025",
    ),
    Column(
        "counted_in_year",
        "Đã tính khi xếp loại năm",
        _("already counted in the rating of"),
        ("da tinh nam", "da tinh khi xep loai nam", "counted in"),
        False,
        "digits",
        help="Chỉ ghi khi vi phạm đã được tính khi xếp loại của năm khác.",
    ),
    Column(
        "self_detected_and_remedied",
        "Tự phát hiện, đã khắc phục",
        _("self-detected and fully remedied"),
        ("tu phat hien", "tu phat hien da khac phuc"),
        False,
        "choice",
        help="Có / Không",
        example="Không",
        choices=YES_NO_CHOICES,
    ),
    Column(
        "duty_related",
        "Liên quan thực hiện nhiệm vụ",
        _("related to carrying out duties"),
        ("lien quan nhiem vu", "lien quan thuc hien nhiem vu"),
        False,
        "choice",
        help="Có / Không",
        example="Không",
        choices=YES_NO_CHOICES,
    ),
    Column(
        "summary",
        "Tóm tắt",
        _("summary"),
        ("tom tat", "noi dung", "summary"),
        False,
        "text",
        True,
        example="Chậm đóng đảng phí 3 tháng.",
    ),
]

COLUMNS = {"units": UNIT_COLUMNS, "people": PEOPLE_COLUMNS, "register": REGISTER_COLUMNS}
SHEET_TITLES = {"units": "Đơn vị", "people": "Nhân sự", "register": "Sổ kỷ luật"}
# The kinds that are also exported (the register is entered, not exported here).
EXPORT_KINDS = ("units", "people")

# Extra words accepted for choices, beside the codes and labels in both languages.
_SYNONYMS = {
    "M": ("nam", "male", "m"),
    "F": ("nu", "female", "f"),
    "head": ("truong", "bi thu", "dung dau"),
    "deputy": ("pho", "pho bi thu"),
    "member": ("uy vien", "thanh vien"),
    "active": ("binh thuong", "sinh hoat"),
    "exempt": ("mien sinh hoat", "mien"),
    "suspended": ("dinh chi",),
    "yes": ("co", "x", "1", "true"),
    "no": ("khong", "0", "false"),
    "party": ("dang",),
    "state": ("chinh quyen", "nha nuoc"),
    # Occupation codes written before people/0003 still name the same occupation.
    **{new.value: (old,) for old, new in FORMER_OCCUPATION_CODES.items()},
}


def choice_map(choices) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for choice in choices:
        names = {choice.value, *(_SYNONYMS.get(choice.value, ()))}
        for lang in ("vi", "en"):
            with translation.override(lang):
                names.add(str(choice.label))
        for name in names:
            mapping[fold_header(name)] = choice.value
    return mapping


def choice_label(choices_enum, value: str) -> str:
    """The Vietnamese label written in exports (re-imports to the same value)."""
    if not value:
        return ""
    with translation.override("vi"):
        return str(choices_enum(value).label)


ROLE_CHOICES = tuple(PostRole)
CATEGORY_CHOICES = tuple(StateCategory)


def match_headers(kind: str, cells: list) -> dict[str, int]:
    """Column key → index in ``cells`` for every recognised header."""
    lookup = {}
    for column in COLUMNS[kind]:
        for name in column.folded_names():
            lookup.setdefault(name, column.key)
    found: dict[str, int] = {}
    legacy = _legacy_readings(cells)
    for index, cell in enumerate(cells):
        key = lookup.get(fold_header(cell)) if cell not in (None, "") else None
        if key is None and index in legacy:
            key = lookup.get(fold_header(legacy[index]))
        if key and key not in found:
            found[key] = index
    return found


def _legacy_readings(cells: list) -> dict[int, str]:
    """Index → Unicode reading of the cells of a header row typed in a legacy encoding.

    The row is judged as one column, like the names under it: a legacy .xls has its headers
    in TCVN3 too ("Giíi tÝnh" is "Giới tính").
    """
    texts = {i: c for i, c in enumerate(cells) if isinstance(c, str) and not c.isascii()}
    if not texts:
        return {}
    verdict = encodings.column_verdict(texts.values())
    return {
        i: v.fixed for i, v in zip(texts, verdict.cells, strict=True) if v.converted and v.fixed
    }
