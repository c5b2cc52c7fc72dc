"""Small builders for subjects in tests (values written as the regulations state them)."""

from __future__ import annotations

from typing import Any

R2019_PM_CRITERIA = (
    "tu_tuong_chinh_tri",
    "dao_duc_loi_song",
    "tac_phong_le_loi",
    "to_chuc_ky_luat",
    "ket_qua_nhiem_vu",
)
R2019_LEADER_EXTRA = ("nang_luc_lanh_dao", "ket_qua_linh_vuc_phu_trach")
R2019_ORG_CRITERIA = (
    "xay_dung_dang",
    "lanh_dao_nhiem_vu",
    "tap_trung_dan_chu",
    "doan_ket",
    "kiem_tra_giam_sat",
)
R2019_LC_CRITERIA = (
    "xay_dung_dang",
    "lanh_dao_nhiem_vu",
    "tap_trung_dan_chu",
    "quy_che_lam_viec",
    "doan_ket",
)
R2023_PM_CRITERIA = (
    "tu_tuong_chinh_tri",
    "dao_duc_loi_song",
    "tac_phong_le_loi",
    "y_thuc_ky_luat",
    "ket_qua_nhiem_vu",
)
R2023_ORG_CRITERIA = (
    "xay_dung_dang",
    "lanh_dao_he_thong",
    "kiem_tra_phong_chong",
    "tap_trung_dan_chu_doan_ket",
    "ket_qua_nhiem_vu",
)
ND90_GENERAL = ("chinh_tri_tu_tuong", "dao_duc_loi_song", "tac_phong_le_loi", "y_thuc_ky_luat")


def levels(names: tuple[str, ...], default: str = "T", **override: str) -> dict[str, str]:
    out = dict.fromkeys(names, default)
    out.update(override)
    return out


def subject(kind: str, sid: str = "s1", **kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"id": sid, "kind": kind}
    out.update(kw)
    return out
