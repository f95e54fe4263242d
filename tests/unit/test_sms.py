"""SMS segment counting, sender ids and the daily budget: pure rules, no gateway."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digital_stampcard import sms


@pytest.mark.parametrize(
    ("text", "encoding", "units", "count"),
    [
        ("", "GSM-7", 0, 1),
        ("Koden din er 123456. Blåbærsyltetøy på Ærø!", "GSM-7", 43, 1),  # æøå fit GSM-7
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("Pris 30 €", "GSM-7", 10, 1),  # € is in the extension table: two septets
        ("[" * 80, "GSM-7", 160, 1),
        ("[" * 81, "GSM-7", 162, 2),
        ("Takk for besøket ☕", "UCS-2", 18, 1),  # one emoji sends it all as UCS-2
        ("😀" * 35, "UCS-2", 70, 1),  # an emoji outside the BMP is two UTF-16 units
        ("😀" * 36, "UCS-2", 72, 2),
        ("ø" * 69 + "“", "UCS-2", 70, 1),
        ("ø" * 70 + "“", "UCS-2", 71, 2),
        ("x" * 134 + "“", "UCS-2", 135, 3),
    ],
)
def test_segments(text: str, encoding: str, units: int, count: int) -> None:
    assert sms.segments(text) == sms.Segments(encoding, units, count)  # type: ignore[arg-type]


@given(st.text(alphabet=sorted(sms.GSM7_BASIC), max_size=1000))
def test_a_gsm_text_costs_one_segment_per_153_septets_once_split(text: str) -> None:
    counted = sms.segments(text)
    assert counted.encoding == "GSM-7"
    assert counted.count == (1 if len(text) <= 160 else -(-len(text) // 153))


@pytest.mark.parametrize("sender", ["KaffeKanel", "Kaffe 1", "+4791234567", "2222"])
def test_valid_sender_ids(sender: str) -> None:
    assert sms.is_valid_sender_id(sender)


@pytest.mark.parametrize("sender", ["", "KaffeOgKanel", "Kafé", "12", "Kaffe&Kanel", "   "])
def test_invalid_sender_ids(sender: str) -> None:
    assert not sms.is_valid_sender_id(sender)


def test_budget_allows_up_to_the_budget_and_alerts_from_80_percent() -> None:
    assert sms.check_budget(0, 1, 100) == sms.BudgetCheck(allowed=True, alert=False)
    assert sms.check_budget(78, 1, 100) == sms.BudgetCheck(allowed=True, alert=False)
    assert sms.check_budget(79, 1, 100) == sms.BudgetCheck(allowed=True, alert=True)
    assert sms.check_budget(99, 1, 100) == sms.BudgetCheck(allowed=True, alert=True)
    assert sms.check_budget(99, 2, 100) == sms.BudgetCheck(allowed=False, alert=True)
    assert sms.check_budget(100, 1, 100).allowed is False


def test_a_final_delivery_status_is_not_undone_by_a_late_report() -> None:
    assert sms.later_status("queued", "sent") == "sent"
    assert sms.later_status("sent", "delivered") == "delivered"
    assert sms.later_status("delivered", "sent") == "delivered"
    assert sms.later_status("failed", "delivered") == "failed"
