"""Who said what an answer quoted: the speaker of a sentence of a news article, for a follow-up
asking it ("siapa yg bilang gitu?", "kata siapa?", "who said that?").

News writes whose words a sentence holds in a few ways, which ``speakers`` reads over an article's
sentences in order:

- after a quotation: ``"...," kata Hendra`` (``ujar``, ``tutur``, ``jelas`` ...), the quotation's
  earlier sentences in the same paragraph included, and ``"...," katanya`` for the speaker named
  last;
- ``Menurut Suryani, ...`` (``menurut dia``: the speaker named last);
- a name before a verb of saying: ``Ketua IPPSW, Suryani Lubis, menyebut ...``, ``Rahmat
  Hidayat (52), warga ..., mengaku ...``, ``Ia mengatakan ...`` (the speaker named last).

The answer quotes the sentence where the article first writes the speaker's full name (and so
their role): a later one names them by one word ("kata Hendra").
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.chain.answer import Answer, Citation, passage_quote, shown_quote
from bot.chain.normalization import ASKING
from bot.chain.question import ParsedQuery, analyzed_sentences, prime_sentences
from ingest.text.analysis import DATELINE, EN_STOPWORDS, ID_STOPWORDS, stem, words
from ingest.types import Chunk

if TYPE_CHECKING:
    from bot.chain.context import Context
    from ingest.store.index import Index

# A name as news writes a person's: up to twelve capitalised words (a particle between them:
# "bin", "van"), matched atomically (a run of capitalised words is tried once from each start,
# not split every way: it had taken seconds on a long run).
_NAME = r"(?>[A-Z][\w'’.-]*+(?:\s++(?:(?:bin|binti|van|de|da|al)\s++)?[A-Z][\w'’.-]*+){0,11})"
_PRONOUN = r"(?:dia|ia|beliau|nya)"
# after a quotation: '..., kata Hendra' / 'ujarnya'
_AFTER = r"(?:kata|ujar|tutur|ucap|jelas|ungkap|tegas|imbuh|tambah|terang|sebut|papar|lanjut|pungkas|tukas|kilah|aku)"
# ('"...," kata Hendra', 'Angka itu, kata Laras, tergolong ...'; "Rp" or a weekday after "tambah"
# or "lanjut" names no one: ``_NOT_A_NAME``)
_AFTER_NAMED = re.compile(rf"(?:[,.!?]?[\"”]\s*|,\s*){_AFTER}\s+(?:{_PRONOUN}\b|({_NAME}))")
_AFTER_PRONOUN = re.compile(rf"(?:[,.!?]?[\"”]\s*|,\s*){_AFTER}nya\b")
_ACCORDING = re.compile(rf"\b[Mm]enurut(?:nya\b|\s+(?:{_PRONOUN}\b|({_NAME})))")
# someone named in commas before what they do ("Kepala Disdikbud Pringsewu, Hendra Saputra,
# membenarkan ...", "Suparno (47), ayah ..."): whom "Ia mengatakan" after it refers to
_SUBJECT = re.compile(rf"(?:^|,\s+)({_NAME})(?:\s*\(\d+\))?,\s+[a-z]")
# a name written right before its verb, brackets and all ("Persatuan Guru Republik Indonesia
# (PGRI) Kabupaten Pringsewu menyebut")
_RUN = re.compile(rf"({_NAME}(?:\s+dan\s+{_NAME})?(?:\s*\([A-Z][\w ]*\)(?:\s+{_NAME})?)?)\s*$")
_SAYS = (
    r"(?:mengatakan|menyatakan|menyebut|menyebutkan|menegaskan|menjelaskan|mengungkapkan|mengaku|mengakui"
    r"|menilai|meminta|mendesak|berharap|membantah|menuturkan|memastikan|menambahkan|menerangkan|mengklaim"
    r"|memperkirakan|menduga|mencatat|melaporkan|menyampaikan|mengimbau|berkata|bilang|menyayangkan|membenarkan)"
)
# 'Suryani Lubis, menyebut', 'Rahmat Hidayat (52), warga ..., mengaku', 'Hendra menegaskan'
_NAMED_SAYS = re.compile(
    rf"({_NAME})(?:\s*\(\d+\))?(?:,[^,\"“”]{{0,90}})?,?\s+(?:juga\s+|pun\s+|lalu\s+)?(?P<verb>{_SAYS})\b"
)
_PRONOUN_SAYS = re.compile(
    rf"(?:^(?:[\"“]?\s*)?(?:Ia|Dia|Beliau)|[,.]\s+(?:[\"“]?\s*)?(?:[Ii]a|[Dd]ia|[Bb]eliau))\s+(?:juga\s+|pun\s+|lalu\s+)?{_SAYS}\b"
)
_OPENS_QUOTE = re.compile(r"^\s*[\"“]")
# Words capitalised before a name that say what someone is, not who ("Kepala Dinas ...",
# "Ketua IPPSW"): a name is the capitalised words after the last comma before the verb.
_NOT_A_NAME = re.compile(
    r"^(?:Namun|Meski|Meskipun|Sementara|Menurut|Menanggapi|Hal|Kini|Sebelum|Setelah|Saat|Ketika|Bahkan|Padahal"
    r"|Kemudian|Selain|Terkait|Soal|Di|Dari|Untuk|Dengan|Dalam|Sejak|Hingga|Sampai|Adapun|Lalu|Maka|Jadi|Tetapi"
    r"|Tapi|Akan|Atas|Bagi|Pada|Oleh|Rp|Desa|Kecamatan|Kelurahan|Kabupaten|Kota|Provinsi|Dusun|Jalan|Pasar"
    r"|Senin|Selasa|Rabu|Kamis|Jumat|Sabtu|Minggu)\b"
    # a connective or adverb in -nya ("Sebelumnya", "Akibatnya")
    r"|^[A-Z][a-z]+nya\b"
)
# a title in small letters before a name ("dr Retno", "dr. Hendra"), read as part of no name
_TITLE = re.compile(r"^(?:dr|drg|ir|h|hj|prof)\.?\s+")


@dataclass(frozen=True)
class Said:
    """A sentence of an article: its passage, its place among the passage's sentences, its text."""

    chunk: Chunk
    position: int
    text: str


def _last_name(before: str) -> str | None:
    """The person named last in ``before`` (the words before a verb of saying): its last piece
    between commas or brackets that is all capitalised words. "Kepala Dinas ..., Hendra
    Wiratama," gives "Hendra Wiratama"; "Rahmat Hidayat (52), warga Kelurahan Bukit Seruni," gives
    "Rahmat Hidayat" (the last piece is no name: it opens in small letters)."""
    aged = re.search(rf"({_NAME})\s*\(\d+\)\s*,", before)
    if aged and not _NOT_A_NAME.match(aged.group(1)):
        return aged.group(1)  # "Suparno (47), ayah ..., mengatakan": the one whose age is given
    last = None
    for piece in re.split(r"[,()]", before):
        piece = _TITLE.sub("", re.sub(r"\s+(?:juga|pun|lalu)$", "", piece.strip()))
        if piece and re.fullmatch(_NAME, piece) and not _NOT_A_NAME.match(piece):
            last = piece
    return last


def _group(before: str) -> str | None:
    """Who speaks when no name does: the words before the verb, a connective left out ("Namun
    warga Desa Fatu Naben, Kecamatan Bukit Naen Tengah, menyebut" gives "warga Desa Fatu Naben,
    Kecamatan Bukit Naen Tengah"); none past a sentence's worth of them."""
    clause = before.strip().rstrip(",").strip()
    first = re.match(r"[A-Z][a-z]+(?:\s+itu)?,?\s+", clause)
    if first is not None and _NOT_A_NAME.match(first.group(0)):
        clause = clause[first.end() :]
    return clause if 0 < len(clause) <= 120 and clause[0].islower() else None


def _name(found: str | None) -> str | None:
    """A name as matched, without the full stop or quotation mark that ends its sentence; none
    for a word that names no one ("Namun", "Rp")."""
    name = found.rstrip(".'’") if found else ""
    return name if name and not _NOT_A_NAME.match(name) else None


# A sentence longer than this is read for no speaker: news writes none so long, and the patterns
# below take time that grows with the square of a run of capitalised words.
MAX_ATTRIBUTED = 1000


def attributed(text: str, current: str | None) -> tuple[str | None, bool]:
    """The speaker ``text`` names (``current`` when it refers to them: "katanya", "menurut dia",
    "Ia mengatakan"), and whether it closes a quotation with them."""
    if len(text) > MAX_ATTRIBUTED:
        return None, False
    found = _AFTER_NAMED.search(text)
    if found:
        return (_name(found.group(1)) or current), True
    if _AFTER_PRONOUN.search(text):
        return current, True
    found = _ACCORDING.search(text)
    if found:
        return (_name(found.group(1)) or current), False
    if _PRONOUN_SAYS.search(text):
        return current, False
    found = _NAMED_SAYS.search(text)
    if found:
        before = re.sub(r"\s+(?:juga|pun|lalu)\s*$", " ", text[: found.start("verb")])
        if before.rstrip().endswith(","):
            return _last_name(before) or _group(before) or _name(found.group(1)), False
        run = _RUN.search(before.rstrip())
        return (run.group(1) if run and not _NOT_A_NAME.match(run.group(1)) else _name(found.group(1))), False
    return None, False


def _subject(text: str) -> re.Match[str] | None:
    """Where a sentence names someone in commas before what they do (``_SUBJECT``), if it does."""
    found = _SUBJECT.search(text) if len(text) <= MAX_ATTRIBUTED else None
    return found if found is not None and not _NOT_A_NAME.match(found.group(1)) else None


def subject(text: str) -> str | None:
    """Someone a sentence names in commas before what they do, whom a later "Ia ..." means."""
    found = _subject(text)
    return found.group(1) if found is not None else None


def speakers(sentences: Sequence[Said]) -> list[str | None]:
    """The speaker of each of an article's sentences (in order), as the sentence or the one
    closing its quotation names them; ``None`` where no one is said to speak."""
    out: list[str | None] = [None] * len(sentences)
    current: str | None = None
    spoken: dict[str, None] = {}  # who spoke so far, each once, in order
    pending: list[int] = []  # a quotation's sentences before the one naming its speaker
    for i, said in enumerate(sentences):
        if pending and _new_paragraph(sentences, i):
            pending = []
        if DATELINE.match(said.text):
            continue  # a lead: the outlet's own words ("PAINAN – Pemerintah ... memastikan ...")
        name, closes = attributed(said.text, current)
        if name is None and _OPENS_QUOTE.match(said.text):
            pending.append(i)
            continue
        if name is None and pending:
            pending.append(i)
            continue
        if name is not None:
            if closes:
                for j in pending:
                    out[j] = name
            out[i] = name
            current = name
            spoken[name] = None
        else:
            current = subject(said.text) or named_again(said.text, spoken) or current
        pending = []
    return out


# a run of capitalised words ("Hendra", "Pulau Sembilang")
_CAPITALISED_RUN = re.compile(r"\b[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*")


def named_again(text: str, spoken: Collection[str]) -> str | None:
    """Whom of those who spoke before (``spoken``) a sentence that says no one speaks names
    first, by a word of their name ("Hendra tidak menampik adanya perbedaan data tersebut.",
    "Sampai saat itu, warga seperti Sutini masih harus berhemat."): whom an "Ia menjelaskan" or
    "ujarnya" after it refers to. Their name as written most fully; a name is a run of capitalised
    words all of theirs ("Pulau Sembilang" is not "Camat Sembilang Yusuf Hamzah")."""
    if not spoken or len(text) > MAX_ATTRIBUTED:
        return None
    for run in _CAPITALISED_RUN.findall(text):
        words_of_run = set(run.split())
        known = [name for name in spoken if words_of_run <= set(name.split())]
        if known and not _NOT_A_NAME.match(run):
            return max(known, key=len)
    return None


def _new_paragraph(sentences: Sequence[Said], i: int) -> bool:
    """Whether sentence ``i`` opens a paragraph other than the one before it (another passage, or a
    blank line between them)."""
    before, now = sentences[i - 1], sentences[i]
    if before.chunk.chunk_id != now.chunk.chunk_id:
        return True
    text = now.chunk.text
    start, end = text.find(before.text), text.find(now.text)
    return start < 0 or end < 0 or "\n" in text[start + len(before.text) : end]


# A question asking who said something: "siapa" or "who" with a verb of saying ("siapa yg bilang
# gitu", "who said that?"), or asking whose word it is ("kata siapa?", "according to whom?").
_WHO = re.compile(r"\b(?:siapa|siapakah|sapa|who|whom)\b")
_SAYING = re.compile(
    r"\b(?:bilang|blg|ngomong|omong|mengomong|berkata|mengatakan|mengatakannya|menyatakan|menyebut|menyebutkan"
    r"|nyebut|ngomongin|said|say|says|saying|claimed|stated)\b"
)
_WHOSE_WORD = re.compile(
    r"\b(?:kata|menurut)\s+siapa\b|\baccording to (?:whom|who)\b|\bsays who\b"
    r"|\bsumber(?:nya)?\s+siapa\b|\bsiapa\s+sumber(?:nya)?\b|\b(?:itu|tadi|tersebut)\s+dari\s+siapa\b"
)
# Words that point back at what was said or only ask: no subject of their own.
_POINTING = frozenset(
    "siapa siapakah who whom kata menurut according begitu gitu itu tadi tersebut that this it soal tentang about "
    "yang yg sih ya dong kah nya hal ini the again then and trus terus lalu kalau kalo sumber sumbernya dari "
    "pernyataan statement pertama kedua ketiga first second third".split()
)


def asks_who_said(question: str) -> bool:
    """Whether a question (read as a chat message) asks who said something."""
    text = question.casefold()
    return bool(_WHOSE_WORD.search(text) or (_WHO.search(text) and _SAYING.search(text)))


def _own_words(question: str) -> set[str]:
    """The stems of a question's words that are neither stopwords nor ask nor point back."""
    return {
        stem(w)
        for w in words(question.casefold())
        if w not in ID_STOPWORDS
        and w not in EN_STOPWORDS
        and w not in _POINTING
        and not _SAYING.fullmatch(w)
        and not w.isdigit()  # a citation's number ("yang [2] kata siapa?")
    }


class SpeakerReader:
    """Answers "who said that?" after an answer: the sentence where the quoted sentence's article
    first names its speaker in full (and so their role)."""

    def __init__(self, index: Index) -> None:
        self.index = index

    def article(self, source: str) -> list[Said]:
        """Every sentence of the article ``source``, in order."""
        chunks = self.index.catalog.chunks_of(source)
        prime_sentences(self.index, chunks)
        return [Said(c, i, span.text) for c in chunks for i, (span, _) in enumerate(analyzed_sentences(c.text))]

    def read(self, query: ParsedQuery, context: Context | None) -> Answer | None:
        """The answer to a question (its reading's ``query``, whose text is read as a chat
        message) when it asks who said what the turn before quoted (and names nothing the quote
        does not hold); ``None`` when it asks something else, or the quote has no speaker."""
        question = query.text
        if context is None or not context.said or not asks_who_said(question):
            return None
        chunk, quote = context.said[0]
        every = " ".join(q for _, q in context.said)
        if not _own_words(question) <= {stem(w) for w in words(every.casefold())}:
            return None  # who said something else ("siapa yang bilang soal tarif?" after the rent)
        sentences = self.article(chunk.source)
        who = speakers(sentences)
        terms = [t for _, t in analyzed_sentences(chunk.text)]
        quoted = [
            (context.asked.coverage(terms[said.position]), -i)
            for i, said in enumerate(sentences)
            if who[i] is not None and said.chunk.chunk_id == chunk.chunk_id and said.text in quote
        ]
        if not quoted:
            return None
        # of the quote's sentences someone said, the one the turn before asked about most
        speaker = who[-max(quoted)[1]]
        introduced = introduction(speaker, sentences, who) if speaker is not None else None
        return _quoting(question, query.lang, introduced) if introduced is not None else None


def same_person(one: str, other: str) -> bool:
    """Whether two names may be one person's: the words of one are among the other's ("Hendra",
    "Hendra Wiratama")."""
    a, b = set(one.split()), set(other.split())
    return bool(a) and bool(b) and (a <= b or b <= a)


def introduction(name: str, sentences: Sequence[Said], who: Sequence[str | None] | None = None) -> Said | None:
    """Of the sentences said by ``name`` (``who``: each sentence's speaker, ``speakers``), the one
    where it is first written in full (with a capitalised word after it: "Hendra Wiratama" for
    "Hendra"), else where it is first written at all; never one no one is said to speak (a
    dateline's lead, a sentence that only names a hospital after a doctor: "RSUD dr. Soedirman")."""
    who = speakers(sentences) if who is None else who
    theirs = [
        s
        for s, w in zip(sentences, who, strict=True)
        if (w is not None and same_person(w, name)) or ((named := subject(s.text)) and same_person(named, name))
    ]
    full = re.compile(rf"\b{re.escape(name)}\s+[A-Z]")
    alone = re.compile(rf"\b{re.escape(name)}\b")
    return next((s for s in theirs if full.search(s.text)), None) or next(
        (s for s in theirs if alone.search(s.text)), None
    )


def _quoting(question: str, lang: str, said: Said) -> Answer:
    """The answer quoting one sentence of a passage."""
    quote = passage_quote(said.chunk.text, analyzed_sentences(said.chunk.text), [said.position])
    return Answer(question, f"{shown_quote(quote)} [1]", False, lang, [Citation(1, said.chunk, quote, 1.0)])


# An organisation's name with its acronym after it ("Ikatan Pedagang Pasar Sekar Wangi (IPPSW)",
# "Dinas Kelautan dan Perikanan (DKP)").
_DEFINED = re.compile(r"((?:[A-Z][\w'’-]*\s+(?:dan\s+)?){1,9})\(([A-Z][A-Za-z]{1,9})\)")


@lru_cache(maxsize=4096)
def voices(text: str) -> tuple[frozenset[str], ...]:
    """For each sentence of a passage (``analyzed_sentences(text)``), the index terms of whose
    words it holds: its speaker as the passage introduces them, up to their verb of saying (role,
    organisation and name in either order: "Ketua IPPSW, Suryani Lubis", "Rahmat Hidayat (52),
    warga Kelurahan Bukit Seruni"), an acronym there spelled out as the passage defines it
    ("Ikatan Pedagang Pasar Sekar Wangi"); none where no one is said to speak."""
    chunk = Chunk("", "", 0, 0, len(text), text, "", None, None, "")
    sentences = [Said(chunk, i, span.text) for i, (span, _) in enumerate(analyzed_sentences(text))]
    defined = {acronym: long.strip() for long, acronym in _DEFINED.findall(text)}
    out: list[frozenset[str]] = []
    spoken = speakers(sentences)
    for name in spoken:
        if name is None:
            out.append(frozenset())
            continue
        introduced = introduction(name, sentences, spoken)
        said = introduced.text if introduced is not None else name
        # the introduction up to its verb of saying, or up to the name written in commas before
        # what they do ("Bupati Pringsewu, Riyanto Pamungkas, meninjau ..."), else the name alone
        # (never what a quotation says)
        verb = _NAMED_SAYS.search(said)
        named = _subject(said)
        if verb is not None and name.split()[0] in said[: verb.start("verb")]:
            who = said[: verb.start("verb")]
        elif named is not None and same_person(named.group(1), name):
            who = said[: named.end(1)]
        else:
            who = name
        who += " " + " ".join(long for acronym, long in defined.items() if acronym in who)
        out.append(frozenset().union(*(terms for _, terms in analyzed_sentences(who))))
    return tuple(out)


# Words after which a question names whose account it asks by ("kalo versi warga?", "menurut dlh
# brp ton", "kata dinas", "according to the union").
_BY_ACCOUNT = frozenset("versi menurut kata according".split())

# Words after "menurut", "kata" or "versi" that name no one ("menurut kamu", "versi terbaru").
_NO_ACCOUNT = frozenset(
    "to kamu anda saya aku gue gw lu lo kalian you me baru terbaru lama terakhir latest new".split()
)


def account_terms(question: str) -> frozenset[str]:
    """The index terms of whose account a question asks by: up to two words after "versi",
    "menurut", "kata" or "according to" (stopwords passed over), none after a word that asks
    ("kata siapa?")."""
    tokens = words(question.casefold())
    found: set[str] = set()
    for i, token in enumerate(tokens):
        if token not in _BY_ACCOUNT:
            continue
        taken = 0
        for word in tokens[i + 1 :]:
            if word in ASKING or taken == 2:
                break
            if word in ID_STOPWORDS or word in EN_STOPWORDS or word in _NO_ACCOUNT:
                continue
            found.add(stem(word))
            taken += 1
    return frozenset(found)
