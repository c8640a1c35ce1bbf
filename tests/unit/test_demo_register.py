"""Cleaning the real 2015 Kramatorsk street register and applying the renamings (layers/demo/register.py)."""

import pytest

from layers.demo.geometry import plan_street
from layers.demo.register import (
    NEIGHBOURHOODS,
    Renaming,
    StreetSpec,
    UnknownNeighbourhood,
    clean_register,
    load_register,
    neighbourhood_for_label,
    read_register,
    read_renamings,
    split_street_name,
    street_match_key,
)


@pytest.fixture(scope="module")
def register():
    return load_register()


def _row(name_uk, name_ru, label):
    return {"name_uk": name_uk, "name_ru": name_ru, "neighbourhood_ru": label}


@pytest.mark.parametrize("label", ["пос. СтараяПетровка", "пос. старая Петровка", "пос. Старая Петровка"])
def test_the_three_spellings_of_stara_petrivka_are_one_neighbourhood(label):
    spec = neighbourhood_for_label(label)
    assert (spec.name_uk, spec.name_ru, spec.urban) == ("Стара Петрівка", "Старая Петровка", False)


@pytest.mark.parametrize(("label", "name_uk"), [
    ("с-зВеселый", "радгосп «Веселий»"),
    ("с-з Веселый", "радгосп «Веселий»"),
    ("пос. Веселый", "Веселий"),
    ("пос. Малотарновка", "Малотаранівка"),
    ("пос. З-я Александровка", "3-тя Олександрівка"),
    ("пос. 3-я Александровка", "3-тя Олександрівка"),
    ("пос. Беленькое; Станкострой", "Біленьке"),
    ("пос. Беленькое;Станкострой2-14; 1-15", "Біленьке"),
    ("пос. Беленькое; м-н Лазурный-205;207;209", "Біленьке"),
    ("ЦУ c-pаЯсногоровский", "центральна садиба радгоспу «Ясногірський»"),
    ("Ц-У с-за Ясногоровский", "центральна садиба радгоспу «Ясногірський»"),
    ("С. Приволье", "Привілля"),
    ("пос. В.Пустошь", "Василівська Пустош"),
    ("Новый Свет", "Новий Світ"),
    ("пос. Новый Свет", "Новий Світ"),
    ("м-н Лазурный", "Лазурний"),
    ("Соцгород", "Соцмісто"),
    ("пос. Октябрьский", "Жовтневий"),
    ("пос. Семеновка", "Семенівка"),
])
def test_messy_labels_map_to_one_neighbourhood_with_a_ukrainian_name(label, name_uk):
    assert neighbourhood_for_label(label).name_uk == name_uk


def test_urban_apartment_districts_are_flagged_urban_and_villages_are_not():
    assert neighbourhood_for_label("Соцгород").urban and neighbourhood_for_label("пос. Ясногорка").urban
    assert neighbourhood_for_label("Старый Город").urban and neighbourhood_for_label("пос. Октябрьский").urban
    assert not neighbourhood_for_label("пос. Семеновка").urban
    assert neighbourhood_for_label("с. Приволье").kind == "village"


def test_a_label_nobody_knows_is_an_error_not_a_guess():
    with pytest.raises(UnknownNeighbourhood):
        neighbourhood_for_label("пос. Атлантида")


def test_every_label_of_the_real_register_maps_to_a_neighbourhood():
    labels = {row["neighbourhood_ru"] for row in read_register()}
    assert len(labels) > 40
    codes = {neighbourhood_for_label(label).code for label in labels}
    assert codes <= {spec.code for spec, _ in NEIGHBOURHOODS}


@pytest.mark.parametrize(("text", "lang", "expected"), [
    ("1-го Травня вулиця", "uk", ("1-го Травня", "вулиця")),
    ("Ізюмський провулок", "uk", ("Ізюмський", "провулок")),
    ("Миру проспект", "uk", ("Миру", "проспект")),
    ("Леніна площа", "uk", ("Леніна", "площа")),
    ("Бульварний бульвар", "uk", ("Бульварний", "бульвар")),
    ("Слов’янське шосе", "uk", ("Слов’янське", "шосе")),
    ("Глухий тупик", "uk", ("Глухий", "тупик")),
    ("Заводський проїзд", "uk", ("Заводський", "проїзд")),
    ("Андріївський узвіз", "uk", ("Андріївський", "узвіз")),
    ("Річкова набережна", "uk", ("Річкова", "набережна")),
    ("майдан Незалежності", "uk", ("Незалежності", "майдан")),
    ("квартал Молодіжний", "uk", ("Молодіжний", "квартал")),
    ("мікрорайон Лазурний", "uk", ("Лазурний", "мікрорайон")),
    ("вул. Шкільна", "uk", ("Шкільна", "вулиця")),
    ("Шкільна", "uk", ("Шкільна", "вулиця")),
    ("1-го Мая улица", "ru", ("1-го Мая", "улица")),
    ("Изюмский переулок", "ru", ("Изюмский", "переулок")),
    ("Ленина площадь", "ru", ("Ленина", "площадь")),
])
def test_the_type_word_is_split_off_first_or_last(text, lang, expected):
    assert split_street_name(text, lang=lang) == expected


def test_xix_matches_19_go_and_apostrophes_match_each_other():
    assert street_match_key("XIX Партз’їзду") == street_match_key("19-го Партз'їзду") == street_match_key("19-го Партзʼїзду")


def test_names_repeating_with_different_case_become_one_street_with_the_capitalised_spelling():
    r = clean_register([_row("40 років Влксм вулиця", "40 лет ВЛКСМ улица", "пос. Шабельковка"),
                        _row("40 років ВЛКСМ вулиця", "40 лет ВЛКСМ улица", "пос. Шабельковка")], [])
    assert [(s.name, s.street_type) for s in r.streets] == [("40 років ВЛКСМ", "вулиця")]
    assert len(r.duplicates_merged) == 1


def test_one_name_in_two_neighbourhoods_stays_two_streets():
    r = clean_register([_row("Шкільна вулиця", "Школьная улица", "пос. Октябрьский"),
                        _row("Шкільна вулиця", "Школьная улица", "пос. Семеновка")], [])
    assert sorted(s.neighbourhood.name_uk for s in r.streets) == ["Жовтневий", "Семенівка"]
    assert len({s.source_id for s in r.streets}) == 2


def test_the_russian_name_becomes_a_russian_alias_without_its_type_word():
    r = clean_register([_row("1-го Травня вулиця", "1-го Мая улица", "пос. Октябрьский")], [])
    (street,) = r.streets
    assert (street.name, street.street_type) == ("1-го Травня", "вулиця")
    assert [(a.name, a.street_type, a.kind) for a in street.aliases] == [("1-го Мая", "улица", "ru")]


def test_a_renaming_in_use_gives_the_new_name_and_keeps_the_old_one_as_an_alias_with_its_year():
    r = clean_register([_row("XIX Партз’їзду вулиця", "XIX Партсъезда улица", "Соцгород")],
                       [Renaming("19-го Партз’їзду", "вулиця", "Ярослава Мудрого", "вулиця", 2016, "in use")])
    (street,) = r.streets
    assert (street.name, street.neighbourhood.name_uk) == ("Ярослава Мудрого", "Соцмісто")
    old = {(a.name, a.valid_until_year) for a in street.aliases if a.kind == "old"}
    assert ("XIX Партз’їзду", 2016) in old and ("19-го Партз’їзду", 2016) in old


def test_a_renaming_without_a_year_ends_the_old_name_in_2016():
    r = clean_register([_row("Горького вулиця", "Горького улица", "пос. Старопочтовый")],
                       [Renaming("Горького", "вулиця", "Конрада Гампера", "вулиця", None, "in use")])
    (street,) = r.streets
    assert street.name == "Конрада Гампера"
    assert [(a.name, a.valid_until_year) for a in street.aliases if a.kind == "old"] == [("Горького", 2016)]


def test_a_proposed_renaming_is_not_applied():
    r = clean_register([_row("Героїв України вулиця", "Героев Украины улица", "Соцгород")],
                       [Renaming("Героїв України", "вулиця", "Вознесенського", "вулиця", 2016, "proposed")])
    (street,) = r.streets
    assert street.name == "Героїв України" and not [a for a in street.aliases if a.kind == "old"]
    assert r.renamings_not_applied and not r.renamings_applied


def test_the_real_register_is_cleaned_into_unique_streets_with_the_renamings_in_use_applied(register):
    assert register.rows_read == 805
    assert 790 <= len(register.streets) < 805
    assert len({(s.name.casefold(), s.street_type, s.neighbourhood.code) for s in register.streets}) == len(register.streets)
    by_name = {(s.name, s.street_type, s.neighbourhood.code): s for s in register.streets}
    assert ("Дружби", "вулиця", "sotsmisto") in by_name and ("Леніна", "вулиця", "sotsmisto") not in by_name
    assert ("Миру", "площа", "sotsmisto") in by_name
    assert ("Ярослава Мудрого", "вулиця", "sotsmisto") in by_name
    assert ("Академічна", "вулиця", "sotsmisto") in by_name
    assert ("Соломії Крушельницької", "вулиця", "zhovtnevyi") in by_name
    assert len(register.renamings_applied) == 6
    in_use = sum(r.status == "in use" for r in read_renamings())
    proposed = sum(r.status == "proposed" for r in read_renamings())
    assert (in_use, proposed) == (6, 3) and len(register.renamings_not_applied) == proposed
    shkilna = [s for s in register.streets if s.name == "Шкільна"]
    assert len(shkilna) == 2


def test_every_street_plan_has_plain_numbers_1_to_9():
    street = StreetSpec(name="Паркова", street_type="вулиця", neighbourhood=neighbourhood_for_label("Соцгород"))
    for seed in range(20):
        plain = {b.number for b in plan_street(street, seed=seed) if not (b.letter or b.fraction or b.block)}
        assert set(range(1, 10)) <= plain


def test_street_plans_fill_the_house_number_parts_consistently_with_the_key():
    street = StreetSpec(name="Паркова", street_type="вулиця", neighbourhood=neighbourhood_for_label("Соцгород"))
    plans = [b for seed in range(30) for b in plan_street(street, seed=seed)]
    for b in plans:
        key = f"{b.number}{b.letter}" + (f"/{b.fraction}" if b.fraction else "") + (f"к{b.block}" if b.block else "")
        assert b.key == key
    written = {b.housenumber for b in plans}
    assert any("корп." in h for h in written) and any("/" in h for h in written)
    assert any(b.letter == "А" for b in plans)


def test_another_seed_gives_other_streets():
    street = StreetSpec(name="Паркова", street_type="вулиця", neighbourhood=neighbourhood_for_label("Соцгород"))
    one = [(b.housenumber, b.width) for b in plan_street(street, seed=1)]
    assert one == [(b.housenumber, b.width) for b in plan_street(street, seed=1)]
    assert one != [(b.housenumber, b.width) for b in plan_street(street, seed=2)]
