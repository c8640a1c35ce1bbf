"""Demo data of the appeals app: a generated history of calls and appeals on the demo city
(``manage.py generate_appeals``), as layers/demo/ holds the generated city. Never run in production."""
