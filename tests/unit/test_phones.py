"""Phone numbers (appeals.phones): libphonenumber's rules with the contact centre's habits and Ukrainian messages."""

import pytest

from appeals.phones import normalize_phone, phone_problem, ukrainian_e164


@pytest.mark.parametrize("typed", ["050 123 45 67", "(050) 123-45-67", "+38 050 1234567", "+380501234567",
                                   "380501234567", "8 050 123 45 67", "0038 050 123 45 67", "050.123.45.67"])
def test_every_way_people_write_a_ukrainian_mobile_is_stored_as_one_e164_number(typed):
    assert phone_problem(typed) is None
    assert normalize_phone(typed) == "+380501234567"


def test_a_kramatorsk_landline_and_a_foreign_number_are_stored_in_e164():
    assert normalize_phone("(0626) 41-23-45") == "+380626412345"
    assert normalize_phone("+48 22 123 45 67") == "+48221234567"
    assert phone_problem("+1 202 555 0143") is None


@pytest.mark.parametrize("typed", ["1505", "101", "41 23 45"])
def test_short_and_local_numbers_are_accepted_and_kept_as_digits(typed):
    assert phone_problem(typed) is None
    assert normalize_phone(typed) == typed.replace(" ", "")


@pytest.mark.parametrize(("typed", "words"), [
    ("000 123 45 67", "кодом «000» не існує"),            # no operator has code 00
    ("+380 50 123 456", "9 цифр після +380"),              # a digit missing after the country code
    ("+380 50 123 45 678", "9 цифр після +380"),           # one too many
    ("+999 123 4567", "Невідомий код країни"),
    ("+48 22 123 456", "не схожий на дійсний номер країни PL"),
    ("050 123 45 6x", "літери або знаки"),
    ("50 123 45 67", "бракує однієї"),
])
def test_a_number_that_cannot_exist_is_refused_with_a_ukrainian_reason(typed, words):
    problem = phone_problem(typed)
    assert problem and words in problem


def test_sms_needs_a_ukrainian_mobile_and_the_online_form_a_ukrainian_number():
    assert ukrainian_e164("067 123 45 67", mobile=True) == "+380671234567"
    assert ukrainian_e164("0626 41 23 45", mobile=True) is None
    assert ukrainian_e164("0626 41 23 45") == "+380626412345"
    assert ukrainian_e164("+48 22 123 45 67") is None
    assert ukrainian_e164("000 123 45 67") is None
