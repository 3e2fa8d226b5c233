"""A chat message made into a question: mentions, greetings and chat particles dropped, a
message in capitals throughout read in lower case, chat short forms spelt out.

People ask the way they chat: ``<@123> halo kak, brp yg dibayar tiktok ke ms tiap bulan sih?``.
A mention (another member, a role, a channel), a greeting ("halo", "pagi semua"), a request
frame ("mau nanya dong"), a form of address ("kak", "min", "gan") and a discourse particle
("sih", "dong", "ya") say nothing about what is asked, yet the articles never contain them,
so they read as words the index lacks (what unanswerable questions have) and pull the
question's embedding towards small talk. They are closed classes of Indonesian chat, listed in
``CHAT_WORDS``; those that are also names or words of their own ("Big Bang", "Kang Daniel",
"LoL") in ``CASUAL_ADDRESSES`` and ``CASUAL_WORDS``, dropped only in lower case and when the
index does not hold them. A short form ("yg", "brp", "gak", "dgn") hides the word the articles use, and
with it the kind of answer wanted ("brp" asks for a number). Short forms come from the Colloquial Indonesian Lexicon
(Salsabila et al., 2018) as packaged by PyPI's ``indoNLP`` (MIT); one is spelt out only when
the index does not hold it as a word of its own (an article about Microsoft may well write
"MS"), is not written in capitals (an acronym, "BG", is a name), is not a capitalised word
inside a sentence (a name, an initial or a title: "Cape Town", "George W Bush", "Dr Wilson";
where a sentence or a line begins phones capitalise what is typed, "Brp org?"), and only in
Indonesian questions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache

from ingest.text.analysis import ID_STOPWORDS, LINK, LINK_TAIL, guess_language
from ingest.text.stemming import root_words

# Discord's mention syntax (members, nicknames, roles, channels, slash commands), plain "@name" /
# "@everyone" written in text, and Discord's other markup a message may hold that says nothing
# asked: custom emoji ("<:pepe:123>", animated "<a:pepe:123>"), timestamps ("<t:1700000000:R>")
# and server guide links ("<id:customize>"); and a link pasted into a question ("cek ini dong
# https://...", "<https://...>" as Discord writes one without a preview): its words ("https",
# "com", the path's) name nothing the articles say, and a link alone asks nothing (the article
# it points to is added with ``tanya ingest`` or ``/add``).
_MENTION = re.compile(
    rf"{LINK.pattern}|www\.{LINK_TAIL}"
    r"|<(?:@[!&]?|#|/[\w -]+:)\d+>|<a?:\w{1,32}:\d+>|<t:-?\d{1,13}(?::[tTdDfFR])?>|<id:\w{1,20}>|(?<![\w.])@[\w.]+",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]+")

# Greetings, request frames, forms of address and discourse particles of Indonesian (and a few
# English) chat; dropped wherever they stand, as whole words. Words that can carry content in a
# question ("semua", "mas", "kan" as in "bukan") are not here, nor the times of day that greet
# ("pagi min", "selamat malam"), which also ask ("knp pagi?", "curah hujan malam kejadian", "ada
# yang ditemukan selamat?"): those greet only where a message opens (``_GREETING_OPENING``) or in
# a greeting's phrase (``_CHAT_PHRASES``).
CHAT_WORDS = frozenset(
    """
    halo hallo helo hai hay hi hello hey yo eh permisi assalamualaikum
    min admin kak kakak gan agan bro sis bos bot guys gais gaes teman teman-teman
    sih dong deh nih tuh ya yah yaa kok lho loh toh mah yuk wkwk wkwkwk wkwkwkwk hehe haha hihi xixi
    btw tolong please pls plz thanks thx makasih
    """.split()
)
# More forms of address and chat words that are also names or words of their own ("Big Bang",
# "Kang Daniel", "BG", "LoL", "a loud bang"): dropped only in lower case, when the index does not
# hold them, and, for the Indonesian forms of address, only in Indonesian questions. "pak" and "bu"
# also title the person a question is about ("pak heru bilang apa", "bu sri diwawancara dmn"):
# news write the name alone, so the title read as a word no article holds.
CASUAL_ADDRESSES = frozenset("bang bg abang mbak mba om kang cuy coy bestie sob pak bu bpk".split())
CASUAL_WORDS = frozenset("lol lmao yo folks".split())
_CHAT_PHRASES = re.compile(
    r"\b(?:(?:mau|boleh|numpang|izin|ijin|ingin)\s+(?:nanya|tanya|bertanya)"
    r"|good\s+(?:morning|afternoon|evening)"
    r"|(?:halo|hallo|helo|hai|hi|hello|hey)\s+(?:semua|semuanya|sekalian|everyone|all)"
    r"|(?:tolong|mohon)\s+(?:dijawab|dibantu|infonya|info))\b",
    re.IGNORECASE,
)
# Thanks, as a clause of its own where a message begins or ends or between its sentences:
# "makasih ya, ...", "...? thanks in advance"; not "Siapa yang mengucapkan terima kasih kepada
# relawan?" nor "Thanks to the new rule, how many ...?".
_THANK = (
    r"(?:terima\s+kasih|makasih|mksh|trims|thanks|thank\s+you|thx|tq)"
    r"(?:\s+(?:banyak|bnyk|byk|sebelumnya|ya|in\s+advance|a\s+lot))?"
)
_THANKS = re.compile(rf"(?:^|(?<=[.!?,;]))\s*{_THANK}\s*(?:[^\w\s]+|$)|\b{_THANK}[\W_]*$", re.IGNORECASE)
_SPACES = re.compile(r"\s{2,}")
_THANKS_TO = re.compile(r"(?<=[Tt]hanks)\s+to\b")


# Words that only acknowledge ("oke sip", "oh gitu", "noted"): no word that could be what is asked
# about, so also dropped as a first clause before a question ("oke, kalau pelajar?", not "bantuan,
# kapan cair?").
_ACKNOWLEDGEMENTS = frozenset(
    """
    ok oke okay okey okeh sip siap mantap mantab mantul noted baik oh ooh ohh oalah gitu begitu paham ngerti
    wah wow keren anjay anjir hmm hm cool nice great alright i see got it
    """.split()
)
# Those and other reactions, and greetings that ask after the bot rather than the news ("apa
# kabar?"): left out only to tell whether a message asks anything at all (``small_talk``); a
# question is read with them as before.
_REACTIONS = _ACKNOWLEDGEMENTS | frozenset(
    """
    sangat membantu infonya info atas jawabannya jawaban jiwa bgt banget
    good morning afternoon evening night there everyone all folks semua semuanya so much very bye dadah for the you
    """.split()
)
# What thanks are given for ("makasih atas bantuannya", "thanks for the help", "jawabannya
# lengkap"): small talk only beside thanks or a reaction, since alone they may ask
# ("bantuan", "penjelasan lengkap dong").
_GIVEN = frozenset(
    """
    bantuan bantuannya penjelasan penjelasannya informasi informasinya bermanfaat lengkap jelas
    help helps helped helpful your that s this was
    """.split()
)
# Small talk that greets: a message of these alone may end in a question mark ("halo?", "ada orang?"
# is no greeting); one of acknowledgements may not ("kok gitu?" asks why, "semua selamat?" asks).
_GREETING_WORDS = frozenset(
    "halo hallo helo hai hay hi hello hey pagi siang sore malam malem met selamat assalamualaikum assalamu alaikum "
    "wr wb morning".split()
)
# What a message says to the bot itself, asking what it does or whether it is there ("help",
# "/help", "menu", "ping", "tes", "p", "bantu dong"): alone, it is told what can be asked.
_BOT_CHECKS = frozenset("help me menu ping tes test testing p bantu".split())
# The bot's own name, said to it ("hey tanya, thanks!", "makasih ya tanya"): alone, "tanya" (ask)
# asks nothing either.
_BOT_NAMES = frozenset({"tanya"})
_SMALL = CHAT_WORDS | CASUAL_ADDRESSES | _GREETING_WORDS | _BOT_CHECKS | _BOT_NAMES  # small talk, whatever ends it
_GREETINGS = re.compile(r"\b(?:apa\s+kabar(?:nya)?|how\s+are\s+you|how\s+r\s+u|what'?s\s+up)\b", re.IGNORECASE)
_LAUGHTER = re.compile(r"a?(?:wk|kw)+w?k?|(?:ha)+h?|(?:he)+h?|(?:hi){2,}|(?:xi)+|(?:lo)+l|lmao|rofl", re.IGNORECASE)
_MORE_THANKS = re.compile(r"\b(?:terimakasih|makasi+|tengkyu|thank\s+u|ty)\b", re.IGNORECASE)
# Words of small talk only English has, and those only Indonesian has: a message's reply is in
# the language more of its words are ("thanks min" is Indonesian).
_EN_SMALL_TALK = frozenset(
    "thanks thank hello hey okay cool nice great alright got see good morning afternoon evening night there everyone "
    "how are you what up bye thx ty bro lol help helps helped helpful very this that was your me ping testing".split()
)
_ID_SMALL_TALK = (
    (
        frozenset(
            "halo pagi siang sore malam selamat makasih terima kasih oke sip siap mantap gitu begitu baik "
            "semua semuanya wah keren sangat membantu infonya dadah bgt banget".split()
        )
        | CHAT_WORDS
        | CASUAL_ADDRESSES
    )
    - _EN_SMALL_TALK
    - frozenset("hi hey hello thanks thx btw please pls plz bro sis bos bot guys".split())
)
_THANKS_ANYWHERE = re.compile(rf"\b{_THANK}\b", re.IGNORECASE)


def _once(word: str) -> str:
    """A word with its last letter written once ("haloo", "hii", "siapp", "makasii")."""
    low = word.lower()
    return low.rstrip(low[-1]) + low[-1] if low else low  # linear, unlike a backreference


def small_talk(text: str) -> str | None:
    """The language of a message that asks nothing ("en" or "id"), or ``None`` for one that does:
    nothing is left of it once mentions, thanks, greetings, forms of address, particles,
    laughter and acknowledgements are left out ("halo", "makasih ya", "oke sip", "apa kabar
    min?", "wkwkwk", "thanks!", "makasih bang"); a message ending in a question mark must be a
    greeting ("halo?", not "kok gitu?"). Such a message is answered with what the bot can be
    asked, not searched for (in a conversation, it leaves the conversation as it was)."""
    plain = strip_mentions(unfancy(text))
    rest = _THANKS_ANYWHERE.sub(" ", _MORE_THANKS.sub(" ", plain))
    rest = _CHAT_PHRASES.sub(" ", _GREETINGS.sub(" ", rest))
    said = [w.lower() for w in _WORD.findall(plain)]
    small = _SMALL
    if not plain.rstrip().endswith("?") or _GREETINGS.search(plain):
        small = small | _REACTIONS
        if thanks(plain) or any(_among(w, _REACTIONS) for w in _WORD.findall(rest)):
            small = small | _GIVEN
    left = [w for w in _WORD.findall(rest) if not _among(w, small) and not _LAUGHTER.fullmatch(w)]
    if left or not said or any(ch.isdigit() for ch in rest):
        return None
    english = sum(_among(w, _EN_SMALL_TALK) for w in said) + bool(re.search(r"\bthank\s+u\b", plain, re.I))
    return "en" if english > sum(_among(w, _ID_SMALL_TALK) for w in said) else "id"


def _among(word: str, words: frozenset[str]) -> bool:
    """Whether ``word`` is one of ``words``, as written or with its last letter once ("siapp")."""
    return word.lower() in words or _once(word) in words


def greets(text: str) -> bool:
    """Whether a message greets ("halo", "selamat pagi", "apa kabar?", "hi there")."""
    plain = strip_mentions(unfancy(text))
    return _GREETINGS.search(plain) is not None or any(_among(w, _GREETING_WORDS) for w in _WORD.findall(plain))


def thanks(text: str) -> bool:
    """Whether a message thanks ("makasih ya", "thanks!")."""
    plain = strip_mentions(unfancy(text))
    return _THANKS_ANYWHERE.search(plain) is not None or _MORE_THANKS.search(plain) is not None


@lru_cache(maxsize=1)
def short_forms() -> dict[str, str]:
    """Chat short form -> the standard Indonesian it stands for (lower case)."""
    from indoNLP.preprocessing.slang_data import SLANG_DATA

    return {k.lower(): v.lower() for k, v in SLANG_DATA.items() if k.lower() != v.lower()}


def has_words(text: str) -> bool:
    """Whether a message says anything besides mentions and links ("@everyone", "<@&123> <#456>",
    "https://..." say nothing), in whatever letters it is typed."""
    return any(ch.isalnum() for ch in strip_mentions(unfancy(text)))


def strip_mentions(text: str) -> str:
    """``text`` without mentions and links, with the spaces they leave collapsed."""
    return _SPACES.sub(" ", _MENTION.sub(" ", text)).strip(" ,")


def _names_something(text: str, match: re.Match[str], titled: bool) -> bool:
    """Whether the capitalised word ``match`` of ``text`` is part of a name, an initial or a title
    rather than a chat short form: before a full stop and a capitalised word ("Dr. Wilson"), or,
    unless the message capitalises most of its words (``titled``), inside a sentence, right after
    a word and one space ("Cape Town", "George W Bush", "apa kata X"). Where a sentence, a line
    or a quote begins, phones capitalise whatever is typed ("Brp org?", "oke. Yg mana?",
    "tiktok phk\nKnp?")."""
    start, end = match.span()
    if _TITLE_DOT.match(text, end):
        return True
    if titled or start < 2 or text[start - 1] != " ":
        return False
    # after a word or a comma ("kakaknya, Ni Wayan"), or a title's full stop ("Dr. Sam Altman"),
    # not a sentence's
    return text[start - 2].isalnum() or text[start - 2] == "," or _abbreviation_ends(text, start - 1)


# a full stop after a title's short form and the capitalised name after it ("Dr. Wilson")
_TITLE_DOT = re.compile(r"\. ?[A-Z][a-z]")


def _titled(text: str) -> bool:
    """Whether ``text`` capitalises most of its words past the first ("Tiktok Phk Brp Org Yg
    Kena?"): then a capital says nothing of a name. Names and acronyms in a question ("Siapa
    pendiri Cape Town?", "Kapan RSUD Dr Moewardi diresmikan?") are not that many."""
    found = [w for w in _WORD.findall(text)[1:] if len(w) > 1 and not w.isupper()]
    return len(found) >= 5 and sum(w[0].isupper() for w in found) >= 0.8 * len(found)


# A word written twice as the word and "2" ("orang2", "beda2", "gara2nya"): three letters at least
# and not in capitals, so that "CO2", "S2", "PS2" and "DOTA2" stay names.
_REDUPLICATED = re.compile(r"(?<![\w-])([^\W\d_]{3,})2(nya)?(?![\w-])")


def reduplicated(text: str) -> str:
    """``text`` with its words written twice in chat as the word and "2" written out ("orang2" ->
    "orang-orang", "gara2nya" -> "gara-garanya"): the "2" had been searched as a number and
    matched any "2" of an article. Only a word of the language or a chat short form of one is:
    "dota2", "level2", "Tiktok2" are names."""
    table = short_forms()

    def spell(match: re.Match[str]) -> str:
        word = match.group(1)
        low = word.lower()
        roots = root_words()
        known = low in roots or f"{low}-{low}" in roots or low in table  # "gara-gara" is a root of its own
        if not (word.islower() or word[1:].islower()) or not known:
            return match.group(0)
        return f"{word}-{low}{match.group(2) or ''}"

    return _REDUPLICATED.sub(spell, text)


# The symbols of the metric units (SI and those used with it: "ha", "l"), which a chat short form
# may also write ("km" is "kamu", "m" "sama", "cm" "cuma", "mw" "mau", "lt" "lantai").
# "kk" is how news count households ("1.240 KK", "Rp 500.000 per KK"; "kepala keluarga"), not
# "kakak" ("brp kk yg terdampak", "bantuannya brp per kk": natural34_dev)
_UNIT_SYMBOLS = frozenset("km m cm mm kg g mg l lt ml ha kw kwh mw gw w v a t kk".split())
# A figure, a word asking how many or a word counting by ("per", "tiap", "jumlah") right before a
# word, which is then a unit.
_COUNTED_BEFORE = re.compile(
    r"(?:\d(?:[.,]\d+)?|\b(?:berapa|brp|brapa|brpa|bbrp|beberapa|how\s+many|how\s+much"
    r"|per|tiap|setiap|jumlah|total))\s*$",
    re.IGNORECASE,
)
# How far before a word (and the spaces before it) ``_COUNTED_BEFORE`` is looked for: searched
# from the message's start at every unit symbol, a message of 100,000 characters took a minute
_COUNTED_REACH = 40


def _counted_before(text: str, start: int) -> bool:
    """Whether a figure or a word counting by stands right before ``text[start:]``
    (``_COUNTED_BEFORE``), read from the characters before it and the spaces between."""
    end = start
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return _COUNTED_BEFORE.search(text, max(0, end - _COUNTED_REACH), start) is not None


def expand_short_forms(text: str, indexed: Callable[[Iterable[str]], set[str]]) -> str:
    """``text`` with its chat short forms spelt out, except those ``indexed`` says the index
    holds (it gets the candidates, lower case, and returns those it knows)."""
    table = short_forms()
    typed = {m.group(0).lower() for m in _WORD.finditer(text)}
    # a short form with the clitic "-nya" ("orgnya", "nanggepinnya") is the short form's word with
    # it; not a word of its own that ends so ("punya", "tanya")
    clitic = {
        w: w[:-3]
        for w in typed - table.keys()
        if w.endswith("nya") and len(w) > 5 and w[:-3] in table and w not in root_words()
    }
    found = ((typed & table.keys()) | set(clitic.values())) - CHAT_WORDS
    if not found:
        return text
    kept = indexed(found)
    titled = _titled(text)

    def spell(match: re.Match[str]) -> str:
        word = match.group(0)
        low = word.lower()
        acronym = len(word) > 1 and word.isupper()  # "BG", "MS": a name, not "bang" or "masih"
        start, end = match.span()
        # a letter against a figure is no word ("G7", "g7", "B20"), nor letters before one ("co2":
        # no "cowok"; "org2" has been written "org-org")
        lone_letter = len(word) == 1 and (text[end : end + 1].isdigit() or text[start - 1 : start].isdigit())
        before_figure = text[end : end + 1].isdigit()
        # a unit's symbol after a figure or "berapa" is that unit ("5 km", "brp km": no "kamu";
        # "3 m": no "sama", "2 mw": no "mau")
        unit = low in _UNIT_SYMBOLS and _counted_before(text, start)
        if (
            acronym
            or lone_letter
            or before_figure
            or unit
            or (word[0].isupper() and _names_something(text, match, titled))
        ):
            return word
        if low in clitic and clitic[low] in found and clitic[low] not in kept:
            return table[clitic[low]] + "nya"
        if low in found and low in kept and _function_word(table[low], text, start, end):
            return table[low]
        return table[low] if low in found and low not in kept else word

    return _WORD.sub(spell, text)


def _function_word(spelt: str, text: str, start: int, end: int) -> bool:
    """Whether a short form the index holds, standing at ``text[start:end]``, is still the
    chat's short form of the function word ``spelt`` ("dr" for "dari", "jd" for "jadi"): a word
    of its own (a space or nothing before it: not "tl;dr") introducing the lower-case word or the
    figure after it ("dr mana", "dr brp", "dr 2 jd 3"), not a name ("dr. Yohana", "dr Yohana" are
    a doctor; "ke ms" at the end names Microsoft where the index holds "ms"). The index holds "dr"
    from its doctors' titles, and "naik dr brp" had searched for them, "dr" weighing as much as a
    rare name (docs/quality.md, twenty-seventh session)."""
    if spelt not in ID_STOPWORDS or text[start - 1 : start] not in ("", " "):
        return False
    following = re.match(r" +(\w)", text[end:])
    return bool(following and not following.group(1).isupper())


# A time of day opening a message, greeting: with "selamat" or "met" before it or everyone after it
# ("selamat pagi", "pagi semua"), or before a form of address, a particle, a request, a sign or
# nothing ("pagi min, ...", "malem kak ...", "pagi mau nanya ...", "pagi 🙏 ...", "Sore: ...");
# not "pagi ini ...", which asks about this morning, nor "pagi-pagi" or "pagi2" (early).
_GREETING_OPENING = re.compile(
    r"^\s*(?P<time>(?P<greeting>(?:selamat|met)\s+)?(?:pagi|siang|sore|malam|malem)\b(?![-\d])"
    r"(?P<everyone>\s+(?:semua|semuanya|sekalian|everyone|all)\b)?)[\s,.:;!…]*",
    re.IGNORECASE,
)
_NEXT_WORD = re.compile(r"[^\W\d_]+")


def _greeting_opening(text: str, casual: frozenset[str]) -> str:
    """``text`` without the time of day that greets where it opens (``_GREETING_OPENING``)."""
    match = _GREETING_OPENING.match(text)
    if match is None:
        return text
    rest = text[match.end() :]
    after = _NEXT_WORD.match(rest)
    greets = (
        match.group("greeting")
        or match.group("everyone")
        or text[match.end("time") : match.end()].strip()  # a sign after it: "pagi, ...", "Sore: ..."
        or not rest
        or after is None  # a sign: "pagi 🙏 ..."
        or after.group().lower() in CHAT_WORDS
        or after.group().lower() in CASUAL_ADDRESSES
        or after.group() in casual
        or _CHAT_PHRASES.match(rest) is not None  # a request: "pagi mau nanya ..."
    )
    return rest if greets else text


# Asking the channel whether anyone knows, where a message opens (after its mentions, greetings and
# forms of address): "@rina tau gak kebutuhan VAR brp", "lu tau ga ...", "ada yang tahu enggak
# ...", "anyone know ...", "do you know ...". Elsewhere the knowing is what is asked ("memang
# microsoft sama openai tau enggak kalo ...": did they know?); and "tahu" alone before a "no" may
# be tofu ("tahu gak dijual di pasar?"): it asks whether anyone knows only after who is asked.
# "not" as chat writes it, which the news never do (also the tag ending a yes-or-no question,
# ``without_yes_no_tag``)
_COLLOQUIAL_NOT = r"enggak|engga|nggak|ngga|gak|ga|gk|kagak|ndak|nda"
_NOT = rf"(?:{_COLLOQUIAL_NOT}|tidak)"
_KNOW_OPENING = re.compile(
    rf"^\s*(?:(?:lu|lo|loe|elu|elo|kamu|km|kalian|anda|ada\s+(?:yang|yg))\s+(?:tau|tahu|tw)\b(?:\s+{_NOT}\b)?"
    rf"|(?:tau|tw)\s+{_NOT}\b)[\s,:?!]*"
    r"|^\s*(?:(?:does|do)\s+)?(?:any\s*(?:one|body)|some\s*(?:one|body)|you|u)\s+know\b[\s,:?!]*",
    re.IGNORECASE,
)


def strip_chat_words(text: str, casual: frozenset[str] = frozenset()) -> str:
    """``text`` without greetings (a time of day only where it opens: ``_greeting_opening``),
    request frames, forms of address and particles, and without the ``casual`` words where they
    are written in lower case; without asking whether anyone knows where what is left opens
    (``_KNOW_OPENING``); and without the "gak" that ends a question asking yes or no
    (``without_yes_no_tag``)."""
    text = _CHAT_PHRASES.sub(" ", _greeting_opening(text.lstrip(), casual))

    def dropped(match: re.Match[str]) -> bool:
        word = match.group(0)
        if _THANKS_TO.match(text, match.end()):  # "Thanks to the new rule, ..." is no thanks
            return False
        return word.lower() in CHAT_WORDS or (word in casual)

    text = _WORD.sub(lambda m: " " if dropped(m) else m.group(0), text)
    text = re.sub(r"\s+([,.?!])", r"\1", _SPACES.sub(" ", text))
    text = re.sub(r"^[\s,.!]+|(?<=[,.!?])[,.!]+", "", text).strip()
    return without_yes_no_tag(_KNOW_OPENING.sub("", text, count=1).strip() or text)


# The "not" that ends a question asking yes or no in chat ("ada yg meninggal gak?", "tambang itu
# ada izinnya ga sih", "dia datang atau ga?"): it asks, and the news never writes it. Not in
# capitals ("tanda tangan NDA?", "rilis GA?": a name); not after "yang" ("ada yg ga?": anyone who
# does not); not in a sentence that asks with a question word ("kenapa warga itu ga?", "siapa yg
# bilang ga": the "not" is what is asked about); not in a sentence of fewer words than
# MIN_WORDS_BEFORE_TAG ("bayar gak?", "pemkab setuju gak": too little to lose a word).
MIN_WORDS_BEFORE_TAG = 3
_YES_NO_TAG = re.compile(rf"(?<=\w)(?:\s+(?:atau|ato|apa)\b)?\s+({_COLLOQUIAL_NOT})\s*(?=[?!.]*$)", re.IGNORECASE)


def without_yes_no_tag(text: str) -> str:
    """``text`` without the "gak" (or "atau gak") ending a question that asks yes or no
    (``_YES_NO_TAG``, whose comment says when it stays)."""
    match = _YES_NO_TAG.search(text)
    if match is None or (len(match.group(1)) > 1 and match.group(1).isupper()):
        return text
    sentence = [w.lower() for w in _WORD.findall((message_sentences(text[: match.start()]) or [""])[-1])]
    if len(sentence) < MIN_WORDS_BEFORE_TAG or sentence[-1] in ("yang", "yg") or ASKING.intersection(sentence):
        return text
    return text[: match.start()] + text[match.end() :]


# A first clause before a comma, a full stop or an ellipsis ("oke, kalau pelajar?", "wah… terus?").
_FIRST_CLAUSE = re.compile(r"^\s*([^\W\d_]+(?:\s+[^\W\d_]+)*)\s*[,.!…]+\s*(?=\S)")
_ACKNOWLEDGING = CHAT_WORDS | _GREETING_WORDS | _ACKNOWLEDGEMENTS


def without_acknowledgement(question: str) -> str:
    """``question`` without the first clauses that only acknowledge ("oke, kalau pelajar?", "oh
    gitu, trus kapan?", "oke, oh gitu, brp org?", "wkwk, brp org?"): words that say nothing of
    what is asked, which the articles never hold."""
    while (match := _FIRST_CLAUSE.match(question)) is not None and all(
        _among(w, _ACKNOWLEDGING) or _LAUGHTER.fullmatch(w) for w in _WORD.findall(match.group(1))
    ):
        question = question[match.end() :]
    return question


def normalize_chat(
    text: str, indexed: Callable[[Iterable[str]], set[str]], without: frozenset[str] = frozenset()
) -> str:
    """The question in a chat message: mentions and chat words dropped, and in Indonesian its
    short forms spelt out (see ``expand_short_forms``). Returns ``text`` itself when nothing
    would be left. ``without`` may name ``chat_words`` or ``short_forms`` to skip those steps."""
    text = unfancy(text)
    question = unstretch(unshout(strip_mentions(text) or text), indexed)
    if "chat_words" not in without:  # before short forms: "thanks in advance" is no "thanks ini advance"
        question = _SPACES.sub(" ", _THANKS.sub(" ", question)).strip() or question
        question = without_acknowledgement(question)
    indonesian = guess_language(question) == "id"
    if "short_forms" not in without and indonesian:
        question = expand_short_forms(reduplicated(question), indexed)
    if "chat_words" not in without:
        candidates = CASUAL_WORDS | (CASUAL_ADDRESSES if indonesian else frozenset())
        found = {m.group(0) for m in _WORD.finditer(question)} & candidates
        casual = frozenset(found - indexed(found)) if found else frozenset()
        question = strip_chat_words(question, casual) or question
    return question


# Letters from the fullwidth forms ("ｂｅｒａｐａ", typed with an East Asian keyboard's wide mode),
# the mathematical alphanumerics ("𝐛𝐞𝐫𝐚𝐩𝐚", "𝘵𝘪𝘬𝘵𝘰𝘬": what "fancy text" generators paste) and the
# letterlike symbols those generators use for the letters missing there ("ℎ" in "𝑝ℎ𝑘", "ℂ").
_FANCY = re.compile(r"[\uff01-\uff5e\u2100-\u214f\U0001d400-\U0001d7ff]")


def _plain(match: re.Match[str]) -> str:
    plain = unicodedata.normalize("NFKC", match.group(0))
    # a letterlike symbol that is no one letter ("℃", "№", "™") stays as written
    return plain if "\uff01" <= match.group(0) <= "\uff5e" or (len(plain) == 1 and plain.isalnum()) else match.group(0)


# Small capitals, which no Unicode normalisation maps to letters (fancy-text generators use them:
# "ʙᴇʀᴀᴘᴀ"), and the combining lines drawn through or under letters ("b̶e̶r̶a̶p̶a̶", "p̲h̲k̲").
_SMALL_CAPITALS = str.maketrans(
    "ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘǫʀꜱᴛᴜᴠᴡʏᴢ",
    "abcdefghijklmnopqrstuvwyz",
    "\u0332\u0333\u0334\u0335\u0336\u0337\u0338",
)


def unfancy(text: str) -> str:
    """``text`` with fullwidth and "fancy" (mathematical bold, italic, script ..., small
    capitals, struck through) letters, digits and signs written as plain ones. The index's words
    do not hold them and the question's short forms, chat words, dates and mentions are read in
    plain letters, so "ｂｒｐ ｙｇ ｄｉｂａｙａｒ ｔｉｋｔｏｋ" read as a question of unknown
    words. Only those characters are rewritten: other compatibility forms ("km²", "½") mean
    what they show and are read as the articles write them."""
    return _FANCY.sub(_plain, text).translate(_SMALL_CAPITALS)


def unshout(text: str) -> str:
    """``text`` in lower case when it is written in capitals throughout (caps lock: "TIKTOK BAYAR
    MICROSOFT BERAPA") and has at least two words; else ``text`` itself. Shouted, every word
    reads as an acronym or a name: short forms are not spelt out ("BRP" could be a name), each
    word counts as a name the answer should hold, and the embedding model, which reads case,
    sees text written like nothing it was trained on. In lower case the question is read as
    people usually type it, which the chain reads as well as one written properly
    (docs/quality.md, "Messages as people type them")."""
    if any(ch.islower() for ch in text) or len(_WORD.findall(text)) < 2:
        return text
    return text.lower()


# A lower-case letter written three or more times in a row ("brppp", "bangettt", "halooo"); in
# capitals it is a Roman numeral ("Final Fantasy VIII", "Paus Yohanes XXIII").
_STRETCHED = re.compile(r"([^\W\d_])\1{2,}")


def unstretch(text: str, indexed: Callable[[Iterable[str]], set[str]]) -> str:
    """``text`` with its stretched words ("brppp", "halooo", "bangettt") written once: each run of
    one letter written three or more times becomes one letter, or two when the index holds the
    word so and not with one ("kerjasamaaa" -> "kerjasama", "maaaf" -> "maaf" if the index
    holds "maaf"). No word of Indonesian or English has a letter three times in a row; a word
    of one letter repeated ("www", "zzz"), a run in capitals (a Roman numeral, "XXIII") and a word
    the index holds as it is written (an acronym typed in lower case: "pppk" for "PPPK", which
    once would make "pk", a short form of "pakai") are left as they are."""

    def once(word: str, keep: int) -> str:
        return _STRETCHED.sub(lambda m: m.group(1) * keep if m.group(1).islower() else m.group(0), word)

    stretched = {
        m.group(0) for m in _WORD.finditer(text) if _STRETCHED.search(m.group(0)) and len(set(m.group(0).lower())) > 1
    }
    if not stretched:
        return text
    twice = {word: once(word, 2) for word in stretched}
    known = indexed(
        {w.lower() for w in twice.values()} | {once(w, 1).lower() for w in stretched} | {w.lower() for w in stretched}
    )

    def spell(match: re.Match[str]) -> str:
        word = match.group(0)
        if word not in stretched or word.lower() in known:
            return word
        single = once(word, 1)
        return twice[word] if twice[word].lower() in known and single.lower() not in known else single

    return _WORD.sub(spell, text)


# Words that ask, Indonesian, chat short forms and English: a sentence holding one is a question.
ASKING = frozenset(
    """
    apa apakah siapa siapakah berapa berapakah kapan kapankah mengapa kenapa bagaimana gimana
    dimana mana manakah brp brapa brpa kpn knp gmn gmana dmn sapa
    what who whom whose how when why where which
    """.split()
)


# Where a chat message's sentences may end: after ".", "!" or "?" (with what closes them) before a
# space, and at a line break. Chat sentences often start in lower case, so the splitter for
# articles (which wants a capital after a full stop) does not find them.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"'”’)]*\s+|\n+")
# A short word in capitals or a common abbreviation before a full stop does not end a sentence
# ("PT. Gudang Garam", "U.S. firm", "Dr. Ayu", "dr. Ratna").
_ABBREVIATION = re.compile(r"(?:^|\s)(?:[A-Z][\w.]{0,3}|dr|no|jl|tgl|hlm|dll|dsb|bpk|ibu|sdr)\.$")
# How far before a full stop ``_ABBREVIATION`` reaches (a space and at most five characters), and more
_ABBREVIATION_REACH = 16


def _abbreviation_ends(text: str, end: int) -> bool:
    """Whether ``text[:end]`` ends with an abbreviation's full stop (``_ABBREVIATION``), read from
    its last characters only (``^`` matches at the text's real start alone): searched over the
    whole prefix at every break, a message of 100,000 characters of "A.B. " had taken 20 s."""
    return _ABBREVIATION.search(text, max(0, end - _ABBREVIATION_REACH), end) is not None


def message_sentences(text: str) -> list[str]:
    """The sentences of a chat message, in order."""
    parts: list[str] = []
    start = 0
    for brk in _SENTENCE_BREAK.finditer(text):
        left = text[start : brk.start()]
        if "\n" not in brk.group() and _abbreviation_ends(text, brk.start()):
            continue
        parts.append(left)
        start = brk.end()
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


# Words that negate what a question or a sentence says (the sentence features' too).
NEGATIONS = frozenset({"tidak", "bukan", "tak", "belum", "never", "not", "no"})
# Words that turn a remark into a condition on the question: "... oleh Gojek. Bukan TikTok ya".
_RESTRICTING = NEGATIONS | frozenset("jangan kecuali selain except only cuma hanya".split())


def asks(sentence: str) -> bool:
    """Whether a sentence of a message asks: it ends with "?" or holds a word that asks."""
    return sentence.rstrip("\"'”’) ").endswith("?") or bool({w.lower() for w in _WORD.findall(sentence)} & ASKING)


def question_part(text: str) -> str | None:
    """The sentences of a message that ask (end with "?" or hold a word that asks), when it also
    holds sentences that do not ("Gue baru baca beritanya. brp org yg kena phk?", "How many were
    laid off? thanks in advance"); ``None`` when every sentence asks or none does, or when a
    sentence that does not ask restricts the question ("Berapa karyawan yg di-PHK Gojek? Bukan
    TikTok ya"). Whether the rest said something the question needs is for the answer model to
    judge: both are read."""
    parts = message_sentences(text)
    if len(parts) < 2:
        return None
    asking = [part for part in parts if asks(part)]
    if not asking or len(asking) == len(parts):
        return None
    if any({w.lower() for w in _WORD.findall(part)} & _RESTRICTING for part in parts if part not in asking):
        return None
    return " ".join(asking)
