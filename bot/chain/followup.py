"""Follow-up questions: a question read with the conversation before it.

"kenapa?", "berapa orang?" or "and why?" after a first question say nothing on their own. The
next question is read two ways, on its own and together with the earlier turn's ``Context``
(``bot.chain.context``: its concepts and the earlier ones, its vector plus the earlier one), and
the reading the answer model trusts more wins, the one with the context only by a margin; a
question that names more than the turn before it did must also keep what it names
(``prefer_context``). A context also knows its topic: the article of its turn's best passage and
those its answer cites. A question that says less than the turn before it, whose own reading
would answer from another article while the follow-up reading answers from these, is read with
the context. A new topic is not dragged into the old one, while a follow-up that says little
answers far better with the context. Both readings share the one embedding of the question, so
a follow-up costs little more than a first question.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from functools import cache

from bot.chain.answer import Answer
from bot.chain.context import Context
from bot.chain.conversation import Turn, context_after
from bot.chain.extractive import ExtractiveAnswerer
from bot.chain.features import PassageCandidate
from bot.chain.normalization import question_part
from bot.chain.question import COMPARING, Concept, named, naming
from bot.chain.retriever import HybridRetriever, Retrieval
from bot.chain.stories import Titled
from ingest.errors import BadInput
from ingest.text.analysis import analyze
from ingest.text.stemming import root_words
from ingest.types import Scope

# Whether a passage's (or an article's) article tells the conversation's story (``story_of``).
OnStory = Callable[[Titled], bool]

# How much more likely (answer model probability) the reading with the context must be than the
# question on its own to be chosen (chosen on tests/data/conversation_dev.jsonl, docs/quality.md).
CONTEXT_MARGIN = 0.05
# Earlier turns given as text that are read again to find a follow-up's context: the context
# comes from the last one, read with the ones before it, so older turns barely matter, and a
# caller's history of thousands of turns costs no more than this many readings.
MAX_REPLAYED_TURNS = 6
# A question that names at least this share of the concepts it and the earlier turn name
# together is on a subject of its own: it is read as a follow-up only when that reading's answer
# holds as much of what it names as its own reading's does (chosen on the same set).
NEW_SUBJECT_SHARE = 0.5
# A question that names at most half as much as the earlier turn (this share of the two's
# concepts) says too little to have left the conversation: read with it when its own reading
# strays, whatever the stray passage holds of its few words.
FEW_WORDS_SHARE = 1 / 3


def prefer_context(
    p_alone: float,
    p_followed: float,
    named_alone: float,
    named_followed: float,
    share: float,
    leaves_topic: bool = False,
    own_subject: bool = False,
    said_alone: float = 0.0,
    said_followed: float = 0.0,
    headline: bool = False,
) -> bool:
    """Whether to answer a question as a follow-up of the turn before it: when the answer model
    trusts that reading more by ``CONTEXT_MARGIN`` (probabilities ``p_*``), unless the question
    names more itself than the earlier turn did (``share`` of the two's named concepts at least
    ``NEW_SUBJECT_SHARE``) and the follow-up reading's answer drops some of it (``named_*``: the
    shares of the question's own concepts the best answer's passage holds in each reading). So
    "trus kapan?" takes its subject from before, and "bus trans seruni sekali ngecas bisa jalan
    berapa km?" after a question on TikTok is answered (or refused) on its own.

    A question that says less than the earlier turn (``share`` under ``NEW_SUBJECT_SHARE``) and
    whose own reading ``leaves_topic`` (its answer would come from outside the conversation's
    articles, while the follow-up reading's comes from them: ``FollowUpReader.strays``) is read
    as a follow-up whatever the probabilities, as long as that reading's answer holds as much of
    what the question names, or the question names at most half as much as the earlier turn
    (``FEW_WORDS_SHARE``): "knp tuh?" after a question on TikTok's layoffs is asked of the TikTok
    article (and answered or refused there), however well an article on landforms answers
    "kenapa", and so is "mereka kerjanya di bagian apa?", however many of its words an article
    on a factory's departments holds (docs/quality.md, "Follow-up questions"), while "siapa wali
    kota tanjung seruni?" is a subject of its own. So is a question that names an ``own_subject``
    (two things or more, none of them referred back to what was said: "kerjanya", "their
    salaries", ``refers_back``) whose own reading's answer holds all of it and the follow-up
    reading's none: "siapa yang dibayar TikTok?" after a question on a flood's evacuees had been
    answered with the evacuees, while "lewat apa" or "how old was she" name too little to tell.
    Nor is a question with an ``own_subject`` read as a follow-up, however the probabilities
    stand, when the follow-up reading's best sentence holds none of what it names and its own
    reading's best sentence at least half (``said_*``: shares by weight of the question's own
    concepts): "are they planning more layoffs?" after a question on ByteDance's investment had
    quoted the investment again, the passage holding both. After an article named from a list of
    the news (the turn read from its ``headline``, which names so much that any question says
    "too little" to leave it), that holds even when the question's own reading strays: "berapa
    warga yang mengungsi?" after "yang kedua?" had been answered with the second article's lead,
    which says nothing of evacuees (a hostile tester). Over the development sets, which ask no such
    question: 0 / 0; held after any turn, it cost three of their follow-ups."""
    unsaid_there = own_subject and said_followed == 0.0 and said_alone >= 0.5
    if leaves_topic and share < NEW_SUBJECT_SHARE:
        if named_followed >= named_alone:
            return True
        elsewhere = own_subject and named_followed == 0.0 and named_alone == 1.0
        if share <= FEW_WORDS_SHARE and not elsewhere and not (headline and unsaid_there):
            return True
    if p_followed <= p_alone + CONTEXT_MARGIN:
        return False
    if unsaid_there:
        return False
    return share < NEW_SUBJECT_SHARE or named_followed >= named_alone


# English words that make what follows them something of what was said ("their salaries", "the
# company's excuse").
_POSSESSIVES = r"(?:its|their|his|her|our|your|the\s+\w+['’]s)"


def refers_back(surface: str, text: str) -> bool:
    """Whether ``text`` (case-folded) names ``surface`` as something of what was said before: with
    the possessive "-nya" ("salahnya", "CEO nya", "gaji-nya"; not "punya", a word of its own) or
    after an English possessive ("their salaries")."""
    low = surface.casefold()
    if low.endswith("nya") and low not in root_words():  # "punya", "tanya" end so as words
        return True
    word = re.escape(low)
    return re.search(rf"\b{word}\s*-?\s*nya\b|\b{_POSSESSIVES}\s+{word}\b", text) is not None


def points_back(concepts: Sequence[Concept], context: Context, question: str) -> bool:
    """Whether ``question`` points back at one of its ``concepts`` that the conversation named
    (``context``'s reading): "pemberitahuan itu" after a question naming "pemberitahuan". Naming
    it again is not enough: "siapa presiden amerika sekarang?" after "tiktok bayar microsoft brp
    dolar amerika?" is a subject of its own."""
    said = frozenset(t for c in context.query.concepts for t in c.terms)
    text = question.casefold()
    return any(
        said.intersection(c.terms) and re.search(rf"\b{re.escape(c.surface.casefold())}\s+{_POINTING}\b", text)
        for c in concepts
    )


# A word after a noun that points back at it ("pemberitahuan itu", "data tersebut", "angka tadi").
_POINTING = "(?:itu|tersebut|tadi)"


def names_what_was_said(concepts: Sequence[Concept], question: str) -> bool:
    """Whether ``question`` names one of its ``concepts`` as something of what was said before
    (``refers_back``: "CEO nya", "their salaries")."""
    text = question.casefold()
    return any(refers_back(c.surface, text) for c in concepts)


def said_by_most(concept: Concept, passages: Sequence[frozenset[str]]) -> bool:
    """Whether most of ``passages`` (the terms of the passages a reading found of one article)
    hold ``concept``: that article's subject, not a word one of its passages happens to use."""
    return sum(concept.found_in(p) for p in passages) * 2 > len(passages)


def _share_named(alone: Retrieval, present: set[str] | frozenset[str]) -> float:
    """The share, by weight, of what a question itself names (its own reading's ``named``)
    whose terms are among ``present``; 0 when it names nothing."""
    own = named(alone.query)
    return sum(c.weight for c in own if c.found_in(present)) / (sum(c.weight for c in own) or 1.0)


class FollowUpReader:
    """Reads a question on its own or as a follow-up (``prefer_context``), with the chain's
    retriever and extractive answerer (whose answer model judges both readings). ``normalize``
    cleans an earlier question given as text, as the chain cleans a question."""

    def __init__(
        self, retriever: HybridRetriever, extractive: ExtractiveAnswerer, normalize: Callable[[str], str]
    ) -> None:
        self.retriever = retriever
        self.extractive = extractive
        self.normalize = normalize
        self.stories = retriever.stories

    def answer_passage(self, retrieval: Retrieval) -> PassageCandidate | None:
        """The passage a reading's answer would quote first: that of its best sentence."""
        ranked = self.extractive.rank_sentences(retrieval)
        return ranked[0].passage if ranked else None

    def subject_coverage(self, retrieval: Retrieval, alone: Retrieval) -> float:
        """How much of what the question itself names the passage of a reading's best answer holds."""
        passage = self.answer_passage(retrieval)
        return 0.0 if passage is None else _share_named(alone, passage.terms)

    def sentence_coverage(self, retrieval: Retrieval, alone: Retrieval) -> float:
        """How much of what the question itself names a reading's best sentence holds."""
        ranked = self.extractive.rank_sentences(retrieval)
        return _share_named(alone, set(analyze(ranked[0].text))) if ranked else 0.0

    def strays(self, retrieval: Retrieval, context: Context, on_story: OnStory | None = None) -> bool:
        """Whether a reading's answer would come from outside the articles the conversation was
        answered from, or with ``on_story`` (``story_of``) from outside their story (another
        report of a flood is not astray, an article on a market is); never when those articles
        are unknown."""
        passage = self.answer_passage(retrieval)
        if not context.sources or passage is None:
            return False
        if on_story is None:
            return passage.chunk.source not in context.sources
        return not on_story(passage.chunk)

    def leaves_topic(self, alone: Retrieval, followed: Retrieval, context: Context, on_story: OnStory) -> bool:
        """Whether a question's own reading strays (``strays``) where its reading as a follow-up
        does not: from the conversation's articles, or from their story ("siapa aja namanya?"
        after a flood's dead: a market's "nama" on its own, another report of the flood as a
        follow-up) when the question names nothing that most passages read of the article its
        own reading answers from say and that the follow-up reading's article lacks: "kalo
        keracunan?" after a river's suspects names the food poisoning's subject, "kapasitasnya
        brp?" after the mill's sanctions is of the river's report saying "kapasitas", and
        "masing2 dapet brp?" after its compensation names no other story's subject."""
        strays = any(
            self.strays(alone, context, story) and not self.strays(followed, context, story)
            for story in (None, on_story)
        )
        return strays and not self.names_elsewhere(alone, followed)

    def names_elsewhere(self, alone: Retrieval, followed: Retrieval) -> bool:
        """Whether a question names the subject of the article its own reading answers from (a
        word most passages read of it say) that the follow-up reading's article lacks."""
        there, here = self.answer_passage(alone), self.answer_passage(followed)
        if there is None or here is None:
            return False
        said = self.stories.terms(here.chunk.source)
        passages = [c.terms for c in alone.candidates if c.chunk.source == there.chunk.source]

        return len(passages) >= 2 and any(
            said_by_most(c, passages) and not c.found_in(said) for c in naming(alone.query)
        )

    def names_another(self, alone: Retrieval, chosen: Retrieval, context: Context) -> bool:
        """Whether a question names something the passage of a reading's answer holds and none
        of the conversation's articles says, and most passages the reading found of that
        answer's article hold something it names that the conversation's do not (not always the
        same thing): the other article's subject, not a word it happens to use ("dibayar brp per
        org?" of dengue volunteers is not asking of TikTok's payments; "tarif trans seruni brp?"
        after a flood asks of the bus, though the passage answering it writes "tarif" and not
        the bus's name). Unlike ``names_elsewhere`` it asks for no second passage: one passage
        read of that article is all the reading found of it, and it leaves as it always had."""
        passage = self.answer_passage(chosen)
        own = self.unsaid_named(alone, context)
        if passage is None or not any(c.found_in(passage.terms) for c in own):
            return False
        read = [c.terms for c in chosen.candidates if c.chunk.source == passage.chunk.source]
        return any(said_by_most(c, read) for c in own)

    def unsaid_named(self, alone: Retrieval, context: Context) -> list[Concept]:
        """What the question names that none of the conversation's articles says (the articles
        read once)."""
        said = [self.stories.terms(source) for source in context.sources]
        return [c for c in naming(alone.query) if not any(c.found_in(t) for t in said)]

    def unsaid(self, alone: Retrieval, context: Context) -> Callable[[PassageCandidate], bool]:
        """Whether a passage holds something the question names that none of the conversation's
        articles says (``unsaid_named``)."""
        own = self.unsaid_named(alone, context)
        return lambda passage: any(c.found_in(passage.terms) for c in own)

    def on_topic(self, alone: Retrieval, context: Context, on_story: OnStory) -> Callable[[PassageCandidate], bool]:
        """Whether a passage may be quoted beside an answer from the conversation's story: its
        article tells that story (``story_of``), or it holds something the question names that
        none of the conversation's articles says (``unsaid``: "revitalisasi pasar kuala bening
        habis brp?" after a question on a forest). A sentence of an article on something else,
        which only scored near the best, is not quoted: "siapa yg bilang gitu" after a dam's
        land compensation had been answered with the speaker and TikTok's access to OpenAI's
        models. (The closure keeps the question's concepts, not its retrieval.)"""
        unsaid = self.unsaid(alone, context)
        return lambda passage: on_story(passage.chunk) or unsaid(passage)

    def story_of(self, context: Context) -> OnStory:
        """Whether a passage's article is one the conversation was answered from or another
        report of their story (``StoryReader.teller`` with the conversation's concepts; the
        conversation's articles looked up in the catalog once, for their headlines)."""
        together = self.stories.teller(context.query.concepts)

        @cache
        def told() -> tuple[Titled, ...]:  # the conversation's articles, looked up when first needed
            catalog = self.retriever.index.catalog
            return tuple(r for r in (catalog.article(s) for s in sorted(context.sources)) if r is not None)

        def on_story(passage: Titled) -> bool:
            return passage.source in context.sources or any(together(article, passage) for article in told())

        return on_story

    def kept_to_story(self, followed: Retrieval, context: Context, on_story: OnStory) -> Retrieval:
        """A follow-up reading whose answer strays from the conversation's story, ranked among
        the passages of that story it found (``followed`` itself when it found none): "and now?"
        after a question on a river's sick is not answered with a flood's "kini"."""
        if not self.strays(followed, context, on_story):
            return followed
        kept = [c for c in followed.candidates if on_story(c.chunk)]
        if not kept:
            return followed
        return dataclasses.replace(followed, candidates=kept, judged=None)

    @staticmethod
    def says_more(alone: Retrieval, context: Context) -> float:
        """The share of the question's own named concepts among its and the earlier turn's
        together (the earlier question's own, not what it took from the turns before it, so that
        the share does not shrink as a conversation goes on): a follow-up says little itself
        ("trus kapan?"), a new question says more. An earlier turn that named nothing itself
        ("gimana?", read as a follow-up) counts what it was read with, so that "berapa orang?"
        after it is still a follow-up of the subject before it."""
        own, earlier = len(named(alone.query)), len(named(context.asked)) or len(named(context.query))
        return own / (own + earlier) if own + earlier else 0.0

    def leaves_the_index(self, alone: Retrieval, context: Context | None = None) -> bool:
        """Whether a question on its own asks about a subject no article holds: the off-topic gate
        refuses its own reading, and it names something no chunk of the index holds (other than
        the words people ask with, ``naming``: "memang", "lewat"), none of it referred
        back to what was said ("cuaca jakarta besok gimana?", "siapa presiden amerika
        sekarang?" after a question on TikTok). Such a question is a new topic, not a follow-up,
        however well the earlier turn's words find an answer for it. A follow-up that says little
        ("trus kapan?", which the gate may refuse on its own too) names nothing the index lacks,
        and one that asks for something of what was said says so ("emg salahnya dmn?", "CEO nya
        siapa?": ``refers_back``), or points back at something the conversation named
        (``points_back``: "Melalui apa pemberitahuan itu dikirim?" after "Kapan ... menerima
        pemberitahuan?", though no article says "pemberitahuan"; not "siapa presiden amerika
        sekarang?" after a question naming "dolar amerika"). A word that compares (``COMPARING``)
        names nothing of its own after an earlier turn: "knp beda gitu?" asks why what was said
        differs, though no article writes "beda"."""
        if not self.extractive.off_topic(alone):
            return False
        own = naming(alone.query)  # (only what names: "sebenarnya", "emangnya" end in "-nya" too, but ask)
        if context is not None:
            if points_back(own, context, alone.question):
                return False
            own = [c for c in own if c.terms[0] not in COMPARING]  # "knp beda gitu?": of what was said
        return not names_what_was_said(own, alone.question) and not all(c.held for c in own)

    def without_rivals(self, alone: Retrieval, context: Context) -> Context:
        """``context`` without the names the question's own names take the place of: "kalo
        rosmiati desanya?" after "siti aminah tinggal di kecamatan mana" asks of Rosmiati, not of
        her. A name of the question's own is a word it names as written (its first term, not
        one of the words people ask with, ``naming``, nor a root of the language: "kesehatan" and
        "uangnya" are no names though an agency's name writes "Kesehatan" and "Keuangan") that
        the conversation did not name and that its best passage's article writes as a name
        (``stories.names``). It rivals each earlier name of that article (no root either: "gizi"
        of "Forum Peduli Gizi" stays) that no sentence of the article writes beside it, and the
        earlier question's vector, mostly of the subject replaced, is not searched with; a name
        written with it ("yang di Malaysia saja?" after a question on TikTok's layoffs) is what it
        is asked of, and stays (docs/quality.md, "A name of the follow-up's own in place of an
        earlier one")."""
        earlier = {t for c in context.query.concepts for t in c.terms}
        roots = root_words()
        new = {
            c.terms[0]
            for c in naming(alone.query)
            if c.terms[0] not in earlier and c.terms[0] not in roots and c.surface.lower() not in roots
        }
        if not new or not alone.candidates:
            return context
        article = self.stories.read_article(alone.candidates[0].chunk.source)
        own = new & article.names
        if not own:
            return context
        beside = {term for terms in article.sentences if not own.isdisjoint(terms) for term in terms}
        kept = tuple(
            c
            for c in context.query.concepts
            if c.terms[0] not in article.names or c.terms[0] in roots or not beside.isdisjoint(c.terms)
        )
        if len(kept) == len(context.query.concepts):
            return context
        return dataclasses.replace(context, query=dataclasses.replace(context.query, concepts=kept), vector=None)

    def own_reading(self, question: str, within: Scope | None = None) -> Retrieval:
        """The message's retrieval; when the answer model refuses it and the message also holds
        sentences that do not ask (``question_part``: "Gue baru baca beritanya. brp org yg kena
        phk?"), the retrieval of its asking sentences alone if the answer model accepts that.
        The other sentences are usually words no article holds, which make an answerable
        question look unanswerable; but they may name what the question is about ("... brp sih?
        bpbd sm dinsos angkanya beda2"), and its asking sentence alone may say too little to
        find it ("itu ketauan dr mana?"), so an accepted reading of the whole message is kept
        (docs/quality.md, "Messages as people type them")."""
        whole = self.retriever.search(question, within=within)
        part = question_part(question)
        if part is None:
            return whole
        if self.extractive.accepts(whole):
            return whole
        asking = self.retriever.search(part, within=within)
        asking.question = question  # judged as the message asked it ("knp?" of "... kok beda?")
        if self.extractive.accepts(asking):
            return asking
        return whole

    def read(self, question: str, context: Context | None, within: Scope | None = None) -> Retrieval:
        """The question's retrieval on its own (``own_reading``), or as a follow-up of
        ``context``, among the articles ``within`` lets through. A reading that would answer from
        outside the conversation's story, for a question naming nothing of that article's subject
        that the conversation's articles lack (``names_another``), is read
        within the story instead (``kept_to_story``), which answers or refuses: "harga alatnya
        brp" after a GPS collar on an elephant had been answered with TikTok's monthly payment,
        "why so different?" after two sources' losses with OpenAI's ban on building models
        (conversation19_dev; over every set of ``make eval`` +4 / −0, docs/quality.md). A reading
        answered from the story quotes nothing beside its best sentence of an article off it
        (``on_topic``)."""
        alone = self.own_reading(question, within)
        if context is None:
            return alone
        if self.leaves_the_index(alone, context):  # refused, and the conversation goes on from before it
            alone.keeps = context
            return alone
        followed = self.retriever.search_in_context(alone, self.without_rivals(alone, context))
        on_story = self.story_of(context)
        share = self.says_more(alone, context)
        if share <= FEW_WORDS_SHARE:
            followed = self.kept_to_story(followed, context, on_story)
        own = named(alone.query)
        as_follow_up = prefer_context(
            self.extractive.probability(alone),
            self.extractive.probability(followed),
            self.subject_coverage(alone, alone),
            self.subject_coverage(followed, alone),
            share,
            leaves_topic=self.leaves_topic(alone, followed, context, on_story),
            own_subject=len(own) >= 2 and not names_what_was_said(own, alone.question),
            said_alone=self.sentence_coverage(alone, alone),
            said_followed=self.sentence_coverage(followed, alone),
            headline=context.headline,
        )
        chosen = followed if as_follow_up else alone
        if (
            self.extractive.accepts(chosen)
            and self.strays(chosen, context, on_story)
            and not self.names_another(alone, chosen, context)
        ):
            # an answer from outside the conversation's story to a question naming nothing of
            # that other article: the reading kept to the story answers, or none does
            kept = self.kept_to_story(followed, context, on_story)
            if not self.strays(kept, context, on_story):
                chosen = kept
        if context.sources and not self.strays(chosen, context, on_story):
            chosen.on_topic = self.on_topic(alone, context, on_story)
        return chosen

    def replay(
        self,
        question: str,
        context: Context | None,
        within: Scope | None = None,
        answer: Callable[[Retrieval, Context | None], Answer] | None = None,
    ) -> Context | None:
        """What an earlier question leaves for the next turn, read with ``context`` and answered
        by ``answer`` (its reading and ``context``; by default the extractive answer)."""
        earlier = self.read(question, context, within)
        answered = answer(earlier, context) if answer is not None else self.extractive.answer_retrieval(earlier)
        return context_after(earlier.context, earlier.keeps, answered)

    def context_before(
        self,
        history: Sequence[Turn],
        replay: Callable[[str, Context | None], Context | None] | None = None,
        within: Scope | None = None,
    ) -> Context | None:
        """How the last earlier turn was read (``None`` without history); turns given as text
        are read again in order by ``replay`` (a question, the context before it; by default
        ``self.replay`` among the articles ``within`` lets through), each with the one before
        it. The chain replays them as it answers them, questions about the news included
        (``bot.chain.build``)."""
        replay = replay or (lambda question, before: self.replay(question, before, within))
        context = None
        for turn in history[-MAX_REPLAYED_TURNS:]:
            if turn.context is not None:
                context = turn.context
                continue
            try:
                context = replay(self.normalize(turn.question), context)
            except BadInput:  # an earlier question that cannot be asked is skipped
                continue
        return context
