import pytest

from digital_stampcard.errors import DomainError
from digital_stampcard.purchases import stamps_for_purchase


def test_a_visit_earns_one_stamp_whatever_the_amount() -> None:
    assert stamps_for_purchase("visit", None, 10000) == 1
    assert stamps_for_purchase("visit", 123_45, 10000) == 1


@pytest.mark.parametrize(("amount", "stamps"), [(0, 0), (99_99, 0), (100_00, 1), (250_00, 2), (1000_00, 10)])
def test_by_amount_one_stamp_per_full_step(amount: int, stamps: int) -> None:
    assert stamps_for_purchase("amount", amount, 100_00) == stamps


def test_by_amount_needs_a_non_negative_amount() -> None:
    with pytest.raises(DomainError) as missing:
        stamps_for_purchase("amount", None, 100_00)
    assert missing.value.code == "amount_required"
    with pytest.raises(DomainError):
        stamps_for_purchase("amount", -1, 100_00)
