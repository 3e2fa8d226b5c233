"""Which articles report one story: what a later report may update, and what "the latest" is
the latest of."""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from functools import cache, lru_cache
from typing import Any, NamedTuple, Protocol

from ingest.loaders import given_title
from ingest.store.index import Index
from ingest.text.analysis import DATELINE, EN_STOPWORDS, ID_STOPWORDS, NUMBER_WORDS, sentence_terms, stem, words
from ingest.text.calendar import CALENDAR_WORDS
from ingest.types import Chunk

# Words of a headline that name no story: numbers and amounts ("Rp18 Miliar", "Dua Warga").
_AMOUNTS = NUMBER_WORDS | {"rp", "usd", "belas", "puluh", "ratus"}


@lru_cache(maxsize=4096)
def _headline_terms(title: str) -> frozenset[str] | None:
    """The index terms of a headline's content words (no stop words, numbers or amounts, none
    under three letters); ``None`` for a title that is no headline: one the loader gave an
    article without one (``given_title``)."""
    if given_title(title):
        return None
    return frozenset(
        stem(w)
        for w in words(title)
        if len(w) >= 3 and not w[0].isdigit() and w not in _AMOUNTS and w not in ID_STOPWORDS and w not in EN_STOPWORDS
    )


def headline_terms(title: str | None) -> frozenset[str]:
    """The index terms of the content words of an article's headline: what names its story,
    which a passage after its lead need not repeat. None for a title that is no headline
    (``given_title``: a file name of one word, a JSONL file's name and line); a file name of
    several words reads as one, as ``one_story`` reads it (most are a headline's slug)."""
    return _headline_terms(title or "") or frozenset()


class Titled(Protocol):
    """A passage (``Chunk``) or an article (``ArticleRecord``): its article's source and title."""

    @property
    def source(self) -> str: ...

    @property
    def title(self) -> str: ...


def one_story(a: Titled, b: Titled) -> bool:
    """Whether two passages' (or articles') articles may report one story: the same article, or headlines that
    share a content word, as reports of one event share its place or what happened ("Banjir
    Rendam Empat Desa" and "Tanggap Darurat Banjir Berakhir"), while headlines of different
    stories mostly share none ("Bus Listrik Trans Seruni Mulai Beroperasi" and "Pasar Rakyat
    Kuala Bening Dibuka Kembali"). A common word ("warga") joins two stories, which is then
    read as before this test: newest first. An article without a headline is taken to be on
    the story."""
    if a.source == b.source:
        return True
    first, second = _headline_terms(a.title or ""), _headline_terms(b.title or "")
    if not first or not second:
        return True
    return bool(first & second)


# How many terms mark an article's story (``marks``).
STORY_MARKS = 6


def marks(
    passages: Iterable[Any], frequencies: Callable[[Sequence[str]], tuple[dict[str, int], int]]
) -> frozenset[str]:
    """The ``STORY_MARKS`` index terms that most mark ``passages`` (ranked passages of one article,
    with their analysed ``sentences``): written in most of their sentences and in few of the
    index's passages (tf-idf, ``frequencies`` giving each term's passage count and the number of
    passages): a place, a name, what happened ("pakis", "jajar", "racun"; not "tersangka" or
    "lab", which another story's report may share with it as it shares a headline's words)."""
    counts: dict[str, int] = {}
    for passage in passages:
        for _, terms in passage.sentences:
            for term in terms:
                if len(term) > 2 and not term.isdigit():
                    counts[term] = counts.get(term, 0) + 1
    if not counts:
        return frozenset()
    found, total = frequencies(sorted(counts))
    weight = {t: n * math.log((1 + total) / (1 + found.get(t, 0))) for t, n in counts.items()}
    return frozenset(sorted(weight, key=lambda t: (-weight[t], t))[:STORY_MARKS])


# Whether two passages' or articles' articles report one story (``one_story``, ``StoryReader.teller``).
Together = Callable[[Titled, Titled], bool]


# The most sentences whose terms a StoryReader keeps, with their articles' names, until the next
# write (``read_article``): about 2.3 KB a sentence, some 12 MB; a hundred or more news articles.
SENTENCES_KEPT = 5_000


class ArticleReading(NamedTuple):
    """What an article writes as names (``names``), the index terms of each of its sentences and
    all of them (``terms``, as stored at ingest)."""

    names: frozenset[str]
    sentences: tuple[frozenset[str], ...]
    terms: frozenset[str]


class StoryReader:
    """Which articles of an index tell the story a question asks about, read from what they say
    rather than from their headlines (``one_story``): of two articles, the second tells the
    first's story when it holds one of the names the question uses that the first writes as
    names (``names``: "Keruing", "Arum", "TBS"; not "warga", which it writes in lower case, nor
    "Sungai", the kind of name "Sungai Keruing" is). One, since a later report need not repeat
    every village ("jembatan gantung Ranu Asri - Sumber Arum" is "jembatan gantung" in the
    flood's last report).
    Headlines of different stories share common words ("Sungai Arum Meluap, ... Dua Warga
    Hilang" and "Sungai Keruing Menghitam, ... 36 Warga Berobat"), and reports of one story may
    share none ("Sungai Keruing Menghitam, ..." and "Hasil Lab Keluar, Limbah Sawit Ternyata
    Dibuang Lewat Pipa Siluman; ..."); a question on the river names "Keruing", which no report
    of the flood says. A question that names nothing the first article writes as a name is
    read by the headlines (``one_story``)."""

    def __init__(self, index: Index) -> None:
        self.index = index
        # the generation read at, the articles read then, and how many sentences they hold
        self._read: tuple[int | None, dict[str, ArticleReading], list[int]] = (None, {}, [0])
        self._keeping = threading.Lock()  # the Discord bot answers in worker threads sharing a chain

    def read_article(self, source: str) -> ArticleReading:
        """What an article writes as names and the terms of its sentences, kept until the next
        write by any process (up to ``SENTENCES_KEPT`` sentences in all): every question's story
        test reads them (``teller``), a follow-up too (``bot.chain.followup.FollowUpReader``), and
        a conversation asks of one article many times."""
        generation = self.index.catalog.generation()
        kept_at, held, counted = self._read
        if kept_at != generation:
            held, counted = {}, [0]
            self._read = (generation, held, counted)
        found = held.get(source)
        if found is None:
            chunks = self.chunks_of(source)
            stored = self.index.sentences(chunks) if chunks else {}
            sentences = tuple(
                frozenset(terms)
                for chunk in chunks
                for _, terms in (stored.get(chunk.chunk_id) or sentence_terms(chunk.text))
            )
            found = ArticleReading(
                names((chunk.text for chunk in chunks), chunks[0].title if chunks else ""),
                sentences,
                frozenset().union(*sentences),
            )
            with self._keeping:
                if source not in held and counted[0] + len(found.sentences) <= SENTENCES_KEPT:
                    held[source] = found
                    counted[0] += len(found.sentences)
        return found

    def chunks_of(self, source: str) -> Sequence[Chunk]:
        """An article's passages, as stored: all this reader reads of the index."""
        return self.index.catalog.chunks_of(source)

    def terms(self, source: str) -> frozenset[str]:
        """An article's index terms (as stored at ingest)."""
        return self.read_article(source).terms

    def teller(self, concepts: Sequence[Any]) -> Together:
        """The test for one question (its ``concepts``: ``bot.chain.question.Concept``, each with
        its index ``terms`` and ``found_in``); what it reads of an article is kept as long as the
        test is, and until the next write (``read_article``), so that an article added later is
        read when it is asked about."""
        read = cache(self.read_article)  # an article past SENTENCES_KEPT is read once a question still

        def terms_of(source: str) -> frozenset[str]:
            return read(source).terms

        def names_of(source: str) -> frozenset[str]:  # read only of the first article of a pair
            return read(source).names

        asked = frozenset(t for c in concepts for t in c.terms)

        def together(a: Titled, b: Titled) -> bool:
            if a.source == b.source:
                return True
            # the names themselves: "phk" is also searched as "kerja", which is no name
            named = sorted(asked & names_of(a.source) & terms_of(a.source)) if asked else []
            if not named:
                return one_story(a, b)
            return not terms_of(b.source).isdisjoint(named)

        return together


_WORD = re.compile(r"[^\W\d_][\w'’-]*")
# What ends a sentence or a part of one, after which a capital says nothing of a name: a stop, a
# quotation mark, a dash or a colon ("Sumber Arum - Ranu Asri", "menjelaskan: Pemerintah ...").
_SENTENCE_END = frozenset('.!?\n"“”-–—:•*')


def names(texts: Iterable[str], title: str = "") -> frozenset[str]:
    """The index terms of the words ``texts`` write as names: capitalised in most of the places
    they stand other than where a sentence, a line or a part after a dash or a colon begins
    ("Keruing", "TBS"; not "Warga", capitalised in a headline, written "warga" everywhere
    else), not mostly the word opening a name of several ("Sungai" of "Sungai Keruing", "Desa"
    of "Desa Teluk Rambai": the kind of place, which another story's river or village is too),
    and no day or month. A headline (``title``, or a line whose every word of four letters or
    more is capitalised) and a dateline in capitals ("SUNGAI PINANG TUA, KABAR HULU HILIR - ")
    say nothing of which words are names."""
    capitalised: dict[str, int] = {}
    seen: dict[str, int] = {}
    opening: dict[str, int] = {}
    for text in texts:
        for line in text.splitlines():
            line = DATELINE.sub("", line)
            found = list(_WORD.finditer(line))
            long = [m.group() for m in found if len(m.group()) >= 4]
            if (long and all(w[0].isupper() for w in long)) or (title and line.strip() == title.strip()):
                continue
            # each word, whether it opens a sentence, and whether anything (a comma, a dash)
            # stands between it and the word before
            words_ = []
            end = 0
            for match in found:
                between = line[end : match.start()].strip()
                first = (end == 0 and not between) or bool(between and between[-1] in _SENTENCE_END)
                words_.append((match.group(), first, bool(between)))
                end = match.end()
            for i, (word, first, apart) in enumerate(words_):
                if first:
                    continue
                term = stem(word.lower())
                seen[term] = seen.get(term, 0) + 1
                if not word[0].isupper():
                    continue
                capitalised[term] = capitalised.get(term, 0) + 1
                before = words_[i - 1] if i else None
                after = words_[i + 1] if i + 1 < len(words_) else None
                named_before = before is not None and not apart and not before[1] and before[0][0].isupper()
                named_after = after is not None and not after[2] and after[0][0].isupper()
                opening[term] = opening.get(term, 0) + (named_after and not named_before)
    return frozenset(
        t for t, n in capitalised.items() if n * 2 > seen[t] and opening.get(t, 0) * 2 < n and t not in CALENDAR_WORDS
    )
