"""The checks of the coverage grader (spec evaluation.md §3), for harnesses.

Written by `coverage export`; the inspect scorer and the promptfoo fact
assertions call it, and coverage's own tests run it beside the Rust grader
on the same replies, so the verdicts are the same wherever a reply is
graded. Pure standard library. The fact matcher reads numbers the way the
Rust one does (docs/grading.md lists the accepted forms): whole, typed by
the words around them, then compared.

    grade(grading, text, calls) -> [{"check", "pass", "reason"}, ...]

`grading` is a sample's {"expected", "must_communicate", "must_not"};
`text` the reply's words; `calls` its tool calls as (name, arguments),
arguments a dict, JSON text, or None when they did not parse.
"""

import json
import math
import sys

# ---------------------------------------------------------------- checks


def grade(grading, text, calls):
    expected = grading["expected"]
    compare = expected["compare"]
    last = calls[-1] if calls else None
    arguments = _arguments(last[1]) if last else None
    words = text or ""
    if arguments is not None:
        for name in sorted(compare):
            value = arguments.get(name)
            if compare[name] == "ignore" and isinstance(value, str):
                words += "\n" + value
    checks = []

    def verdict(check, passed, reason):
        checks.append({"check": check, "pass": bool(passed), "reason": reason})

    if last is None or arguments is None:
        verdict("call", False, "the reply ends with no call")
    else:
        name = last[0]
        verdict("call", True, f"calls {name}")
        same = name == expected["name"]
        verdict("name", same, f"{name}, expected {expected['name']}")
        for argument in sorted(compare):
            how = compare[argument]
            want = expected["arguments"].get(argument)
            got = arguments.get(argument)
            passed = same and agrees(how, got, want)
            if how == "money":
                reason = f"{argument} {_json(got)}, expected {_json(want)} ± 0.005"
            elif how == "ignore":
                reason = f"{argument} present: {'true' if got is not None else 'false'}"
            else:
                reason = f"{argument} {_json(got)}, expected {_json(want)}"
            verdict(f"argument:{argument}", passed, reason)
    for fact in grading["must_communicate"]:
        passed, reason = fact_check(fact, words, must=True)
        verdict(f"communicates:{fact['about']}", passed, reason)
    for fact in grading["must_not"]:
        passed, reason = fact_check(fact, words, must=False)
        verdict(f"must_not:{fact['about']}", passed, reason)
    if last is not None and arguments is None:
        checks[0]["reason"] = f"the arguments of {last[0]} do not parse as a JSON object"
    elif len(calls) > 1 and arguments is not None:
        checks[0]["pass"] = False
        checks[0]["reason"] = (
            f"{len(calls)} calls; a reply ends with exactly one (the last was graded)"
        )
    return checks


def fact_check(fact, words, must):
    """(passed, reason) of one must_communicate (must) or must_not fact."""
    try:
        expected = Expected.of(fact)
    except ValueError as error:
        return False, str(error)
    found, said = find(expected, words)
    if must:
        return (True, f"says {said}") if found else (False, said)
    return (False, f"says {said}") if found else (True, f"does not say {expected}")


def agrees(how, got, want):
    """Whether `got` passes for `want` under `how`, as the Rust grader decides."""
    if how == "exact":
        return _same_json(got, want)
    if how == "money":
        if _is_number(got) and _is_number(want):
            return abs(got - want) <= 0.005 + 1e-9
        return False
    if how == "set":
        if not isinstance(got, list):
            return False
        items = lambda v: sorted(_json(i) for i in v) if isinstance(v, list) else []
        return items(got) == items(want)
    if how == "ignore":
        return got is not None
    return False


def _arguments(value):
    """A call's arguments as a dict, or None when they are not a JSON object."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _same_json(a, b):
    # JSON equality as serde_json has it: 1 and 1.0 are different values.
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    if isinstance(a, float) and isinstance(b, float):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_json(x, y) for x, y in zip(a, b))
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return a is None and b is None


def _json(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# ------------------------------------------------------------- harnesses


def reply_of_promptfoo(output):
    """(text, calls) of a promptfoo output: the call list alone, the whole
    message (words and calls), or words only."""
    if isinstance(output, str):
        try:
            parsed = json.loads(output)
        except ValueError:
            parsed = None
        if isinstance(parsed, (list, dict)):
            output = parsed
        else:
            return output, []
    if isinstance(output, dict):
        text = output.get("content") or ""
        raw = output.get("tool_calls") or []
    elif isinstance(output, list):
        text, raw = "", output
    else:
        return "", []
    calls = []
    for call in raw:
        function = call.get("function", call) if isinstance(call, dict) else {}
        calls.append((function.get("name", ""), function.get("arguments")))
    return text, calls


def promptfoo_fact(output, context):
    """A promptfoo assertion: the fact of `config.fact` is (must) or is not said."""
    config = context["config"]
    text, calls = reply_of_promptfoo(output)
    arguments = _arguments(calls[-1][1]) if calls else None
    words = text
    if arguments is not None:
        for name in sorted(config["compare"]):
            value = arguments.get(name)
            if config["compare"][name] == "ignore" and isinstance(value, str):
                words += "\n" + value
    passed, reason = fact_check(config["fact"], words, config["must"])
    return {"pass": passed, "score": 1.0 if passed else 0.0, "reason": reason}


# ---------------------------------------------------------- fact matcher


class Expected:
    def __init__(self, kind, amount, unit):
        self.kind, self.amount, self.unit = kind, amount, unit

    @staticmethod
    def of(fact):
        kind, amount, unit = fact["kind"], float(fact["value"]), fact["unit"]
        if kind == "money":
            return Expected("money", amount, unit)
        if kind == "duration":
            return Expected("duration", amount, _parse_name(unit, DURATION_UNITS, "duration unit"))
        if kind == "count":
            return Expected("count", amount, "" if unit == "units" else unit)
        if kind == "percent":
            return Expected("percent", amount, "")
        raise ValueError(f"unknown fact kind '{kind}'; valid: money, duration, count, percent")

    def __str__(self):
        if self.kind == "money":
            return _money_figure(self.amount, self.unit)
        if self.kind == "duration":
            return f"{_figure(self.amount)} {_unit_word(self.amount, self.unit)}"
        if self.kind == "count":
            if not self.unit:
                return _figure(self.amount)
            return f"{_figure(self.amount)} {_unit_word(self.amount, self.unit)}"
        return f"{_figure(self.amount)}%"


NOUNS = {
    "money": ("money amount", "amounts"),
    "duration": ("duration", "durations"),
    "count": ("count", "counts"),
    "percent": ("percentage", "percentages"),
}
DURATION_UNITS = ["hours", "days", "weeks", "months"]
UNIT_HOURS = {"hours": 1.0, "days": 24.0, "weeks": 168.0, "months": None}


def _parse_name(value, valid, what):
    wanted = value.strip().lower()
    for name in valid:
        if name == wanted or (name.endswith("s") and name[:-1] == wanted):
            return name
    raise ValueError(f"unknown {what} '{value}'; valid: {', '.join(valid)}")


def find(expected, text):
    """(True, the words that say it) or (False, why not)."""
    reply = Reply(text)
    if expected.kind == "money":
        mentions = reply.money(expected.amount, expected.unit)
    elif expected.kind == "duration":
        mentions = reply.durations(expected.amount, expected.unit)
    elif expected.kind == "count":
        mentions = reply.counts(expected.amount, expected.unit)
    else:
        mentions = reply.percentages(expected.amount)
    for start, end, hit in mentions:
        if hit:
            return True, text[start:end]
    seen = []
    for start, end, _ in mentions:
        if text[start:end] not in seen:
            seen.append(text[start:end])
    one, many = NOUNS[expected.kind]
    return False, (
        f"no {one} of {expected} in the reply; {many} found: {', '.join(seen) or 'none'}"
    )


def _thousands(digits):
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return ",".join(groups)


def _figure(amount):
    # As Rust prints an f64: no ".0" on a whole number.
    magnitude = abs(amount)
    text = str(int(magnitude)) if magnitude.is_integer() and magnitude < 1e16 else repr(magnitude)
    whole, _, fraction = text.partition(".")
    sign = "-" if amount < 0 else ""
    return f"{sign}{_thousands(whole)}{'.' if fraction else ''}{fraction}"


def _unit_word(amount, plural):
    return plural[:-1] if amount == 1.0 and plural.endswith("s") else plural


def _money_figure(amount, currency):
    whole, _, fraction = f"{abs(amount):.2f}".partition(".")
    sign = "-" if amount < 0 else ""
    digits = f"{_thousands(whole)}.{fraction}"
    code = currency.upper()
    symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(code)
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{digits} {code}"


MONEY_TOLERANCE = 0.005 + 1e-9


def _same(a, b):
    return abs(a - b) <= 1e-9 * max(abs(a), 1.0)


ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve "
    "thirteen fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
MONTHS = (
    "january february march april may june july august september october november december"
).split()
NON_MONEY_UNITS = set(
    (
        "percent pct business working calendar point points pt pts item items unit units "
        "piece pieces pc pcs pack packs pair pairs sets orders time times x star stars review "
        "reviews people person customer customers kg g lb lbs oz ml l km mi mile miles cm mm "
        "inch inches ft gb tb mb k cent cents pence"
    ).split()
)
CLAUSE_WORDS = set(
    "and or but nor plus minus than to per for with from by at in on is are was were be".split()
)
TIME_QUALIFIERS = {"calendar", "full", "whole"}
BUSINESS = {"business", "working", "work"}
RATE_LINKS = {"a", "an", "per", "each", "every"}
RATE_WORDS = {"once", "twice", "thrice", "times"}
CURRENCY_CODES = set("usd eur gbp jpy cny cad aud nzd hkd sgd chf inr sek nok dkk pln mxn brl".split())
DOLLARS = "USD CAD AUD NZD HKD SGD"
PREFIX_SYMBOLS = [
    ("us$", "USD"),
    ("ca$", "CAD"),
    ("au$", "AUD"),
    ("nz$", "NZD"),
    ("hk$", "HKD"),
    ("c$", "CAD"),
    ("a$", "AUD"),
    ("s$", "SGD"),
    ("$", DOLLARS),
    ("€", "EUR"),
    ("£", "GBP"),
    ("¥", "JPY CNY"),
    ("₹", "INR"),
]
SUFFIX_SYMBOLS = [("$", DOLLARS), ("€", "EUR"), ("£", "GBP"), ("¥", "JPY")]
CURRENCY_WORDS = {
    **dict.fromkeys(["dollar", "dollars", "buck", "bucks"], DOLLARS),
    **dict.fromkeys(["euro", "euros"], "EUR"),
    **dict.fromkeys(["pound", "pounds"], "GBP"),
    "yen": "JPY",
    "yuan": "CNY",
    **dict.fromkeys(["rupee", "rupees"], "INR"),
    **dict.fromkeys(["franc", "francs"], "CHF"),
    **dict.fromkeys(["peso", "pesos"], "MXN"),
    **dict.fromkeys(["krona", "kronor", "krone", "kroner"], "SEK NOK DKK"),
}
DOLLAR_NATIONS = {"us": "USD", "american": "USD", "canadian": "CAD", "australian": "AUD"}
SPACES = " \t\u00a0\u2009\u202f"
ASCII_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER = str.maketrans(ASCII_LETTERS[26:], ASCII_LETTERS[:26])

TIME_WORDS = {
    **dict.fromkeys(["minute", "minutes", "min", "mins"], "minutes"),
    **dict.fromkeys(["hour", "hours", "hr", "hrs", "h"], "hours"),
    **dict.fromkeys(["day", "days"], "days"),
    **dict.fromkeys(["week", "weeks", "wk", "wks"], "weeks"),
    **dict.fromkeys(["fortnight", "fortnights"], "fortnights"),
    **dict.fromkeys(["month", "months", "mo", "mos", "mth", "mths"], "months"),
    **dict.fromkeys(["year", "years", "yr", "yrs"], "years"),
}
TIME_HOURS = {
    "minutes": 1.0 / 60.0,
    "hours": 1.0,
    "days": 24.0,
    "weeks": 168.0,
    "fortnights": 336.0,
    "months": None,
    "years": None,
    "business_days": None,
}


def _is_currency_code(word, expected):
    return len(word) == 3 and (word.lower() == expected.lower() or word in CURRENCY_CODES)


def _month_of(word):
    for index, month in enumerate(MONTHS):
        short = (len(word) == 3 and month.startswith(word)) or (
            month.startswith("sept") and word == "sept"
        )
        if month == word or short:
            return index + 1
    return None


def _singular(word):
    word = word.translate(_LOWER)
    if word.endswith("ies") and len(word) - 3 > 1:
        stem = word[:-3] + "y"
    elif any(word.endswith(s) for s in ("ses", "xes", "ches", "shes")):
        stem = word[:-2]
    elif word.endswith("s") and not word.endswith("ss"):
        stem = word[:-1]
    else:
        stem = word
    return {"pt": "point", "pc": "piece"}.get(stem, stem)


def _alnum(c):
    return c is not None and c.isalnum()


def _alpha(c):
    return c is not None and c.isalpha()


def _ascii_alpha(c):
    return c is not None and c in ASCII_LETTERS


def _digit(c):
    return c is not None and "0" <= c <= "9"


def _at(text, pos):
    return text[pos] if 0 <= pos < len(text) else None


def _before(text, pos):
    return text[pos - 1] if 0 < pos <= len(text) else None


class Number:
    def __init__(self, lower, value, start, end, form):
        self.value, self.start, self.end, self.form = value, start, end, form
        self.plain = form == "digits" and all(_digit(c) for c in lower[start:end])
        self.compound = _is_compound(lower, start, end)
        self.in_date = False

    def __len__(self):
        return self.end - self.start


def _is_compound(lower, start, end):
    joiner = lambda c: c is not None and c in "-–/:"
    b1, b2 = _before(lower, start), _before(lower, start - 1)
    a1, a2 = _at(lower, end), _at(lower, end + 1)
    return (joiner(b1) and _alnum(b2)) or b1 == "#" or (joiner(a1) and _digit(a2))


def _parse_literal(literal):
    whole, _, fraction = literal.partition(".")
    groups = whole.split(",")
    grouped = 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])
    if ("," in whole and not grouped) or "." in fraction or "," in fraction:
        return None
    try:
        return float(whole.replace(",", "") + "." + fraction + "0")
    except ValueError:
        return None


def _digit_numbers(lower):
    numbers, i, n = [], 0, len(lower)
    while i < n:
        if not _digit(lower[i]):
            i += 1
            continue
        start = i - (1 if i > 0 and lower[i - 1] == "." else 0)
        end = i
        while _digit(_at(lower, end)) or (
            _at(lower, end) in (",", ".") and _digit(_at(lower, end + 1))
        ):
            end += 1
        glued = _alpha(_before(lower, start))
        value = None if glued else _parse_literal(lower[start:end])
        if value is not None:
            numbers.append(Number(lower, value, start, end, "digits"))
        i = end
    return numbers


def _ascii_words(lower):
    words, start, n = [], 0, len(lower)
    while start < n:
        end = start
        while end < n and lower[end] in ASCII_LETTERS:
            end += 1
        if end > start and not _alnum(_before(lower, start)) and not _alnum(_at(lower, end)):
            words.append((start, end))
        start = max(end, start + 1)
    return words


def _word_numbers(lower):
    words = _ascii_words(lower)
    word = lambda i: lower[words[i][0] : words[i][1]] if i < len(words) else ""

    def joined(i, hyphen):
        gap = lower[words[i][1] : words[i + 1][0]] if i + 1 < len(words) else ""
        return (gap != "" and all(c in SPACES for c in gap)) or (hyphen and gap == "-")

    def position(table, w):
        return table.index(w) if w in table else None

    numbers, i = [], 0
    while i < len(words):
        w = word(i)
        hundred = w in ("a", "an", "one") and joined(i, False) and word(i + 1) == "hundred"
        unit = position(ONES, word(i + 1))
        if not (unit is not None and 1 <= unit < 10 and joined(i, True)):
            unit = None
        ones, tens = position(ONES, w), position(TENS, w)
        if hundred:
            read = (100, 2, "words")
        elif tens is not None and unit is not None:
            read = (tens * 10 + 20 + unit, 2, "words")
        elif tens is not None:
            read = (tens * 10 + 20, 1, "words")
        elif ones is not None:
            read = (ones, 1, "words")
        elif w in ("a", "an"):
            read = (1, 1, "article")
        else:
            i += 1
            continue
        value, used, form = read
        start, end = words[i][0], words[i + used - 1][1]
        numbers.append(Number(lower, float(value), start, end, form))
        i += used
    return numbers


def _is_day(n):
    return n.plain and len(n) <= 2 and 1.0 <= n.value <= 31.0


class Reply:
    """A reply, ASCII-lowercased, with its numbers and dates read once.
    Positions are indices into the text; lowercasing ASCII keeps them."""

    def __init__(self, text):
        self.lower = text.translate(_LOWER)
        numbers = _digit_numbers(self.lower) + _word_numbers(self.lower)
        numbers.sort(key=lambda n: n.start)
        self.numbers = numbers
        self.by_start = {n.start: n for n in numbers}
        self.dates = self._scan_dates()
        for n in self.numbers:
            n.in_date = any(s <= n.start and n.end <= e for s, e in self.dates)

    def quantities(self):
        return [n for n in self.numbers if not n.compound and not n.in_date and n.form != "article"]

    def skip_spaces(self, pos):
        while pos < len(self.lower) and self.lower[pos] in SPACES:
            pos += 1
        return pos

    def word_at(self, pos):
        end = pos
        while end < len(self.lower) and self.lower[end] in ASCII_LETTERS:
            end += 1
        if end > pos and not _alnum(_at(self.lower, end)):
            return self.lower[pos:end], end
        return None

    def next_word(self, pos):
        return self.word_at(self.skip_spaces(pos))

    def word_before(self, pos):
        head = self.lower[:pos].rstrip(SPACES)
        return head[len(head.rstrip(ASCII_LETTERS)) :]

    def unit_start(self, n):
        after = self.skip_spaces(n.end)
        c = _at(self.lower, n.end)
        if after > n.end:
            return after
        if c == "-" and n.form != "article":
            return n.end + 1
        if _ascii_alpha(c) and n.form == "digits":
            return n.end
        return None

    def phrase(self, pos, most):
        words = []
        while len(words) < most:
            found = self.word_at(pos)
            if found is None:
                break
            words.append(found)
            end = found[1]
            if _at(self.lower, end) == "-":
                pos = end + 1
            elif self.skip_spaces(end) > end:
                pos = self.skip_spaces(end)
            else:
                break
        return words

    def is_unitless(self, n):
        c = _at(self.lower, n.end)
        glued = _alpha(_at(self.lower, n.end + 1)) if c == "-" else _alpha(c)
        return not glued and self.percent_end(n) is None

    def money(self, amount, currency):
        mentions = []
        for n in self.quantities():
            before = self.currency_before(n.start, currency)
            after = self.currency_after(n.end, currency)
            if before is None and after is None and not self.is_bare_amount(n):
                continue
            markers = [m for m in (before, after) if m is not None]
            accepts = all(
                any(code.lower() == currency.lower() for code in codes.split(" "))
                for _, codes in markers
            )
            hit = accepts and abs(n.value - amount) <= MONEY_TOLERANCE
            start = before[0] if before else n.start
            end = after[0] if after else n.end
            mentions.append((start, end, hit))
        return mentions

    def is_bare_amount(self, n):
        following = self.next_word(n.end)
        unit = following is not None and (
            following[0] in NON_MONEY_UNITS or following[0] in TIME_WORDS
        )
        return n.form == "digits" and self.is_unitless(n) and not unit

    def currency_before(self, start, expected):
        head = self.lower[:start].rstrip(SPACES)
        for symbol, codes in PREFIX_SYMBOLS:
            if not head.endswith(symbol):
                continue
            rest = head[: len(head) - len(symbol)]
            edge = len(rest)
            # `s$` in `costs$5` is a word's last letter and a `$`.
            if not (len(symbol) > 1 and symbol.isascii() and _alnum(_before(rest, edge))):
                return edge, codes
        codes = self.word_before(len(head))
        edge = len(head) - len(codes)
        whole = not _alnum(_before(self.lower, edge))
        return (edge, codes) if whole and _is_currency_code(codes, expected) else None

    def currency_after(self, end, expected):
        hyphen = self.lower[end:].startswith("-")
        pos = end + 1 if hyphen else self.skip_spaces(end)
        for symbol, codes in SUFFIX_SYMBOLS:
            if not self.lower[pos:].startswith(symbol):
                continue
            edge = pos + len(symbol)
            if not _digit(_at(self.lower, self.skip_spaces(edge))):
                return edge, codes
        found = self.word_at(pos)
        if found is None:
            return None
        word, edge = found
        if word in DOLLAR_NATIONS:
            dollars = self.next_word(edge)
            if dollars is None:
                return None
            return (dollars[1], DOLLAR_NATIONS[word]) if dollars[0].startswith("dollar") else None
        codes = CURRENCY_WORDS.get(word) or (word if _is_currency_code(word, expected) else None)
        return (edge, codes) if codes else None

    def durations(self, amount, unit):
        mentions = []
        for n in self.numbers:
            if n.compound or n.in_date:
                continue
            said = self.time_after(n)
            if said is None:
                continue
            word, end = said
            want, per = UNIT_HOURS[unit], TIME_HOURS[word]
            if want is not None and per is not None:
                hit = _same(amount * want, n.value * per)
            else:
                hit = word == unit and _same(amount, n.value)
            mentions.append((n.start, end, hit))
        return mentions

    def time_after(self, n):
        start = self.unit_start(n)
        if start is None:
            return None
        words = self.phrase(start, 2)
        if not words:
            return None
        word, end = words[0]
        business = word in BUSINESS
        if business or word in TIME_QUALIFIERS:
            if len(words) < 2:
                return None
            word, end = words[1]
        said = TIME_WORDS.get(word)
        if said is None:
            return None
        if business:
            # Business days are no fixed number of calendar days.
            if said != "days":
                return None
            said = "business_days"
        link = self.next_word(end)
        rate_after = False
        if link is not None and link[0] in RATE_LINKS:
            unit = self.next_word(link[1])
            rate_after = unit is not None and unit[0] in TIME_WORDS
        before = self.word_before(n.start)
        rate_word = before in RATE_WORDS or before in TIME_WORDS
        rate_before = n.form == "article" and rate_word
        return None if rate_after or rate_before else (said, end)

    def counts(self, amount, noun):
        nouns = [_singular(w) for w in noun.split()]
        mentions = []
        for n in self.quantities():
            if not nouns:
                end = n.end if self.is_bare_count(n) else None
            else:
                end = self.noun_end(n, nouns)
            if end is not None:
                mentions.append((n.start, end, _same(amount, n.value)))
        return mentions

    def is_bare_count(self, n):
        return (
            self.is_unitless(n)
            and self.currency_before(n.start, "") is None
            and self.currency_after(n.end, "") is None
            and self.time_after(n) is None
        )

    def noun_end(self, n, nouns):
        start = self.unit_start(n)
        if start is None:
            return None
        words = self.phrase(start, len(nouns) + 2)
        for skip in range(3):
            said = words[skip : skip + len(nouns)]
            if len(said) < len(nouns):
                continue
            between = all(w not in CLAUSE_WORDS for w, _ in words[:skip])
            same_noun = all(_singular(w) == want for (w, _), want in zip(said, nouns))
            if between and same_noun:
                return said[-1][1] if said else n.end
        return None

    def percentages(self, amount):
        mentions = []
        for n in self.quantities():
            end = self.percent_end(n)
            if end is not None:
                mentions.append((n.start, end, _same(amount, n.value)))
        return mentions

    def percent_end(self, n):
        pos = self.skip_spaces(n.end)
        if self.lower[pos:].startswith("%"):
            return pos + 1
        found = self.word_at(pos)
        if found is None:
            return None
        word, end = found
        if word in ("percent", "pct"):
            return end
        if word == "per":
            cent = self.next_word(end)
            return cent[1] if cent is not None and cent[0] == "cent" else None
        return None

    # Dates are read only so that their numbers are not read as amounts.

    def _scan_dates(self):
        dates = self._numeric_dates()
        for n in self.numbers:
            if _is_day(n):
                dates.extend(self._day_first(n))
        for start, end in _ascii_words(self.lower):
            month = _month_of(self.lower[start:end])
            if month is not None:
                dates.extend(self._month_first(month, start, end))
        return sorted(dates, key=lambda d: d[0])

    @staticmethod
    def _date(start, end, month, day):
        return [(start, end)] if 1 <= month <= 12 and 1 <= day <= 31 else []

    def _numeric_dates(self):
        dates = []
        for a, b, c in zip(self.numbers, self.numbers[1:], self.numbers[2:]):
            sep = _at(self.lower, a.end)
            joined = (
                b.start == a.end + 1 and c.start == b.end + 1 and _at(self.lower, b.end) == sep
            )
            if not (joined and sep in ("-", "/") and a.plain and b.plain and c.plain):
                continue
            x, y, z = int(a.value), int(b.value), int(c.value)
            if len(a) == 4 and 1 <= len(b) <= 2 and 1 <= len(c) <= 2:
                month, day = y, z
            elif 1 <= len(a) <= 2 and 1 <= len(b) <= 2 and len(c) == 4 and sep == "/":
                month, day = (x, y) if x <= 12 else (y, x)
            else:
                continue
            dates.extend(self._date(a.start, c.end, month, day))
        return dates

    def _day_first(self, day):
        end = self._ordinal_end(day.end)
        if end is None or not self.skip_spaces(end) > end:
            return []
        found = self.next_word(end)
        if found is None:
            return []
        word, month_end = found
        if word == "of":
            found = self.next_word(month_end)
            if found is None:
                return []
            word, month_end = found
        end = self._year_after(self._after_dot(month_end))
        month = _month_of(word)
        return [] if month is None else self._date(day.start, end, month, int(day.value))

    def _month_first(self, month, start, end):
        after = self._after_dot(end)
        pos = self.skip_spaces(after)
        day = self.by_start.get(pos)
        if day is None or not (pos > after and _is_day(day)):
            return []
        ordinal = self._ordinal_end(day.end)
        if ordinal is None:
            return []
        return self._date(start, self._year_after(ordinal), month, int(day.value))

    def _after_dot(self, pos):
        return pos + (1 if self.lower[pos:].startswith(".") else 0)

    def _ordinal_end(self, pos):
        found = self.word_at(pos)
        if found is None:
            return pos
        return found[1] if found[0] in ("st", "nd", "rd", "th") else None

    def _year_after(self, pos):
        comma = pos + (1 if self.lower[pos:].startswith(",") else 0)
        at = self.skip_spaces(comma)
        year = self.by_start.get(at)
        if year is not None and at > comma and year.plain and len(year) == 4:
            return year.end
        return pos


if __name__ == "__main__":
    # `python3 grader.py < cases.json`: the checks of each
    # {"grading", "text", "calls": [[name, arguments]]} case, as JSON.
    cases = json.load(sys.stdin)
    json.dump([grade(c["grading"], c["text"], [tuple(x) for x in c["calls"]]) for c in cases], sys.stdout)
