"""Quality on the demo city: the labelled evaluation set (generated + hand-written, tests/fixtures/geocoding)."""

import pytest

from geocoding import evaluation

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def figures(django_db_setup, django_db_blocker, _demo_city_session):
    from django.core.management import call_command

    from layers.models import Building

    with django_db_blocker.unblock():
        if not Building.objects.filter(source="demo").exists():
            call_command("load_demo_city", verbosity=0)
        generated = evaluation.generate_cases()
        handwritten = evaluation.load_handwritten()
        return generated, handwritten, evaluation.evaluate(generated + handwritten)


@pytest.fixture(scope="module")
def realworld(django_db_setup, django_db_blocker, _demo_city_session, figures):
    with django_db_blocker.unblock():
        cases = evaluation.load_realworld()
        return cases, evaluation.evaluate(cases)


def _explain(f) -> str:
    return "\n".join(f.lines()[:5] + [f"{o.case.query!r} → {o.got}" for o in f.failures[:15]])


def test_the_evaluation_set_has_at_least_500_queries_covering_every_form(figures):
    generated, handwritten, f = figures
    assert len(generated) + len(handwritten) >= 500
    cats = set(f.by_category)
    for needed in ("canonical", "type_after", "upper_compact", "russian", "flat", "noise", "lookalike", "typo1",
                   "hint_uk", "hint_ru", "ambiguous_no_hint", "house_letter_dash", "house_bud", "house_d", "house_dom",
                   "hand_roman", "hand_old", "hand_initials", "hand_apostrophe", "hand_block", "hand_house_first",
                   "hand_house_first_ru", "hand_house_first_numbered", "hand_dash_corner", "hand_dash_flat"):
        assert needed in cats


def test_top1_is_right_in_98_percent_of_queries_without_typos(figures):
    f = figures[2]
    assert f.no_typo >= 0.98, _explain(f)


def test_top1_is_right_in_95_percent_of_queries_with_one_typo(figures):
    f = figures[2]
    assert f.one_typo >= 0.95, _explain(f)


def test_no_wrong_building_is_ever_returned_as_exact_or_alias(figures):
    f = figures[2]
    assert f.wrong_exact_or_alias == 0, _explain(f)


def test_a_repeated_street_name_without_a_hint_is_always_ambiguous(figures):
    f = figures[2]
    assert f.ambiguous_without_hint == 1.0, _explain(f)


def test_the_real_world_set_has_300_hand_written_queries_of_every_kind(realworld):
    cases, f = realworld
    assert len(cases) >= 300
    for needed in ("real_glued", "real_latin_uk2010", "real_latin_ru", "real_latin_old", "real_latin_iso9",
                   "real_homoglyph", "real_typo", "real_russian", "real_russian_old", "real_old", "real_flat",
                   "real_korpus", "real_dash", "real_hint", "real_postal", "real_registry_export", "real_ambiguous"):
        assert needed in f.by_category, needed


def test_the_real_world_set_finds_the_right_building_first_in_97_percent_of_queries(realworld):
    f = realworld[1]
    assert f.top1 >= 0.97, _explain(f)


def test_the_real_world_set_never_gets_a_confident_wrong_answer(realworld):
    f = realworld[1]
    assert f.wrong_exact_or_alias == 0, _explain(f)


def test_latin_and_glued_queries_of_the_real_world_set_are_all_found(realworld):
    f = realworld[1]
    for cat in ("real_glued", "real_latin_uk2010", "real_latin_ru", "real_homoglyph"):
        ok, n = f.by_category[cat]
        assert ok == n, (cat, _explain(f))
