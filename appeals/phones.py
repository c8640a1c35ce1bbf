"""Phone numbers: what is wrong with a typed one (in Ukrainian), and the form we store (E.164).

Validation and normalisation are Google's libphonenumber rules (the ``phonenumbers`` package): which
Ukrainian operator and city codes exist and how long their numbers are, and the same for every other
country. What this module adds is the contact centre's habits:

* numbers are read as Ukrainian unless they start with ``+`` (or the international ``00``);
* the old trunk prefix ``8`` ("8 050 123 45 67", still typed by many) means the national ``0``;
* short and local numbers (3–8 digits without ``+``: 1505, 101, a six-digit city number) are kept as
  their digits: they have no E.164 form, yet a dispatcher may be called from one;
* every message says what to type instead, with an example.

>>> normalize_phone("(050) 123-45-67"), normalize_phone("8 050 123 45 67"), normalize_phone("1505")
('+380501234567', '+380501234567', '1505')
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

REGION = "UA"
# Short or local numbers (service lines, a city number without its code) have at most this many digits.
LOCAL_MAX_DIGITS = 8
_DIGITS = re.compile(r"\d+")
# What may decorate a number as people write it: spaces, brackets, dashes, dots, slashes and the plus.
_DECOR = re.compile(r"[\s()+\-.\u2013\u2014/]")
_MOBILE = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def _digits(text: str) -> str:
    return "".join(_DIGITS.findall(text))


def _candidate(text: str, digits: str) -> str:
    """The string handed to libphonenumber: '+digits' for an international number, else the national digits."""
    if text.startswith("+"):
        return "+" + digits
    if len(digits) == 11 and digits.startswith("80"):  # 8 0XX XXX XX XX: the old trunk prefix
        return digits[1:]
    return digits


def _parse(phone: str) -> phonenumbers.PhoneNumber | None:
    text = (phone or "").strip()
    digits = _digits(text)
    if not digits or (len(digits) <= LOCAL_MAX_DIGITS and not text.startswith("+")):
        return None
    try:
        return phonenumbers.parse(_candidate(text, digits), REGION)
    except NumberParseException:
        return None


def normalize_phone(phone: str) -> str:
    """The stored form: E.164 (+380XXXXXXXXX, +48…) when the number can exist, else its digits
    (short and local numbers, and anything unreadable, so a search still finds what was stored).

    >>> normalize_phone("+38 050 1234567"), normalize_phone("0626 41 23 45"), normalize_phone("+48 22 123 45 67")
    ('+380501234567', '+380626412345', '+48221234567')
    >>> normalize_phone("101"), normalize_phone("")
    ('101', '')
    """
    number = _parse(phone)
    if number is not None and phonenumbers.is_possible_number(number):
        return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return _digits(phone or "")


def phone_problem(phone: str) -> str | None:
    """What is wrong with a typed phone number, in Ukrainian, or None when it can be dialled back.

    >>> phone_problem("050 123 45 67") is None, phone_problem("1505") is None, phone_problem("+48 22 123 45 67") is None
    (True, True, True)
    >>> phone_problem("abc")
    'Номер телефону містить літери або знаки («abc»): введіть лише цифри, наприклад 050 123 45 67.'
    >>> phone_problem("12")
    'У номері лише 2 цифри: потрібно щонайменше 3 (короткий номер) або 10 (мобільний: 0XX XXX XX XX).'
    >>> phone_problem("501234567")
    'Номер із 9 цифр: бракує однієї? Мобільний має 10 цифр і починається з 0 (050…, 067…).'
    >>> phone_problem("000 123 45 67")
    'Українського номера з кодом «000» не існує: перевірте перші цифри (мобільні 050…, 067…, 099…; Краматорськ 0626…).'
    """
    text = (phone or "").strip()
    if not text:
        return None
    odd = "".join(ch for ch in _DECOR.sub("", text) if not ch.isdigit())
    if odd:
        return f"Номер телефону містить літери або знаки («{odd[:10]}»): введіть лише цифри, наприклад 050 123 45 67."
    digits = _digits(text)
    international = text.startswith("+") or (digits.startswith("00") and len(digits) > 10)
    if len(digits) < 3:
        return (f"У номері лише {len(digits)} цифр{'а' if len(digits) == 1 else 'и'}: потрібно щонайменше 3 "
                "(короткий номер) або 10 (мобільний: 0XX XXX XX XX).")
    if len(digits) > 15:
        return f"У номері {len(digits)} цифр: забагато (міжнародний номер має не більше 15)."
    if len(digits) <= LOCAL_MAX_DIGITS and not text.startswith("+"):
        return None  # a short or local number
    if len(digits) == 9 and not international:
        return "Номер із 9 цифр: бракує однієї? Мобільний має 10 цифр і починається з 0 (050…, 067…)."
    if len(digits) == 10 and not digits.startswith("0") and not international:
        return "Український номер із 10 цифр починається з 0 (050…, 067…, 0626…)."
    number = _parse(text)
    if number is None:
        if international:
            return "Невідомий код країни: перевірте цифри після «+» (наприклад +48 22 123 45 67)."
        return "Номер не вдалося розібрати: введіть 0XX XXX XX XX або міжнародний номер із «+» (+48 22 123 45 67)."
    if phonenumbers.is_valid_number(number):
        return None
    if number.country_code == 380:
        national = phonenumbers.national_significant_number(number)
        if len(national) != 9:
            return (f"Український номер має 9 цифр після +380 (0XX XXX XX XX), а тут {len(national)}: "
                    "перевірте, чи не пропущено або не додано цифру.")
        return (f"Українського номера з кодом «0{national[:2]}» не існує: перевірте перші цифри "
                "(мобільні 050…, 067…, 099…; Краматорськ 0626…).")
    region = phonenumbers.region_code_for_country_code(number.country_code)
    return (f"Номер +{number.country_code} {number.national_number} не схожий на дійсний номер країни {region}: "
            "перевірте код країни та кількість цифр.")


def ukrainian_e164(phone: str, *, mobile: bool = False) -> str | None:
    """The E.164 form of a valid Ukrainian number (a mobile one when ``mobile``), else None.

    >>> ukrainian_e164("050 123 45 67", mobile=True), ukrainian_e164("0626 41 23 45", mobile=True)
    ('+380501234567', None)
    >>> ukrainian_e164("0626 41 23 45"), ukrainian_e164("+48 22 123 45 67")
    ('+380626412345', None)
    """
    number = _parse(phone)
    if number is None or number.country_code != 380 or not phonenumbers.is_valid_number(number):
        return None
    if mobile and phonenumbers.number_type(number) not in _MOBILE:
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)
