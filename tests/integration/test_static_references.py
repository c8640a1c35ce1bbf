"""Every `{% static '…' %}` in our templates names a file that exists: with the manifest storage of
production (hashed names) a missing one is a 500, which the tests' plain storage would not show."""

import re
from pathlib import Path

from django.contrib.staticfiles import finders

ROOT = Path(__file__).resolve().parents[2]
STATIC_TAG = re.compile(r"""{%\s*static\s+['"]([^'"]+)['"]\s*%}""")


def test_every_static_file_a_template_names_exists():
    templates = [p for p in ROOT.rglob("templates/**/*.html") if ".venv" not in p.parts and "node_modules" not in p.parts]
    named = {(str(p.relative_to(ROOT)), m) for p in templates for m in STATIC_TAG.findall(p.read_text())}
    assert len(named) > 10
    missing = sorted((t, name) for t, name in named if finders.find(name) is None)
    assert missing == []
