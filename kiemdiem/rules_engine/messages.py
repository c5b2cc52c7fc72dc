"""Message catalogue (Vietnamese first, English second), keyed by stable code.

The engine cannot use Django's gettext, so user-facing strings live here. Templates use
``str.format`` named placeholders; never build them with f-strings.
"""

from __future__ import annotations

from collections.abc import Mapping

LANGS = ("vi", "en")

CATALOGUE: dict[str, tuple[str, str]] = {
    # Pack errors: the pack cannot be used.
    "rules.E001": (
        "Không đọc được gói quy tắc {path}: {detail}",
        "Cannot read rule pack {path}: {detail}",
    ),
    "rules.E002": (
        "Cấu trúc gói quy tắc sai tại {where}: {detail}",
        "Invalid rule pack structure at {where}: {detail}",
    ),
    "rules.E003": (
        "Tên không xác định '{name}' trong biểu thức của {where}{hint}",
        "Unknown name '{name}' in the expression of {where}{hint}",
    ),
    "rules.E004": (
        "Sai kiểu trong biểu thức của {where}: {detail}",
        "Type error in the expression of {where}: {detail}",
    ),
    "rules.E005": (
        "Lỗi cú pháp trong biểu thức của {where} tại vị trí {pos}: {detail}",
        "Syntax error in the expression of {where} at position {pos}: {detail}",
    ),
    "rules.E006": (
        "Quy tắc {where} không ghi nguồn (văn bản và điều khoản)",
        "Rule {where} has no source (document and clause)",
    ),
    "rules.E007": (
        "Độ tin cậy '{value}' của {where} không hợp lệ; dùng verified, partly_verified hoặc unverified",
        "Confidence '{value}' of {where} is invalid; use verified, partly_verified or unverified",
    ),
    "rules.E008": (
        "Nguồn của {where} trỏ tới văn bản '{doc}' chưa khai báo trong gói",
        "The source of {where} names document '{doc}', which the pack does not declare",
    ),
    "rules.E009": (
        "Mã quy tắc '{rule}' bị trùng trong {where}",
        "Rule id '{rule}' is duplicated in {where}",
    ),
    "rules.E010": (
        "Giá trị '{value}' không hợp lệ cho {where}; cho phép: {allowed}",
        "Value '{value}' is not valid for {where}; allowed: {allowed}",
    ),
    "rules.E011": (
        "Khai báo {where} không hợp lệ: {detail}",
        "Declaration {where} is invalid: {detail}",
    ),
    "rules.E012": (
        "Nhóm chỉ tiêu (quota) {where} không hợp lệ: {detail}",
        "Quota pool {where} is invalid: {detail}",
    ),
    "rules.E013": (
        "Không có gói quy tắc '{pack}'; các gói có sẵn: {allowed}",
        "No rule pack '{pack}'; available packs: {allowed}",
    ),
    "rules.E014": (
        "Loại đối tượng {where} kế thừa vòng hoặc kế thừa loại không tồn tại '{base}'",
        "Subject kind {where} inherits in a cycle or from an unknown kind '{base}'",
    ),
    "rules.E020": (
        "Gói địa phương {where} mở rộng gói '{base}' không tồn tại",
        "Local pack {where} extends an unknown pack '{base}'",
    ),
    "rules.E021": (
        "Gói địa phương không được nới ngưỡng trung ương {param}: {central} → {local} "
        "(ngưỡng này {allowed_vi})",
        "A local pack may not loosen the central threshold {param}: {central} → {local} "
        "({allowed_en})",
    ),
    "rules.E022": (
        "Gói địa phương không được bỏ quy tắc trung ương {rule} ({where})",
        "A local pack may not drop the central rule {rule} ({where})",
    ),
    "rules.E023": (
        "Gói địa phương không được nới tỷ lệ hoặc cách tính chỉ tiêu của nhóm {pool}: {detail}",
        "A local pack may not widen the quota of pool {pool}: {detail}",
    ),
    "rules.E024": (
        "Gói địa phương không được định nghĩa lại quy tắc trung ương {rule} ({where})",
        "A local pack may not redefine the central rule {rule} ({where})",
    ),
    "rules.E025": (
        "Gói địa phương không được thay đổi {what} ({where})",
        "A local pack may not change {what} ({where})",
    ),
    # Input errors: one subject cannot be rated.
    "rules.E101": (
        "Loại đối tượng '{kind}' không có trong gói {pack}; cho phép: {allowed}",
        "Subject kind '{kind}' is not in pack {pack}; allowed: {allowed}",
    ),
    "rules.E102": (
        "Thiếu dữ liệu bắt buộc '{field}' cho đối tượng {subject}",
        "Required value '{field}' is missing for subject {subject}",
    ),
    "rules.E103": (
        "Giá trị của '{field}' (đối tượng {subject}) phải là {expected}, nhận được {value}",
        "The value of '{field}' (subject {subject}) must be {expected}, got {value}",
    ),
    "rules.E104": (
        "Trường '{field}' (đối tượng {subject}) không dùng cho loại {kind} theo gói {pack}{hint}",
        "Field '{field}' (subject {subject}) is not read for kind {kind} under pack {pack}{hint}",
    ),
    "rules.E105": (
        "Giá trị của '{field}' (đối tượng {subject}) ngoài phạm vi cho phép: {detail}",
        "The value of '{field}' (subject {subject}) is out of range: {detail}",
    ),
    "rules.E106": (
        "Kỳ '{period}' không được đánh giá cho loại {kind} theo gói {pack}; cho phép: {allowed}{hint}",
        "Period '{period}' is not rated for kind {kind} under pack {pack}; allowed: {allowed}{hint}",
    ),
    "rules.E107": (
        "Tiêu chí '{criterion}' (đối tượng {subject}) không có trong khung của loại {kind}{hint}",
        "Criterion '{criterion}' (subject {subject}) is not in the frame of kind {kind}{hint}",
    ),
    "rules.E108": (
        "Thiếu mức đánh giá tiêu chí '{criterion}' cho đối tượng {subject}",
        "The level of criterion '{criterion}' is missing for subject {subject}",
    ),
    "rules.E109": (
        "Giá trị '{field}' = {given} (đối tượng {subject}) không khớp với giá trị tính được {derived}",
        "Value '{field}' = {given} (subject {subject}) does not match the computed value {derived}",
    ),
    "rules.E110": (
        "Chưa đủ điều kiện để xếp loại đối tượng {subject}: {rule} — {label}",
        "Subject {subject} cannot be rated yet: {rule} — {label}",
    ),
    "rules.E111": (
        "Dữ liệu đối tượng không hợp lệ: {detail}",
        "Malformed subject: {detail}",
    ),
    "rules.E112": (
        "Quyết định chỉ tiêu không hợp lệ cho nhóm {pool}: {detail}",
        "Invalid quota decision for pool {pool}: {detail}",
    ),
    "rules.E113": (
        "Không đọc được dữ liệu vào {path}: {detail}",
        "Cannot read the input {path}: {detail}",
    ),
    "rules.E114": (
        "Dữ liệu vào {path} trống: không có đối tượng nào để xếp loại (một đối tượng JSON, "
        "một mảng JSON hoặc NDJSON, mỗi dòng một đối tượng)",
        "The input {path} is empty: there is no subject to rate (one JSON object, a JSON array, "
        "or NDJSON with one subject per line)",
    ),
    "rules.E115": (
        "Tỷ lệ đảng viên HTXSNV '{value}' không hợp lệ: ghi 0.25, 25% hoặc 3/12, có thể kèm "
        "mã nhóm (POOL_KEY=0.25), trong khoảng 0 đến 1",
        "Party HTXSNV share '{value}' is invalid: write 0.25, 25% or 3/12, optionally with a "
        "pool key (POOL_KEY=0.25), between 0 and 1",
    ),
    "rules.E116": (
        "Dòng {line}: không đọc được JSON — {what_vi}",
        "Line {line}: not valid JSON — {what_en}",
    ),
    "rules.E117": (
        "Dòng {line}: không phải văn bản UTF-8 (byte 0x{byte} ở vị trí {pos}); hãy lưu tệp "
        "dưới dạng UTF-8",
        "Line {line}: not UTF-8 text (byte 0x{byte} at position {pos}); save the file as UTF-8",
    ),
    # Warnings about a pack.
    "rules.W001": (
        "{count} quy tắc chưa được kiểm chứng (unverified) — cần đối chiếu văn bản gốc",
        "{count} rules are unverified — check them against the official text",
    ),
    # Flags on results: the competent level must look.
    "rules.F001": (
        "Vượt chỉ tiêu HTXSNV ở “{pool}”: {count} đề xuất, tối đa {allowed} "
        "({share} × {denominator} người/tổ chức HTTNV); đề xuất thứ tự, cấp có thẩm quyền quyết định",
        "HTXSNV quota exceeded in “{pool}”: {count} proposed, at most {allowed} "
        "({share} × {denominator} rated HTTNV); a ranking is proposed, the competent level decides",
    ),
    "rules.F002": (
        "Điểm/tiêu chí không khớp điều kiện của mức nào — cấp có thẩm quyền quyết định (quy định không nêu)",
        "No tier's conditions all hold — the competent level decides (the text does not say)",
    ),
    "rules.F003": (
        "Chưa có “{field}” nên chưa áp dụng giới hạn “{rule}”",
        "“{field}” is not known, so the cap “{rule}” was not applied",
    ),
    "rules.F004": (
        "Người {person} được xếp loại khác nhau ở {count} nơi: {tiers} — cấp có thẩm quyền quyết định",
        "Person {person} has different ratings in {count} places: {tiers} — the competent level decides",
    ),
    "rules.F005": (
        "Chưa đủ kết quả xếp loại quý I–III để đề xuất xếp loại cuối năm",
        "The Q1–Q3 ratings needed for the year-end proposal are incomplete",
    ),
    "rules.F006": (
        "Tỷ lệ HTXSNV bên chính quyền ({state_share}) vượt tỷ lệ đảng viên HTXSNV ({party_share}) "
        "ở “{pool}” (NĐ 48/2023); tối đa {allowed}",
        "State HTXSNV share ({state_share}) exceeds the party-member HTXSNV share ({party_share}) "
        "in “{pool}” (NĐ 48/2023); at most {allowed}",
    ),
    "rules.F007": (
        "Kết quả dựa vào quy định chưa được đối chiếu với văn bản gốc: “{rule}” — cần đối chiếu",
        "The result rests on a rule not yet checked against the official text: “{rule}” — to be "
        "checked",
    ),
    "rules.F008": (
        "Áp dụng tỷ lệ ngoại lệ {share} cho tổ chức có thành tích nổi bật ở “{pool}”",
        "Exception share {share} applied for an outstanding organization in “{pool}”",
    ),
    "rules.F009": (
        "Cần xem xét: {rule}",
        "To be looked at: {rule}",
    ),
    "rules.F010": (
        "Chưa kiểm tra quy định của NĐ 48/2023 (tỷ lệ HTXSNV không vượt tỷ lệ đảng viên HTXSNV "
        "cùng cơ quan, nhóm) ở “{pool}” vì chưa có tỷ lệ đảng viên HTXSNV — cần nhập để "
        "kiểm tra (áp dụng cho năm đánh giá từ 2023)",
        "The NĐ 48/2023 rule (state HTXSNV share ≤ the party-member HTXSNV share in the same "
        "unit and group) was not checked in “{pool}”: the party share was not given — give "
        "it to check (review years from 2023)",
    ),
    "rules.F011": (
        "Chưa thể đạt mức {tier} vì còn thiếu: {fields}",
        "{tier} is out of reach because these are missing: {fields}",
    ),
    "rules.F012": (
        "Có kỷ luật trong năm nhưng chưa nêu vi phạm có liên quan đến thực hiện nhiệm vụ hay "
        "không: chưa tính là trường hợp Không hoàn thành nhiệm vụ — cần xác định",
        "Disciplined in the year, but whether the violation is duty-related was not stated: "
        "not counted as a case of Did not complete tasks — to be confirmed",
    ),
    "quota.reading.httnv": (
        "Số HTXSNV tối đa = tỷ lệ × số được xếp loại HTTNV (không tính người đề xuất HTXSNV "
        "bị hạ xuống; cách hiểu mặc định, mục 15.2)",
        "Most HTXSNV = share × those rated HTTNV (candidates moved down are not counted; the "
        "default reading, §15.2)",
    ),
    "quota.reading.httnv_incl_demoted": (
        "Số HTXSNV tối đa = tỷ lệ × số HTTNV sau quyết định (tính cả người đề xuất HTXSNV bị "
        "hạ xuống HTTNV; cách hiểu thay thế)",
        "Most HTXSNV = share × those HTTNV after the decision (candidates moved down to HTTNV "
        "count too; the alternative reading)",
    ),
    "quota.reading.httnv_or_above": (
        "Số HTXSNV tối đa = tỷ lệ × số được xếp loại từ HTTNV trở lên",
        "Most HTXSNV = share × those rated HTTNV or above",
    ),
    "quota.reading.uncertain": (
        "Văn bản chưa nói rõ cách tính mẫu số và cách làm tròn; cách tính đang dùng là thiết "
        "lập của gói quy tắc, cấp có thẩm quyền có thể chọn cách khác",
        "The texts leave the denominator and the rounding unclear; the reading in force is a "
        "rule-pack setting, and the competent level may choose the other",
    ),
    # Trace phrases.
    "trace.held": ("thỏa mãn", "holds"),
    "trace.failed": ("không thỏa mãn", "does not hold"),
    "trace.unknown": ("không xác định (thiếu dữ liệu)", "unknown (missing value)"),
    "trace.stage.require": ("Điều kiện trước", "Prerequisite"),
    "trace.stage.exemption": ("Miễn đánh giá", "Exemption"),
    "trace.stage.trigger": ("Trường hợp KHTNV", "KHTNV trigger"),
    "trace.stage.tier": ("Điều kiện mức {tier}", "Condition for {tier}"),
    "trace.stage.cap": ("Giới hạn", "Cap"),
    "trace.stage.check": ("Kiểm tra", "Check"),
    "trace.stage.quota": ("Chỉ tiêu", "Quota"),
    "trace.stage.derive": ("Tính toán", "Computed"),
    "trace.cap.applied": (
        "hạ từ {before} xuống {after} (không vượt {field} = {cap})",
        "lowered from {before} to {after} (may not exceed {field} = {cap})",
    ),
    "trace.cap.not_needed": (
        "không cần hạ ({before} ≤ {field} = {cap})",
        "not needed ({before} ≤ {field} = {cap})",
    ),
    "trace.cap.skipped": ("không áp dụng", "not applicable"),
    "trace.products": (
        "Tính số lượng, chất lượng, tiến độ từ {count} sản phẩm ({done_units}/{total_units} đơn vị "
        "chuẩn hoàn thành): trừ {deduction}% cho mỗi lần không đạt ({failed}) và mỗi lần chậm "
        "({delays}); {excused} sản phẩm có nguyên nhân khách quan được xác nhận không bị trừ",
        "Quantity, quality and progress from {count} products ({done_units}/{total_units} "
        "standard units done): −{deduction}% per failed assessment ({failed}) and per delay "
        "({delays}); {excused} products with a confirmed objective cause are not deducted",
    ),
    "trace.quota.keep": (
        "xếp thứ {rank} trong số đề xuất HTXSNV, trong chỉ tiêu tối đa {allowed}: đề xuất giữ",
        "ranked {rank} among the HTXSNV candidates, within the {allowed} allowed: proposed to keep",
    ),
    "trace.quota.demote": (
        "xếp thứ {rank} trong số đề xuất HTXSNV, vượt chỉ tiêu tối đa {allowed}: đề xuất hạ "
        "xuống HTTNV, cấp có thẩm quyền quyết định",
        "ranked {rank} among the HTXSNV candidates, beyond the {allowed} allowed: proposed to "
        "move down to HTTNV, the competent level decides",
    ),
    "trace.quota.decided": (
        "cấp có thẩm quyền quyết định hạ từ HTXSNV xuống HTTNV",
        "the competent level moved it down from HTXSNV to HTTNV",
    ),
    "explain.header": (
        "{subject} — {kind}; theo {pack} (phiên bản {version})",
        "{subject} — {kind}; under {pack} (version {version})",
    ),
    "explain.conditions": ("Các điều kiện đã xem xét", "Conditions considered"),
    "explain.not_given": ("chưa nhập", "not given"),
    "explain.yes": ("có", "yes"),
    "explain.no": ("không", "no"),
    "explain.codes": (
        "Chi tiết kỹ thuật: gói {pack} {version} ({hash}); loại {kind}; quy tắc quyết định "
        "{rule}; mã lưu ý {flags}",
        "Technical details: pack {pack} {version} ({hash}); kind {kind}; deciding rule {rule}; "
        "flag codes {flags}",
    ),
    "level.XS": ("Xuất sắc", "Excellent"),
    "level.T": ("Tốt", "Good"),
    "level.TB": ("Trung bình", "Average"),
    "level.K": ("Kém", "Poor"),
    "discipline.NONE": ("không", "none"),
    "discipline.KHIEN_TRACH": ("khiển trách", "reprimand"),
    "discipline.CANH_CAO": ("cảnh cáo", "warning"),
    "discipline.CACH_CHUC": ("cách chức", "dismissal from post"),
    "discipline.KHAI_TRU": ("khai trừ", "expulsion"),
    "group.all": ("các tiêu chí", "the criteria"),
    "group.basic": ("các tiêu chí cơ bản", "the basic criteria"),
    "group.general": ("các tiêu chí chung", "the general criteria"),
    "group.key": ("các tiêu chí trọng tâm", "the key criteria"),
    "group.other": ("các tiêu chí còn lại", "the other criteria"),
    "group.political_task": (
        "các tiêu chí thực hiện nhiệm vụ chính trị",
        "the political-task criteria",
    ),
    "group.task": ("các tiêu chí kết quả nhiệm vụ", "the task-result criteria"),
    "call.min_level": ("Mức thấp nhất của {what}", "Lowest level of {what}"),
    "call.max_level": ("Mức cao nhất của {what}", "Highest level of {what}"),
    "call.count_at_least": ("Số {what} từ {arg} trở lên", "Number of {what} at {arg} or above"),
    "call.total": ("Tổng số {what}", "Total of {what}"),
    "call.share_at_least": (
        "Tỷ lệ {what} từ {arg} trở lên đạt {ratio}",
        "Share of {what} at {arg} or above reaches {ratio}",
    ),
    "call.has": ("Đã có {what}", "{what} given"),
    "explain.result.rated": ("Kết quả: {tier}", "Result: {tier}"),
    "explain.result.not_rated": ("Kết quả: không xếp loại", "Result: not rated"),
    "explain.result.undetermined": (
        "Kết quả: chưa xác định — cấp có thẩm quyền quyết định",
        "Result: undetermined — the competent level decides",
    ),
    "explain.decided_by": ("Căn cứ: {rule} — {source}", "Grounds: {rule} — {source}"),
    "explain.source": ("căn cứ", "source"),
    "explain.flags": ("Lưu ý", "Flags"),
    # Labels of tiers and levels.
    "tier.HTXSNV": ("Hoàn thành xuất sắc nhiệm vụ", "Completed tasks excellently"),
    "tier.HTTNV": ("Hoàn thành tốt nhiệm vụ", "Completed tasks well"),
    "tier.HTNV": ("Hoàn thành nhiệm vụ", "Completed tasks"),
    "tier.KHTNV": ("Không hoàn thành nhiệm vụ", "Did not complete tasks"),
    "confidence.verified": ("đã đối chiếu", "checked"),
    "confidence.partly_verified": ("mới đối chiếu một phần", "partly checked"),
    "confidence.unverified": (
        "chưa đối chiếu văn bản gốc, có thể điều chỉnh",
        "not yet checked against the official text, adjustable",
    ),
}


def message(code: str, lang: str = "vi", params: Mapping[str, object] | None = None) -> str:
    """Render the catalogue entry ``code`` in ``lang`` with ``params``."""
    vi, en = CATALOGUE[code]
    template = en if lang == "en" else vi
    if not params:
        return template
    # A parameter given in both languages ("rule_vi", "rule_en") is shown as "{rule}", in
    # words, in place of its code.
    suffix = "_en" if lang == "en" else "_vi"
    params = {
        **params,
        **{k[: -len(suffix)]: v for k, v in params.items() if k.endswith(suffix)},
    }
    try:
        return template.format(**params)
    except (KeyError, IndexError):  # pragma: no cover - a catalogue bug, never user input
        return template + " " + repr(dict(params))
