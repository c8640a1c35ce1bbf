"""Address text → comparable keys, and free text → its parts (street, type, house, flat, neighbourhood hint).

Pure functions, no Django. The same functions key the registry (gazetteer.py) and the query, so
whatever folding is done here is done on both sides.

    >>> street_key("ВУЛ.ПАРКОВА")
    'паркова'
    >>> p = parse_address("ул. Парковая 12а")
    >>> p.street, p.street_type, p.house_key, p.flat
    ('парковая', 'вулиця', '12А', '')
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache

from rapidfuzz.distance import OSA

from layers.housenumbers import parse_housenumber

# Patterns used inline below, compiled once.
_LATIN_AFTER_DIGIT = re.compile(r"(?<=\d)(-?)([a-z])(?![a-z])")
_WORD = re.compile(r"[^\W\d_]+")
_NAME_TOKEN = re.compile(r"\d+(?:-?[^\W\d_]+)?|[^\W\d_][^\W\d_']*(?:'[^\W\d_]+)*\.?")
_DOT_BEFORE_TEXT = re.compile(r"\.(?=\S)")
_SLASH_LETTER = re.compile(r"/\s*([а-яіїє])$")
_HOUSE_PREFIX = re.compile(r"^(?:будинок|буд|дом|зд|д|б|№)\s*\.?\s*№?\s*")
_B_BLOCK = re.compile(r"(\d[а-яіїє]?\s*)б\s*\.\s*(?=\d)")
_BLOCK_WORD = re.compile(r"(?:блок|бл|стр|будова|корпс)\s*\.?")
_DASH_BEFORE_LETTER = re.compile(r"-(?=\D)")
_FLAT_MAX = 16
_BRACKETED = re.compile(r"\([^)]*\)")
_OPEN_BRACKET = re.compile(r"\([^\d(]*")
_WORD_GLUED_TO_DIGIT = re.compile(r"([а-яіїєґ]{3,})(\d)")
_SEMICOLON_BRACKETS = re.compile(r"[;\[\]]")
_DOT_BEFORE_WORD = re.compile(r"\.(?=[^\s\d.,])")
_ANY_WORD_CHAR = re.compile(r"\w")
_DIGIT = re.compile(r"\d")
_TWO_LETTERS = re.compile(r"[^\W\d_]{2,}")
_TRAILING_HOUSE_WORD = re.compile(r"\s+(?:будинок|буд|дом|д|б|№)\s*\.?$")
_POSTCODE = re.compile(r"\b\d{5}\b")
_BLOCK_SLASH = re.compile(r"(?<![а-яіїє])(бл|блок)\s*\.?\s*/\s*")  # "бл./№ а": a form's "block/number" field

# --- letters -------------------------------------------------------------------------------------------

# Every apostrophe a keyboard or a Word document produces.
APOSTROPHES = "'’ʼ`‘′´ʹ"
# Quotes are not apostrophes: «Ясногірський», "Б" — they separate, like a space. A backslash is a slash (49\51).
_APOSTROPHE_TABLE = str.maketrans({**{ch: "'" for ch in APOSTROPHES}, **{ch: " " for ch in '"“”«»„'}, "\\": "/"})

# Latin letters that look like Cyrillic ones, typed by mistake inside Cyrillic words (lower case: we lower first).
_LOOKALIKE = str.maketrans({
    "a": "а", "b": "в", "c": "с", "e": "е", "h": "н", "i": "і", "k": "к", "m": "м", "o": "о",
    "p": "р", "t": "т", "x": "х", "y": "у",
})
_LATIN_LOOKALIKE_LETTERS = set("abcehikmoptxy")
_HOUSE_LETTER = str.maketrans({
    "a": "а", "b": "б", "v": "в", "g": "г", "d": "д", "e": "е", "c": "с", "k": "к", "m": "м", "h": "н", "o": "о",
    "p": "р", "t": "т", "x": "х", "i": "і",
})

# Russian ⇄ Ukrainian: letters that differ between the two spellings of one name meet on one letter.
# и/і/ї/ы/й → и; е/є/э/ё → е; ґ → г; ъ, ь and apostrophes vanish.
_FOLD = str.maketrans({
    "і": "и", "ї": "и", "ы": "и", "й": "и", "є": "е", "э": "е", "ё": "е", "ґ": "г",
    "ъ": None, "ь": None, "'": None,
})

_CYRILLIC = re.compile(r"[а-яёіїєґ]")
_ROMAN = re.compile(r"^(x{0,3})(ix|iv|v?i{0,3})$")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}


def roman_to_int(token: str) -> int | None:
    """A Roman numeral (Latin or Cyrillic look-alike letters) up to 39, else None.

    >>> roman_to_int("XIX"), roman_to_int("ХІХ"), roman_to_int("iv"), roman_to_int("Паркова")
    (19, 19, 4, None)
    """
    t = token.lower().replace("х", "x").replace("і", "i")
    if len(t) < 2 and t != "x" or not _ROMAN.match(t):  # a lone "і" is the word "and", never 1
        return None
    total, prev = 0, 0
    for ch in reversed(t):
        v = _ROMAN_VALUES[ch]
        total = total - v if v < prev else total + v
        prev = max(prev, v)
    return total or None


# --- Latin → Cyrillic -----------------------------------------------------------------------------------------

# Diacritics of the scholarly systems (ISO 9, Library of Congress, the scientific one, Polish and Czech styles)
# to the plain letters the sequences below read; the ligature tie of LoC's "i͡a", "t͡s" goes.
_LATIN_DIACRITICS = str.maketrans({
    "č": "ch", "š": "sh", "ž": "zh", "ŝ": "shch", "ĉ": "ch", "ć": "ch", "ç": "ch", "ż": "zh", "ź": "z", "ś": "s",
    "ǧ": "g", "ğ": "g", "ġ": "g", "ĭ": "j", "ï": "i", "ì": "i", "í": "i", "î": "i", "ê": "ie", "ë": "e", "è": "e",
    "é": "e", "ě": "e", "â": "ia", "ä": "ia", "û": "iu", "ü": "iu", "ú": "u", "ů": "u", "ý": "y", "á": "a",
    "ó": "o", "ô": "o", "ö": "o", "ń": "n", "ł": "l",
    "\u0361": None, "\u0360": None, "\u0306": None, "\u0300": None, "\u0301": None, "\u0302": None,
    "\u0308": None, "\u030c": None,
})
# Longest first. One table reads every system at once: the national 2010 one (Cabinet of Ministers resolution
# No 55 of 27.01.2010: г=h, ґ=g, и=y, і=i, ї=i/yi, й=i/y, х=kh, ц=ts, щ=shch, я=ia/ya, ю=iu/yu, є=ie/ye), the
# older ukr-GOST (c=ц, j=й, ja/ju/je), ISO 9 (after the diacritics above), the Library of Congress one and the
# phone styles of Russian names (zh/kh/ya/yu/sch, "Parkovaya", "Gorkogo"). Where the systems disagree
# (h is г or х, ts is ц or т+с, ia is я or і+а) the reading is one guess and translit_key() folds the rest.
_LATIN_SEQUENCES = (
    ("shch", "щ"), ("sch", "щ"), ("zgh", "зг"),
    ("zh", "ж"), ("kh", "х"), ("ch", "ч"), ("sh", "ш"), ("ts", "ц"), ("cz", "ч"), ("sz", "ш"), ("ph", "ф"),
    ("ya", "я"), ("yu", "ю"), ("ye", "є"), ("yi", "ї"), ("ja", "я"), ("ju", "ю"), ("je", "є"), ("ji", "ї"),
    ("ia", "я"), ("iu", "ю"), ("ie", "є"),
)
_LATIN_LETTERS = {
    "a": "а", "b": "б", "c": "ц", "d": "д", "e": "е", "f": "ф", "g": "г", "h": "г", "i": "і", "j": "й", "k": "к",
    "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "q": "к", "r": "р", "s": "с", "t": "т", "u": "у", "v": "в",
    "w": "в", "x": "кс", "y": "и", "z": "з",
}
_LATIN_WORD = re.compile(r"[a-z]+")
# English words of foreign-made forms ("Parkova st., 9", "apt 5"): read as the Cyrillic word, not spelt out.
_ENGLISH_WORDS = {
    "st": "вул", "street": "вулиця", "str": "вул", "avenue": "проспект", "ave": "просп", "lane": "пров",
    "square": "площа", "sq": "пл", "blvd": "бул", "boulevard": "бульвар", "apt": "кв", "apartment": "кв",
    "flat": "кв", "bldg": "буд", "building": "буд", "house": "буд", "city": "місто",
}
_VOWELS_LATIN = set("aeiouy")


def latin_to_cyrillic(word: str) -> str:
    """One lower-case Latin word → its Cyrillic reading (any of the systems above).

    >>> [latin_to_cyrillic(w) for w in ("parkova", "vulytsia", "shkilna", "parkovaya", "zhovtneva", "yuvileina")]
    ['паркова', 'вулиця', 'шкілна', 'парковая', 'жовтнева', 'ювілеіна']
    >>> latin_to_cyrillic("khmelnytskoho"), latin_to_cyrillic("mikrorayon"), latin_to_cyrillic("xarkivska")
    ('хмелницкого', 'мікрорайон', 'харківска')
    """
    out: list[str] = []
    i, n = 0, len(word)
    while i < n:
        if word[i] == "x" and i == 0:  # a leading x is a look-alike х ("Xарківська"); inside a word it is кс
            out.append("х")
            i += 1
            continue
        if word.startswith("yo", i) or word.startswith("jo", i):  # йо after a vowel or at the start, else ьо
            out.append("йо" if i == 0 or word[i - 1] in _VOWELS_LATIN else "ьо")
            i += 2
            continue
        for seq, cyr in _LATIN_SEQUENCES:
            if word.startswith(seq, i):
                out.append(cyr)
                i += len(seq)
                break
        else:
            out.append(_LATIN_LETTERS.get(word[i], word[i]))
            i += 1
    return "".join(out)


@lru_cache(maxsize=100_000)
def _clean(text: str, lookalike_latin: bool) -> tuple[str, bool]:
    # NFKC would turn "№" into "No"; it is only ever a marker ("№ 12", "буд. № 5"), so it goes.
    text = unicodedata.normalize("NFKC", text.replace("№", " ")).translate(_APOSTROPHE_TABLE).lower()
    if not text.isascii():
        text = text.translate(_LATIN_DIACRITICS)
    has_cyrillic = bool(_CYRILLIC.search(text))
    transliterated = False

    def fold_word(m: re.Match) -> str:
        nonlocal transliterated
        w = m.group(0)
        if _CYRILLIC.search(w):
            return w.translate(_LOOKALIKE)  # Latin look-alikes typed inside a Cyrillic word
        if not _LATIN_WORD.fullmatch(w) or (_ROMAN.match(w) and (len(w) >= 2 or w == "x")):
            return w  # a roman numeral ("XIX", "iv"), or a script we do not read
        if set(w) <= _LATIN_LOOKALIKE_LETTERS and (has_cyrillic or lookalike_latin):
            return w.translate(_LOOKALIKE)  # "СAXAPOBA" beside Cyrillic: look-alikes, not transliteration
        transliterated = True
        return _ENGLISH_WORDS.get(w) or latin_to_cyrillic(w)

    # A Latin letter right after a house number is transliterated as layers.housenumbers does (12b = 12Б).
    text = _LATIN_AFTER_DIGIT.sub(lambda m: m.group(1) + m.group(2).translate(_HOUSE_LETTER), text)
    return _WORD.sub(fold_word, text), transliterated


def clean(text: str, *, lookalike_latin: bool = False) -> str:
    """Unicode-normalise, unify apostrophes, lower-case, fold Latin look-alikes inside Cyrillic words and read
    Latin words as transliterated Ukrainian or Russian.

    >>> clean("Пaркoва  12")  # Latin a and o
    'паркова  12'
    >>> clean("Партз’їзду") == clean("Партз'їзду") == clean("Партзʼїзду")
    True
    >>> clean("vul. Parkova, 12b"), clean("ul. Parkovaya 12"), clean("Tsentralʹna")
    ('вул. паркова, 12б', 'ул. парковая 12', "централ'на")

    A word of look-alike letters only is read as look-alikes beside Cyrillic text (or when asked), else as
    transliteration: "Tikha" alone is Тиха; "KOCMOHABTIB" is Космонавтів only as look-alikes.

    >>> clean("Tikha 5"), clean("KOCMOHABTIB 5", lookalike_latin=True)
    ('тіха 5', 'космонавтів 5')
    """
    return _clean(text, lookalike_latin)[0]


def was_transliterated(text: str) -> bool:
    """Whether clean() read any Latin word of text as transliteration (not look-alikes, not a house letter)."""
    return _clean(text, False)[1]


def has_lookalike_only_latin(text: str) -> bool:
    """Whether a Latin word of look-alike letters only was transliterated: it may have been meant as Cyrillic."""
    low = unicodedata.normalize("NFKC", text).lower()
    return not _CYRILLIC.search(low) and any(
        set(w) <= _LATIN_LOOKALIKE_LETTERS and not _ROMAN.match(w) for w in _LATIN_WORD.findall(low))


_TRANSLIT_KEY = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "h", "д": "d", "е": "e", "є": "e", "э": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "і": "i", "ї": "i", "й": "i", "ы": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "sh", "ю": "iu", "я": "ia", "ь": None, "ъ": None, "'": None,
})
_I_BEFORE_VOWEL = re.compile(r"i(?=[aeiou])")
_DOUBLE = re.compile(r"([a-z])\1+")


@lru_cache(maxsize=100_000)
def translit_key(key: str) -> str:
    """A street key → a Latin skeleton on which the transliteration systems and their guesses meet.

    г, ґ and х are one letter (h is either in Latin, g is г in Russian styles), щ is ш, ц is тс, an и or і
    before a vowel goes (я = ia = a after a consonant, є = ie, ї = yi), doubled letters are one. Lossy on
    purpose: a match on it is never exact.

    >>> translit_key(street_key("Братська")) == translit_key(street_key("Bratska"))
    True
    >>> translit_key(street_key("Соціальна")) == translit_key(street_key("Sotsialna"))
    True
    >>> translit_key(street_key("Київська")) == translit_key(street_key("Kyivska"))
    True
    >>> translit_key(street_key("Киевская")) == translit_key(street_key("Kievskaya"))  # the Russian alias
    True
    >>> translit_key(street_key("Горького")) == translit_key(street_key("Gorkogo")) == translit_key(street_key("Horkoho"))
    True
    """
    t = key.translate(_TRANSLIT_KEY)
    t = _I_BEFORE_VOWEL.sub("", t)
    return _DOUBLE.sub(r"\1", t)


def fold(word: str) -> str:
    """The Russian/Ukrainian-neutral form of one cleaned word (adjective endings -ая/-ое folded too).

    >>> fold("бєлінського") == fold("белинского")
    True
    >>> fold("парковая"), fold("паркова"), fold("партз'їзду")
    ('паркова', 'паркова', 'партзизду')
    """
    w = word.translate(_FOLD)
    if len(w) > 4:
        if w.endswith("ая"):
            w = w[:-2] + "а"
        elif w.endswith("ое"):
            w = w[:-2] + "е"
    return w


# --- street types ------------------------------------------------------------------------------------------

# Every spelling (cleaned, without the dot) → the canonical type (layers.models.StreetType values).
STREET_TYPES: dict[str, str] = {}
for _canon, _forms in {
    "вулиця": "вулиця вул вулица улица ул улиця у/л",
    "провулок": "провулок пров пер переулок провул пр-к пров-к проулок завулок",
    "проспект": "проспект просп пр-т пр-кт пр проспе прт прспект прос",
    "бульвар": "бульвар бул бульв б-р б-в бул-р",
    "площа": "площа пл площадь пл-ща площ",
    "шосе": "шосе шоссе шос",
    "тупик": "тупик туп тупік",
    "проїзд": "проїзд проезд пр-д пр-зд проізд",
    "узвіз": "узвіз узвоз спуск узв",
    "набережна": "набережна набережная наб набер",
    "майдан": "майдан",
    "мікрорайон": "мікрорайон микрорайон мкр мкрн м-н мн мр-н мкр-н мікр микр мікр-н микр-н ж/м ж.м жм житломасив жилмасив",
    "квартал": "квартал кв-л",
    "лінія": "лінія линия",
}.items():
    for _form in _forms.split():
        STREET_TYPES[_form] = _canon
# Short forms that are a type only with their dot ("в. Шевченка", "ш. Слов'янське"), never bare.
DOTTED_ONLY_TYPES = {"в": "вулиця", "ш": "шосе"}
_FULL_WORD_TYPES = set(STREET_TYPES.values()) | {"улица", "переулок", "площадь", "шоссе", "проезд", "набережная", "линия",
                                                  "микрорайон", "квартал", "спуск", "тупик"}
_FULL_TYPE_WORDS = ("вулиця", "улица", "провулок", "переулок", "проспект", "бульвар", "площа", "просп", "проїзд", "проезд",
                    "вул", "пров")
# A type word that is also a common street name ("вулиця Набережна"): a name when nothing else is.
_TYPE_WORDS_THAT_NAME = {"набережна", "набережная", "майдан", "лінія", "линия", "спуск"}

# Given names, ranks and titles that callers drop ("Т. Шевченка" = "Шевченка" = "Тараса Шевченка"),
# in the folded form.
_GIVEN = {fold(w) for w in """
тараса богдана івана ивана лесі леси миколи николая олександра александра володимира владимира юрія
юрия василя василия григорія григория ярослава сергія сергея михайла михаила петра павла андрія андрея
дмитра дмитрия олени елены марії марии соломії соломии ольги ганни анны степана федора фёдора федір
олега ігоря игоря віктора виктора анатолія анатолия костянтина константина євгена евгения романа
академіка академика генерала маршала гетьмана гетмана адмірала адмирала професора профессора
дем'яна демьяна зої зои святого св космонавта льотчика летчика героя митрополита митроп митр
валентини валентины софії софьи вільгельма вильгельма моріса мориса любові любови шота клари клары
наді нади микити никиты марка марко остапа
""".split()}

_ORDINAL_SUFFIX = re.compile(r"^(\d{1,3})-?(го|ого|его|й|ий|ый|я|а|е|ї|ти|ми|х|ое)$")


def _name_tokens(text: str) -> list[str]:
    """Cleaned name text → folded tokens: ordinals and roman numerals become digits, initials kept."""
    out: list[str] = []
    for raw in _NAME_TOKEN.findall(text.replace("-", " - ")):
        tok = raw.rstrip(".")
        m = _ORDINAL_SUFFIX.match(tok)
        if m:
            out.append(m.group(1))
            continue
        if tok in ("го", "ого", "й", "ий", "ти"):  # "1 - го" split by the hyphen spacing
            continue
        r = roman_to_int(tok) if len(tok) >= 2 else None
        if r is not None:
            out.append(str(r))
            continue
        # A dotted word that is not a type is an initial or a title ("Т.", "ак."): kept, marked, for short_key.
        out.append(fold(tok) + ("." if raw.endswith(".") else ""))
    return out


@lru_cache(maxsize=100_000)
def _keys(name: str) -> tuple[str, str]:
    """(street_key, short_key) of one name, computed together: both need the same tokens."""
    name, _ = split_type(clean(name))
    tokens = _name_tokens(name)
    full = " ".join(t.rstrip(".") for t in tokens)
    kept = [t for t in tokens if not (t.endswith(".") or len(t) == 1 and not t.isdigit() or t in _GIVEN)]
    return full, (" ".join(kept) if kept else full)


def street_key(name: str) -> str:
    """The comparison key of a street name (type word removed if it leads or trails; initials kept).

    >>> street_key("1-го Травня"), street_key("1 Травня")
    ('1 травня', '1 травня')
    >>> street_key("XIX Партз'їзду") == street_key("19-го Партз’їзду")
    True
    >>> street_key("Миру вулиця") == street_key("вул. Миру")
    True
    """
    return _keys(name)[0]


def short_key(name: str) -> str:
    """street_key without initials, given names and titles; falls back to street_key if nothing is left.

    >>> short_key("Т. Шевченка") == short_key("Тараса Шевченка") == short_key("Шевченка")
    True
    >>> short_key("Академіка Павлова"), short_key("ак. Павлова")
    ('павлова', 'павлова')
    """
    return _keys(name)[1]


# The same forms Russian/Ukrainian-folded: a transliterated type ("bulvar" → "булвар", "ulitsa" → "уліца",
# "ploshchad" → "площад", "maidan" → "маідан") is found through its folded form.
_FOLDED_TYPES = {fold(form): canon for form, canon in STREET_TYPES.items() if len(form) >= 4 and "/" not in form}


def _type_of(token: str) -> str | None:
    bare = token.rstrip(".")
    if bare in STREET_TYPES:
        return STREET_TYPES[bare]
    if token.endswith(".") and bare in DOTTED_ONLY_TYPES:
        return DOTTED_ONLY_TYPES[bare]
    if len(bare) >= 4:
        return _FOLDED_TYPES.get(fold(bare))
    return None


# A type glued to the name ("ВУЛПАРКОВА", "ПРОВШКІЛЬНИЙ", "улПарковая", "пр-тМиру"): fast typing and old
# registry exports write them so. Longest form first, so "провулок…" is not read as "пр" + "овулок…".
_GLUED_TYPE_FORMS = sorted(
    (f for f in STREET_TYPES if len(f) >= 2 and "/" not in f and "." not in f and f not in ("мн", "прт", "прос")),
    key=len, reverse=True)
_GLUED_TRAILING_FORMS = ("вулиця", "улица", "провулок", "переулок", "проспект", "бульвар", "площа", "площадь")


def unglue_type(name: str) -> tuple[str, str] | None:
    """A street name whose first word starts (or last word ends) with a type word → (name, canonical type).

    Only a reading: "Пролетарська" also starts with "пр". The gazetteer tries the name as written first.

    >>> unglue_type("вулпаркова"), unglue_type("провшкільний"), unglue_type("тараса шевченкавулиця")
    (('паркова', 'вулиця'), ('шкільний', 'провулок'), ('тараса шевченка', 'вулиця'))
    >>> unglue_type("паркова") is None
    True
    """
    words = name.split()
    if not words:
        return None
    head = words[0]
    for form in _GLUED_TYPE_FORMS:
        rest = head[len(form):].lstrip(".-")
        if head.startswith(form) and len(rest) >= 3 and rest[0].isalpha():
            return " ".join([rest, *words[1:]]), STREET_TYPES[form]
    tail = words[-1]
    for form in _GLUED_TRAILING_FORMS:
        rest = tail[: -len(form)]
        if tail.endswith(form) and len(rest) >= 3:
            return " ".join([*words[:-1], rest]), STREET_TYPES[form]
    return None


def split_type(text: str) -> tuple[str, str]:
    """Cleaned street text → (name, canonical type or ""). The type may lead or trail.

    >>> split_type("вул. паркова")
    ('паркова', 'вулиця')
    >>> split_type("миру пр-т")
    ('миру', 'проспект')
    >>> split_type("набережна")
    ('набережна', '')
    >>> split_type("вулиця набережна")
    ('набережна', 'вулиця')
    >>> split_type("вул. вулиця 3 кривоноса"), split_type("жилой масив радужний")
    (('3 кривоноса', 'вулиця'), ('радужний', 'мікрорайон'))
    >>> split_type("агаймани вулиця миру")  # a village, then its street
    ('миру', 'вулиця')
    """
    if "мас" in text:
        text = _MASSIF.sub(" ж/м ", text)
    text = _DOT_BEFORE_TEXT.sub(". ", text)
    tokens = text.split()
    if not tokens:
        return "", ""
    first = _type_of(tokens[0])
    if first and len(tokens) > 2 and tokens[0].rstrip(".") in _TYPE_WORDS_THAT_NAME and _type_of(tokens[-1]):
        first = None  # "Набережна Перемоги вул.": the leading word is the name
    if first and len(tokens) > 2 and _type_of(tokens[1]) == first:
        tokens = tokens[1:]  # "вул. вулиця Миру": a form's type and the typed one
    if first and len(tokens) > 1:
        return " ".join(tokens[1:]), first
    last = _type_of(tokens[-1]) if tokens[-1].rstrip(".") not in DOTTED_ONLY_TYPES else None
    if last and len(tokens) > 1 and tokens[-1].rstrip(".") not in _TYPE_WORDS_THAT_NAME | {"пр", "в"}:
        return " ".join(tokens[:-1]), last
    if last and len(tokens) > 1:
        return " ".join(tokens[:-1]), last
    if len(tokens) > 2:
        for i in range(1, len(tokens) - 1):  # "Ізмайлівський 1 пров. 11а": an abbreviated type in the middle
            t = _type_of(tokens[i])
            if t and (tokens[i].endswith(".") or tokens[i] not in _FULL_WORD_TYPES):
                return " ".join(tokens[:i] + tokens[i + 1:]), t
            if t and tokens[i] not in _TYPE_WORDS_THAT_NAME and not any(_DIGIT.search(w) for w in tokens[:i]):
                # "Агаймани вулиця Миру": a full type word after words is where the street starts; the words
                # before it name the village. ("1 провулок Ірпінський" keeps its number: it is part of the name.)
                return " ".join(tokens[i + 1:]), t
    if len(tokens) > 1 and len(tokens[0]) >= 4:  # "улиця", "прпосп", "проволук": a typo in the leading type word
        head = tokens[0].rstrip(".")
        for full in _FULL_TYPE_WORDS:
            limit = 2 if len(head) >= 7 and len(full) >= 7 else 1
            if OSA.distance(head, full, score_cutoff=limit) <= limit:
                return " ".join(tokens[1:]), STREET_TYPES[full]
    return " ".join(tokens), ""


# --- free text → parts -----------------------------------------------------------------------------------

_FLAT = re.compile(
    r"(?:(?<=[\s,.\d])|^)(?:кв|квартира|квар|кв-ра|apt|апт|ап|оф\s*\.?\s*пр|прим|приміщення|помещение|пом|оф|офіс|офис)\s*\.?\s*(?:№\s*)?"
    # "кв. 31-1", "кв. 12/2": a flat split in two (a communal flat); "кв. 50лєт Октября" is a квартал, not a flat.
    r"(?P<flat>\d{1,5}(?:\s*[-/]\s*\d{1,3}(?!\d)|\s*-?\s*[а-яіїє](?![а-яіїє]))?)(?![\dа-яіїєґ'])"
    # "кв. 5 6 7", "кв.627 629" at the end: several flats of one owner.
    r"(?P<more>(?:\s+\d{1,4}(?=\s|,|$))+(?=\s*(?:,|$)))?"
)
# A room stands for the flat when there is no flat: "будинок 119 кімната 201" (a hostel or a communal flat).
_ROOM = re.compile(r"(?:(?<=[\s,.\d])|^)(?:кімната|кімн|кім|комната|комн)\s*\.?\s*(?P<flat>\d{1,4})(?![\dа-яіїє-])")
# Non-residential premises are not a flat: "нежиле приміщення 108", "неж. прим. з №3 по №10", "5 Н/Ж".
_NON_RESIDENTIAL = re.compile(
    r"(?:(?<=[\s,.\d])|^)(?:нежил[а-яіїє']*|нежитл[а-яіїє']*|неж\.|н/ж)"
    r"(?:\s*(?:приміщення|приміщ|прим|помещение|помещ|пом)\s*\.?)?"
    r"(?:\s*(?:з|с)\s+)?(?:\s*\d{1,5}(?:(?:\s*(?:-|,|по|і|и)\s*|\s+)\d{1,5})*)?"
)
_HINT_MARKERS = (
    r"селище міського типу|поселок городского типа|"
    r"пос|посёлок|поселок|селище|сел|смт|с|село|с-ще|мкр|мкрн|мікрорайон|микрорайон|м-н|р-н|район|ст|станция|станція|"
    r"в/м"  # a military town: "в/м 33" is where the houses are, like "мкр 4"
)
_HINT = re.compile(rf"^\s*(?P<marker>{_HINT_MARKERS})\s*\.?\s+(?P<name>.+)$")
# A settlement named after the region and district words ("Київська обл. Баришівський р-н с. Надра"): what
# comes before the marker is the region and district, not the street.
_SETTLEMENT_INSIDE = re.compile(
    r"^(?=[^\d,]*(?:ськ|цьк|зьк|ск|цк)[а-яіїє]{1,3}[\s.])"  # region and district adjectives ("Вінницька")
    r"[^\d,]*?\s(?=(?:селище міського типу|поселок городского типа|село|селище|смт|с\.)\s*[^\W\d_])"
)
_CITY_NAMED = re.compile(
    r"\b(?:краматорськ|краматорск|kramatorsk)\b|(?:(?<=[\s,])|^)(?:м|г|місто|город)\s*\.?\s*[^\W\d_]{2}"
)
_MILITARY_TOWN_BRACKETED = re.compile(r"\((в/м\s*\d{1,4})\)")
_MICRODISTRICT_MARKERS = {"мкр", "мкрн", "мікрорайон", "микрорайон", "м-н"}
_REGION = re.compile(
    r"[^\W\d_][\w'.-]*\s+(?:обл\b\.?|область|р-н\b\.?|район\b)|(?:обл\b\.?|область)\s+[^\W\d_]+(?:ська|ская)\b"
)
# Parts of an address below the building: entrance, floor, section, hostel room. Not the house, not the flat.
_BUILDING_NOISE = re.compile(
    r"(?:(?<=[\s,.])|^)(?:секція|секция|секц|сексія|під'їзд|підʼїзд|подъезд|под|під|пар|єт|эт|поверх|пов|этаж|гуртожиток|гуртож|гурт|гур|общ|"
    r"кімната|кімн|кім|комната|комн|кв|квартира|прим|ет|етаж|кабінет|кабинет|каб)"
    r"(?![-а-яіїє])\s*\.?\s*(?:\d{1,3}(?:\s*-\s*\d{1,3})?(?![\dа-яіїє])|[а-яіїє](?![а-яіїє]))?(?:\s*\.\s*\d{1,3})?"
    r"|№"
    # a корпус marker with no number ("11 к. гурт 5", "корп. кв. 0")
    r"|(?:корпус|корп)(?![а-яіїє])\s*\.?\s*(?=,|$|[а-яіїє]{2})|(?<=\d\s)к\s*\.\s*(?=,|$|[а-яіїє]{2})"
    r"|(?<=\d\s)п\s*\.\s*(?:\d{1,2}|[а-яіїє])(?![а-яіїє])"  # "10 П. Б": п. = під'їзд after a house
    r"|\b\d{1,2}\s*(?:поверх|этаж|пов|под|подъезд|під'їзд|пiд)\b\.?(?!\s*\d)"
)
_MASSIF = re.compile(r"\b(?:жилой|житловий|жилий)\s+масс?ив\b")
_BARE_FLAT = re.compile(
    r"\s(?P<house>(?:(?:будинок|буд|дом|д|б)\s*\.?\s*)?\d{1,4}(?:\s*-?\s*[а-яіїє](?<![йк])(?![а-яіїє]))?"
    r"(?:\s*/\s*(?:\d{1,4}\s*-?\s*[а-яіїє]?|[а-яіїє]))?)\s+(?P<flat>\d{1,4}[а-яіїє]?)\s*$"
)
_LONE_HOUSE = re.compile(r"^(?P<house>\d{1,4}(?:\s*-?\s*[а-яіїє](?![а-яіїє]))?(?:\s*/\s*\d{1,4})?)(?:\s+(?P<flat>\d{1,4}))?$")
_LEADING_HOUSE = re.compile(r"^(?:будинок|буд|дом|д)\s*\.?\s*(?P<house>\d{1,4}(?:\s*-?\s*[а-яіїє](?![а-яіїє]))?)\s+(?P<street>\D.*)$")
_CITY_NOISE = re.compile(
    r"\b(?:краматорськ|краматорск|kramatorsk|україна|украина|украіна|украіне|ukraine|донецька|донецкая|донецкой"
    r"|донецької|донецка|донетска|донетская|област)\b"
    r"|(?:(?<=[\s,])|^)(?:м|г)\s*\.\s*[^\W\d_][\w'-]*(?![^,]*\d)"  # "м. Київ", not "М. Шепелєва 13"
    r"|(?:(?<=[\s,])|^)(?:місто|город|обл|область|р-н)\s*\.(?=\s|$|,)"
    r"|(?:(?<=[\s,])|^)(?:місто|город|область|обл)(?=\s|$|,)"
    r"|\b\d{5}\b"
)
_HOUSE = re.compile(
    r"(?:(?<=[\s,.])|^)"
    r"(?P<house>(?:(?:будинок|буд|дом|зд|д|б|№)\s*\.?\s*№?\s*)?\d{1,4}"
    # "19-21": one building on several numbers (kept as written, no key); or a letter "12-А".
    r"(?:\s*-\s*\d{1,4}(?![\d/])|\s*-?\s*[а-яіїєґ](?<![йь])(?![а-яіїєґ'])(?![\s.]*\d))?"
    r"(?:\s*/\s*(?:\d{1,4}\s*-?\s*[а-яіїє]?|[а-яіїє])(?![а-яіїє]))?"
    r"(?:\s*,?\s*(?:корпус|корпс|корп|кор|к|блок|бл|стр|будова|б(?=\s*\.\s*\d))(?![а-яіїє])\s*\.?\s*-?\s*(?:\d{1,3}(?:[а-яіїє](?![а-яіїє]))?|[а-яіїє])(?![а-яіїє]))?)"
    r"\s*(?=,|$)"
)
_HOUSE_THEN_WORDS = re.compile(_HOUSE.pattern[: -len(r"\s*(?=,|$)")] + r"\s+(?=[^\W\d_]{2,})")
# The house before the street: "12 Паркова", "12а вул. Паркова", "12/1 Паркова". A letter is never a dotted
# type ("12 в. Паркова" is вулиця Паркова) and an ordinal ("1-го Травня", "7-й Зарічний", "3-я") is never a house.
_HOUSE_FIRST = re.compile(
    r"^(?P<house>\d{1,4}(?:\s*-?\s*[а-яіїє](?<![йьяїхе])(?![а-яіїє.'-]))?(?:\s*/\s*\d{1,4}(?:[а-яіїє](?![а-яіїє]))?)?)"
    r"\s+(?P<street>\S.*)$"
)
# A segment that is only a house, with or without its marker: "буд. 12, вул. Паркова", "12, Паркова".
_HOUSE_ONLY = re.compile(
    r"^(?:(?:будинок|буд|дом|д|б)\s*\.?\s*)?(?P<house>\d{1,4}(?:\s*-?\s*[а-яіїє](?![а-яіїє]))?(?:\s*/\s*\d{1,4})?)$"
)
# Words after a leading number that make the number part of the street's name, not a house:
# "8 Березня", "20 років Жовтня", "26 Бакинських Комісарів" (folded forms).
_NUMBERED_NAME_WORDS = frozenset(fold(w) for w in """
січня лютого березня квітня травня червня липня серпня вересня жовтня листопада грудня
января февраля марта апреля мая июня июля августа сентября октября ноября декабря
років роки року рокiв лет года годовщины річчя летия річниці годовщина
бакинських бакинских комісарів комиссаров панфіловців панфиловцев гвардійської гвардейской дивізії дивизии
партз'їзду партсъезда з'їзду съезда партз'езду
""".split())
# "7-1": two numbers joined by a dash. A range of one side of a street ("19-21") has a larger second number of
# the same parity close by; anything else is a corner building (7/1) or a house and its flat (7, кв. 1).
_COMMA_BEFORE_BLOCK = re.compile(r"(?<=\d)\s*,\s*(?=(?:корпус|корп|кор|блок|бл)\s*\.?\s*\d)")
# "Гагаріна 7, 12": a bare number in the segment after the house is the flat (registries write it so).
_BARE_NUMBER = re.compile(r"^\d{1,4}$")
_DASH_PAIR = re.compile(r"^(?:(?:будинок|буд|дом|зд|д|б)\s*\.?\s*)?(\d{1,4})\s*-\s*(\d{1,4})$")


@dataclass(frozen=True)
class ParsedAddress:
    """What a free-text address says. street is the name as written (cleaned), street_type canonical."""

    street: str = ""
    street_type: str = ""
    housenumber: str = ""  # the house part as written (cleaned)
    house_key: str = ""  # canonical: "12А/1к2" (layers.housenumbers)
    number: int | None = None
    flat: str = ""
    neighbourhood: str = ""  # hint after "пос.", "селище", "мкр" ...
    extra: tuple[str, ...] = field(default_factory=tuple)  # other comma parts: maybe a neighbourhood name
    # "Дружби 7-1": (7, "1"), the number and what follows the dash; house_key stays "" (the gazetteer decides
    # between the corner building 7/1 and house 7, flat 1 — never as an exact match).
    dash_pair: tuple[int, str] | tuple[()] = ()
    # The house was a bare number before the street ("12 Паркова"): the number may still belong to the name
    # of a street the parser does not know as numbered ("26 Бакинських Комісарів"); the gazetteer checks.
    house_first: bool = False
    # A Latin word was read as transliteration: the street is a guess, never an exact match.
    transliterated: bool = False

    @property
    def key(self) -> str:
        return street_key(self.street) if self.street else ""

    @property
    def short(self) -> str:
        return short_key(self.street) if self.street else ""

    @property
    def initials(self) -> tuple[str, ...]:
        """Single letters of the name ("Б. Садовая" → ("б",)): what short_key drops and a match must explain."""
        if not self.street:
            return ()
        return tuple(t.rstrip(".") for t in _name_tokens(self.street)
                     if len(t.rstrip(".")) == 1 and t[0].isalpha())

    @property
    def translit_keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(translit_key(k) for k in (self.key, self.short) if k))


def _house(text: str):
    # "81/б" is the letter Б, not a fraction; "дом 12" and "д. 12" are prefixes layers.housenumbers knows.
    t = _SLASH_LETTER.sub(r"\1", text.strip())
    t = _HOUSE_PREFIX.sub("", t)
    t = _BLOCK_WORD.sub("к", t)
    t = _B_BLOCK.sub(r"\1к", t)  # "45 б. 1": after a number, "б." is a блок
    return parse_housenumber(t)


@lru_cache(maxsize=50_000)
def parse_readings(text: str) -> tuple[ParsedAddress, ...]:
    """Every plausible reading of text, the likeliest first: as written; with Latin look-alike words read as
    Cyrillic ("KOCMOHABTIB"); with a type word unglued from the name ("ВУЛПАРКОВА"). The gazetteer takes
    the first reading that names a street.

    >>> [(p.street, p.street_type, p.house_key) for p in parse_readings("ВУЛПАРКОВА,12")]
    [('вулпаркова', '', '12'), ('паркова', 'вулиця', '12')]
    >>> [(p.street, p.transliterated) for p in parse_readings("TIKHA 5")]
    [('тіха', True), ('тікна', False)]
    """
    first = parse_address(text)
    readings = [first]
    if first.transliterated and has_lookalike_only_latin(text):
        second = parse_address(text, lookalike_latin=True)
        if second.street != first.street:
            readings.append(second)
    for p in list(readings):
        if p.street and not p.street_type:
            unglued = unglue_type(p.street)
            if unglued:
                readings.append(replace(p, street=unglued[0], street_type=unglued[1]))
    return tuple(readings)


@lru_cache(maxsize=50_000)
def parse_address(text: str, *, lookalike_latin: bool = False) -> ParsedAddress:
    """Free text → ParsedAddress. Never raises; unknown input gives empty parts.

    >>> p = parse_address("Паркова, буд.12-А кв.5")
    >>> p.street, p.house_key, p.flat
    ('паркова', '12А', '5')
    >>> p = parse_address("пос. Семеновка, Школьная 4")
    >>> p.street, p.house_key, p.neighbourhood
    ('школьная', '4', 'семеновка')
    >>> parse_address("ВУЛ.ПАРКОВА,12").house_key
    '12'
    >>> parse_address("Миру пр. 5").street_type
    'проспект'
    >>> [parse_address(x).house_key for x in ("Паркова 12 к.2", "Паркова 12 корп. 2", "Паркова 12к2", "Паркова 12/1")]
    ['12к2', '12к2', '12к2', '12/1']
    >>> parse_address("1-го Травня 5").street, parse_address("1-го Травня 5").house_key
    ('1-го травня', '5')
    >>> [(parse_address(x).street, parse_address(x).house_key) for x in ("12 Паркова", "буд. 12, вул. Паркова", "5 1-го Травня")]
    [('паркова', '12'), ('паркова', '12'), ('1-го травня', '5')]
    >>> parse_address("Дружби 7-1").house_key, parse_address("Дружби 7-1").dash_pair  # 7/1 or 7, кв. 1: the gazetteer decides
    ('', (7, '1'))
    >>> parse_address("84300, м. Краматорськ, вул. Паркова, д. 12 кв 7").flat
    '7'
    >>> [parse_address(x).flat for x in ("Паркова 12 кв. 5 6", "Паркова 12 кімната 201", "Паркова 12 нежиле приміщення 3")]
    ['5, 6', '201', '']
    """
    text, transliterated = _clean(text[:800], lookalike_latin)  # cut before cleaning: 10 KB costs no more than 800
    text = text[:400]
    text = _POSTCODE.sub(" ", text)
    if "неж" in text or "н/ж" in text:
        text = _NON_RESIDENTIAL.sub(" ", text)
    flat = ""
    m = _FLAT.search(text) or (_ROOM.search(text) if "кім" in text or "комн" in text else None)
    if m:
        # "5-а" → "5А", but "31-1" keeps its dash: 311 would be another flat.
        flats = [_DASH_BEFORE_LETTER.sub("", "".join(m["flat"].split())).upper(), *(m.groupdict().get("more") or "").split()]
        while len(flats) > 1 and len(", ".join(flats)) > _FLAT_MAX:
            flats.pop()  # the flat goes into a short field (appeals keep 16 characters): the first flats win
        flat = ", ".join(flats)
        text = text[: m.start()] + " " + text[m.end():]
    if "/" in text:
        text = _BLOCK_SLASH.sub(r"\1. ", text)
    text = _MASSIF.sub(" ж/м ", text)
    text, region_words = _REGION.subn(" ", text)
    regions = region_words and not _CITY_NAMED.search(text)  # a region then a city: what follows is in the city
    text = _CITY_NOISE.sub(" ", text)
    if "в/м" in text:
        text = _MILITARY_TOWN_BRACKETED.sub(r", \1,", text)  # "буд. 19 кв. 6 (в/м 33)": the place, not an old name
    text = _BRACKETED.sub(" ", text)  # "(Танкова)": an old name in brackets, not the street
    # An unclosed bracket: drop the old name it opened, up to a number, but keep a type word: a renamed
    # street keeps its type ("Мазепи Івана (Благоєва пр 4", "Каденюка Л. (пров. Чкалова 2").
    text = _OPEN_BRACKET.sub(_types_only, text)
    text = _BUILDING_NOISE.sub(" ", text)
    text = _WORD_GLUED_TO_DIGIT.sub(r"\1 \2", text)  # "Первомайского4"
    text = _SEMICOLON_BRACKETS.sub(",", text)
    text = _DOT_BEFORE_WORD.sub(". ", text)  # "вул.паркова" → "вул. паркова"
    if "," in text:
        text = _COMMA_BEFORE_BLOCK.sub(" ", text)  # "буд. 18, корпус 2": the корпус is part of the house
    segments = [s.strip(" .-") for s in text.split(",")]
    segments = [s for s in segments if s and _ANY_WORD_CHAR.search(s)]
    if not flat:
        # "Паркова 12 5": a bare number after the house is the flat.
        for i, seg in enumerate(segments):
            fm = _BARE_FLAT.search(seg)
            if fm and _has_name(seg[: fm.start()]):
                segments[i], flat = seg[: fm.start()] + " " + fm["house"], fm["flat"]
                break

    hint = hint_marker = ""
    rest: list[str] = []
    for seg in segments:
        inside = None if hint else _SETTLEMENT_INSIDE.match(seg)
        if inside and not _HINT.match(seg) and not _street_type_inside(seg):
            seg = seg[inside.end():]
        h = _HINT.match(seg)
        if h and not hint:
            hint_marker = h["marker"]
            name = h["name"].strip()
            # Without a comma the hint is its first word; the rest is the street ("селище Біленьке вул. Шкільна 4").
            # After region and district words with no house and no type, it is all one name: "… р-н село Мала
            # Рубливка" names a village (a postal address of a village, not a street of ours).
            after_region = bool(region_words or inside)
            if _DIGIT.search(name) or _street_type_inside(name) or (len(segments) == 1 and not after_region):
                first, _, tail = name.partition(" ")
                hint = first
                if tail.strip():
                    rest.append(tail.strip())
            else:
                hint = name
            continue
        rest.append(seg)

    street = housenumber = tail = ""
    house_seg = -1
    for i, seg in enumerate(rest):
        for hm in _HOUSE.finditer(seg):
            before = seg[: hm.start()]
            if _has_name(before) or (not before.strip() and (i > 0 or hint)):
                housenumber = hm["house"].strip()
                street = before.strip() or (rest[i - 1] if i > 0 else "")
                house_seg = i
                break
        if house_seg >= 0:
            break
    if house_seg < 0:
        for i, seg in enumerate(rest):
            # "Достоєвського 1 ЗАВОД ХБМ": a house followed by words that are not an address (a firm, a note).
            for hm in _HOUSE_THEN_WORDS.finditer(seg):
                if _has_name(seg[: hm.start()]):
                    housenumber, street, house_seg = hm["house"].strip(), seg[: hm.start()].strip(), i
                    tail = seg[hm.end():].strip()  # maybe a neighbourhood: "Шкільна 4 Семенівка"
                    break
            if house_seg >= 0:
                break
    if house_seg < 0:
        for i, seg in enumerate(rest):
            lm = _LEADING_HOUSE.match(seg)  # "дом 12 Паркова": the house before the street, with its marker
            if lm:
                housenumber, street, house_seg = lm["house"], lm["street"], i
                break
    house_first = False
    if house_seg < 0:
        for i, seg in enumerate(rest):
            fm = _HOUSE_FIRST.match(seg)  # "12 Паркова", "5 1-го Травня", "12 вул. Паркова"
            if fm and _has_name(fm["street"]) and not _numbered_name(fm["street"]):
                housenumber, street, house_seg = fm["house"], fm["street"], i
                # A bare number straight before a name may be part of that name; a letter, a fraction or a
                # type word in between ("12 вул. Паркова") settles it.
                head = fm["street"].split()[0]
                house_first = fm["house"].isdigit() and not _type_of(head) and not head[0].isdigit()
                break
    if house_seg < 0 and len(rest) > 1:
        for i, seg in enumerate(rest):
            om = _HOUSE_ONLY.match(seg)  # "буд. 12, вул. Паркова": the house in a segment of its own
            if not om:
                continue
            named = [j for j in (i + 1, i - 1) if 0 <= j < len(rest) and _TWO_LETTERS.search(rest[j])]
            if named:
                housenumber, street, house_seg = om["house"], rest[named[0]], named[0]
                rest = [s for k, s in enumerate(rest) if k != i]
                house_seg = rest.index(street)
                break
    if house_seg < 0:
        named = [s for s in rest if _TWO_LETTERS.search(s)]
        street = named[0] if named else ""
        if not named and rest:
            # Only a number ("6", "12а", "12 5"): the house (and flat) without a street.
            lone = _LONE_HOUSE.match(rest[0])
            if lone:
                housenumber, flat = lone["house"], flat or (lone["flat"] or "")
    forced_type = ""
    if not street and hint and (housenumber or hint_marker in _MICRODISTRICT_MARKERS):
        # "мкр Лазурний, 5": a microdistrict with houses is the street; a village alone stays a hint.
        street, hint = (f"в/м {hint}" if hint_marker == "в/м" else hint), ""
        forced_type = "мікрорайон" if hint_marker in _MICRODISTRICT_MARKERS else ""

    name, street_type = split_type(street.strip(" -").lstrip("."))  # keep "акад." dotted: it is a title
    street_type = street_type or forced_type
    if regions and not hint and not housenumber and not street_type:
        # "Сумська область Краснопілля": after a region, a name with no house and no type is a settlement.
        hint, name = name, ""
    name = _TRAILING_HOUSE_WORD.sub("", name).strip()
    hn = _house(housenumber) if housenumber else None
    dash_pair: tuple = ()
    dm = _DASH_PAIR.match(housenumber) if hn and hn.number is None else None
    if dm:
        a, b = int(dm[1]), int(dm[2])
        if not (a < b <= a + 4 and (b - a) % 2 == 0):  # "19-21" stays a range of numbers
            dash_pair = (a, dm[2])
    if housenumber and not flat and 0 <= house_seg < len(rest) - 1 and _BARE_NUMBER.match(rest[house_seg + 1]):
        flat = rest.pop(house_seg + 1)
    extra = tuple(s for s in rest if s != street and (house_seg < 0 or s != rest[house_seg]))
    if tail:
        extra += (tail,)
    return ParsedAddress(
        street=name,
        street_type=street_type,
        housenumber=housenumber,
        house_key=hn.key if hn and hn.number is not None else "",
        number=hn.number if hn else None,
        flat=flat,
        neighbourhood=hint,
        extra=extra,
        dash_pair=dash_pair,
        house_first=house_first,
        transliterated=transliterated,
    )


def _numbered_name(street: str) -> bool:
    """Whether text after a leading number continues a numbered name: "березня" in "8 Березня"."""
    first = street.split()[0].rstrip(".,")
    return fold(first) in _NUMBERED_NAME_WORDS


def _has_name(text: str) -> bool:
    """Whether text holds a word of a name (not only a type word): "вул. 1 Травня" has none before the 1."""
    tokens = _DOT_BEFORE_TEXT.sub(". ", text).split()
    if any(_TWO_LETTERS.search(t) and (not _type_of(t) or t in _TYPE_WORDS_THAT_NAME) for t in tokens):
        return True
    # "мкр-н 4 1А/26", "вул. 3-я 1": a type word and then a number is a numbered street or microdistrict
    return any(_type_of(a) and _DIGIT.match(b) for a, b in zip(tokens, tokens[1:], strict=False))


def _types_only(m: re.Match) -> str:
    types = [t for t in _DOT_BEFORE_TEXT.sub(". ", m.group(0)[1:]).split() if _type_of(t)]
    return " " + " ".join(types) + " "


def _street_type_inside(text: str) -> bool:
    return any(_type_of(t) for t in text.split())
