"""Planning the communes: the old districts (2020 – 30/6/2025) that held them, each commune's
committee, collectives, agencies, schools, cells and villages with their people, and the town
merged into its commune on 1/7/2025."""

from __future__ import annotations

from kiemdiem.demo import names
from kiemdiem.demo.plan.specs import (
    BASE_MEMBERS,
    CAN_BO,
    DEPUTY,
    EMPLOYMENT,
    HDND_TERM,
    HEAD,
    MEMBERS_PER_COMMUNE,
    REFORM_DAY,
    TERM_START,
    VIEN_CHUC,
    VILLAGE_MIX,
    Op,
    PersonSpec,
    clamp,
    ward_parts,
)


class CommunePlanner:
    """The communes (``self.plan.communes``, ``self.villages``, ``self.commune_cells``) and the
    district and town committees they replaced on 1/7/2025 (``self.plan.ops``)."""

    def build_communes(self) -> None:
        wards = self.plan.province["wards"]
        provincial = len(self.provincial_members)
        target = round(BASE_MEMBERS * self.scale)
        count = clamp((target - provincial) / MEMBERS_PER_COMMUNE, 2, len(wards))
        budget = max(40, (target - provincial) / count)
        first = self.rng.randrange(len(wards) - count + 1)
        chosen = wards[first : first + count]
        self.plan.communes = chosen
        # group consecutive communes into the old districts
        groups: list[list[dict]] = []
        i = 0
        while i < len(chosen):
            size = self.rng.randint(4, 7)
            groups.append(chosen[i : i + size])
            i += size
        if len(groups) > 1 and len(groups[-1]) < 2:
            groups[-2].extend(groups.pop())
        town_done = False
        enterprise_every = 3
        index = 0
        for number, group in enumerate(groups, start=1):
            district, head = self.build_district(number, group)
            for position, ward in enumerate(group):
                commune = self.build_commune(
                    ward,
                    district,
                    budget,
                    district_head=head if position == 0 else None,
                    enterprise=index % enterprise_every == 1,
                )
                if not town_done and ward["division_type"] == "xã":
                    self.build_old_town(ward, commune, district)
                    town_done = True
                index += 1
            self.plan.ops.append(Op(REFORM_DAY, "close", f"{district}-BTV"))
            self.plan.ops.append(Op(REFORM_DAY, "close", district))
        # some provincial staff live in a village of the communes: their residence cell
        villages = [v for vs in self.villages.values() for v in vs]
        for spec in self.provincial_members:
            if self.rng.random() < 0.4:
                self._residence(spec, self.rng.choice(villages))

    def build_district(self, number: int, group: list[dict]) -> tuple[str, PersonSpec]:
        kind, short = ward_parts(group[0])
        level = "thành phố" if kind == "phường" else "huyện"
        committee = "Thành ủy" if kind == "phường" else "Huyện ủy"
        code = self.unit(
            f"{self.prefix}-H{number:02d}",
            f"Đảng bộ {level} {short}",
            "dang_bo_tren_co_so",
            self.plan.root,
            short_name=f"{committee} {short}",
            managed_by=self.btv,
        )
        btv = self.unit(f"{code}-BTV", f"Ban Thường vụ {committee} {short}", "ban_thuong_vu", code)
        office = self.unit(
            f"{code}-VP", f"Chi bộ Văn phòng {committee} {short}", "chi_bo_co_so", code
        )
        members = self.staff_cell(office, 6, "civil", may_be_probationary=False)
        head = self._make_senior(members[0], None)
        self.post(head, code, f"Bí thư {committee}", HEAD)
        self.post(head, btv, f"Bí thư {committee}", HEAD)
        self.post(members[1], code, f"Phó Bí thư Thường trực {committee}", DEPUTY)
        self.post(members[1], btv, f"Phó Bí thư Thường trực {committee}", DEPUTY)
        head.authorities.append((self.btv, TERM_START, "Cán bộ diện Ban Thường vụ quản lý"))
        self.cell_posts(office, members[2])
        self.district_btv = btv
        return code, head

    def build_commune(
        self,
        ward: dict,
        district: str,
        budget: float,
        *,
        district_head: PersonSpec | None,
        enterprise: bool,
    ) -> str:
        rng = self.rng
        t, s = ward_parts(ward)
        C = f"X{ward['code']:05d}"
        name = f"{t} {s}"
        code = self.unit(C, f"Đảng bộ {name}", "dang_bo_xa", district, short_name=f"Đảng ủy {name}")
        btv = self.unit(f"{C}-BTV", f"Ban Thường vụ Đảng ủy {name}", "ban_thuong_vu", code)
        ubnd = self.unit(
            f"{C}-UBND",
            f"Ủy ban nhân dân {name}",
            "co_quan_hanh_chinh",
            code,
            short_name=f"UBND {name}",
        )
        hdnd = self.unit(
            f"{C}-HDND",
            f"Hội đồng nhân dân {name}",
            "co_quan_hanh_chinh",
            code,
            short_name=f"HĐND {name}",
        )
        front = self.unit(f"{C}-MTTQ", f"Ủy ban MTTQ Việt Nam {name}", "mat_tran", code)
        schools = {
            "MN": self.unit(f"{C}-MN", f"Trường Mầm non {s}", "don_vi_su_nghiep", ubnd),
            "TH": self.unit(f"{C}-TH", f"Trường Tiểu học {s}", "don_vi_su_nghiep", ubnd),
            "THCS": self.unit(f"{C}-THCS", f"Trường THCS {s}", "don_vi_su_nghiep", ubnd),
        }
        station = self.unit(f"{C}-TYT", f"Trạm Y tế {name}", "don_vi_su_nghiep", ubnd)

        def cell(suffix, cell_name):
            return self.unit(f"{C}-{suffix}", cell_name, "chi_bo_truc_thuoc", code)

        ddt = cell("CB-DDT", f"Chi bộ Cơ quan Đảng - Đoàn thể {name}")
        ub = cell("CB-UB", f"Chi bộ Cơ quan UBND {name}")
        used = 0
        ddt_m = self.staff_cell(
            ddt, clamp(budget * 0.08, 6, 30), "civil", may_be_probationary=False
        )
        ub_m = self.staff_cell(
            ub,
            clamp(budget * 0.09, 6, 30),
            "civil",
            employer=ubnd,
            extra_staff=0.25,
            may_be_probationary=False,
        )
        used += len(ddt_m) + len(ub_m)
        # two health workers of the station are in the UBND agency cell
        for spec in ub_m[-2:]:
            for aff in spec.affiliations:
                if aff.kind == EMPLOYMENT:
                    aff.unit, aff.state_category, aff.title = station, VIEN_CHUC, "Y sĩ"
            spec.occupation = "cbccvc"
        school_cells = {}
        for k, label, share in (
            ("TH", "Trường Tiểu học", 0.06),
            ("THCS", "Trường THCS", 0.06),
            ("MN", "Trường Mầm non", 0.04),
        ):
            if k == "MN" and budget < 120:
                continue
            sc = cell(f"CB-{k}", f"Chi bộ {label} {s}")
            school_cells[k] = self.staff_cell(
                sc,
                clamp(budget * share, 5, 25),
                "teacher",
                employer=schools[k],
                category=VIEN_CHUC,
                job="Giáo viên",
                extra_staff=0.6,
            )
            used += len(school_cells[k])
        if enterprise:
            company = rng.choice(names.ENTERPRISES).format(s)
            dn = self.unit(f"{C}-DN", f"Đảng bộ {company}", "dang_bo_co_so", code)
            dn_vp = self.unit(f"{C}-DN-VP", "Chi bộ Khối Văn phòng", "chi_bo_truc_thuoc", dn)
            dn_px = self.unit(
                f"{C}-DN-PX", "Đảng bộ bộ phận Phân xưởng Sản xuất", "dang_bo_bo_phan", dn
            )
            dn_cells = [dn_vp] + [
                self.unit(f"{C}-DN-PX{i}", f"Chi bộ Tổ sản xuất số {i}", "chi_bo_truc_thuoc", dn_px)
                for i in (1, 2)
            ]
            dn_m = [self.staff_cell(c, clamp(budget * 0.05, 5, 35), "enterprise") for c in dn_cells]
            used += sum(len(m) for m in dn_m)
            boss = self._make_senior(dn_m[0][0], None)
            boss.occupation = "enterprise"
            self.post(boss, dn, f"Bí thư Đảng ủy {company}", HEAD)
            self.post(dn_m[1][0], dn_px, "Bí thư Đảng ủy bộ phận", HEAD)
            self.post(dn_m[0][1], dn, "Phó Bí thư Đảng ủy", DEPUTY)
            for c, m in zip(dn_cells, dn_m, strict=True):
                self.cell_posts(c, m[0] if c != dn_vp else None)
        # villages or residential groups
        villages = []
        for number, size in enumerate(self.village_sizes(int(budget - used)), start=1):
            if t == "xã":
                label = f"Chi bộ thôn {self._village_name(C, number)}"
            elif t == "phường":
                label = f"Chi bộ tổ dân phố số {number}"
            else:
                label = f"Chi bộ khu phố {number}"
            v = cell(f"CB-T{number:02d}", label)
            villages.append(v)
            for _i in range(size):
                self.person(names.weighted_choice(rng, VILLAGE_MIX), cell=v)
            self.cell_posts(v)
        self.villages[code] = villages

        # posts
        leaders = [self._make_senior(p, None) for p in ddt_m[:4]]
        sec, standing, front_head, insp = leaders
        chair, vice = (self._make_senior(p, None) for p in ub_m[:2])
        if district_head is None:
            for unit_code in (code, btv):
                self.post(sec, unit_code, "Bí thư Đảng ủy", HEAD)
        else:
            # the district secretary becomes the commune secretary on 1/7/2025
            for unit_code in (code, btv):
                self.post(sec, unit_code, "Bí thư Đảng ủy", HEAD, end=REFORM_DAY)
                self.post(district_head, unit_code, "Bí thư Đảng ủy", HEAD, start=REFORM_DAY)
                self.post(sec, unit_code, "Phó Bí thư Đảng ủy", DEPUTY, start=REFORM_DAY)
        self.post(sec, hdnd, f"Chủ tịch HĐND {t}", HEAD, start=HDND_TERM, concurrent=True)
        for unit_code in (code, btv):
            self.post(standing, unit_code, "Phó Bí thư Thường trực Đảng ủy", DEPUTY)
            self.post(chair, unit_code, "Phó Bí thư Đảng ủy", DEPUTY, concurrent=unit_code == code)
        self.post(chair, ubnd, f"Chủ tịch UBND {t}", HEAD)
        self._set_job(chair, ubnd, f"Chủ tịch UBND {t}", CAN_BO)
        self.post(vice, ubnd, f"Phó Chủ tịch UBND {t}", DEPUTY)
        self._set_job(vice, ubnd, f"Phó Chủ tịch UBND {t}", CAN_BO)
        self.post(front_head, front, f"Chủ tịch Ủy ban MTTQ Việt Nam {t}", HEAD)
        for spec, job in (
            (vice, f"Phó Chủ tịch UBND {t}"),
            (front_head, f"Chủ tịch Ủy ban MTTQ Việt Nam {t}"),
            (insp, "Chủ nhiệm Ủy ban Kiểm tra Đảng ủy"),
        ):
            self.post(spec, btv, f"Ủy viên Ban Thường vụ, {job}")
        self.post(sec, self.district_btv, f"Ủy viên Ban Thường vụ, Bí thư Đảng ủy {t}")
        for spec in (sec, chair):
            spec.authorities.append(
                (self.district_btv, TERM_START, "Cán bộ diện Ban Thường vụ quản lý")
            )
            spec.authorities.append((self.btv, REFORM_DAY, "Cán bộ diện Ban Thường vụ quản lý"))
        if district_head is not None:
            self.post(
                district_head,
                f"{self.prefix}-BCH",
                f"{self.committee} viên, Bí thư Đảng ủy {t}",
                start=REFORM_DAY,
            )
        self.plan.ops.append(Op(REFORM_DAY, "move", code, target=self.plan.root))
        self.plan.ops.append(Op(REFORM_DAY, "manage", code, target=self.btv))
        # agency cells: secretaries and residence cells
        self.cell_posts(ddt, standing, concurrent=True)
        self.cell_posts(ub, chair, concurrent=True)
        station_head = ub_m[-1]
        self.post(station_head, station, "Trạm trưởng", HEAD)
        station_head.authorities.append(
            (btv, TERM_START, "Viên chức quản lý diện Ban Thường vụ Đảng ủy")
        )
        for k, members in school_cells.items():
            principal = self._make_senior(members[0], None)
            self.post(principal, schools[k], "Hiệu trưởng", HEAD)
            self._set_job(principal, schools[k], "Hiệu trưởng", VIEN_CHUC)
            principal.authorities.append(
                (btv, TERM_START, "Viên chức quản lý diện Ban Thường vụ Đảng ủy")
            )
            if len(members) > 3:
                self.post(members[1], schools[k], "Phó Hiệu trưởng", DEPUTY)
            self.cell_posts(f"{C}-CB-{k}", principal, concurrent=True)
        for members in (ddt_m, ub_m, *school_cells.values()):
            for spec in members:
                if rng.random() < 0.6:
                    self._residence(spec, rng.choice(villages))
        if district_head is not None:
            self.plan.ops.append(Op(REFORM_DAY, "merge", ddt, sources=[f"{district}-VP"]))
        self.commune_cells[code] = {"ddt": ddt, "ub": ub, "btv": btv, "ubnd": ubnd}
        return code

    def build_old_town(self, ward: dict, commune: str, district: str) -> None:
        """A town (thị trấn) committee of 2020 merged into the commune on 1/7/2025."""
        _t, s = ward_parts(ward)
        T = f"{commune}-TT"
        town = self.unit(T, f"Đảng bộ thị trấn {s}", "dang_bo_xa", district)
        btv = self.unit(f"{T}-BTV", f"Ban Thường vụ Đảng ủy thị trấn {s}", "ban_thuong_vu", town)
        ubnd = self.unit(f"{T}-UBND", f"Ủy ban nhân dân thị trấn {s}", "co_quan_hanh_chinh", town)
        agency = self.unit(f"{T}-CQ", f"Chi bộ Cơ quan thị trấn {s}", "chi_bo_truc_thuoc", town)
        staff = self.staff_cell(agency, 7, "civil", employer=ubnd, may_be_probationary=False)
        sec, chair = (self._make_senior(p, None) for p in staff[:2])
        for unit_code in (town, btv):
            self.post(sec, unit_code, "Bí thư Đảng ủy thị trấn", HEAD)
            self.post(chair, unit_code, "Phó Bí thư Đảng ủy thị trấn", DEPUTY)
        self.post(chair, ubnd, "Chủ tịch UBND thị trấn", HEAD)
        self._set_job(chair, ubnd, "Chủ tịch UBND thị trấn", CAN_BO)
        self.cell_posts(agency, staff[2])
        groups = []
        for number in (1, 2):
            code = self.unit(
                f"{T}-T{number:02d}",
                f"Chi bộ tổ dân phố {self._village_name(T, number)}",
                "chi_bo_truc_thuoc",
                town,
            )
            for _i in range(self.size(20, 6, 30)):
                self.person(names.weighted_choice(self.rng, VILLAGE_MIX), cell=code)
            self.cell_posts(code)
            groups.append(code)
        self.villages[commune].extend(groups)
        ops = self.plan.ops
        ops.append(Op(REFORM_DAY, "close", btv))
        ops.append(Op(REFORM_DAY, "merge", self.commune_cells[commune]["ubnd"], sources=[ubnd]))
        ops.append(Op(REFORM_DAY, "merge", self.commune_cells[commune]["ub"], sources=[agency]))
        ops.append(Op(REFORM_DAY, "merge", commune, sources=[town]))
