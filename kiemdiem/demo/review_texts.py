"""What the demo's self-reviews say: small phrase lists combined at random, per section.

Each text section is two or three sentences, one picked from each slot; products and
shortcomings are picked from lists by the kind of work the person does (``work_group``).
Only ``random.Random`` passed in decides anything, so the same seed writes the same words.
"""

from __future__ import annotations

import random

# --- the person's kind of work -------------------------------------------------------------

OFFICE, TEACHER, HEALTH, FARMER, RETIRED, ENTERPRISE, OTHER = (
    "office",
    "teacher",
    "health",
    "farmer",
    "retired",
    "enterprise",
    "other",
)


def sentences(rng: random.Random, slots: list[list[str]]) -> str:
    return " ".join(rng.choice(slot) for slot in slots if slot)


def pick(rng: random.Random, items: list[str], low: int, high: int) -> list[str]:
    return rng.sample(items, min(len(items), rng.randint(low, high)))


# --- individuals ---------------------------------------------------------------------------

TU_TUONG = [
    [
        "Luôn kiên định mục tiêu, lý tưởng độc lập dân tộc và chủ nghĩa xã hội; tuyệt đối trung thành với Đảng.",
        "Có lập trường tư tưởng vững vàng, tin tưởng vào sự lãnh đạo của Đảng và công cuộc đổi mới.",
        "Chấp hành nghiêm chủ trương, đường lối của Đảng, chính sách, pháp luật của Nhà nước.",
    ],
    [
        "Tham gia đầy đủ các buổi học tập, quán triệt nghị quyết, chỉ thị của Đảng do cấp ủy tổ chức.",
        "Thường xuyên tự học tập, nghiên cứu các văn bản của Đảng và Nhà nước, nhất là các nghị quyết mới.",
        "Tích cực tham gia đấu tranh, phản bác các quan điểm sai trái, thù địch trên không gian mạng.",
    ],
    [
        "Không dao động trước những khó khăn, thử thách; không có biểu hiện suy thoái về tư tưởng chính trị.",
        "Đồng thuận và chấp hành nghiêm việc sắp xếp tổ chức bộ máy, chính quyền địa phương hai cấp.",
        "",
    ],
]

DAO_DUC = [
    [
        "Có lối sống giản dị, trung thực, lành mạnh; đoàn kết, giúp đỡ đồng chí, đồng nghiệp.",
        "Giữ gìn phẩm chất đạo đức, lối sống trong sáng; không vi phạm những điều đảng viên không được làm.",
        "Tích cực học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh gắn với nhiệm vụ được giao.",
    ],
    [
        "Gương mẫu trong gia đình và nơi cư trú; gia đình chấp hành tốt chủ trương của Đảng, pháp luật của Nhà nước.",
        "Gần gũi, lắng nghe ý kiến của nhân dân; không có biểu hiện quan liêu, hách dịch.",
        "Thực hành tiết kiệm, chống lãng phí; không có biểu hiện tham nhũng, tiêu cực.",
    ],
]

KY_LUAT = [
    [
        "Chấp hành nghiêm Điều lệ Đảng, nguyên tắc tập trung dân chủ, tự phê bình và phê bình.",
        "Chấp hành sự phân công của tổ chức; thực hiện đúng quy chế làm việc của cơ quan, đơn vị.",
        "Thực hiện nghiêm các quy định của Đảng, của chi bộ và nơi công tác.",
    ],
    [
        "Sinh hoạt chi bộ đầy đủ, đóng đảng phí đúng quy định.",
        "Tham gia đầy đủ sinh hoạt chi bộ, đóng đảng phí đầy đủ, đúng thời hạn.",
        "Thực hiện tốt Quy định số 213-QĐ/TW về trách nhiệm của đảng viên đang công tác giữ mối liên hệ với nơi cư trú.",
    ],
    [
        "Trong năm không vi phạm kỷ luật.",
        "Thẳng thắn góp ý xây dựng chi bộ, đồng chí trong sinh hoạt.",
        "",
    ],
]

TAC_PHONG = [
    [
        "Có tác phong làm việc khoa học, dân chủ, đúng giờ giấc.",
        "Làm việc có kế hoạch, chủ động, sáng tạo; phối hợp tốt với đồng nghiệp.",
    ],
    [
        "Lịch sự, văn minh trong giao tiếp với nhân dân và đồng nghiệp.",
        "Tích cực ứng dụng công nghệ thông tin, chuyển đổi số trong công việc.",
    ],
]

LANH_DAO = [
    [
        "Lãnh đạo, chỉ đạo lĩnh vực phụ trách hoàn thành các chỉ tiêu chủ yếu của năm.",
        "Chỉ đạo cơ quan, đơn vị hoàn thành tốt nhiệm vụ chính trị được giao.",
        "Đề ra giải pháp kịp thời, tháo gỡ khó khăn trong lĩnh vực, địa bàn phụ trách.",
    ],
    [
        "Giữ vững đoàn kết nội bộ; phát huy dân chủ, trí tuệ tập thể.",
        "Thực hiện tốt quy chế dân chủ ở cơ sở; quan tâm đời sống cán bộ, nhân viên.",
        "Có khả năng tập hợp, quy tụ, đoàn kết cán bộ; nêu gương trong công việc.",
    ],
]

NOI_CU_TRU = [
    [
        "Tham gia đầy đủ các hoạt động của thôn, tổ dân phố và các đoàn thể nơi cư trú.",
        "Gương mẫu thực hiện nghĩa vụ công dân, nộp các khoản đóng góp đầy đủ.",
        "Tích cực tham gia phong trào xây dựng nông thôn mới, đô thị văn minh.",
    ],
    [
        "Vận động bà con giữ gìn vệ sinh môi trường, an ninh trật tự ở khu dân cư.",
        "Tham gia hòa giải mâu thuẫn trong cộng đồng, giúp đỡ hộ khó khăn.",
        "Gia đình đạt danh hiệu gia đình văn hóa.",
    ],
]

GIAI_TRINH = [
    "Không có vấn đề được gợi ý kiểm điểm.",
    "Trong năm không có vấn đề được cấp trên gợi ý kiểm điểm.",
    "Không có.",
]

DOI_MOI = [
    [
        "Chủ động đề xuất cách làm mới trong công việc được giao.",
        "Có tinh thần đổi mới, sáng tạo, dám nghĩ, dám làm vì lợi ích chung.",
    ],
    [
        "Đã đề xuất một sáng kiến cải tiến quy trình, được áp dụng tại đơn vị.",
        "Tích cực ứng dụng chuyển đổi số để giải quyết công việc nhanh hơn.",
    ],
]

TU_PHE_BINH = [
    [
        "Thẳng thắn tự phê bình và phê bình, không nể nang, né tránh.",
        "Nghiêm túc tự soi, tự sửa; tiếp thu ý kiến góp ý của chi bộ và quần chúng.",
    ],
    [
        "Đã khắc phục các hạn chế được chỉ ra ở kỳ kiểm điểm trước.",
        "Có kế hoạch cụ thể khắc phục những hạn chế còn tồn tại.",
    ],
]

TRACH_NHIEM = [
    "Tập thể chịu trách nhiệm chung về các hạn chế đã nêu; đồng chí bí thư, người đứng đầu chịu trách nhiệm chính; các đồng chí phụ trách từng lĩnh vực chịu trách nhiệm về hạn chế trong lĩnh vực mình phụ trách.",
    "Trách nhiệm thuộc về tập thể lãnh đạo và người đứng đầu trong việc chỉ đạo, đôn đốc thực hiện các chỉ tiêu chưa đạt.",
]

TRACH_NHIEM_TAP_THE = [
    "Là thành viên tập thể lãnh đạo, bản thân chịu trách nhiệm về những hạn chế của tập thể trong lĩnh vực được phân công.",
    "Bản thân có phần trách nhiệm về việc một số chỉ tiêu của tập thể hoàn thành chậm so với kế hoạch.",
    "Không có hạn chế của tập thể liên quan đến lĩnh vực bản thân phụ trách.",
]

PHUONG_HUONG = [
    [
        "Tiếp tục rèn luyện, tu dưỡng phẩm chất chính trị, đạo đức, lối sống.",
        "Tiếp tục phát huy ưu điểm, khắc phục hạn chế đã chỉ ra.",
    ],
    [
        "Tăng cường tự học tập, nâng cao trình độ chuyên môn, nghiệp vụ.",
        "Xây dựng kế hoạch công tác cụ thể, phấn đấu hoàn thành xuất sắc nhiệm vụ năm tới.",
        "Tham gia đầy đủ, có chất lượng sinh hoạt chi bộ và sinh hoạt nơi cư trú.",
    ],
]

TU_NHAN_XET = [
    [
        "Ưu điểm: chấp hành tốt chủ trương, chính sách; hoàn thành các nhiệm vụ được giao.",
        "Ưu điểm: có tinh thần trách nhiệm, nhiệt tình trong công việc.",
    ],
    [
        "Hạn chế: có lúc chưa chủ động đề xuất giải pháp mới.",
        "Hạn chế: việc ứng dụng công nghệ thông tin còn chưa thành thạo.",
        "Hạn chế: một số việc hoàn thành còn chậm so với kế hoạch.",
    ],
]

CHECKLIST_EXPLANATION = [
    "Bản thân không có biểu hiện nào.",
    "Đã tự liên hệ, bản thân không có biểu hiện suy thoái.",
    "Không có biểu hiện; luôn tự soi, tự sửa.",
]
PROHIBITION_EXPLANATION = [
    "Bản thân không vi phạm.",
    "Không vi phạm những điều đảng viên không được làm.",
    "Đã tự liên hệ, không vi phạm.",
]

NHIEM_VU_INTRO = [
    "Hoàn thành các nhiệm vụ được giao trong năm, bảo đảm tiến độ và chất lượng.",
    "Thực hiện đầy đủ chức trách, nhiệm vụ theo kế hoạch của cơ quan, chi bộ.",
    "Các nhiệm vụ được giao cơ bản hoàn thành; một số việc hoàn thành vượt mức.",
]

PRODUCTS = {
    OFFICE: [
        ("Văn bản tham mưu trình lãnh đạo", "{n} văn bản, đúng hạn"),
        ("Hồ sơ thủ tục hành chính được giải quyết", "{n} hồ sơ, không quá hạn"),
        ("Báo cáo chuyên đề của lĩnh vực phụ trách", "{k} báo cáo, được đánh giá tốt"),
        ("Dự thảo kế hoạch triển khai nghị quyết", "{k} kế hoạch, ban hành đúng tiến độ"),
        ("Cập nhật dữ liệu lên hệ thống quản lý văn bản điện tử", "100% văn bản đi, đến"),
        ("Tham gia đoàn kiểm tra, giám sát", "{k} cuộc"),
    ],
    TEACHER: [
        ("Tiết dạy theo kế hoạch", "{n} tiết, đạt yêu cầu"),
        ("Học sinh đạt giải học sinh giỏi cấp tỉnh, cấp xã", "{k} học sinh"),
        ("Sáng kiến kinh nghiệm", "{k} sáng kiến, được công nhận cấp trường"),
        ("Tỷ lệ học sinh lớp chủ nhiệm lên lớp", "{p}%"),
        ("Bài giảng điện tử", "{k} bài"),
    ],
    HEALTH: [
        ("Lượt khám, chữa bệnh", "{n} lượt, không có sai sót chuyên môn"),
        ("Tiêm chủng mở rộng cho trẻ em", "{p}% trẻ trong độ tuổi"),
        ("Truyền thông phòng, chống dịch bệnh", "{k} buổi"),
        ("Hồ sơ sức khỏe điện tử được cập nhật", "{n} hồ sơ"),
    ],
    FARMER: [
        ("Mô hình trồng cây ăn quả của gia đình", "thu nhập khoảng {k}0 triệu đồng/năm"),
        ("Vận động hộ dân hiến đất làm đường nông thôn", "{k} hộ"),
        ("Tham gia ngày công làm đường, kênh mương", "{k} ngày công"),
        ("Chăn nuôi gia súc, gia cầm theo hướng an toàn sinh học", "quy mô {n} con"),
        ("Đóng góp quỹ đền ơn đáp nghĩa, quỹ vì người nghèo", "đầy đủ"),
    ],
    RETIRED: [
        ("Tham gia sinh hoạt Hội Người cao tuổi, Hội Cựu chiến binh", "đầy đủ"),
        ("Hòa giải mâu thuẫn ở khu dân cư", "{k} vụ, thành công"),
        ("Tuyên truyền, vận động con cháu chấp hành pháp luật", "thường xuyên"),
        ("Giúp đỡ hộ khó khăn trong thôn", "{k} hộ"),
        ("Tham gia góp ý dự thảo văn kiện, văn bản của cấp ủy", "{k} lần"),
    ],
    ENTERPRISE: [
        ("Sản phẩm hoàn thành theo kế hoạch của tổ, phân xưởng", "{p}% kế hoạch"),
        ("Sáng kiến cải tiến kỹ thuật", "{k} sáng kiến, làm lợi cho doanh nghiệp"),
        ("Bảo đảm an toàn lao động", "không để xảy ra sự cố"),
        ("Kèm cặp công nhân mới", "{k} người"),
    ],
    OTHER: [
        ("Công việc chuyên môn tại nơi làm việc", "hoàn thành {p}% kế hoạch"),
        ("Tham gia hoạt động tình nguyện, an sinh xã hội", "{k} lần"),
        ("Vận động gia đình, người thân chấp hành pháp luật", "thường xuyên"),
    ],
}

LEADER_PRODUCTS = [
    ("Chỉ tiêu kinh tế - xã hội của lĩnh vực phụ trách", "đạt và vượt {met}/{of} chỉ tiêu"),
    ("Chủ trì hội nghị, làm việc với cơ sở", "{n} buổi"),
    ("Giải quyết đơn thư, kiến nghị của công dân", "{n} đơn, đúng hạn"),
    ("Chỉ đạo sắp xếp tổ chức bộ máy", "hoàn thành đúng lộ trình"),
    ("Tiếp công dân định kỳ", "{k} buổi/tháng"),
]

# --- collectives and organizations ---------------------------------------------------------

CELL_PRODUCTS = [
    ("Sinh hoạt chi bộ thường kỳ", "12/12 kỳ, có nội dung chuyên đề"),
    ("Kết nạp đảng viên mới", "{k} đồng chí"),
    ("Thu, nộp đảng phí", "100%, đúng quy định"),
    ("Hộ gia đình đạt danh hiệu gia đình văn hóa", "{p}%"),
    ("Kiểm tra, giám sát đảng viên", "{k} đồng chí, không phát hiện vi phạm"),
    ("Đóng góp xây dựng công trình công cộng của thôn", "{k}0 triệu đồng"),
]
COMMITTEE_PRODUCTS = [
    ("Chỉ tiêu nghị quyết đại hội và nghị quyết năm", "đạt và vượt {met}/{of} chỉ tiêu"),
    ("Tổng thu ngân sách trên địa bàn", "đạt {p}% dự toán"),
    ("Kết nạp đảng viên mới", "{n} đồng chí"),
    ("Cuộc kiểm tra, giám sát của cấp ủy và ủy ban kiểm tra", "{k} cuộc"),
    ("Hồ sơ thủ tục hành chính giải quyết trực tuyến", "{p}%"),
    ("Chi bộ trực thuộc được xếp loại hoàn thành tốt nhiệm vụ trở lên", "{p}%"),
]
AGENCY_PRODUCTS = [
    ("Nhiệm vụ trong chương trình công tác năm", "hoàn thành {p}%"),
    ("Thủ tục hành chính giải quyết đúng hạn", "{p}%"),
    ("Văn bản quy phạm, kế hoạch được ban hành", "{k} văn bản"),
    ("Giải ngân vốn đầu tư công", "đạt {p}% kế hoạch"),
]

TAP_THE_INTRO = [
    "Tập thể đã lãnh đạo, chỉ đạo hoàn thành các nhiệm vụ chính trị trọng tâm của năm.",
    "Bám sát nghị quyết của cấp trên, tập thể đã cụ thể hóa bằng chương trình, kế hoạch sát thực tế.",
    "Trong năm, tập thể lãnh đạo thực hiện đạt và vượt phần lớn chỉ tiêu đề ra.",
]
XAY_DUNG_DANG = [
    [
        "Công tác giáo dục chính trị, tư tưởng được quan tâm; tổ chức học tập, quán triệt nghị quyết đầy đủ.",
        "Thực hiện nghiêm việc học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh.",
    ],
    [
        "Công tác tổ chức, cán bộ thực hiện đúng quy trình; chú trọng phát triển đảng viên mới.",
        "Nâng cao chất lượng sinh hoạt chi bộ; đổi mới nội dung sinh hoạt chuyên đề.",
    ],
    [
        "Công tác kiểm tra, giám sát được thực hiện theo chương trình, không để phát sinh điểm nóng.",
        "Công tác dân vận được tăng cường; giữ vững mối quan hệ mật thiết với nhân dân.",
    ],
]
TAP_TRUNG_DAN_CHU = [
    [
        "Thực hiện nghiêm nguyên tắc tập trung dân chủ, quy chế làm việc của cấp ủy.",
        "Các chủ trương lớn đều được tập thể bàn bạc, quyết định theo đa số.",
    ],
    [
        "Nội bộ đoàn kết, thống nhất; không có đơn thư khiếu nại vượt cấp.",
        "Phát huy vai trò của người đứng đầu gắn với trách nhiệm của tập thể.",
    ],
]
UNIT_SHORTCOMINGS = [
    "Chất lượng sinh hoạt chi bộ có lúc chưa cao, nội dung còn chung chung.",
    "Công tác phát triển đảng viên chưa đạt chỉ tiêu đề ra.",
    "Việc kiểm tra, giám sát thực hiện nghị quyết có nơi chưa thường xuyên.",
    "Một số chỉ tiêu kinh tế - xã hội hoàn thành chậm so với kế hoạch.",
    "Công tác nắm bắt tình hình tư tưởng đảng viên, nhân dân có lúc chưa kịp thời.",
    "Ứng dụng công nghệ thông tin trong công tác đảng còn hạn chế.",
    "Thu nộp đảng phí ở một số chi bộ còn chậm.",
]
UNIT_PHUONG_HUONG = [
    [
        "Tiếp tục nâng cao chất lượng sinh hoạt chi bộ, năng lực lãnh đạo và sức chiến đấu của tổ chức đảng.",
        "Tập trung lãnh đạo hoàn thành các chỉ tiêu nghị quyết năm tới.",
    ],
    [
        "Tăng cường kiểm tra, giám sát; kịp thời khắc phục hạn chế đã chỉ ra.",
        "Chú trọng phát triển đảng viên trong đoàn viên thanh niên, người lao động.",
    ],
]

# --- shortcomings and remedies -------------------------------------------------------------

SHORTCOMINGS = [
    "Việc nghiên cứu, học tập nghị quyết có lúc chưa sâu.",
    "Có lúc chưa mạnh dạn phê bình, góp ý trong sinh hoạt chi bộ.",
    "Tham gia sinh hoạt nơi cư trú chưa thường xuyên.",
    "Một số nhiệm vụ hoàn thành còn chậm so với kế hoạch.",
    "Ứng dụng công nghệ thông tin trong công việc còn hạn chế.",
    "Tinh thần tự học, nâng cao trình độ chưa thường xuyên.",
    "Việc tuyên truyền, vận động gia đình, người thân có lúc chưa thường xuyên.",
    "Có lúc còn nể nang trong tự phê bình và phê bình.",
    "Việc nắm bắt tình hình tư tưởng của quần chúng nơi cư trú chưa kịp thời.",
    "Phối hợp với đồng nghiệp trong công việc chung có lúc chưa chặt chẽ.",
    "Chưa chủ động đề xuất giải pháp mới trong lĩnh vực được giao.",
]
REMEDIES_DONE = [
    "Đã xây dựng kế hoạch tự học, tham gia đầy đủ các buổi học tập nghị quyết.",
    "Đã khắc phục; trong năm tham gia đầy đủ, có ý kiến xây dựng trong sinh hoạt.",
    "Đã khắc phục, được chi bộ ghi nhận.",
    "Đã sắp xếp công việc khoa học hơn, hoàn thành nhiệm vụ đúng hạn.",
    "Đã tham gia lớp bồi dưỡng kỹ năng số, sử dụng thành thạo phần mềm.",
]
REMEDIES_PARTLY = [
    "Đã có chuyển biến nhưng chưa thật rõ nét; tiếp tục khắc phục.",
    "Đang khắc phục, một số việc còn chậm.",
    "Bước đầu có tiến bộ, cần tiếp tục cố gắng.",
]

# --- sending back, amending, plans ---------------------------------------------------------

RETURN_COMMENTS = [
    "Đề nghị đồng chí bổ sung sản phẩm cụ thể, có số liệu minh chứng.",
    "Phần liên hệ 27 biểu hiện suy thoái còn chung chung, đề nghị làm rõ.",
    "Mức tự xếp loại chưa phù hợp với điểm tự chấm, đề nghị xem lại.",
    "Đề nghị nêu rõ kết quả khắc phục hạn chế đã được chỉ ra năm trước.",
]
AMENDMENT_REASONS = [
    "Bổ sung sản phẩm cụ thể theo góp ý của chi bộ.",
    "Điều chỉnh điểm tự chấm sau khi đối chiếu kết quả nhiệm vụ.",
]
RATING_NOTES = {
    "HTXSNV": "Thống nhất với đề nghị của chi bộ, cấp ủy.",
    "HTTNV": "",
    "HTNV": "Còn một số nhiệm vụ hoàn thành chậm.",
    "KHTNV": "Không hoàn thành các chỉ tiêu chủ yếu được giao.",
}
STATE_RATING_NOTE = "Thủ trưởng cơ quan, đơn vị đánh giá, xếp loại."

PROVINCE_GUIDANCE = (
    "Thực hiện Hướng dẫn của Ban Tổ chức Trung ương về kiểm điểm, đánh giá, xếp loại chất lượng "
    "tổ chức đảng, đảng viên và tập thể, cá nhân cán bộ lãnh đạo, quản lý các cấp năm {year}. "
    "Các cấp ủy trực thuộc ban hành kế hoạch của cấp mình trong khung thời gian của Tỉnh ủy; "
    "kiểm điểm tập thể trước, cá nhân sau; xếp loại cán bộ, công chức, viên chức trước khi "
    "xếp loại đảng viên."
)
COMMUNE_GUIDANCE = [
    "Chi bộ trực thuộc tổ chức kiểm điểm xong trước hội nghị của Đảng ủy; gửi hồ sơ về Văn phòng Đảng ủy.",
    "Các chi bộ thôn, tổ dân phố gắn kiểm điểm với đánh giá kết quả thực hiện nghị quyết năm; đảng viên nộp bản kiểm điểm trước kỳ sinh hoạt.",
    "Bí thư chi bộ chịu trách nhiệm đôn đốc đảng viên hoàn thành bản tự kiểm điểm đúng hạn.",
]


def products(rng: random.Random, rows: list[tuple[str, str]], low: int = 2, high: int = 4):
    chosen = rng.sample(rows, min(len(rows), rng.randint(low, high)))
    rows = []
    for name, result in chosen:
        of = rng.randint(18, 25)
        values = {
            "n": rng.randint(12, 180),
            "k": rng.randint(2, 9),
            "p": rng.choice([85, 90, 92, 95, 98, 100]),
            "of": of,
            "met": of - rng.randint(0, 3),
        }
        rows.append({"name": name, "result": result.format(**values)})
    return rows
