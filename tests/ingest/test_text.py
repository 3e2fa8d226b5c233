from __future__ import annotations

import pytest

from ingest.text.analysis import analyze, clean_text, guess_language, query_terms, words
from ingest.text.sentences import gives_words, refers_back
from ingest.text.stemming import informal_roots


def test_clean_text_joins_wrapped_lines_and_keeps_paragraphs() -> None:
    raw = "Baris satu\nlanjut  di sini.\r\n\r\n\r\nParagraf\u200b dua.\x07"
    assert clean_text(raw) == "Baris satu lanjut di sini.\n\nParagraf dua."


def test_clean_text_drops_every_character_a_reader_may_skip() -> None:
    # variation selectors, Hangul fillers, a Mongolian selector and a supplementary selector beside
    # the zero-width ones: one list for articles, questions, names and prompts (a review's)
    assert clean_text("Pa\ufe0fs\u3164ar\u180b ba\U000e0100ru\u200b.") == "Pasar baru."


def test_clean_text_treats_each_line_as_paragraph_without_blank_lines() -> None:
    assert clean_text("Satu.\nDua.\n") == "Satu.\n\nDua."


def test_words_split_currency_prefixes_from_numbers() -> None:
    assert words("USD2 miliar atau Rp322 miliar, 20.000 orang") == [
        "usd",
        "2",
        "miliar",
        "atau",
        "rp",
        "322",
        "miliar",
        "20.000",
        "orang",
    ]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("di-PHK", "PHK"),
        ("dirumahkan", "merumahkan"),
        ("menuju", "tujuan"),
        ("meninggalkan", "ditinggalkan"),
        ("pendapatan", "dapat"),
        ("bulanan", "bulan"),
        ("mempelajari", "pelajaran"),
    ],
)
def test_stemming_matches_inflected_forms(a: str, b: str) -> None:
    assert set(analyze(a)) & set(analyze(b))


def test_stemming_keeps_names_intact() -> None:
    assert analyze("OpenAI Senna Pelaihari") == ["openai", "senna", "pelaihari"]


@pytest.mark.parametrize(
    ("word", "roots"),
    [
        ("diliburin", ("libur",)),  # "-in" for "-kan"
        ("dikabarin", ("kabar",)),
        ("netapin", ("tetap",)),  # the nasal without "me-": "menetapkan"
        ("ngungsi", ("ungsi",)),
        ("nurunin", ("turun",)),
        ("mutusin", ("putus",)),
        ("ngecas", ("cas",)),
        ("dikerjainnya", ("kerja",)),  # with "-nya" after it
        ("nyebut", ("sebut",)),
        ("nyari", ("cari", "sari")),  # "ny-" of a root in "c" or "s": both readings
        ("ditangkep", ("tangkap",)),  # an "a" of the last syllable spoken as "e": "ditangkap"
        ("kerendemnya", ("rendam",)),
        ("dibenerin", ("benar",)),  # and "-in" too: "dibenarkan"
        ("pinjem", ("pinjam",)),
        ("member", ()),  # an English word: no root either way
        ("sedalem", ("dalem",)),  # a root as written ("dalem") is kept: no "dalam" read for it
        ("nggadas", ()),  # a name: no root
        ("sarimin", ()),
    ],
)
def test_a_colloquial_word_is_read_as_the_roots_it_may_have(word: str, roots: tuple[str, ...]) -> None:
    assert informal_roots(word) == roots


def test_query_terms_drop_question_words_and_stopwords() -> None:
    assert query_terms("Berapa karyawan yang terkena PHK?") == ["karyawan", "kena", "phk"]
    assert query_terms("How many employees were laid off?") == ["employees", "laid", "off"]


def test_query_terms_fall_back_to_all_words() -> None:
    assert query_terms("apa itu?") == ["apa", "itu"]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Berapa karyawan TikTok yang terkena PHK?", "id"),
        ("How many employees were laid off?", "en"),
        ("What is the capital of France?", "en"),
        ("Siapa CEO TikTok saat ini?", "id"),
        # no marker of either language: a word only English has makes it English
        ("latest news?", "en"),
        ("any survivors?", "en"),
        ("tiktok phk brp org", "id"),
        ("sepiring nasi tempong harganya brp an sih", "id"),  # "an" is Indonesian chat too
        ("berapakah luas New York City?", "id"),
    ],
)
def test_guess_language(text: str, lang: str) -> None:
    assert guess_language(text) == lang


def test_clean_text_drops_bidirectional_controls_and_c1_controls() -> None:
    # "\u202bTikTok\u200f membayar\u200f Microsoft\u202c" shows as "Microsoft membayar TikTok".
    raw = "\u202bTikTok\u200f membayar\u200f Microsoft\u202c 20 juta\u2066 dolar\u2069\u061c per\x85bulan."
    assert clean_text(raw) == "TikTok membayar Microsoft 20 juta dolar per bulan."


@pytest.mark.parametrize(
    ("sentence", "leans"),
    [
        ("Meskipun TikTok mengonfirmasi adanya PHK ini tetapi jumlahnya kurang dari 500 karyawan.", True),
        ("Namun, perusahaan membantah kabar itu.", True),
        ("Langkah ini diambil untuk memerangi pelanggaran di dunia maya.", True),
        ("TikTok menggunakan kombinasi tenaga manusia dan teknologi otomatis.", False),
        ("Ini baru awal, bukan akhir.", False),  # a demonstrative opening a quote stands for what follows
    ],
)
def test_which_sentences_lean_on_the_one_before_them(sentence: str, leans: bool) -> None:
    assert refers_back(sentence) is leans


@pytest.mark.parametrize(
    ("line", "dateline"),
    [
        ("SUNGAI PINANG TUA, KABAR HULU HILIR - Jumlah warga", "SUNGAI PINANG TUA, KABAR HULU HILIR - "),
        ("RAKYATSULSEL - TikTok baru-baru ini", "RAKYATSULSEL - "),
        # as outlets write them with small letters, two dashes, an agency in brackets
        ("JAKARTA, KOMPAS.com - Polisi menangkap", "JAKARTA, KOMPAS.com - "),
        ("Liputan6.com, Jakarta - Polisi menangkap", "Liputan6.com, Jakarta - "),
        ("Jakarta, CNN Indonesia -- Polisi menangkap", "Jakarta, CNN Indonesia -- "),
        ("Semarang (ANTARA) - Polisi menangkap", "Semarang (ANTARA) - "),
        ("TEMPO.CO, Bandung — Polisi menangkap", "TEMPO.CO, Bandung — "),
        ("Kabarsolo.com, Boyolali - Dinas Peternakan", "Kabarsolo.com, Boyolali - "),
        # sentences, names and ranges are no datelines
        ("Menurut dia, harga - naik", None),
        ("Budi Santoso - ketua RT - menolak", None),
        ("Tarif Rp 4.200 - Rp 5.000 per meter kubik", None),
        ("Namun - katanya - tidak", None),
    ],
)
def test_a_dateline_is_read_as_outlets_write_it(line: str, dateline: str | None) -> None:
    from ingest.text.analysis import DATELINE

    found = DATELINE.match(line)
    assert (found.group() if found else None) == dateline


@pytest.mark.parametrize(
    ("sentence", "gives"),
    [
        ('"Di lapangan ada 610 jiwa," katanya.', True),
        ("“Hitungan kami lebih dari Rp 40 miliar,” ujarnya.", True),
        ("Menurut dia, pengerukan kaki tebing membuat lereng rapuh.", True),
        ("Menurutnya, angka itu terlalu kecil.", True),
        ("Menurut BPBD, 540 jiwa mengungsi.", False),  # a source named, not the one before's words
        ("BPBD mencatat 540 jiwa mengungsi.", False),
    ],
)
def test_which_sentences_give_a_speaker_s_words(sentence: str, gives: bool) -> None:
    assert gives_words(sentence) is gives


def test_the_lines_of_a_news_page_that_are_not_its_article_are_left_out_when_it_is_read() -> None:
    """A copy of a news page keeps links to other stories ("Baca juga: <another headline>", which
    matched that story's questions), advertising markers, video placeholders, the syndication
    note and the credits ("Editor: <name>" had been a name for "siapa" questions)."""
    from ingest.loaders import make_article
    from ingest.text.analysis import without_boilerplate

    page = "\n\n".join(
        [
            "JAKARTA, KOMPAS.com - Banjir merendam 300 rumah di Kampung Melayu pada Senin (2/11/2026).",
            "Baca juga: Gempa Magnitudo 5,6 Guncang Cianjur, Ratusan Rumah Rusak",
            "ADVERTISEMENT",
            "SCROLL TO CONTINUE WITH CONTENT",
            "Warga mengungsi ke masjid terdekat. ADVERTISEMENT SCROLL TO CONTINUE WITH CONTENT Air mulai surut sore.",
            "BACA JUGA : Harga Beras Naik Lagi?",
            "Simak Video 'Detik-detik Banjir Rendam Kampung Melayu'",
            "[Gambas:Video CNN]",
            "Lihat juga bagaimana warga bergotong royong membersihkan lumpur, kata Ketua RT.",
            "Editor: Rina Kusumawati",
            'Artikel ini telah tayang di Kompas.com dengan judul "Banjir Rendam 300 Rumah"',
        ]
    )
    article = make_article("x", page, {}, "Banjir")
    assert article.text == (
        "JAKARTA, KOMPAS.com - Banjir merendam 300 rumah di Kampung Melayu pada Senin (2/11/2026).\n\n"
        "Warga mengungsi ke masjid terdekat. Air mulai surut sore.\n\n"
        # a sentence that opens with the words of a link is the article's
        "Lihat juga bagaimana warga bergotong royong membersihkan lumpur, kata Ketua RT."
    )
    plain = "Editor senior itu menyebut: banjir kali ini terparah. Penulis: buku itu laris."
    assert without_boilerplate(plain) == plain  # within a line, or a line that is a sentence


@pytest.mark.parametrize(
    "text",
    [
        # a hard-wrapped text's line that goes on, and a question (a hostile tester's cases)
        "Gubernur meminta warga yang hendak mengurus izin untuk\n"
        "lihat juga aturan baru yang terbit pekan lalu, karena\nbanyak syarat berubah.",
        "Lihat juga bagaimana warga bergotong royong membangun jembatan itu?",
        # a note naming no outlet is news; a long one had been dropped whole, however long
        "Artikel ini terbit di jurnal Nature pada Senin dan menunjukkan bahwa suhu laut naik 2 derajat. "
        "Para peneliti dari BRIN memimpin studi tersebut.",
        # a label among others that are not credits, and a line that is no name
        "Judul: Bumi Manusia\nPenulis: Pramoedya Ananta Toer\nPenerbit: Hasta Mitra\nNovel ini tentang Minke.",
        "Reporter: Apakah Anda akan maju lagi?\nEditor: Kami tidak akan mencabut berita itu\nGubernur: Tidak.",
        # one word ADVERTISEMENT inside a sentence is the sentence's
        "The protesters held a sign reading ADVERTISEMENT IS NOT NEWS outside the building.",
        # what follows "di" is not an outlet's name alone
        "Artikel ini tayang di Nature.com pada pekan lalu dan mengubah cara ilmuwan melihat iklim.",
        "Artikel ini terbit di jurnal Nature.",
        "Artikel ini dimuat di koran lokal",
        "Artikel ini diterbitkan di Indonesia dengan judul yang berbeda dari versi aslinya.",
    ],
)
def test_text_that_only_looks_like_a_news_page_line_is_kept(text: str) -> None:
    from ingest.text.analysis import without_boilerplate

    assert without_boilerplate(text) == text


def test_a_credit_block_and_an_outlets_note_go_and_blanks_are_read_once() -> None:
    from ingest.text.analysis import without_boilerplate

    end = "Air mulai surut sore.\n\nEditor: Rina Kusumawati\nPenulis: Tim detikcom\nBaca juga: Harga Beras Naik\n"
    assert without_boilerplate(end) == "Air mulai surut sore.\n\n"  # a link beside credits is no label of the text
    note = "Artikel ini telah tayang di detikNews, baca selengkapnya di sini"
    assert without_boilerplate(f"Banjir surut.\n{note}") == "Banjir surut."
    assert without_boilerplate("Banjir surut.\nArtikel ini telah tayang di kumparan") == "Banjir surut."
    dated = "Artikel ini telah tayang di www.kompas.com pada Senin (1/1/2024) dengan judul Banjir"
    assert without_boilerplate(f"Banjir surut.\n{dated}") == "Banjir surut."
    # credits beside a page's own labels, and initials with their dots (a second tester's cases)
    for block in [
        "Penulis: Ihsanuddin\nEditor: Sandro Gatra\nSumber: Antara",
        "Editor: Dewi Sari\nTags: banjir, bekasi",
    ]:
        assert without_boilerplate(f"Banjir surut.\n{block}").split("\n")[:2] == [
            "Banjir surut.",
            block.split("\n")[-1],
        ]
    assert without_boilerplate("Banjir surut.\nEditor: Dani Prabowo, S.H.") == "Banjir surut."
    # blanks before a marker had been matched from each of them in turn: 60,000 took 32 s
    spaced = "Banjir melanda." + " " * 20_000 + "ADVERTISEMENT SCROLL TO CONTINUE WITH CONTENT Air surut."
    assert without_boilerplate(spaced) == "Banjir melanda. Air surut."


def test_a_number_in_words_is_read_whole_and_a_run_of_them_in_bounded_pieces() -> None:
    from ingest.text.numbers import MAX_NUMBER_WORDS, NUMBER_WORD, in_digits

    # the longest numbers written in words are one match each
    assert in_digits("sembilan ratus sembilan puluh sembilan orang") == "999 orang"
    assert in_digits("seratus dua puluh lima tahun silam") == "125 tahun silam"
    # a run of number words no number takes is matched a bounded piece at a time: a pattern that
    # needs a word after the number (``bot.chain.question.RELATIVE_TIME``, the dates' counts back)
    # had read such a run to its end from each of its words, minutes for 100,000 characters
    match = NUMBER_WORD.match("dua " * 50)
    assert match is not None and len(match.group(0).split()) == MAX_NUMBER_WORDS
