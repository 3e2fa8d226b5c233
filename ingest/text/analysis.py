"""Text normalisation, language guessing and the lexical analyser shared by indexing and querying."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from ingest.text.stemming import stem_indonesian

if TYPE_CHECKING:
    from ingest.types import Span

# Bump when analysis changes: stored index terms then no longer match queries' terms, so an index
# analyses its stored passages again (``Index.reanalyse``: at the next write, or `tanya reindex
# --terms-only`); nothing is embedded again.
ANALYZER_VERSION = "2"

# Zero-width and other invisible characters that break word matching but carry no meaning; and
# the bidirectional controls, which show text in another order than it is read
# ("\u202bTikTok\u200f membayar\u200f Microsoft\u202c" shows as "Microsoft membayar TikTok") and
# stand between words (a space, as they read before).
_INVISIBLE = {
    **dict.fromkeys(
        [*map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u034f\u180e"), *range(0x2061, 0x2065), *range(0xFFF9, 0xFFFC)],
        None,
    ),
    **dict.fromkeys(range(0xE0000, 0xE0080), None),  # tag characters: text no one sees
    # the rest of what Unicode lets a reader skip unseen (Default_Ignorable_Code_Point): variation
    # selectors, Hangul fillers, ... ("<\ufe0f/earlier>" had closed a prompt's fence for a model that
    # skips them: a review's, 2026-12-05)
    **dict.fromkeys(
        [
            *range(0x115F, 0x1161),
            *range(0x17B4, 0x17B6),
            *range(0x180B, 0x180E),
            0x180F,
            0x2065,
            *range(0x206A, 0x2070),
            0x3164,
            *range(0xFE00, 0xFE10),
            0xFFA0,
            *range(0xFFF0, 0xFFF9),
            *range(0x1BCA0, 0x1BCA4),
            *range(0x1D173, 0x1D17B),
            *range(0xE0080, 0xE1000),
        ],
        None,
    ),
    **dict.fromkeys([*map(ord, "\u200e\u200f\u061c"), *range(0x202A, 0x202F), *range(0x2066, 0x206A)], " "),
}


def _as_class(codes: Iterable[int]) -> str:
    """Code points as the inside of a ``re`` class, runs of them as ranges."""
    runs: list[list[int]] = []
    for code in sorted(codes):
        if runs and code == runs[-1][1] + 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return "".join(re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b > a else "") for a, b in runs)


# Those characters as the inside of a ``re`` class: what a name must write as escapes to stay itself.
INVISIBLE_CLASS = _as_class(_INVISIBLE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")

# Words are runs of letters, or numbers with their inner separators ("20.000", "1,6"):
# "USD2" and "Rp322" become ("usd", "2") and ("rp", "322") so they match "2 miliar".
_TOKEN = re.compile(r"[^\W\d_]+|\d+(?:[.,]\d+)*")

# Numbers written as words, Indonesian and English: what a number may be written as.
NUMBER_WORDS = frozenset(
    "satu dua tiga empat lima enam tujuh delapan sembilan sepuluh sebelas seratus seribu puluhan ratusan "
    "ribuan jutaan juta ribu miliar triliun persen one two three four five six seven eight nine ten "
    "hundred hundreds thousand thousands million billion percent".split()
)
ID_STOPWORDS = frozenset(
    """
    yang dan di ke dari ini itu dengan untuk pada dalam adalah ialah merupakan akan telah sudah
    juga atau oleh sebagai karena tidak bukan ada para bagi tersebut saat serta secara hingga
    sejak namun tetapi tapi agar supaya bahwa jika kalau maka lalu kemudian pun lah kah nya
    se sebuah seorang suatu satu apa apakah siapa siapakah berapa berapakah kapan kapankah mana
    manakah dimana di mana bagaimana bagaimanakah mengapa kenapa apa saja sebutkan jelaskan
    nama disebut dinamakan dikenal bisa dapat harus kah ia dia mereka kita kami anda saya
    kepada terhadap tentang antara seperti yaitu yakni ialah bagaimanakah mengapakah dimanakah
    darimana kemana manakah sebagai masih lagi pula hanya saja sangat paling lebih sedang
    """.split()
)
EN_STOPWORDS = frozenset(
    """
    a an the of to in on at by for from with about as into is are was were be been being am do does
    did has have had and or but not no yes it its this that these those there their they them he she
    his her we our you your i me my what which who whom whose when where why how many much
    """.split()
)
_ID_MARKERS = frozenset(
    "yang dan di ke dari ini itu dengan untuk pada dalam adalah tidak apa siapa berapa kapan "
    "mengapa bagaimana apakah mana juga akan telah sudah karena oleh para".split()
)
_EN_MARKERS = frozenset(
    "the of and to in is are was were what who how which when where why does did do many much "
    "that this with for from".split()
)


# English words of three letters or more that Indonesian chat does not borrow as words of its own
# (not "a", "an", "as", "no": "brp an", "AS", "no 18"), and a few of what people ask news for.
_EN_ONLY = (frozenset(w for w in EN_STOPWORDS if len(w) >= 3) - ID_STOPWORDS) | {"news", "latest", "whats", "any"}


# Lone surrogates: how Python hands over bytes that are not UTF-8 (argv, a C-locale stdin), and
# what a JSON "\ud800" escape decodes to. No UTF-8 encoder (tokenizer, SQLite, stdout) takes them.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def replace_surrogates(text: str) -> str:
    """Return ``text`` with every lone surrogate replaced by U+FFFD, so that it encodes as UTF-8."""
    return _SURROGATE.sub("\ufffd", text)


def without_invisible(text: str) -> str:
    """``text`` without invisible characters, and with bidirectional controls and control
    characters as spaces: what is checked is then what is shown."""
    return _CONTROL.sub(" ", text.translate(_INVISIBLE))


# A dateline opening a news lead, before a dash or two: place and outlet in capitals ("SUNGAI
# PINANG TUA, KABAR HULU HILIR - ", "RAKYATSULSEL - "), or as outlets write them with small letters
# too, capitalised words in two or three parts parted by commas or with an agency in brackets
# ("JAKARTA, KOMPAS.com - ", "Liputan6.com, Jakarta - ", "Jakarta, CNN Indonesia -- ", "Semarang
# (ANTARA) - "). Matched on a line's start only.
_DATELINE_WORDS = r"[A-Z0-9][\w.'’&/]*(?: [A-Z0-9][\w.'’&/]*){0,3}"
DATELINE = re.compile(
    r"^\s*(?:[A-Z0-9][A-Z0-9 ,.'’/&()]*"
    rf"|{_DATELINE_WORDS}(?:, {_DATELINE_WORDS}){{1,2}}(?: \([A-Z][\w ]*\))?"
    rf"|{_DATELINE_WORDS} \([A-Z][\w ]*\))"
    r"\s[-–—]{1,2}\s"
)

# A terminal's escape sequence: CSI ("\x1b[31m", "\x1b[A", "\x1b[1;5D"), OSC with its terminator
# ("\x1b]0;title\x07"), SS3 arrows and function keys ("\x1bOA") and the few two-character ones
# ("\x1bc", "\x1b7"). Dropped whole: with only the escape character taken out, "[31m" was left in
# articles' quotes and "[A" (an arrow key) in questions. An unterminated OSC or an escape before
# any other letter loses only the escape character ("\x1bBanjir" keeps its "B").
_TERMINAL_ESCAPE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]+[!-/]*[@-~]|\x1b\][^\x07\x1b]{0,256}(?:\x07|\x1b\\)|\x1bO[A-DFHP-S]|\x1b[78c=>]"
)


def clean_text(raw: str) -> str:
    """Return ``raw`` normalised for indexing: NFC, no terminal escape sequences, control or
    invisible characters, one space between words, and paragraphs separated by exactly one blank
    line.

    Text that uses blank lines between paragraphs has its hard-wrapped lines joined; text
    without any blank line is taken to hold one paragraph per line.
    """
    text = unicodedata.normalize("NFC", raw).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")  # Unicode's line and paragraph breaks
    text = without_invisible(_TERMINAL_ESCAPE.sub(" ", text))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines).strip()
    if _BLANK_LINES.search(text):
        paragraphs = [" ".join(block.split("\n")) for block in _BLANK_LINES.split(text)]
    else:
        paragraphs = text.split("\n")
    return "\n\n".join(p for p in paragraphs if p)


# Lines that news sites put between an article's paragraphs and that a copy of its page keeps:
# links to other stories ("Baca juga: <another headline>", which then matched that story's
# questions), advertising markers, embedded-video placeholders, the syndication note and the
# credits (an "Editor: <name>" line had been a name for "siapa" questions). A whole line only:
# a sentence that opens with these words is kept, and so is (a hostile tester's cases) a line of
# a hard-wrapped text that goes on ("lihat juga aturan baru ..., karena"), a question ("Lihat
# juga bagaimana ...?"), a note that names no outlet ("Artikel ini terbit di jurnal Nature ..."
# is news), and a label that is not a credit's ("Penulis: Pramoedya Ananta Toer" among "Judul:"
# and "Penerbit:"; "Editor: Kami tidak akan mencabut berita itu", an interview's line).
_LINK_LINE = re.compile(
    r"(?:baca|simak|lihat|tonton)(?:\s+(?:juga|pula|selengkapnya))?\s*[:：]\s*\S.{0,200}"
    r"|(?:baca|simak|lihat|tonton)\s+(?:juga|pula|video)\b[^.!?,]{0,200}",
    re.IGNORECASE,
)
_MARKER_LINE = re.compile(r"advertisement|scroll to continue with content|\[gambas:[^\]]*\]", re.IGNORECASE)
# The note names its outlet right after "di": a site ("Kompas.com", then the end or, within 120
# characters, "dengan judul", "selengkapnya", "klik"), or one word ending the line or going on as
# notes do ("kumparan", "detikNews, baca selengkapnya ..."); "... di jurnal Nature." is news.
_SYNDICATION_LINE = re.compile(
    r"artikel ini (?:telah |sudah )?(?:tayang|terbit|diterbitkan|dimuat) di\s+"
    r"(?:(?:www\.)?\S+?\.(?:com|co\.id|id|net|org)\b\S*(?:\s.{0,120}?(?:dengan judul|selengkapnya|klik)\b.{0,400})?"
    r"|\S+(?:[\s,.]+(?:dengan judul\s*[\"“'‘:]|baca selengkapnya\b|klik\b).{0,400})?)\s*",
    re.IGNORECASE,
)
_CREDIT_LINE = re.compile(r"(?:editor|penulis|reporter|pewarta|penyunting)\s*:\s*([^!?]{1,60})", re.IGNORECASE)
# A line that labels a value ("Judul: ...", "Penerbit: ..."): beside one that is not a page's own
# (a credit, a link, "Sumber:", "Foto:", "Tags:"), a credit's label is the text's own.
_LABEL_LINE = re.compile(r"[^\W\d][\w ]{0,24}?\s*:\s*\S.*")
_PAGE_LABEL_LINE = re.compile(
    r"(?:sumber|foto|fotografer|tags?|topik|kontributor|ilustrasi|video|grafis|editor)\b[\w ]{0,12}?\s*:.*",
    re.IGNORECASE,
)
# The advertising markers where a copy ran them into a paragraph (detik's pair; one word
# "ADVERTISEMENT" inside a sentence is the sentence's). No run of blanks before them is matched
# from within itself: from each of its blanks in turn, 60,000 blanks had taken 32 s.
_BOILERPLATE_RUN = re.compile(r"(?<![ \t])[ \t]*\b(?:ADVERTISEMENT[ \t]+)?SCROLL TO CONTINUE WITH CONTENT\b[ \t]*")


def _names(value: str) -> bool:
    """Whether a credit's value reads as names ("Rina Kusumawati", "Budi / Ani", "Tim detikcom"):
    at most one word not capitalised, beside "dan"."""
    lower = [w for w in re.findall(r"[^\W\d_][\w'’.-]*", value) if not w[0].isupper() and w.lower() != "dan"]
    return len(lower) <= 1


def _boilerplate(line: str, before: str, after: str) -> bool:
    """Whether ``line`` (stripped) is a news page's line that is not its article; ``before`` and
    ``after`` are the nearest lines around it that hold anything."""
    if _MARKER_LINE.fullmatch(line) or _SYNDICATION_LINE.fullmatch(line):
        return True
    if _LINK_LINE.fullmatch(line):
        return line[0].isupper()  # not a wrapped line of a sentence
    credit = _CREDIT_LINE.fullmatch(line)
    if credit is None or not _names(credit.group(1)):
        return False
    return not any(_other_label(neighbour) for neighbour in (before, after))


def _other_label(line: str) -> bool:
    """A line labelling a value that is neither a credit nor a link ("Judul: ...")."""
    if not _LABEL_LINE.fullmatch(line):
        return False
    return not (_CREDIT_LINE.fullmatch(line) or _LINK_LINE.fullmatch(line) or _PAGE_LABEL_LINE.fullmatch(line))


def without_boilerplate(text: str) -> str:
    """``text`` without the lines of a news page that are not its article (``_boilerplate``)."""
    lines = text.split("\n")
    filled = [(i, line.strip()) for i, line in enumerate(lines) if line.strip()]
    dropped = {
        i
        for k, (i, line) in enumerate(filled)
        if _boilerplate(line, filled[k - 1][1] if k else "", filled[k + 1][1] if k + 1 < len(filled) else "")
    }
    return _BOILERPLATE_RUN.sub(" ", "\n".join(line for i, line in enumerate(lines) if i not in dropped))


# A link as chat and articles write one: in <...> (Discord's way of writing one without a
# preview), else bare, without the punctuation that ends its sentence ("(lihat https://x.id/a)",
# "... https://x.id/a?"); a bare "https://" with nothing after it too. Discord's formatting wraps
# them, questions leave them out (``bot.chain.normalization``).
LINK_TAIL = r"[^\s<>()\[\]]*[^\s<>()\[\].,:;!?'\"]"  # what follows "https://" or "www."
LINK = re.compile(rf"<(https?://[^\s<>]+)>|https?://({LINK_TAIL})?", re.IGNORECASE)


def words(text: str) -> list[str]:
    """Return the lowercased word tokens of ``text`` (letters and numbers, punctuation dropped)."""
    return [m.group(0) for m in _TOKEN.finditer(text.lower())]


def guess_language(text: str) -> str:
    """Return ``"en"`` when ``text`` reads as English, else ``"id"`` (the corpus language). With
    no marker word of either language, a word only English has ("any news?", "latest news?",
    "any survivors?") makes it English."""
    tokens = words(text)
    en = sum(t in _EN_MARKERS for t in tokens)
    ind = sum(t in _ID_MARKERS for t in tokens)
    if en == ind == 0:
        return "en" if any(t in _EN_ONLY for t in tokens) else "id"
    return "en" if en > ind else "id"


@lru_cache(maxsize=300_000)
def stem(word: str) -> str:
    """Return the index term of a lowercased word: its Indonesian root when a known root is
    found (``dirumahkan`` -> ``rumah``), else the word itself (names, English, numbers)."""
    if word[0].isdigit():
        return word
    return stem_indonesian(word) or word


def analyze(text: str) -> list[str]:
    """Return the index terms of ``text``: lowercased, stemmed words, stopwords kept."""
    return [stem(w) for w in words(text)]


def query_terms(text: str) -> list[str]:
    """Return the distinct index terms of a question, without Indonesian or English stopwords
    and question words; falls back to every term when nothing else is left."""
    tokens = words(text)
    content = [t for t in tokens if t not in ID_STOPWORDS and t not in EN_STOPWORDS]
    chosen = content or tokens
    return list(dict.fromkeys(stem(t) for t in chosen))


def sentence_terms(text: str) -> list[tuple[Span, list[str]]]:
    """The sentences of ``text`` with the index terms of each (what answering scores)."""
    from ingest.text.sentences import split_sentences

    return [(span, analyze(span.text)) for span in split_sentences(text)]


def encode_sentence_terms(analysed: list[tuple[Span, list[str]]]) -> str:
    """``sentence_terms`` as the JSON the catalog keeps: ``[[start, end, "term term"], ...]``."""
    import json

    return json.dumps([[span.start, span.end, " ".join(terms)] for span, terms in analysed], ensure_ascii=False)


def decode_sentence_terms(text: str, stored: str) -> tuple[tuple[Span, frozenset[str]], ...]:
    """The stored JSON of ``encode_sentence_terms`` back into spans of ``text`` and term sets."""
    import json

    from ingest.types import Span

    return tuple((Span(a, b, text[a:b]), frozenset(terms.split())) for a, b, terms in json.loads(stored))
