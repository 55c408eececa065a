"""Fictional data for document tests and the benchmark (no real person anywhere)."""

from __future__ import annotations

from datetime import date, datetime

from station.documents import (
    MissingItem,
    NoticeData,
    ReceiptData,
    RunSheetData,
    RunStop,
    SlipData,
)

FULL_ID = "310101193803120013"
MASKED = "310101********0013"


def receipt_data(**over) -> ReceiptData:
    base = dict(
        station_name="流动办事厅·示范街道", site="幸福小区活动室", staff="工作人员甲",
        when=datetime(2026, 11, 23, 9, 30), case_number="ST0001-20261123-0007",
        matter_code="MZ01", matter_name="敬老卡申领", resident_name="张演示",
        masked_id=MASKED, materials_received=("身份证原件", "户口簿原件", "一寸照片 1 张"),
        time_limit_days=5, due_date=date(2026, 11, 30), delivery="到社区事务受理服务中心领取",
        centre_phone="021-00000000",
    )
    base.update(over)
    return ReceiptData(**base)


def notice_data(**over) -> NoticeData:
    base = dict(
        station_name="流动办事厅·示范街道", site="幸福小区活动室", staff="工作人员甲",
        when=datetime(2026, 11, 23, 10, 5), matter_code="ZF01",
        matter_name="房屋租赁合同登记备案", resident_name="赵模拟", masked_id="310104********0041",
        missing=(MissingItem("房屋租赁合同", "原件 1 份", "须出租人与承租人签字"),
                 MissingItem("出租人身份证", "复印件 1 份")),
        bring_to="社区事务受理服务中心一楼综合窗口", bring_by=date(2026, 12, 7),
        centre_phone="021-00000000", case_number="ST0001-20261123-0009",
    )
    base.update(over)
    return NoticeData(**base)


def slip_data(**over) -> SlipData:
    base = dict(
        station_name="流动办事厅·示范街道", appointment_number="V-20261125-03",
        resident_name="张演示", masked_id=MASKED, address="示范路 100 弄 5 号 302 室",
        day=date(2026, 11, 25), slot="上午 9:00–12:00",
        matters=("敬老卡申领", "居家养老服务补贴申请"),
        team="上门服务一组", centre_phone="021-00000000",
        prepare=("身份证", "户口簿", "一寸照片 1 张"),
    )
    base.update(over)
    return SlipData(**base)


def run_sheet_data(**over) -> RunSheetData:
    stops = tuple(
        RunStop(order=i + 1, slot="上午" if i < 3 else "下午", community="幸福小区",
                address=f"示范路 100 弄 {i + 1} 号", resident_name=name,
                masked_id=masked, matters=("敬老卡申领",), phone="139****0000",
                note="行动不便" if i == 0 else "")
        for i, (name, masked) in enumerate([("张演示", MASKED),
                                            ("李培训", "310105********0020"),
                                            ("孙过期", "110105********002X"),
                                            ("周样本", "310101********0053")])
    )
    base = dict(station_name="流动办事厅·示范街道", team="上门服务一组", day=date(2026, 11, 25),
                staff=("工作人员甲", "工作人员乙"), stops=stops,
                printed_at=datetime(2026, 11, 24, 17, 0))
    base.update(over)
    return RunSheetData(**base)
