"""The reference list of ../shared/CATALOGUE.md, kept here too so the tests stand alone."""

from __future__ import annotations

import re
from pathlib import Path

EXPECTED = {
    "MZ01": ("民政", "敬老卡申领"),
    "MZ02": ("民政", "最低生活保障申请"),
    "MZ03": ("民政", "临时救助申请"),
    "MZ04": ("民政", "居家养老服务补贴申请"),
    "MZ05": ("民政", "老年人助餐服务申请"),
    "MZ06": ("民政", "丧葬补贴申领"),
    "RS01": ("就业", "失业登记"),
    "RS02": ("就业", "失业保险金申领"),
    "RS03": ("就业", "失业补助金申请"),
    "RS04": ("就业", "灵活就业登记"),
    "RS05": ("就业", "个人参保缴费证明打印"),
    "SB01": ("社保卡", "新版社保卡申领"),
    "SB02": ("社保卡", "社保卡挂失补换"),
    "SB03": ("社保卡", "社保卡启用及密码重置"),
    "SB04": ("社保卡", "城乡居民养老保险参保登记"),
    "YB01": ("医保", "城乡居民基本医疗保险参保登记"),
    "YB02": ("医保", "异地就医登记备案"),
    "YB03": ("医保", "医疗费用零星报销"),
    "YB04": ("医保", "长期护理保险需求评估申请"),
    "YB05": ("医保", "医保就医记录册申领"),
    "WJ01": ("卫健", "生育登记"),
    "WJ02": ("卫健", "独生子女父母光荣证申领"),
    "WJ03": ("卫健", "独生子女父母奖励费申领"),
    "WJ04": ("卫健", "计划生育特别扶助金申请"),
    "CL01": ("残联", "残疾人证申领"),
    "CL02": ("残联", "残疾人证换领"),
    "CL03": ("残联", "重残无业人员生活补助申请"),
    "CL04": ("残联", "残疾人辅助器具适配申请"),
    "ZF01": ("住房", "房屋租赁合同登记备案"),
    "ZF02": ("住房", "公共租赁住房申请"),
    "ZF03": ("住房", "廉租住房申请"),
    "TY01": ("退役军人", "退役军人优待证申领"),
    "TY02": ("退役军人", "优抚对象定期抚恤补助申领"),
    "TY03": ("退役军人", "退役军人信息采集"),
}
LINES = ("民政", "就业", "社保卡", "医保", "卫健", "残联", "住房", "退役军人")
MENUS = ("老年人", "中年人", "青年人", "妇女", "儿童")

# CI checks the clone out beside ../shared; a developer's copy may not have it.
SHARED = Path(__file__).resolve().parents[3] / "shared" / "CATALOGUE.md"
_ROW = re.compile(r"^\|\s*([A-Z]{2}\d{2})\s*\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|\s*$")


def parse_shared(text: str) -> dict[str, tuple[str, str]]:
    """{code: (line, name)} from the markdown table; the line cell keeps its Chinese word only."""
    rows: dict[str, tuple[str, str]] = {}
    for raw in text.splitlines():
        m = _ROW.match(raw.strip())
        if m:
            line = m[2].split()[0]
            name = re.split(r"\s*[（(]", m[3])[0].strip()
            rows[m[1]] = (line, name)
    return rows


# What public sources say about individual matters (checked 2026-12-07), written from the pages
# themselves, not from station/data/catalogue.toml. Each entry names its page.
SOURCED = {
    # http://shebao.southmoney.com/banli/shebaozhishi/202406/552111.html — 本市户籍、年满65周岁；
    # 本人身份证及复印件、申请登记表（现场填写）；no 户口簿 is asked for.
    "MZ01": {"min_age": 65, "residence": "household",
             "needs": (("身份证", "原件及复印件"), ("申请登记表", "原件")), "never": ("户口簿",)},
    # https://efcnet.com/yule/202504-266.html — 照片、身份证、户口本首页及本人页、退役证件.
    "TY01": {"needs": (("身份证", None), ("户口簿", None), ("退役证件", None),
                       ("照片", None)), "never": ()},
}
# https://m.ganxl168.cn/archives/202.html — 补换卡 charges a 工本费.
SB02_FEE_WORD = "工本费"
# 《失业保险条例》（国务院令第258号）第十四条: contributions for at least one year, involuntary
# loss of the job, registered as unemployed.
RS02_MIN_INSURED_MONTHS = 12
