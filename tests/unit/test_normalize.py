"""geocoding.normalize: keys and parts of free-text addresses (no database)."""

import pytest

from geocoding.normalize import clean, fold, parse_address, roman_to_int, short_key, split_type, street_key


def test_ukrainian_and_russian_spellings_of_one_name_meet_on_one_key():
    assert street_key("Бєлінського") == street_key("Белинского")
    assert street_key("Парковая") == street_key("Паркова")
    assert fold("ё") == fold("е") == fold("є") == fold("э")


def test_the_street_type_is_kept_apart_from_the_name_before_or_after_it():
    assert split_type(clean("Миру вулиця")) == ("миру", "вулиця")
    assert split_type(clean("вул. Миру")) == ("миру", "вулиця")
    assert split_type(clean("Миру пр-т")) == ("миру", "проспект")
    assert parse_address("Миру вулиця 5").street_type != parse_address("Миру проспект 5").street_type


@pytest.mark.parametrize("text, canonical", [
    ("вул.", "вулиця"), ("в.", "вулиця"), ("ул.", "вулиця"), ("просп.", "проспект"), ("пр-т", "проспект"),
    ("пр.", "проспект"), ("пров.", "провулок"), ("пер.", "провулок"), ("бул.", "бульвар"), ("б-р", "бульвар"),
    ("пл.", "площа"), ("шосе", "шосе"), ("шоссе", "шосе"), ("туп.", "тупик"), ("проїзд", "проїзд"),
    ("проезд", "проїзд"), ("узвіз", "узвіз"), ("набережна", "набережна"), ("майдан", "майдан"),
    ("мкр", "мікрорайон"), ("мкрн", "мікрорайон"), ("мікрорайон", "мікрорайон"), ("кв-л", "квартал"),
])
def test_every_street_type_abbreviation_of_the_issue_is_understood(text, canonical):
    assert parse_address(f"{text} Тестова 1").street_type == canonical


def test_case_and_missing_spaces_do_not_matter():
    p = parse_address("ВУЛ.ПАРКОВА,12")
    assert (p.key, p.street_type, p.house_key) == ("паркова", "вулиця", "12")


@pytest.mark.parametrize("variant", ["Партз’їзду", "Партз'їзду", "Партзʼїзду", "Партз`їзду"])
def test_every_apostrophe_gives_the_same_key(variant):
    assert street_key(variant) == street_key("Партз'їзду")


def test_latin_look_alike_letters_inside_cyrillic_words_are_folded():
    assert clean("Пaркoвa") == "паркова"  # Latin a, o
    assert street_key("Шкiльна") == street_key("Шкільна")  # Latin i
    assert street_key("Cадова") == street_key("Садова")  # Latin C


def test_ordinals_and_roman_numerals_meet():
    assert street_key("1-го Травня") == street_key("1 Травня")
    assert street_key("XIX Партз'їзду") == street_key("19-го Партз'їзду") == street_key("ХІХ Партз'їзду")
    assert roman_to_int("XIX") == 19 and roman_to_int("і") is None


def test_initials_and_given_names_are_dropped_in_the_short_key_only():
    assert short_key("Т. Шевченка") == short_key("Тараса Шевченка") == short_key("Шевченка") == "шевченка"
    assert street_key("Тараса Шевченка") != street_key("Шевченка")


@pytest.mark.parametrize("text, key", [
    ("12", "12"), ("12а", "12А"), ("12-А", "12А"), ("12 А", "12А"), ("12/1", "12/1"), ("12 к.2", "12к2"),
    ("12 корп. 2", "12к2"), ("12к2", "12к2"), ("буд. 12", "12"), ("д. 12", "12"), ("дом 12", "12"),
    ("12-А/1 корп.2", "12А/1к2"), ("12b", "12Б"),
])
def test_every_house_number_form_gives_the_canonical_key(text, key):
    assert parse_address(f"Паркова {text}").house_key == key


def test_a_flat_is_kept_as_the_flat_and_never_read_as_the_house():
    p = parse_address("Паркова, буд.12-А кв.5")
    assert (p.house_key, p.flat) == ("12А", "5")
    p = parse_address("Паркова 12, квартира 105")
    assert (p.house_key, p.flat) == ("12", "105")


def test_city_oblast_postcode_and_country_are_noise():
    p = parse_address("Україна, 84300, Донецька обл., м. Краматорськ, вул. Садова, буд. 12, кв. 3")
    assert (p.key, p.street_type, p.house_key, p.flat) == ("садова", "вулиця", "12", "3")
    assert parse_address("г. Краматорск, ул. Садовая, д. 11").key == street_key("Садова")


@pytest.mark.parametrize("text, hint, street", [
    ("пос. Октябрьский, Школьная 7", "октябрьский", "школьная"),
    ("селище Біленьке вул. Шкільна 4", "біленьке", "шкільна"),
    ("пос. Семеновка, Школьная 4", "семеновка", "школьная"),
])
def test_neighbourhood_hints_are_separated_from_the_street(text, hint, street):
    p = parse_address(text)
    assert (p.neighbourhood, p.street, p.house_key) == (hint, street, p.house_key) and p.house_key


def test_a_hint_after_the_address_is_kept_as_an_extra_part():
    assert parse_address("Шкільна 6, Семенівка").extra == ("семенівка",)


def test_a_street_name_that_starts_with_a_number_is_not_a_house():
    p = parse_address("вул. 50 років ВЛКСМ")
    assert (p.key, p.house_key) == ("50 рокив влксм", "")
    assert parse_address("20 років Жовтня 5").house_key == "5"


@pytest.mark.parametrize("text", ["", "   ", "🙂🙂", "12345", "'; DROP TABLE x; --", "кв. 5", "x" * 5000, "\x00"])
def test_junk_never_raises_and_gives_no_house_on_a_street(text):
    p = parse_address(text)
    assert not (p.key and p.house_key and p.key.isdigit())


@pytest.mark.parametrize("text, street, street_type, house, flat", [
    ("12 Паркова", "паркова", "", "12", ""),
    ("12 вул. Паркова", "паркова", "вулиця", "12", ""),
    ("буд. 12, вул. Паркова", "паркова", "вулиця", "12", ""),
    ("д.12 ул.Парковая", "парковая", "вулиця", "12", ""),
    ("дом 12, ул. Парковая, кв. 5", "парковая", "вулиця", "12", "5"),
    ("12, Паркова", "паркова", "", "12", ""),
    ("12а Паркова", "паркова", "", "12А", ""),
    ("12/1 Паркова", "паркова", "", "12/1", ""),
    ("12 в. Паркова", "паркова", "вулиця", "12", ""),  # "в." is вулиця, not the letter В
])
def test_the_house_before_the_street_is_the_house(text, street, street_type, house, flat):
    p = parse_address(text)
    assert (p.street, p.street_type, p.house_key, p.flat) == (street, street_type, house, flat)


@pytest.mark.parametrize("text, key, house", [
    ("1-го Травня 5", "1 травня", "5"),
    ("5 1-го Травня", "1 травня", "5"),
    ("буд. 5, вул. 1-го Травня", "1 травня", "5"),
    ("20 років Жовтня 3", "20 рокив жовтня", "3"),
    ("3 20 років Жовтня", "20 рокив жовтня", "3"),
    ("8 Березня 4", "8 березня", "4"),
    ("4 8 Березня", "8 березня", "4"),
    ("8 Березня", "8 березня", ""),
    ("20 років Жовтня", "20 рокив жовтня", ""),
    ("9 Мая", "9 мая", ""),
    ("7-й Зарічний мікрорайон", "7 заричнии", ""),  # an ordinal is never a house
    ("3-я Паркова", street_key("3-я Паркова"), ""),
])
def test_a_number_that_starts_a_street_name_stays_in_the_name_with_the_house_on_either_side(text, key, house):
    p = parse_address(text)
    assert (p.key, p.house_key) == (key, house)


def test_a_bare_number_before_an_unknown_name_is_a_house_that_the_gazetteer_may_give_back_to_the_name():
    p = parse_address("26 Бакинських Комісарів")  # a numbered name the parser knows: not a house
    assert (p.key, p.house_key, p.house_first) == ("26 бакинских комисарив", "", False)
    p = parse_address("12 Паркова")
    assert (p.house_key, p.house_first) == ("12", True)
    assert not parse_address("12 вул. Паркова").house_first  # a type word in between settles it
    assert not parse_address("5 1-го Травня").house_first  # a number after the number: the first is the house


@pytest.mark.parametrize("text, pair, flat", [
    ("Дружби 7-1", (7, "1"), ""),
    ("Дружби 7 - 1", (7, "1"), ""),
    ("Дружби 7-1 кв. 5", (7, "1"), "5"),
    ("ул. Дружбы, д. 12-3", (12, "3"), ""),
    ("Дружби 3-12", (3, "12"), ""),  # not a range: the parity differs
])
def test_two_numbers_joined_by_a_dash_are_a_pair_for_the_gazetteer_and_never_an_exact_key(text, pair, flat):
    p = parse_address(text)
    assert (p.house_key, p.dash_pair, p.flat) == ("", pair, flat)


def test_a_range_and_a_dashed_letter_are_not_a_dash_pair():
    assert parse_address("Дружби 19-21").dash_pair == ()
    for text in ("Дружби 7-А", "Дружби 7-а"):
        p = parse_address(text)
        assert (p.house_key, p.dash_pair) == ("7А", ())


# --- glued types, transliteration, look-alikes (issue 15) ---------------------------------------------------

from geocoding.normalize import latin_to_cyrillic, parse_readings, translit_key, unglue_type  # noqa: E402


def test_a_type_glued_to_the_name_is_offered_as_a_second_reading_in_any_case():
    for text, street, stype in (("ВУЛПАРКОВА,12", "паркова", "вулиця"), ("ПРОВШКІЛЬНИЙ,3", "шкільний", "провулок"),
                                ("улПарковая 12", "парковая", "вулиця"), ("пр-тМиру 5", "миру", "проспект")):
        readings = parse_readings(text)
        assert (street, stype) in [(p.street, p.street_type) for p in readings[1:]], text


def test_a_name_that_starts_like_a_type_is_read_as_written_first():
    assert parse_readings("Пролетарська 5")[0].street == "пролетарська"
    assert unglue_type("паркова") is None


def test_the_2010_national_table_and_older_systems_read_to_the_same_key():
    same = [("Шкільна", ("Shkilna", "Škil'na", "Shkil'na", "Shkilnaya")),
            ("Ювілейна", ("Yuvileina", "Juvilejna", "Iuvileina", "Ûvìlejna", "Yuvileyna")),
            ("Хмельницького", ("Khmelnytskoho", "Hmel'nyc'koho", "Xmelnickogo", "Khmelnitskogo", "Hmelnickogo")),
            ("Щорса", ("Shchorsa", "Schorsa", "Ŝorsa")),
            ("Соціальна", ("Sotsialna", "Socialna", "Sotsial'na", "Sot͡sii͡alna"))]
    for cyr, latins in same:
        want = translit_key(street_key(cyr))
        for latin in latins:
            assert translit_key(street_key(latin)) == want, (cyr, latin)


def test_a_latin_address_keeps_its_type_house_letter_and_flat():
    p = parse_address("vul. Parkova, bud. 12b, kv. 7")
    assert (p.street, p.street_type, p.house_key, p.flat, p.transliterated) == ("паркова", "вулиця", "12Б", "7", True)
    p = parse_address("ul. Parkovaya 12")
    assert (p.key, p.street_type) == ("паркова", "вулиця")
    assert latin_to_cyrillic("zghurivka") == "згурівка"  # zgh is з+г in the 2010 table, not ж


def test_look_alike_latin_letters_are_transliterated_only_when_nothing_says_cyrillic():
    assert parse_address("Космонавтів 5").transliterated is False
    assert parse_address("Kocмoнaвтiв 5").key == street_key("Космонавтів")  # mixed word: look-alikes
    readings = parse_readings("KOCMOHABTIB 5")
    assert street_key("Космонавтів") in [p.key for p in readings]
