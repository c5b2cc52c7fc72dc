"""Planning the provincial level: the committee, its collectives, the agencies' party
organizations (and the bloc committee split on 1/2/2025), the People's Committee and its
departments, the Front and the mass organizations, and their people."""

from __future__ import annotations

from kiemdiem.demo.plan.specs import (
    BLOC_SPLIT,
    CAN_BO,
    CONG_CHUC,
    DEPUTY,
    HEAD,
    TERM_START,
    VIEN_CHUC,
    Op,
    PersonSpec,
)


class ProvincePlanner:
    """The provincial level (``self.plan.root``, ``self.btv``, ``self.province_leaders``,
    ``self.province_cells``, ``self.provincial_members``)."""

    def build_province(self) -> None:
        P, lvl, tu = self.prefix, self.level, self.committee
        s = self.pshort
        root = self.unit(P, f"Đảng bộ {lvl} {s}", "dang_bo_tinh", None, short_name=f"{tu} {s}")
        self.plan.root = root
        bch = self.unit(f"{P}-BCH", f"Ban Chấp hành Đảng bộ {lvl} {s}", "ban_chap_hanh", root)
        btv = self.unit(f"{P}-BTV", f"Ban Thường vụ {tu} {s}", "ban_thuong_vu", root)
        self.btv = btv
        bloc = self.unit(
            f"{P}-KHOI", f"Đảng bộ Khối các cơ quan {lvl} {s}", "dang_bo_tren_co_so", root
        )
        cqd = self.unit(
            f"{P}-CQD",
            f"Đảng bộ các cơ quan Đảng {lvl} {s}",
            "dang_bo_tren_co_so",
            root,
            BLOC_SPLIT,
        )
        dub = self.unit(
            f"{P}-DUB",
            f"Đảng bộ Ủy ban nhân dân {lvl} {s}",
            "dang_bo_tren_co_so",
            root,
            BLOC_SPLIT,
            short_name=f"Đảng ủy UBND {lvl}",
        )
        # State side: the People's Committee and its departments.
        ubnd = self.unit(
            f"{P}-UBND",
            f"Ủy ban nhân dân {lvl} {s}",
            "co_quan_hanh_chinh",
            root,
            short_name=f"UBND {lvl} {s}",
        )
        vpub = self.unit(
            f"{P}-UBND-VP", f"Văn phòng Ủy ban nhân dân {lvl}", "co_quan_hanh_chinh", ubnd
        )
        departments = {
            "SNV": "Sở Nội vụ",
            "STC": "Sở Tài chính",
            "SGD": "Sở Giáo dục và Đào tạo",
            "SYT": "Sở Y tế",
        }
        dept = {
            k: self.unit(f"{P}-UBND-{k}", v, "co_quan_hanh_chinh", ubnd)
            for k, v in departments.items()
        }
        school = self.unit(f"{P}-THPTC", f"Trường THPT Chuyên {s}", "don_vi_su_nghiep", dept["SGD"])
        hospital = self.unit(
            f"{P}-BVDK", f"Bệnh viện Đa khoa {lvl} {s}", "don_vi_su_nghiep", dept["SYT"]
        )
        # The Front and the mass organizations.
        front = self.unit(
            f"{P}-MTTQ",
            f"Ủy ban Mặt trận Tổ quốc Việt Nam {lvl} {s}",
            "mat_tran",
            root,
            short_name=f"Ủy ban MTTQ {lvl}",
        )
        mass = {
            "PN": f"Hội Liên hiệp Phụ nữ {lvl}",
            "ND": f"Hội Nông dân {lvl}",
            "CCB": f"Hội Cựu chiến binh {lvl}",
            "DTN": f"Đoàn Thanh niên Cộng sản Hồ Chí Minh {lvl}",
            "LDLD": f"Liên đoàn Lao động {lvl}",
        }
        mass_units = {k: self.unit(f"{P}-MTTQ-{k}", v, "doan_the", front) for k, v in mass.items()}

        # Party cells of the provincial agencies: under the bloc committee until 1/2/2025.
        def cell(code, name, parent, kind="chi_bo_co_so"):
            return self.unit(f"{P}-{code}", name, kind, parent)

        vp = cell("CB-VPTU", f"Chi bộ Văn phòng {tu}", bloc)
        btc = cell("CB-BTC", f"Chi bộ Ban Tổ chức {tu}", bloc)
        ubkt = cell("CB-UBKT", f"Chi bộ Ủy ban Kiểm tra {tu}", bloc)
        tgdv = cell("CB-TGDV", f"Chi bộ Ban Tuyên giáo và Dân vận {tu}", bloc)
        mttq = cell("CB-MTTQ", f"Chi bộ Cơ quan Ủy ban MTTQ và các đoàn thể {lvl}", bloc)
        vpub_cb = cell("CB-VPUB", f"Chi bộ Văn phòng UBND {lvl}", bloc)
        snv_cb = cell("CB-SNV", "Chi bộ Sở Nội vụ", bloc)
        stc_cb = cell("CB-STC", "Chi bộ Sở Tài chính", bloc)
        sgd = cell("DB-SGD", "Đảng bộ Sở Giáo dục và Đào tạo", bloc, "dang_bo_co_so")
        sgd_vp = cell(
            "DB-SGD-VP", "Chi bộ Văn phòng Sở Giáo dục và Đào tạo", sgd, "chi_bo_truc_thuoc"
        )
        sgd_bp = cell(
            "DB-SGD-THPT", f"Đảng bộ bộ phận Trường THPT Chuyên {s}", sgd, "dang_bo_bo_phan"
        )
        sgd_tn = cell("DB-SGD-THPT1", "Chi bộ Tổ Khoa học Tự nhiên", sgd_bp, "chi_bo_truc_thuoc")
        sgd_xh = cell("DB-SGD-THPT2", "Chi bộ Tổ Khoa học Xã hội", sgd_bp, "chi_bo_truc_thuoc")
        syt = cell("DB-SYT", "Đảng bộ Sở Y tế", bloc, "dang_bo_co_so")
        syt_vp = cell("DB-SYT-VP", "Chi bộ Văn phòng Sở Y tế", syt, "chi_bo_truc_thuoc")
        syt_bp = cell(
            "DB-SYT-BV", f"Đảng bộ bộ phận Bệnh viện Đa khoa {lvl}", syt, "dang_bo_bo_phan"
        )
        bv_cells = [
            cell(f"DB-SYT-BV{i}", f"Chi bộ Khối {n}", syt_bp, "chi_bo_truc_thuoc")
            for i, n in enumerate(["Nội", "Ngoại", "Cận lâm sàng"], start=1)
        ]
        for code in (vp, btc, ubkt, tgdv, mttq):
            self.plan.ops.append(Op(BLOC_SPLIT, "move", code, target=cqd))
        for code in (vpub_cb, snv_cb, stc_cb, sgd, syt):
            self.plan.ops.append(Op(BLOC_SPLIT, "move", code, target=dub))
        self.plan.ops.append(Op(BLOC_SPLIT, "close", bloc))

        # Members.
        staff = self.staff_cell
        vp_m = staff(vp, self.size(30, 6), "civil")
        btc_m = staff(btc, self.size(18), "civil")
        ubkt_m = staff(ubkt, self.size(16), "civil")
        tgdv_m = staff(tgdv, self.size(18), "civil")
        mttq_m = staff(mttq, self.size(25, 7), "civil")
        vpub_m = staff(vpub_cb, self.size(25, 5), "civil", employer=vpub, extra_staff=0.3)
        snv_m = staff(snv_cb, self.size(25), "civil", employer=dept["SNV"], extra_staff=0.3)
        stc_m = staff(stc_cb, self.size(30), "civil", employer=dept["STC"], extra_staff=0.3)
        sgd_m = staff(sgd_vp, self.size(20), "civil", employer=dept["SGD"], extra_staff=0.3)
        thpt_m = [
            staff(
                c,
                self.size(n),
                "teacher",
                employer=school,
                category=VIEN_CHUC,
                job="Giáo viên",
                extra_staff=0.5,
            )
            for c, n in ((sgd_tn, 20), (sgd_xh, 18))
        ]
        syt_m = staff(syt_vp, self.size(15), "civil", employer=dept["SYT"], extra_staff=0.3)
        bv_m = [
            staff(
                c,
                self.size(n),
                "health",
                employer=hospital,
                category=VIEN_CHUC,
                job="Bác sĩ",
                extra_staff=0.6,
            )
            for c, n in zip(bv_cells, (25, 25, 18), strict=True)
        ]

        # Leaders are people of these cells, re-profiled as senior.
        def senior(spec: PersonSpec, gender: str | None = None) -> PersonSpec:
            return self._make_senior(spec, gender)

        sec, standing, bloc_head, chief_vp = (senior(p) for p in vp_m[:4])
        chair, vice, chief_vpub = (senior(p) for p in vpub_m[:3])
        org_head, insp_head, prop_head = senior(btc_m[0]), senior(ubkt_m[0]), senior(tgdv_m[0])
        front_head = senior(mttq_m[0])
        self.province_leaders = {"secretary": sec, "org_head": org_head}
        # posts of the committee and its collectives
        for unit_code in (root, bch, btv):
            self.post(sec, unit_code, f"Bí thư {tu}", HEAD)
            self.post(standing, unit_code, f"Phó Bí thư Thường trực {tu}", DEPUTY)
            self.post(chair, unit_code, f"Phó Bí thư {tu}", DEPUTY, concurrent=True)
        btv_seats = [
            (org_head, f"Trưởng Ban Tổ chức {tu}"),
            (insp_head, f"Chủ nhiệm Ủy ban Kiểm tra {tu}"),
            (prop_head, f"Trưởng Ban Tuyên giáo và Dân vận {tu}"),
            (front_head, f"Chủ tịch Ủy ban MTTQ Việt Nam {lvl}"),
            (vice, f"Phó Chủ tịch Thường trực UBND {lvl}"),
            (bloc_head, f"Bí thư Đảng ủy các cơ quan Đảng {lvl}"),
        ]
        for spec, job in btv_seats:
            self.post(spec, btv, f"Ủy viên Ban Thường vụ {tu}, {job}")
            self.post(spec, bch, f"{tu} viên")
        self.post(chief_vp, bch, f"{tu} viên, Chánh Văn phòng {tu}")
        self.post(bloc_head, bloc, f"Bí thư Đảng ủy Khối các cơ quan {lvl}", HEAD)
        self.post(bloc_head, cqd, f"Bí thư Đảng ủy các cơ quan Đảng {lvl}", HEAD)
        self.post(chair, dub, f"Bí thư Đảng ủy UBND {lvl}", HEAD, concurrent=True)
        self.post(vice, dub, f"Phó Bí thư Đảng ủy UBND {lvl}", DEPUTY, concurrent=True)
        # state posts
        self.post(chair, ubnd, f"Chủ tịch UBND {lvl}", HEAD)
        self.post(vice, ubnd, f"Phó Chủ tịch Thường trực UBND {lvl}", DEPUTY)
        for spec, job in ((chair, f"Chủ tịch UBND {lvl}"), (vice, f"Phó Chủ tịch UBND {lvl}")):
            self._set_job(spec, vpub, job, CAN_BO)
        self.post(chief_vpub, vpub, f"Chánh Văn phòng UBND {lvl}", HEAD)
        self.post(front_head, front, f"Chủ tịch Ủy ban MTTQ Việt Nam {lvl}", HEAD)
        mass_titles = {
            "PN": ("Chủ tịch Hội Liên hiệp Phụ nữ", "F"),
            "ND": ("Chủ tịch Hội Nông dân", None),
            "CCB": ("Chủ tịch Hội Cựu chiến binh", "M"),
            "DTN": (f"Bí thư {'Thành' if self.city else 'Tỉnh'} đoàn", None),
            "LDLD": ("Chủ tịch Liên đoàn Lao động", None),
        }
        for spec, (k, (title, gender)) in zip(mttq_m[1:], mass_titles.items(), strict=False):
            if gender:
                self._regender(spec, gender)
            self.post(spec, mass_units[k], f"{title} {lvl}", HEAD)
            self.post(
                spec, front, f"Phó Chủ tịch Ủy ban MTTQ Việt Nam {lvl}", DEPUTY, concurrent=True
            )
        # department heads: members of the Executive committee, managed by the Standing one
        heads = {}
        for k, members in (("SNV", snv_m), ("STC", stc_m), ("SGD", sgd_m), ("SYT", syt_m)):
            director = senior(members[0])
            heads[k] = director
            self.post(director, dept[k], f"Giám đốc {departments[k]}", HEAD)
            self._set_job(director, dept[k], f"Giám đốc {departments[k]}", CONG_CHUC)
            self.post(director, bch, f"{tu} viên, Giám đốc {departments[k]}")
            director.authorities.append((btv, TERM_START, "Cán bộ diện Ban Thường vụ quản lý"))
            if len(members) > 1:
                self.post(members[1], dept[k], f"Phó Giám đốc {departments[k]}", DEPUTY)
        self.post(heads["SGD"], sgd, "Bí thư Đảng ủy Sở Giáo dục và Đào tạo", HEAD, concurrent=True)
        self.post(heads["SYT"], syt, "Bí thư Đảng ủy Sở Y tế", HEAD, concurrent=True)
        principal = senior(thpt_m[0][0])
        self.post(principal, school, "Hiệu trưởng", HEAD)
        self._set_job(principal, school, "Hiệu trưởng", VIEN_CHUC)
        self.post(principal, sgd_bp, "Bí thư Đảng ủy bộ phận", HEAD, concurrent=True)
        principal.authorities.append((btv, TERM_START, "Cán bộ diện Ban Thường vụ quản lý"))
        director_bv = senior(bv_m[0][0])
        self.post(director_bv, hospital, "Giám đốc Bệnh viện", HEAD)
        self._set_job(director_bv, hospital, "Giám đốc Bệnh viện", VIEN_CHUC)
        self.post(director_bv, syt_bp, "Bí thư Đảng ủy bộ phận", HEAD, concurrent=True)
        director_bv.authorities.append((btv, TERM_START, "Cán bộ diện Ban Thường vụ quản lý"))
        # every cell has a Bí thư
        cell_heads = {
            vp: chief_vp,
            btc: org_head,
            ubkt: insp_head,
            tgdv: prop_head,
            mttq: front_head,
            vpub_cb: chief_vpub,
            snv_cb: heads["SNV"],
            stc_cb: heads["STC"],
            sgd_vp: heads["SGD"],
            syt_vp: heads["SYT"],
        }
        for code in (
            vp,
            btc,
            ubkt,
            tgdv,
            mttq,
            vpub_cb,
            snv_cb,
            stc_cb,
            sgd_vp,
            sgd_tn,
            sgd_xh,
            syt_vp,
            *bv_cells,
        ):
            self.cell_posts(code, cell_heads.get(code), concurrent=code in cell_heads)
        self.province_cells = {"btc": btc, "ubkt": ubkt}
        self.provincial_members = [m for c in self.cells.values() for m in c]
