"""The extractive answerer: quotes the retrieved sentences that answer the question and cites them.

No model download and no network. Every sentence of the best-ranked passages gets the named
features of ``bot.chain.features`` (its similarity to the question in meaning and in words, its
passage's rank and score, whether it holds the kind of thing asked for, where it stands), and
the sentence model of ``bot.chain.models`` (fitted on the training splits by
``bench/fit_models.py``) picks the one that answers; the next best joins it when it scores
nearly as well and the answer stays short, a quoted sentence that leans on the one before it
("Meskipun TikTok mengonfirmasi adanya PHK ini ...") brings that one too when it fits, and a
third may follow when the whole stays within 300 characters (``quoted``). The answer model
then judges the pick as a whole (how clearly it won, how well it and its passage
match the question, whether it holds the kind of thing asked for, how much of the question the
index has never seen) and the answerer abstains in the question's language when the pick is
probably wrong: the threshold was chosen on the training splits, where a quarter of the
questions have no answer in their passage.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

from bot.chain.answer import ABSTAIN_TEXT, Answer, Citation, passage_quote, shown_quote
from bot.chain.features import (
    PassageCandidate,
    SentenceCandidate,
    answer_features,
    fitted_opposite,
    sentence_features,
    type_feature,
)
from bot.chain.models import AnswerModels, Model, load_models
from bot.chain.question import (
    AGE,
    DATE_FIGURES,
    ParsedQuery,
    asks_why_figures_differ,
    explains_a_difference,
    names_nothing_held,
    tells_figure_asked,
)
from bot.chain.retriever import Retrieval
from bot.chain.speakers import account_terms, voices
from bot.chain.stories import one_story
from ingest.text.analysis import EN_STOPWORDS, ID_STOPWORDS, NUMBER_WORDS, stem, words
from ingest.text.numbers import in_digits, number_value
from ingest.text.sentences import gives_words, refers_back
from ingest.types import Chunk, Hit


@dataclass(frozen=True)
class AnswererConfig:
    """How much of the ranking the answerer reads and how long an answer may be."""

    passages: int = 3
    max_answer_chars: int = 350  # a second sentence joins only if the two fit: answers stay short (docs/quality.md)
    max_answer_chars_with_third: int = 300  # a third only if the three fit in this
    # passages read past ``passages`` for another figure of what the best sentence counts, when
    # those read give none: another source's figure may be in a paragraph of its own ("hanya
    # sekitar 300 hektare", a quote the question's words do not bring up)
    other_side_passages: int = 3


def of_other_years(query: ParsedQuery, passage: PassageCandidate) -> bool:
    """Whether ``query`` names years (``ParsedQuery.years_asked``) none of which the article of
    ``passage`` tells of, while it tells of others: what it says is of another time ("luas kebun
    binatang pada tahun 2021?" of a zoo opened in 1936 with its area then). An article telling of
    no year (undated, its text naming none) may be of any."""
    told = passage.years_told
    return bool(query.years_asked) and told is not None and not told.answer(query.years_asked)


class ExtractiveAnswerer:
    """Answers from ranked passages by quoting their likeliest sentences; abstains when none is likely."""

    def __init__(self, config: AnswererConfig | None = None) -> None:
        self.config = config or AnswererConfig()

    def models(self, retrieval: Retrieval) -> AnswerModels:
        """The models that read the retrieval's best passages: those that ranked them (the
        shipped ones if it does not say), in their one-article form when the passages all come
        from one article (``AnswerModels.for_passages``)."""
        return (retrieval.models or load_models()).for_passages(retrieval.candidates[: self.config.passages])

    def judge(self, retrieval: Retrieval) -> tuple[list[SentenceCandidate], float]:
        """The sentences of the best passages scored by the sentence model, best first, and the
        answer model's probability that the best one answers (0 when there is none, or when the
        question is on a subject no article holds: ``AnswerModels.off_topic``). Kept on the
        retrieval: a question's readings are judged to be compared, then one is answered."""
        if retrieval.judged is None:
            ranked = self._rank_sentences(retrieval)
            passages = retrieval.candidates[: self.config.passages]
            models = self.models(retrieval)
            probability, gated = 0.0, False
            led = explaining_first(retrieval, by_account(retrieval, ranked))
            if ranked:
                features = answer_features(retrieval.query, passages, ranked)
                gate = models.off_topic
                # a question on a subject no article holds has no answer, however likely its best
                # sentence looks: an Indonesian one that names nothing the index holds, one naming
                # a year no article mentions or was published in ("berapa biaya renovasi tahun
                # 2015?" of a market renovated in 2009) or that its answer's article does not tell
                # of, one asking for what is not something ("siapa yang bukan ...?") or the opposite
                # of what its best passage says ("kapan dibubarkan?" of one on a founding), or one
                # the gate refuses
                gated = (
                    names_nothing_held(retrieval.query)
                    or bool(retrieval.query.years_unsaid)
                    or of_other_years(retrieval.query, ranked[0].passage)
                    or retrieval.query.asks_what_is_not
                    or fitted_opposite(retrieval.query, ranked[0].passage.chunk.text)
                    or (gate is not None and gate.refuses(features, retrieval.query.lang))
                )
                # a question asking a figure in a measure, a sum, a length of time or a time of day
                # that neither its best two sentences nor those beside the best write ("brp ton" of
                # a mill's running machines, "berapa biayanya" of a count, "berapa lama" or "jam
                # brp" of a day) has no answer there, though it is on the index's subject
                if not gated and tells_figure_asked(retrieval.query, _told_with(led)):
                    probability = models.answer.probability(features)
            retrieval.judged = (tuple(led), probability, gated)
        ranked_once, probability, _ = retrieval.judged
        return list(ranked_once), probability

    def off_topic(self, retrieval: Retrieval) -> bool:
        """Whether the off-topic gate refuses ``retrieval``: its question is on a subject no
        article of the index holds (``judge``)."""
        self.judge(retrieval)
        return bool(retrieval.judged[2])

    def rank_sentences(self, retrieval: Retrieval) -> list[SentenceCandidate]:
        """The sentences of the best passages scored by the sentence model, best first."""
        return self.judge(retrieval)[0]

    def probability(self, retrieval: Retrieval) -> float:
        """The answer model's probability that the answer to ``retrieval`` is right, on the scale
        of the one bar of the models that ranked its passages: one-article models have bars of
        their own, and questions asking why have one (``AnswerModels.bar``), so a probability is
        moved by the log-odds between its bar and that one, and readings of a question read by
        either can be compared (a follow-up against the question alone: "yg di malaysia?" after a
        question asking why is read as asking why only with the turn before it)."""
        probability = self.judge(retrieval)[1]
        reading, ranking = self.models(retrieval), retrieval.models or load_models()
        lang = retrieval.query.lang
        own, common = reading.bar(lang, retrieval.query.kind), ranking.bar(lang)
        if own == common or not 0.0 < probability < 1.0:
            return probability
        return 1.0 / (1.0 + math.exp(-(_logit(probability) + _logit(common) - _logit(own))))

    def accepts(self, retrieval: Retrieval) -> bool:
        """Whether the answer to ``retrieval`` is likely enough to be given (else: abstain)."""
        ranked, probability = self.judge(retrieval)
        return bool(ranked) and probability >= self.models(retrieval).bar(retrieval.query.lang, retrieval.query.kind)

    def _rank_sentences(self, retrieval: Retrieval, passages_read: int | None = None) -> list[SentenceCandidate]:
        passages = retrieval.candidates[: self.config.passages if passages_read is None else passages_read]
        vector = retrieval.vector
        if vector is None:
            import numpy as np

            vector = np.zeros(1, dtype=np.float32)
        candidates = sentence_features(retrieval.query, passages, vector)
        logits = self.models(retrieval).sentence.logits([c.features for c in candidates])
        scored = [replace(c, score=v) for c, v in zip(candidates, logits, strict=True)]
        return sorted(scored, key=lambda c: c.score, reverse=True)

    def answer_retrieval(self, retrieval: Retrieval) -> Answer:
        """Return the answer for a retrieval."""
        question, lang = retrieval.question, retrieval.query.lang
        hits = retrieval.hits
        chosen = self.chosen(retrieval)
        if not chosen:
            ranked = self.rank_sentences(retrieval)
            closest = None
            if ranked:  # the likeliest sentence, with the one it leans on
                before = antecedent(ranked[0], ranked)
                (closest,) = _citations([[ranked[0]] if before is None else [ranked[0], before]])
            return Answer(question, ABSTAIN_TEXT[lang], True, lang, retrieved=hits, closest=closest)
        return compose(question, lang, chosen, hits)

    def chosen(self, retrieval: Retrieval) -> list[SentenceCandidate]:
        """The sentences the answer to ``retrieval`` quotes (``quoted``), the best first; none
        when it abstains."""
        if not self.accepts(retrieval):
            return []
        cfg, models = self.config, self.models(retrieval)
        ranked = self.rank_sentences(retrieval)
        joins = self._joins(retrieval, retrieval.candidates[: cfg.passages], ranked)
        return quoted(
            ranked,
            models.second_margin,
            models.third_margin,
            cfg.max_answer_chars,
            cfg.max_answer_chars_with_third,
            joins=joins,
            other_side=self._other_side(retrieval, ranked, joins),
        )

    def _other_side(
        self, retrieval: Retrieval, ranked: list[SentenceCandidate], joins: Callable[[SentenceCandidate], bool]
    ) -> SentenceCandidate | None:
        """``counterpart`` among the sentences read, else among those of ``other_side_passages``
        passages more, within the passages an answer lists (``Retrieval.k``), of the best
        sentence's story (``Retrieval.together``, by the names the question uses, else
        ``one_story``: a figure of another story's article is no other side, "gempa sumedang"'s
        damaged houses not Garut's) and that ``joins`` lets in: another figure for what it counts."""
        cfg, query = self.config, retrieval.query
        if not ranked:
            return None
        together = retrieval.together or one_story
        story = ranked[0].passage.chunk

        def of_story(joins: Callable[[SentenceCandidate], bool]) -> Callable[[SentenceCandidate], bool]:
            return lambda sentence: together(story, sentence.passage.chunk) and joins(sentence)

        found = counterpart(query, ranked, cfg.max_answer_chars, of_story(joins))
        wider = min(cfg.passages + cfg.other_side_passages, retrieval.k, len(retrieval.candidates))
        if found is not None or query.kind != "number" or wider <= cfg.passages:
            return found
        # by headlines first (pure); the names' test, which reads articles, only of a sentence
        # that would be quoted (``of_story`` joins)
        more = [
            s
            for s in self._rank_sentences(retrieval, wider)
            if s.rank >= cfg.passages and one_story(story, s.passage.chunk)
        ]
        reading = [*ranked, *more]
        joins_wider = self._joins(retrieval, retrieval.candidates[:wider], reading)
        return counterpart(query, reading, cfg.max_answer_chars, of_story(joins_wider))

    def _joins(
        self, retrieval: Retrieval, passages: Sequence[PassageCandidate], ranked: list[SentenceCandidate]
    ) -> Callable[[SentenceCandidate], bool]:
        """Whether a sentence may join an answer beside the best of ``ranked``, read over
        ``passages`` (``answers_alone``, at the bar of the models that read them), and let in by
        the retrieval's ``on_topic`` when its best sentence is (a follow-up's story gate)."""
        models, query = self.models(retrieval), retrieval.query
        # a follow-up answered from its conversation's story quotes beside it nothing off that
        # story; the best sentence's own article always may (a narrowed copy, by dates, may
        # answer from another story: then nothing is held back)
        on_topic = retrieval.on_topic
        if on_topic is not None and (not ranked or not on_topic(ranked[0].passage)):
            on_topic = None

        def joins(sentence: SentenceCandidate) -> bool:
            if (
                on_topic is not None
                and sentence.passage.chunk.source != ranked[0].passage.chunk.source
                and not on_topic(sentence.passage)
            ):
                return False
            return answers_alone(query, passages, ranked, sentence, models.answer, models.bar(query.lang, query.kind))

        return joins


def answers_alone(
    query: ParsedQuery,
    passages: Sequence[PassageCandidate],
    ranked: Sequence[SentenceCandidate],
    sentence: SentenceCandidate,
    answer_model: Model,
    bar: float,
) -> bool:
    """Whether ``sentence`` may join an answer beside the best of ``ranked``: it comes from the
    best one's article, or the answer model accepts it (at ``bar``) as the answer its own article
    gives. It is judged as that article's best sentence over that article's passages among
    ``passages`` and its sentences among ``ranked``, the other articles' left out of the
    margins and shares (the scores themselves are the whole reading's). A sentence from an
    article on something else, which only scored near the best, is not quoted, and is not cited
    first for being newer (``compose``). ``bench/fit_models.py`` fits the margins with it too."""
    if not ranked:
        return False
    source = sentence.passage.chunk.source
    if source == ranked[0].passage.chunk.source:
        return True
    own_passages = [p for p in passages if p.chunk.source == source]
    if not own_passages:  # its passage is not among those read: nothing to judge it by
        return False
    own = [sentence, *(s for s in ranked if s.passage.chunk.source == source and s is not sentence)]
    return answer_model.probability(answer_features(query, own_passages, own)) >= bar


class _Scored(Protocol):
    @property
    def text(self) -> str: ...

    @property
    def score(self) -> float: ...


_S = TypeVar("_S", bound=_Scored)


def join_one(
    ranked: Sequence[_S],
    chosen: Sequence[_S],
    margin: float,
    window: int,
    max_chars: int,
    allowed: Callable[[_S], bool] = lambda _: True,
) -> list[_S]:
    """The first of ``ranked[1:window]`` not yet ``chosen`` that scores within ``margin`` of the
    best and keeps the quoted text within ``max_chars`` (and that ``allowed`` lets in), as a
    list of one; empty when there is none."""
    best = ranked[0]
    for other in ranked[1:window]:
        if best.score - other.score > margin:
            break
        if _fits(chosen, other, max_chars) and allowed(other):
            return [other]
    return []


def _fits(chosen: Sequence[_S], other: _S, max_chars: int) -> bool:
    """Whether ``other`` is not quoted yet and the quotes stay within ``max_chars`` with it."""
    return all(other.text != c.text for c in chosen) and (
        sum(len(c.text) + 1 for c in chosen) + len(other.text) <= max_chars
    )


def quoted(
    ranked: list[SentenceCandidate],
    second_margin: float,
    third_margin: float | None,
    max_chars: int,
    max_chars_with_third: int,
    joins: Callable[[SentenceCandidate], bool] = lambda _: True,
    other_side: SentenceCandidate | None = None,
) -> list[SentenceCandidate]:
    """The sentences an answer quotes from ``ranked`` (best first): the best; the first of the
    next two that scores within ``second_margin`` of it and fits in ``max_chars`` with it; the
    sentence a quoted one leans on ("Meskipun TikTok mengonfirmasi adanya PHK ini ..."), when it
    still fits, and the words of one who disputes something (``follower``), when they fit; then,
    after a second, with a ``third_margin``, the first of the next three that
    scores within that, keeps the quotes within ``max_chars_with_third`` and does not lean on a
    sentence left out. A second or third sentence joins only when ``joins`` lets it (the answerer:
    when it comes from the best one's article or its own article answers too, ``answers_alone``).
    ``bench/fit_models.py`` fits both margins with this same function, for
    training accuracy under a cap on the median answer's length. ``other_side``, when given,
    is quoted second instead (``counterpart``: another figure for what the best one counts,
    which ``joins`` has already let in)."""
    if not ranked:
        return []
    chosen = [ranked[0]]
    if other_side is not None:
        chosen.append(other_side)
    else:
        chosen += join_one(ranked, chosen, second_margin, 3, max_chars, joins)
    second = len(chosen) == 2
    for find in (antecedent, follower):  # what a quoted sentence leans on first, then what follows it
        for sentence in list(chosen):
            found = find(sentence, ranked)
            if found is not None and _fits(chosen, found, max_chars):
                chosen.append(found)
    if third_margin is not None and second:
        chosen += join_one(
            ranked,
            chosen,
            third_margin,
            4,
            max_chars_with_third,
            lambda c: _makes_sense_beside(c, chosen, ranked) and joins(c),
        )
    return chosen


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1.0 - p))


def compose(question: str, lang: str, chosen: list[SentenceCandidate], hits: list[Hit]) -> Answer:
    """Number the cited passages in order of first use and quote the chosen sentences; when they
    come from articles of one story (``one_story``) of different dates, the newest comes first
    (an undated one last): a later report updates an earlier one. A passage of another story
    (another article that answers too: "tarifnya brp?" of a bus fare and a market's levy) comes
    after those of the best sentence's story, however new: it is not what was asked about first."""
    by_chunk: dict[str, list[SentenceCandidate]] = {}
    for c in chosen:
        by_chunk.setdefault(c.passage.chunk.chunk_id, []).append(c)
    groups = list(by_chunk.values())
    if groups:
        best = groups[0][0].passage.chunk
        ours = [one_story(best, g[0].passage.chunk) for g in groups]
        story = [g for g, own in zip(groups, ours, strict=True) if own]
        others = [g for g, own in zip(groups, ours, strict=True) if not own]
        # A stable sort: passages of one day (or all undated) keep their order of first use.
        story.sort(key=lambda g: (g[0].passage.chunk.published or "")[:10], reverse=True)
        groups = story + others
    citations = _citations(groups)
    parts = [f"{shown_quote(c.quote)} [{c.n}]" for c in citations]
    said = chosen[0].text if chosen else None
    return Answer(question, " ".join(parts), False, lang, citations, retrieved=hits, best=said)


def _citations(groups: Sequence[Sequence[SentenceCandidate]]) -> list[Citation]:
    """A citation, numbered from 1, for each group of sentences of one passage, quoting them."""
    citations = []
    for n, group in enumerate(groups, start=1):
        passage = group[0].passage
        chunk: Chunk = passage.chunk
        quote = passage_quote(chunk.text, passage.sentences, [c.position for c in group])
        citations.append(Citation(n, chunk, quote, round(passage.score, 4)))
    return citations


def _makes_sense_beside(
    sentence: SentenceCandidate, chosen: list[SentenceCandidate], ranked: list[SentenceCandidate]
) -> bool:
    """Whether ``sentence`` can be quoted beside ``chosen``: it does not lean on the sentence
    before it, or that one is quoted too."""
    before = antecedent(sentence, ranked)
    return before is None or any(before.text == c.text for c in chosen)


def antecedent(sentence: SentenceCandidate, ranked: list[SentenceCandidate]) -> SentenceCandidate | None:
    """The sentence before ``sentence`` in its passage when ``sentence`` refers back to it: a
    quote should make sense on its own ("Meskipun TikTok mengonfirmasi adanya PHK ini ..." needs
    what "PHK ini" is)."""
    if sentence.position == 0 or not refers_back(sentence.text):
        return None
    return _beside(sentence, ranked, -1)


def _beside(sentence: SentenceCandidate, ranked: list[SentenceCandidate], step: int) -> SentenceCandidate | None:
    """The sentence ``step`` places after ``sentence`` in its passage (before it for a negative
    one), among ``ranked``; ``None`` when there is none (a subheading is no candidate)."""
    return next((c for c in ranked if c.passage is sentence.passage and c.position == sentence.position + step), None)


# A sentence saying that someone judges or denies what was said before ("Kepala Desa ..., menilai
# angka itu terlalu kecil.", "Direktur Forum ..., membantah klaim tersebut."): what they hold
# instead is in the words the next sentence gives.
_DISPUTES = re.compile(
    r"\b(?:menilai|membantah|menyangkal|mempertanyakan|meragukan|menolak|disputes?|disputed|denied|denies|rejects?|rejected)\b",
    re.IGNORECASE,
)


def follower(sentence: SentenceCandidate, ranked: list[SentenceCandidate]) -> SentenceCandidate | None:
    """The sentence after ``sentence`` in its passage when ``sentence`` says someone disputes
    something and that one gives their words (``gives_words``): quoted alone, "... menilai angka
    itu terlalu kecil." says who disputes a figure, not theirs ('"Di lapangan ada 610 jiwa, ...').
    Sources that disagree are quoted both (issue 19)."""
    if not _DISPUTES.search(sentence.text):
        return None
    after = _beside(sentence, ranked, 1)
    return after if after is not None and gives_words(after.text) else None


_FIGURE = re.compile(r"(?<![\w.,])([0-9]+(?:[.,][0-9]+)*)(\s*%)?")  # not "Rp9.500", "USD2", "G20"
_SCALES = {"ribu": 1e3, "rb": 1e3, "thousand": 1e3, "juta": 1e6, "million": 1e6, "miliar": 1e9, "milyar": 1e9}
_SCALES |= {"billion": 1e9, "triliun": 1e12, "trillion": 1e12}
_SHARES = frozenset({"persen", "percent", "pct"})
_NOT_COUNTED = NUMBER_WORDS | ID_STOPWORDS | EN_STOPWORDS
_OPENINGS = (".", "!", "?", ":", "-", "–", "—", '"', "“", "'", "‘", "(")  # what a sentence or quote begins after
_SAME_FIGURE_WITHIN = 3  # the sentences (the best among them) where the best one's figure is looked up
_MAGNITUDES = 10.0  # another side's figure is more than the best one's divided by this ("3" is no other side of "460")
# A sentence that counts a part of what the sentence before it counted ("Dari jumlah itu, 120
# pengungsi adalah balita"): no other figure for the same thing.
_PART_OF = re.compile(r"\b(?:dari jumlah (?:itu|tersebut)|of (?:them|whom)|among them)\b", re.IGNORECASE)


def counted(text: str) -> list[tuple[float, frozenset[str]]]:
    """The figures of ``text`` outside dates and brackets, each as its value (Indonesian
    separators, a scale word after it applied: "1.400" and "1,4 ribu" are both 1400; a count
    written as words, "tiga orang", as its value) with the terms of the two words after it but
    scales and stopwords: what it counts ("460 pengungsi" -> {"ungsi"}, "1.400 hektare hutan" ->
    {"hektare", "hutan"}, "20 juta dolar AS" -> {"dolar"}). A share ("40 persen", "30%") counts
    nothing of its own."""
    return [(value, things) for value, _, things in _counts(text)]


def _not_a_count(word: re.Match[str]) -> bool:
    """Whether a number written as words is no count: one ("salah satu warga" is one of them),
    or part of a name or a compound (``_names_it``)."""
    return number_value(word.group(0)) < 2 or _names_it(word.string, word.start(), word.end())


def _names_it(text: str, start: int, end: int) -> bool:
    """Whether the number written as words at ``text[start:end]`` is part of a name ("Bukit
    Sembilan", "KM Sabaru Dua", "PT Dua Kelinci", "Lima, Peru") or of a compound ("ten-year"):
    joined by a hyphen to what follows, or capitalised beside a capitalised word: after one,
    unless a sentence, a dateline or a quote begins there ("JAKARTA - Dua warga hilang", "kata
    dia: \"Tiga warga ...\""), or before one that is not an acronym ("Tiga WNI hilang" counts)."""
    if text[end : end + 1] == "-":
        return True
    if not text[start].isupper():
        return False
    preceding = text[max(0, start - 60) : start].rstrip()
    before = re.search(r"(\w+)\W*$", preceding)
    after = re.match(r"\W*(\w+)", text[end : end + 60])
    begins = not preceding or preceding.endswith(_OPENINGS)
    named_before = bool(before and before.group(1)[0].isupper()) and not begins
    named_after = bool(after and after.group(1)[0].isupper() and not after.group(1).isupper())
    return named_before or named_after


def _counts(text: str) -> list[tuple[float, str, frozenset[str]]]:
    """``counted`` with the first of the terms each figure counts (its head: "hektare" of
    "1.400 hektare hutan", "titik" of "enam titik pengungsian")."""
    text = in_digits(AGE.sub(" ", DATE_FIGURES.sub(" ", text)), keep=_not_a_count)  # "Dadang Hermawan (45)"
    figures = []
    for match in _FIGURE.finditer(text):
        if match.group(2):
            continue
        whole, _, fraction = match.group(1).replace(".", "").partition(",")  # "20,5": a decimal comma
        value = float(f"{whole}.{fraction.replace(',', '')}" if fraction else whole)
        after = words(text[match.end() : match.end() + 60])[:2]
        if after and after[0] in _SHARES:
            continue
        if after and after[0] in _SCALES:
            value *= _SCALES[after[0]]
        terms = [stem(w) for w in after if not w[0].isdigit() and w not in _NOT_COUNTED]
        if terms:
            figures.append((value, terms[0], frozenset(terms)))
    return figures


def _other_side(
    figure: float, things: frozenset[str], theirs: float, what: frozenset[str], asked: frozenset[str]
) -> bool:
    """Whether a figure ``theirs`` counting ``what`` is another figure for what ``figure`` counts
    (``things``): another value, not a tenth of it or less ("3" is no other side of "460": more
    likely a part of it, as "enam titik pengungsian" is no count of "460 pengungsi"; a larger one
    may be: "3 korban" rose to "45 korban"), counting something the question names that it counts
    too."""
    if math.isclose(figure, theirs) or theirs * _MAGNITUDES < figure:
        return False
    return bool(what & things & asked)


# How many letters one spelling of a word adds to another ("hektar" / "hektare", "analisa" /
# "analisis" is no prefix): a longer difference is another word ("orang" / "orangutan").
_SPELLING_TAIL = 2
_SPELT_ALIKE_FROM = 5  # the shortest word another spelling of which is told this way


def _spelt_alike(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are two spellings of one word: one the other with at most
    ``_SPELLING_TAIL`` more letters, both of ``_SPELT_ALIKE_FROM`` letters at least."""
    short, long = sorted((a, b), key=len)
    return len(short) >= _SPELT_ALIKE_FROM and len(long) - len(short) <= _SPELLING_TAIL and long.startswith(short)


def counterpart(
    query: ParsedQuery,
    ranked: Sequence[SentenceCandidate],
    max_chars: int,
    joins: Callable[[SentenceCandidate], bool] = lambda _: True,
) -> SentenceCandidate | None:
    """For a question asking how many, the likeliest sentence of ``ranked`` after the best that
    gives another figure for what the best one counts, where that is something the question
    names ("Dinas Sosial ... mencatat 512 pengungsi" beside "BPBD ... mencatat 460 pengungsi"
    for "jumlah pengungsinya brp?"; ``_other_side``), that fits within ``max_chars`` beside the
    best and that ``joins`` lets in; None when there is none. What a figure of the best sentence
    counts may be read from a sentence of its article beside it giving the same figure. Sources
    that disagree are quoted both (issue 19); measured in docs/quality.md, "The other figure for
    what is counted"."""
    if query.kind != "number" or not ranked:
        return None
    asked = frozenset(t for c in query.concepts for t in c.terms)
    # Each figure of the best sentence counting something the question names, with all it counts
    # and what the same figure counts, first, in a sentence of its article read beside it, when
    # that is named and counts fewer different figures in the sentences read ("Pengungsi ... Capai
    # 460 Orang" beside "BPBD ... mencatat 460 pengungsi" for "pengungsi ada brp orang?": another
    # source's "512 pengungsi" counts what the headline's figure does; "460 pengungsi" beside "460
    # orang itu" does not count every "orang": "120 orang luka-luka" is no other side). A figure
    # counting nothing named takes what the same figure counts beside it.
    counts = [_counts(c.text) for c in ranked]
    # what the sentences count spelt as the question spells it ("hektare" of "brp hektar")
    asked |= {t for found in counts for _, _, things in found for t in things if any(_spelt_alike(t, a) for a in asked)}
    beside = [
        count
        for other, found in zip(ranked[1:_SAME_FIGURE_WITHIN], counts[1:_SAME_FIGURE_WITHIN], strict=False)
        if other.passage.chunk.source == ranked[0].passage.chunk.source
        for count in found
    ]
    # how many different figures each word counts first in the sentences read: "orang" counts
    # "460", "5", "45" and "120" of a flood, "pengungsi" only "460" and "512"
    values: dict[str, set[float]] = {}
    for found in counts:
        for value, h, _ in found:
            values.setdefault(h, set()).add(value)
    named = []
    for figure, head, things in counts[0]:
        same = [(h, t) for value, h, t in beside if math.isclose(value, figure) and h in asked]
        if not things & asked:
            head, things = same[0] if same else ("", frozenset())
        else:  # only towards a word that counts fewer things: "orang" says less than "pengungsi"
            things = things.union(*(t for h, t in same if len(values[h]) < len(values[head])))
        if things:
            named.append((figure, head, things))
    # of several, those counting first what the question names ("460 pengungsi", not "enam
    # titik pengungsian" beside it)
    best = [(f, t) for f, h, t in named if h in asked] or [(f, t) for f, _, t in named]
    if not best:
        return None
    for other, found in zip(ranked[1:], counts[1:], strict=True):
        gives = [] if _PART_OF.search(other.text) else found
        differs = any(
            _other_side(figure, things, theirs, what, asked) for figure, things in best for theirs, _, what in gives
        )
        if differs and _fits(ranked[:1], other, max_chars) and joins(other):
            return other
    return None


# How far down the ranked sentences one said by whose account a question asks is looked for.
MAX_BY_ACCOUNT = 6


def by_account(retrieval: Retrieval, ranked: list[SentenceCandidate]) -> list[SentenceCandidate]:
    """``ranked`` with, first, the best of its first ``MAX_BY_ACCOUNT`` sentences whose speaker
    (as its passage introduces them, ``speakers.voices``) holds whose account the question asks
    by ("kalo versi warga?", "menurut dlh brp ton"), when the best does not: what the forum's
    coordinator said in a quote ("Menurut dia, ...") names neither forum nor residents."""
    asked = account_terms(retrieval.query.text)
    if not asked or not ranked:
        return ranked
    typed_as = type_feature(retrieval.query.kind)

    def holds(s: SentenceCandidate) -> bool:
        voiced = voices(s.passage.chunk.text)
        return s.position < len(voiced) and bool(asked & voiced[s.position])

    def typed(s: SentenceCandidate) -> bool:  # it holds the kind of thing asked for, if one is
        return s.features.get(typed_as, 1.0) > 0

    return _led_by(ranked, holds, lambda s: holds(s) and typed(s))


def explaining_first(retrieval: Retrieval, ranked: list[SentenceCandidate]) -> list[SentenceCandidate]:
    """``ranked`` with, first, the best of its first ``MAX_BY_ACCOUNT`` sentences that explains a
    difference (``question.explains_a_difference``), for a question asking why figures differ
    (``question.asks_why_figures_differ``), when the best does not."""
    if not ranked or not asks_why_figures_differ(retrieval.query, retrieval.question or retrieval.query.text):
        return ranked
    return _led_by(ranked, lambda s: explains_a_difference(s.text))


def _told_with(ranked: list[SentenceCandidate]) -> list[str]:
    """The texts an answer leading with ``ranked[0]`` may quote: the best two sentences and those
    beside the best in its passage (a figure is often in the quote after the sentence naming
    its speaker: "Sutrisno (54), petani ..., mengaku ... "Sawah saya 1,5 hektare ...")."""
    best = ranked[0]
    sentences = best.passage.sentences
    beside = [sentences[j][0].text for j in (best.position - 1, best.position + 1) if 0 <= j < len(sentences)]
    return [s.text for s in ranked[:2]] + beside


def _led_by(
    ranked: list[SentenceCandidate],
    best_will_do: Callable[[SentenceCandidate], bool],
    leads: Callable[[SentenceCandidate], bool] | None = None,
) -> list[SentenceCandidate]:
    """``ranked`` as it is when its best sentence does what ``best_will_do`` asks, else with the
    best of the next ones (up to ``MAX_BY_ACCOUNT``) that ``leads`` (by default ``best_will_do``)
    lets lead moved first (``by_account``, ``explaining_first``)."""
    if best_will_do(ranked[0]):
        return ranked
    leads = leads or best_will_do
    for i, s in enumerate(ranked[1:MAX_BY_ACCOUNT], start=1):
        if leads(s):
            return [s, *ranked[:i], *ranked[i + 1 :]]
    return ranked
