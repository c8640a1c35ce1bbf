"""GeoReport v2 XML and JSON from the same dicts (citizens/open311/formats.py)."""

import json
import xml.etree.ElementTree as ET

from citizens.open311.formats import Open311Error, error_response, to_json, to_xml


def test_xml_escapes_markup_and_drops_characters_xml_cannot_carry():
    xml = to_xml("service_requests", "request", [{"address": "вулиця <Миру> & Co\x07, 5", "lat": 48.7, "media_url": None}])
    request = ET.fromstring(xml)[0]
    assert request.find("address").text == "вулиця <Миру> & Co, 5"
    assert request.find("lat").text == "48.7" and request.find("media_url").text is None


def test_nested_lists_become_the_specs_containers_and_repeated_children():
    xml = to_xml("service_definition", None, {"service_code": "garbage", "attributes": [
        {"code": "waste", "required": True, "values": [{"key": "bulky", "name": "великогабаритне"}]}]})
    root = ET.fromstring(xml)
    attribute = root.find("attributes/attribute")
    assert attribute.find("required").text == "true"
    assert attribute.find("values/value/key").text == "bulky"


def test_an_error_is_a_list_of_code_and_description_with_its_http_status_in_either_format():
    error = Open311Error(403, "api_key_invalid", "невідомий api_key", more=[("x", "ще одна")])
    as_json = error_response("json", error)
    assert as_json.status_code == 403
    assert json.loads(as_json.content) == [{"code": "api_key_invalid", "description": "невідомий api_key"},
                                           {"code": "x", "description": "ще одна"}]
    as_xml = ET.fromstring(error_response("xml", error).content)
    assert [e.find("code").text for e in as_xml] == ["api_key_invalid", "x"]


def test_json_keeps_ukrainian_letters_unescaped():
    assert to_json([{"status_notes": "у роботі"}]) == '[{"status_notes":"у роботі"}]'
