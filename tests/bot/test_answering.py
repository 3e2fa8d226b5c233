"""The learned answering chain over the bundled article, with the real multilingual model."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.chain.answer import ABSTAIN_TEXT
from bot.chain.extractive import (
    AnswererConfig,
    ExtractiveAnswerer,
    _spelt_alike,
    answers_alone,
    compose,
    counted,
    counterpart,
    join_one,
    of_other_years,
)
from bot.chain.features import (
    PassageCandidate,
    SentenceCandidate,
    answer_features,
    fitted_opposite,
    is_heading,
    sentence_features,
)
from bot.chain.models import LogisticModel, OneArticleModels, load_models
from bot.chain.question import analyzed_sentences, asks_money, asks_what_is_not, parse_query, question_type
from bot.chain.retriever import HybridRetriever, Retrieval, RetrievalConfig
from bot.chain.stories import one_story
from bot.components import make_stack
from bot.discord.cogs.ask import HINT_QUESTION
from bot.evaluation import judge, load_eval_set
from bot.settings import Settings
from ingest.pipeline import ingest_articles
from ingest.settings import IndexSettings
from ingest.store.index import Index, make_index
from ingest.text.years import years_told
from ingest.types import Article, Scope
from tests.bot.test_conversation import beside_bundled
from tests.conftest import TEST_DATA, copy_of


@pytest.fixture(scope="module")
def bundled_stack(tmp_path_factory: pytest.TempPathFactory, bundled_template: Path, default_embeddings: Any):
    settings = IndexSettings(data_dir=copy_of(bundled_template, tmp_path_factory))
    index = make_index(settings, embeddings=default_embeddings)
    return make_stack(Settings(index=settings), index=index)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Berapa karyawan yang terkena PHK?", "number"),
        ("Kapan email dikirim?", "date"),
        ("Tahun berapakah film itu dibuat?", "date"),
        ("Siapa CEO TikTok?", "person"),
        ("Di mana kantor pusatnya?", "place"),
        ("Mengapa OpenAI keberatan?", "reason"),
        ("How many employees were laid off?", "number"),
        ("What share of Microsoft's AI revenue comes from TikTok?", "number"),
        ("Why does Malaysia require a licence?", "reason"),
        ("Who is the CEO?", "person"),
        ("Apa warna logonya?", None),
        ("Untuk apa dinas membuka layanan itu?", "reason"),  # a purpose
        ("duitnya buat apaan?", "reason"),
        ("Dibuat dari apa patung itu?", None),
        # a time of day, not any figure: "14 jam" is a length of time (docs/quality.md, thirty-second session)
        ("jam berapa longsornya", "time"),  # "jam brp" spelt out
        ("Pukul berapa serangan itu dimulai?", "time"),
        ("pesawatnya take off kapan jam berapa", "time"),
        ("What time did the hearing start?", "time"),
        ("bus jalan dari jam berapa sampai jam berapa", "time"),
        ("Berapa jam perjalanannya?", "number"),
        ("How many hours did it rain?", "number"),
        ("perjalanannya berapa jam berapa menit", "number"),  # a length of time
        ("butuh 2 jam berapa menit", "number"),
        ("what time frame did the ministry set?", None),
        # a day or a month asked for is a date (natural13_dev's "kejadiannya hari apa" had quoted the
        # lead, which names no day; docs/quality.md, thirty-seventh session); "sebulan" is no month
        ("halo min, yg keracunan itu kejadiannya hari apa", "date"),
        ("feri jalan hari apa aja?", "date"),
        ("What day did the poisoning happen?", "date"),
        ("mulai dibangun bulan apa?", "date"),
        # and so is a date asked in English (conversation3_dev's "what date did that go out?" had
        # asked for nothing in particular; docs/quality.md, fifty-fifth session)
        ("what date did that go out?", "date"),
        ("On what date was the hunt held?", "date"),
        ("what's the date of the hearing?", "date"),
        ("what data did they use?", None),
        ("itu sebulan apa setaun?", None),
        ("setiap hari apa saja yang dilakukan pengungsi?", None),  # "every day, what ...": an independent review's
        ("sehari-hari apa kerjanya?", None),
        # a sum a year, not a year (a hostile tester's "per tahun brp?" after a monthly figure)
        ("per tahun berapa?", "number"),
        ("kalau setiap tahun berapa?", "number"),
        # English "when" after a word that asks is a conjunction, not a question for a date
        # (docs/quality.md, "Why the figures differ, 'when' and 'jumlah' ...", and a reviewer's cases)
        ("how many kids were sitting in those two classrooms when the roof gave way?", "number"),
        ("so what happens to the works when it rains a lot?", None),
        ("which villages got flooded when the river overflowed?", None),
        ("who founded the startup and when", "date"),  # asked too, joined by "and"
        ("did he say when he'd be home?", "date"),
        ("how long is the camp? when does it start", "date"),  # a question of its own
        ("When did what happen?", "date"),
        ("what about the bridge, when will it reopen?", "date"),
        ("how about the toll road when does it open", "date"),
        ("What happened when?", "date"),
        ("who founded it and  when?", "date"),
        ("what is the date when the toll road opens?", "date"),
        ("how do I find out when the bridge reopens?", "date"),
        # "jumlah" asks a number only when no other word asks for something else
        ("Menurut camat, mengapa data jumlah penduduk lebih tinggi daripada angka wali kota?", "reason"),
        ("siapa yang menghitung jumlah korban?", "person"),
        ("jumlah korbannya?", "number"),
        ("berapa jumlah korban dan kenapa?", "number"),
        ("jumlah kasus malaria menurut WHO?", "number"),  # an agency
        ("jumlah penumpang tujuan Surabaya?", "number"),  # a destination, no purpose
        # someone's post or work is asked as "siapa" asks: news write it beside the name
        # (natural34_dev's "hendra wiratama itu jabatannya apa" was refused; docs/quality.md,
        # fifty-eighth session)
        ("hendra wiratama itu jabatannya apa", "person"),
        ("Apa jabatan Joao Felicio?", "person"),
        ("dia kerja apa", "person"),
        ("bapaknya kerjanya apa dulu", "person"),
        ("dia di sana sebagai apa", "person"),
        ("and what's his position?", "person"),
        ("whats her role now", "person"),
        ("What was Yuliana Kartika's job?", "person"),
        ("masa jabatannya berapa tahun?", "number"),
        ("Mengapa Kádár mundur dari jabatannya pada 1988?", "reason"),
        ("What's the title of the book?", None),
    ],
)
def test_question_type(question: str, kind: str | None) -> None:
    assert question_type(question) == kind


def test_an_age_after_a_name_answers_no_count(small_index: Index) -> None:
    # natural30_dev's "berapa kelompok tani yg ada di kedungsari" (a near miss) was answered with
    # "Suparman (54), Ketua Kelompok Tani ...": the age beside the group's name read as its count
    # (docs/quality.md, fifty-fifth session)
    from bot.chain.question import answer_slot, type_match
    from ingest.text.analysis import words

    sentence = "Suparman (54), Ketua Kelompok Tani Sri Rejeki di Desa Kedungsari, gagal panen."
    ingest_articles(small_index, [Article("a", sentence, "Panen")])
    count = parse_query("berapa kelompok tani di kedungsari", small_index)
    age = parse_query("umur suparman berapa", small_index)
    assert not type_match(sentence, words(sentence), count) and not answer_slot(sentence, count)
    assert type_match(sentence, words(sentence), age)  # asked, an age is the answer
    # the question's own words say so, not those a follow-up took from before it; one asking
    # nothing itself takes the earlier question's age (conversations_train's "namanya?" after
    # "pasien katarak paling tua umurnya brp", lost to the first reading of this)
    followed = dataclasses.replace(count, words=count.words | age.words)
    assert not type_match(sentence, words(sentence), followed)
    name = parse_query("namanya?", small_index)
    assert name.kind is None
    name_after_age = dataclasses.replace(name, kind="number", words=name.words | age.words)
    assert type_match(sentence, words(sentence), name_after_age)
    counted = "Sebanyak 12 kelompok tani (40 persen) di Kedungsari gagal panen."
    assert type_match(counted, words(counted), count) and answer_slot(counted, count)


@pytest.fixture(scope="module")
def with_rice(tmp_path_factory: pytest.TempPathFactory, bundled_template: Path, default_embeddings: Any) -> Any:
    """The bundled article and a rise in the price of rice, its average price counted by the trade
    office and the traders' association (tests/data/unseen37)."""
    return beside_bundled(tmp_path_factory, bundled_template, default_embeddings, TEST_DATA / "unseen37")


def test_what_a_source_s_count_covers_answers_why_figures_differ(with_rice: Any) -> None:
    """A sentence telling what a source counts or leaves out, with no word of a cause ("Dinas hanya
    mendata dua pasar besar", "angka BKPSDM belum memasukkan 338 guru"), explains why figures
    differ, and holds what a question asking that asks for: such questions had been refused or
    answered with the rise's cause (natural3_dev, natural8_dev, natural22_dev, natural27_dev,
    natural40_dev and five conversations: +10 / -1 over every set)."""
    from bot.chain.question import ParsedQuery, asks_why_figures_differ, explains_a_difference, type_match

    assert explains_a_difference("Dinas hanya mendata dua pasar besar, yaitu Pasar Induk dan Pasar Wonokerti.")
    assert explains_a_difference("Menurut forum, angka BKPSDM belum memasukkan 338 guru lulusan tahap kedua.")
    assert explains_a_difference("Angka 86 hektare itu hanya yang dicek petugas di Dusun II.")
    assert explains_a_difference("Pendataan dinas ikut menghitung sekitar 60 petak yang tergenang.")
    assert not explains_a_difference("Dinas mendata dua pasar besar setiap Senin.")  # a count, not its scope
    assert not explains_a_difference("Warga tidak datang ke pasar karena hujan.")  # a cause of no count
    differ = ParsedQuery("knp beda?", "id", "reason", frozenset({"knp", "beda"}), ())
    assert asks_why_figures_differ(differ, differ.text)
    scope = "Dinas hanya mendata dua pasar besar."
    assert type_match(scope, [], differ)
    plain = ParsedQuery("kenapa harga naik?", "id", "reason", frozenset({"kenapa", "harga", "naik"}), ())
    assert not type_match(scope, [], plain)  # no reason for a question asking why prices rose

    answer = with_rice.chain.invoke(
        {"question": "Why do the trade office and the traders' association come up with different average prices?"}
    )
    assert not answer.abstained
    assert answer.text.startswith('"Dinas hanya mendata dua pasar besar')


def test_a_figure_asked_in_a_measure_is_answered_only_by_a_sentence_writing_one(with_rice: Any) -> None:
    """A question asking how many tons, hectares, kilometres, litres or what percentage is not
    answered by a sentence giving no figure in that measure: near misses ("kapasitas giling PT
    Sari Gabah Merapu sehari brp ton" of an article telling how many of its mills run, "luas
    pasar cipanas baru brp hektar", "how many liters of water did the firefighters use") had been
    answered with another figure of their subject (docs/quality.md, sixty-third session)."""
    from bot.chain.question import measure_asked, writes_measure

    tons = measure_asked("kapasitas giling sehari berapa ton")
    assert tons is not None and measure_asked("how many tons of fish?") == tons
    assert measure_asked("berapa kecamatan?") is None and measure_asked("harganya berapa per kilo?") is None
    assert writes_measure("Sebanyak 120 ton beras akan disalurkan.", tons)
    assert writes_measure("Produksi turun 1,2 juta ton.", tons)
    assert writes_measure("Stok tinggal 900 kilogram.", tons)  # a weight in another unit
    assert not writes_measure("Harga gabah Rp 7.600 per kilogram.", tons)  # a price per kilogram is no weight
    assert not writes_measure("Dari 12 mesin giling kami, yang jalan cuma lima.", tons)
    share = measure_asked("what percentage of the budget?")
    assert share is not None and writes_measure("naik 9% dari November", share)
    assert writes_measure("naik sekitar 9 persen", share) and not writes_measure("naik Rp 900", share)
    distance = measure_asked("berapa km jaraknya")
    assert distance is not None and writes_measure("berjarak sekitar 800 meter", distance)
    assert writes_measure("tinggi air 1,5 m", distance)
    assert measure_asked("anggaran pengerukannya berapa m") is None  # "brp M": billions of rupiah
    # figures in words, shares, and chat's "kilo" for kilometres (a review's)
    area = measure_asked("berapa hektar")
    assert area is not None
    assert writes_measure("tiga ratus hektare sawah", area) and writes_measure("satu setengah hektare", area)
    assert writes_measure("belasan ton gabah", tons) and writes_measure("dua belas ton", tons)
    assert writes_measure("Lima puluh persen warga menolak.", share) and writes_measure("Sepertiga warga", share)
    assert writes_measure("naik 5  %", share)
    kilo = measure_asked("berapa kilo jaraknya")
    assert kilo is not None and writes_measure("jaraknya 45 km", kilo) and writes_measure("beratnya 5 kg", kilo)

    # the figure may be in the quote beside the best sentence, the one naming its speaker
    from bot.chain.extractive import _told_with
    from tests.bot.test_speakers import _ranked_sentences

    said, quote, price = _ranked_sentences(
        'Sutrisno (54), petani di Desa Ngembak, mengaku belum dapat pupuk. "Sawah saya 1,5 hektare," '
        "katanya. Harga pupuk kini Rp 2.500 per kilogram.",
        "Pupuk Langka",
    )
    told = _told_with([said, price, quote])
    assert quote.text in told and any(writes_measure(t, area) for t in told)
    assert not any(writes_measure(t, area) for t in (said.text, price.text))

    chain = with_rice.chain
    assert chain.invoke({"question": "kapasitas giling PT sari gabah merapu sehari brp ton"}).abstained
    answer = chain.invoke({"question": "operasi pasarnya berapa ton"})
    assert not answer.abstained and "120 ton" in answer.text


def test_a_time_of_day_asked_is_answered_only_by_a_sentence_writing_one(with_rice: Any) -> None:
    """A time of day asked ("jam brp", "what time") is not answered by a sentence with no time of day: near misses
    ("rdp nya jam brp", "jam brp bukanya", "What time does the council hearing start on
    Wednesday?") had been answered with the day alone or another subject's sentence
    (docs/quality.md, sixty-fourth session: +5 / -1 over every set, held out +4 / -0)."""
    from bot.chain.question import ParsedQuery, tells_figure_asked

    clock = ParsedQuery("operasi pasar mulai jam berapa", "id", "time", frozenset(), ())
    assert tells_figure_asked(clock, ["Operasi pasar dibuka pukul 08.00 WIB.", "Harganya Rp 12.500."])
    assert tells_figure_asked(clock, ["Pasar dibuka 07.30 setiap hari."])
    assert not tells_figure_asked(clock, ["Operasi pasar mulai Senin (7/12/2026).", "Berlangsung hampir 14 jam."])
    day = ParsedQuery("operasi pasar mulai kapan", "id", "date", frozenset(), ())
    assert tells_figure_asked(day, ["Operasi pasar mulai Senin (7/12/2026)."])
    from bot.chain.question import question_type

    assert question_type("At what time of year is the harvest?") is None  # a season, no time of day

    chain = with_rice.chain
    assert chain.invoke({"question": "operasi pasarnya mulai jam brp"}).abstained
    answer = chain.invoke({"question": "operasi pasar mulai kapan"})
    assert not answer.abstained and "7/12/2026" in answer.text


def test_a_length_of_time_asked_is_answered_only_by_a_sentence_telling_one(with_rice: Any) -> None:
    """A length of time asked ("berapa lama", "brp minggu", "how long") is not answered by
    sentences telling no length of time, start or span: near misses ("udh brp lama dia jadi
    nelayan", "how long does the ojek ride take?") had been answered with a date or a price
    (docs/quality.md, sixty-fourth session)."""
    from bot.chain.question import ParsedQuery, tells_figure_asked

    lasting = ParsedQuery("berapa lama operasi pasarnya", "id", "number", frozenset(), ())
    for told in (
        "Sutinah sudah 17 tahun berjualan.",
        "Pendataan dilakukan selama tiga malam.",
        "Antrean mengular sejak pukul 05.00.",
        "Operasi pasar digelar mulai Senin (7/12/2026) hingga 31 Desember 2026.",
        "Kala revolusi bumi 365¼ hari.",
    ):
        assert tells_figure_asked(lasting, [told]), told
    assert not tells_figure_asked(lasting, ["Harga beras Rp 14.500 per kilogram.", "Panen raya pada Februari 2027."])
    # a review's: spans with clock times or weekdays tell one; a date, a clock or a law's year does not
    for told in ("Pasar buka dari pukul 08.00 sampai 16.00 WIB.", "Dibuka pukul 08.00-12.00.", "Buka Senin-Jumat."):
        assert tells_figure_asked(lasting, [told]), told
    for told in ("Rapat digelar Senin (7/12) malam.", "Mulai pukul 10 malam.", "Diatur UU Nomor 6 Tahun 2023."):
        assert not tells_figure_asked(lasting, [told]), told
    age = ParsedQuery("berapa tahun umurnya", "id", "number", frozenset({"berapa", "tahun", "umurnya"}), ())
    assert tells_figure_asked(age, ["Sutrisno (58) ikut antre."])  # an age asked, no length of time
    road = ParsedQuery("how long is the road", "en", "number", frozenset(), ())
    assert tells_figure_asked(road, ["Ruas jalan sepanjang 18 kilometer itu gelap."])  # a length, in English
    assert tells_figure_asked(road, ["The bridge is 3 miles long."])
    lasted = ParsedQuery("how long did the market operation last", "en", "number", frozenset(), ())
    assert not tells_figure_asked(lasted, ["The 5 m wall stood."])  # of an event, a length tells nothing
    date = ParsedQuery("tanggal berapa hari terakhirnya", "id", "date", frozenset(), ())
    assert tells_figure_asked(date, ["Lomba berakhir Minggu (4/12)."])  # a date asked, no length of time

    chain = with_rice.chain
    answer = chain.invoke({"question": "stok beras bulog cukup buat brp lama"})
    assert not answer.abstained and "empat bulan" in answer.text
    assert chain.invoke({"question": "pt sari gabah merapu udh brp lama berdiri"}).abstained


@pytest.fixture(scope="module")
def with_buses(tmp_path_factory: pytest.TempPathFactory, bundled_template: Path, default_embeddings: Any) -> Any:
    """The bundled article and an electric bus line's opening, its fares and its cost in rupiah
    (tests/data/unseen)."""
    return beside_bundled(tmp_path_factory, bundled_template, default_embeddings, TEST_DATA / "unseen")


def test_a_sum_asked_is_answered_only_by_a_sentence_writing_one(with_buses: Any) -> None:
    """A question asking a sum by a money word beside "berapa" ("Berapa harga satu unit busnya?",
    "dendanya brp", "how much is the fine") is not answered by sentences writing no currency:
    such near misses had been answered with a count of their subject (docs/quality.md,
    sixty-fourth session)."""
    from bot.chain.question import ParsedQuery, sum_asked, tells_figure_asked

    assert sum_asked("berapa harga satu unit busnya?") and sum_asked("dendanya berapa kalo ngelanggar")
    assert sum_asked("warga bayar berapa buat sekali suntik") and sum_asked("how much is the fine for traders?")
    assert not sum_asked("pesangonnya dapat berapa kali") and not sum_asked("pesangon berapa bulan gaji")
    assert not sum_asked("dananya berapa tahap") and not sum_asked("yang kena denda berapa orang")  # counts
    assert not sum_asked("berapa penumpang bus?") and not sum_asked("berapa nilai UTBK siswa itu")
    # a review's: shares, times and changes asked of a sum are no sum
    assert not sum_asked("berapa harga naiknya dalam persen") and not sum_asked("how much did rice prices rise?")
    assert not sum_asked("how much time does it take to pay the fine") and not sum_asked("by how much did fares drop")
    assert sum_asked("Berapa biaya sewa kapal KM Bahari Nusa?")  # "KM" is a motor ship's, no kilometre
    fine = ParsedQuery("dendanya berapa", "id", "number", frozenset({"dendanya", "berapa"}), ())
    for written in (
        "Dendanya Rp 500.000 per pelanggaran.",
        "He invested $180,000 in the firm.",
        "ByteDance akan berinvestasi sebesar USD2 miliar.",
        "Dendanya maksimal 50 juta.",
        "Tarifnya RM5 sekali jalan.",
    ):
        assert tells_figure_asked(fine, [written]), written
    assert not tells_figure_asked(fine, ["Sebanyak 40 pedagang ditertibkan.", "Razia digelar Senin."])
    clock = ParsedQuery("bukanya jam berapa", "id", "time", frozenset(), ())
    for written in ("Layanan aktif 24 jam.", "Dibuka Pkl.10.00.", "The hearing starts at 9 a.m."):
        assert tells_figure_asked(clock, [written]), written

    chain = with_buses.chain
    # refused by this alone: the best sentences count drivers and chargers, and give no sum
    assert chain.invoke({"question": "berapa biaya pelatihan sopir angkot"}).abstained
    assert chain.invoke({"question": "berapa harga pengisi daya cepat"}).abstained
    answer = chain.invoke({"question": "tarif bus trans seruni berapa sekali jalan?"})
    assert not answer.abstained and "Rp4.000" in answer.text


def test_an_age_asked_of_someone_is_written_after_their_name_or_with_its_years(small_index: Index) -> None:
    # conversation35_dev's "umurnya brp" after a question on an ojek driver had quoted "umur lampu
    # yang sudah lebih dari sepuluh tahun" (docs/quality.md, fifty-eighth session)
    from bot.chain.question import type_match
    from ingest.text.analysis import words

    ingest_articles(small_index, [Article("a", "Samsul (38) pengemudi ojek. Lampu dipasang 12 tahun lalu.", "Ojek")])
    named = "Samsul (38), pengemudi ojek asal Desa Lubuk Sarai, enggan keluar malam."
    in_years = "Seorang guru berusia 58 tahun diperbolehkan pulang."
    figure = "Sebanyak 214 dari 612 titik lampu padam sejak 2 bulan."
    for question in ("umurnya brp", "how old was he?", "umur samsul berapa"):
        age = parse_query(question, small_index)
        if age.kind is None:  # a follow-up asking nothing itself takes the earlier kind
            age = dataclasses.replace(age, kind="number")
        assert type_match(named, words(named), age) and type_match(in_years, words(in_years), age), question
        assert not type_match(figure, words(figure), age), question
    # a follow-up asking nothing itself takes the age an earlier "how old" asked
    wife = parse_query("and his wife?", small_index)
    after_age = dataclasses.replace(wife, kind="number", words=wife.words | {"how", "old", "was", "he"})
    assert type_match(named, words(named), after_age) and not type_match(figure, words(figure), after_age)
    # a thing's age is any figure, and the "old" of "the old stadium" asks no age
    for question in ("umur lampunya berapa tahun", "how old is the ferry?", "how much were tickets at the old stadium"):
        assert type_match(figure, words(figure), parse_query(question, small_index)), question


@pytest.mark.parametrize(
    ("sentence", "holds"),
    [
        ("Tebing longsor pada Senin (16/11/2026) pukul 03.40 WIB.", True),
        ("Layanan beroperasi setiap hari 05.30 hingga 21.30.", True),
        ("Apel dimulai jam 9 pagi.", True),
        ("Hujan turun hampir 14 jam tanpa henti.", False),  # a length of time
        ("Sebanyak 1.240 ekor sapi terjangkit.", False),  # a thousand and more
        ("Tanggal 16.11.2026 ditetapkan sebagai hari libur.", False),
        ("Biayanya Rp 4,8 miliar.", False),
        ("Posko buka pukul 10.00 hingga 16.30 Wita.", True),
        ("Kapal berangkat pkl. 07.00 dan tiba 09:30.", True),
        ("Waktu tempuhnya sekitar 3 jam 30 menit.", False),  # a length of time, not "jam 30"
        ("Rapat digelar 16.11.26 di balai desa.", False),  # a date
        ("Inflasi naik 12.50 persen, suhu 35.50 derajat.", False),
        ("Harganya Rp 10.50 per lembar.", False),
        ("Ia finis di 2:03:45.", False),  # a race time
        ("Layanan buka 24 jam.", False),
    ],
)
def test_a_time_of_day_is_what_answers_what_time(sentence: str, holds: bool) -> None:
    from bot.chain.question import ParsedQuery, type_match

    asked = ParsedQuery("jam berapa longsornya", "id", "time", frozenset({"jam", "berapa", "longsornya"}), ())
    assert type_match(sentence, (), asked) is holds


@pytest.mark.parametrize(
    ("sentence", "holds", "for_when"),
    [
        ("Keracunan terjadi pada Kamis (3/12/2026).", True, True),
        ("Feri berlayar setiap Senin, Rabu dan Jumat.", True, False),  # a weekday answers "hari apa"
        ("Posko ditutup pada Jum'at.", True, False),
        ("The poisoning happened on Thursday.", True, False),
        ("Proyek dimulai Oktober.", True, True),
        ("Feri berlayar tiga kali sepekan.", False, False),
        ("Feri berlayar dua kali dalam satu minggu.", False, False),  # "minggu": a week, here
        # news writes a weekday beside most sayings: for "kapan" it is no sign of the answer (an
        # independent review: a follow-up on another story had been drawn to "kata ..., Senin (5/10)")
        ('"Air boleh dipakai," kata Abdul Gani, Senin (5/10).', True, False),
        # a time told relative to the report's day answers "kapan" as a date does
        ('"Kami akan memanggil DLH dalam rapat kerja pekan depan," kata Dedi.', False, True),
        ("Mesin kiri tidak berfungsi sejak dua pekan lalu.", False, True),
        ("Kapal akhirnya bersandar Rabu dini hari pukul 01.15 WITA.", True, True),
        ("Warga mulai mengungsi kemarin.", False, True),
        ("The ferry docked three days ago.", False, True),
        ("Petugas bekerja setiap pagi hari.", False, False),
        ("Warga dievakuasi Minggu malam.", False, True),  # "Minggu" before a time of day: Sunday
        ("Tahun lalu lintas di jalur itu padat.", False, False),  # traffic, not last year
        # with the day's date between, a weekday and its time of day are read as any dated saying
        ("PDAM menghentikan pengambilan air baku sejak Senin (7/9) siang.", True, False),
    ],
)
def test_a_day_a_month_or_a_year_is_what_answers_when(sentence: str, holds: bool, for_when: bool) -> None:
    from bot.chain.question import ParsedQuery, type_match
    from ingest.text.analysis import words

    what_day = ParsedQuery("feri jalan hari apa", "id", "date", frozenset({"feri", "jalan", "hari", "apa"}), ())
    assert type_match(sentence, words(sentence), what_day) is holds
    when = ParsedQuery("kapan feri jalan", "id", "date", frozenset({"kapan", "feri", "jalan"}), ())
    assert type_match(sentence, words(sentence), when) is for_when


def test_a_time_of_day_is_a_sentence_feature_of_its_own_kind(small_index: Index) -> None:
    """A time question's sentences are marked by the dates' feature where they write a time of
    day (not by the numbers', which any figure sets), and count their figures as new things."""
    text = "Hujan turun hampir 14 jam. Longsor terjadi sekitar pukul 03.40 WIB."
    rain, slide = _sentences_of(small_index, text, "jam berapa longsornya?")
    assert (rain.features["type_date"], slide.features["type_date"]) == (0.0, 1.0)
    assert rain.features["type_number"] == slide.features["type_number"] == 0.0
    assert slide.features["new_things"] > 0


def test_a_time_question_s_answer_slot_holds_a_time_of_day() -> None:
    """What the question names beside a figure fills its answer slot only where a time of day
    is written: "longsor ... 14 jam" is how long, not when."""
    from bot.chain.question import ParsedQuery, answer_slot

    words = frozenset({"jam", "berapa", "longsornya"})
    asked = ParsedQuery("jam berapa longsornya", "id", "time", words, (), focus=frozenset({"longsor"}))
    assert answer_slot("Longsor pukul 03.40 WIB menutup jalan.", asked)
    assert not answer_slot("Longsor 14 jam lamanya.", asked)


def test_seed_dev_accuracy_and_abstention(bundled_stack) -> None:
    questions = load_eval_set(TEST_DATA / "seed_dev.jsonl")
    results = [judge(q, bundled_stack.chain.invoke(q.question)) for q in questions]
    answerable = [r for r in results if r.question.answerable]
    unanswerable = [r for r in results if not r.question.answerable]
    accuracy = sum(r.correct for r in answerable) / len(answerable)
    wrong = [(r.question.question, r.answer.text) for r in answerable if not r.correct]
    assert accuracy >= 0.9, wrong
    assert sum(r.answer.abstained for r in unanswerable) >= 2
    assert all(r.gold_rank == 1 for r in answerable), [r.question.question for r in answerable if r.gold_rank != 1]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # a paraphrase: the article says "membayar ... per bulan"
        ("Berapa yang dibayar TikTok ke Microsoft setiap bulan?", "20 juta dolar"),
        # English about the Indonesian article, in other words than it uses
        ("How much does TikTok pay Microsoft each month?", "20 juta dolar"),
        ("What share of Microsoft's AI revenue comes from TikTok?", "25 persen"),
        # typed as in a chat: a mention, a greeting, short forms, no capitals
        ("<@123456789012345678> halo kak, brp karyawan tiktok yg kena phk di malaysia ya?", "700"),
        ("openai sm microsoft partneran sejak kapan sih", "2019"),
        # a message that says more than it asks: a remark before the question, thanks after it
        ("Td liat di twitter rame bgt. brp org yg kena phk?", "700"),
        ("brp org yg kena phk? makasih sebelumnya 🙏", "700"),
        # caps lock: read as the same question in lower case
        ("TIKTOK BAYAR MICROSOFT BERAPA", "20 juta dolar"),
        # fullwidth letters (a keyboard's wide mode): read as plain ones
        ("ｔｉｋｔｏｋ ｂａｙａｒ ｍｉｃｒｏｓｏｆｔ ｂｒｐ ｓｅｂｕｌａｎ？", "20 juta dolar"),
        # "buat apa" asks what for: its "buat" is no word to search for (it had found "kecerdasan
        # buatan" in the sentence on the payments to Microsoft)
        ("investasinya buat apa", "kepercayaan dan keamanan"),
        ("buat apa bytedance berinvestasi?", "kepercayaan dan keamanan"),
        # the hint the Discord bot gives after an empty mention
        (HINT_QUESTION, ("700", "500")),  # reported, and as TikTok confirmed
    ],
)
def test_questions_as_people_ask_them_are_answered(
    bundled_stack, question: str, expected: str | tuple[str, ...]
) -> None:
    answer = bundled_stack.chain.invoke(question)
    alternatives = (expected,) if isinstance(expected, str) else expected
    assert not answer.abstained and any(a in answer.text for a in alternatives), answer.text
    assert answer.question == question  # echoed as asked, not as analysed


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("Siapa CEO TikTok?", "id"),  # near miss: TikTok is in the article, its chief executive is not
        ("Siapa presiden Prancis sekarang?", "id"),
        ("What is the capital of France?", "en"),
    ],
)
def test_abstains_in_the_question_language(bundled_stack, question: str, lang: str) -> None:
    answer = bundled_stack.chain.invoke(question)
    assert answer.abstained and answer.text == ABSTAIN_TEXT[lang] and not answer.citations


def test_a_question_on_a_year_the_article_never_mentions_is_refused(bundled_stack) -> None:
    """The article gives TikTok's monthly payment to Microsoft without a year, and mentions only
    2019 and 2024: what was paid in 2021 it does not say (natural10_dev's "tahun 2023 ..." had been
    answered with the payment)."""
    refused = bundled_stack.chain.invoke("tahun 2021 tiktok bayar microsoft brp per bulan")
    assert refused.abstained and refused.text == ABSTAIN_TEXT["id"]
    answered = bundled_stack.chain.invoke("tahun 2024 tiktok bayar microsoft brp per bulan")
    assert not answered.abstained and "20 juta dolar" in answered.text


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Siapa yang bukan istri Abimanyu?", True),
        ("apa yg bukan penyebab PHK di malaysia", True),
        ("Manakah yang bukanlah mata uang Korea?", True),
        ("siapakah yang bukan pendiri kerajaan Kahuripan?", True),
        ("tiktok merumahkan 700 orang, bukan 500?", False),  # a figure set against another
        ("bukan cuma PHK, apa lagi yang dilakukan tiktok?", False),
        ("siapa induk tiktok, bukannya bytedance?", False),
        # a hostile tester's: "or not?" and "yang bukan" qualifying a noun ask otherwise
        ("dananya dari APBD apa bukan?", False),
        ("tarif untuk penumpang yang bukan pelajar berapa?", False),
        ("kalau yang bukan pelajar?", False),
    ],
)
def test_a_question_asking_for_what_is_not_something(question: str, asks: bool) -> None:
    assert asks_what_is_not(question) is asks


def test_a_question_asking_for_what_is_not_something_is_refused(bundled_stack) -> None:
    """IDK-MRC's "siapa yang bukan ...?" near misses (79 training questions, none answerable) were
    answered with the sentence saying what it is."""
    refused = bundled_stack.chain.invoke("siapa yang bukan pemilik tiktok?")
    assert refused.abstained and not refused.citations
    assert not bundled_stack.chain.invoke("siapa pemilik tiktok?").abstained


def test_a_question_asking_the_opposite_of_what_its_passage_says_is_refused(small_index: Index) -> None:
    """IDK-MRC's antonym near misses ("Siapa raja terakhir Majapahit?" of a paragraph on its first
    king) were answered with the sentence on the first; the pairs that mark such a question are
    fitted on the training data (``bench/fit_opposites.py``), and the opposite must stand beside a
    word that stands beside the asked word in the question (a hostile tester's: "retribusi terkecil
    berapa?" had been refused for "tarif baru sebesar Rp4.000")."""
    first = "Raden Wijaya adalah raja pertama Majapahit. Tarif retribusi baru sebesar Rp4.000 per hari."
    ingest_articles(small_index, [Article("k", first, "Kerajaan")])
    answerer = ExtractiveAnswerer()
    refused = _retrieval(small_index, "Siapa raja terakhir Majapahit?")
    assert fitted_opposite(refused.query, refused.candidates[0].chunk.text) and answerer.off_topic(refused)
    for asked in ("Siapa raja pertama Majapahit?", "retribusi terkecil berapa?", "akhirnya raja pertama siapa?"):
        retrieval = _retrieval(small_index, asked)
        assert not fitted_opposite(retrieval.query, retrieval.candidates[0].chunk.text), asked


def test_a_question_asking_why_is_refused_at_its_own_bar(small_index: Index) -> None:
    """Right answers to why get lower probabilities than the questions people write warrant (the
    training splits' questions asking why are half of them unanswerable), so questions asking
    why have a bar of their own (``AnswerModels.bar``); a question asking for a figure keeps the
    one bar, and so does an English one asking why (the English bar)."""
    text = "Pabrik itu ditutup sementara karena limbahnya mencemari sungai. Sebanyak 120 pekerja dirumahkan."
    ingest_articles(small_index, [Article("p", text, "Pabrik")])
    answerer = ExtractiveAnswerer()

    def judged(asked: str) -> tuple[Retrieval, float]:
        """The question's retrieval read by the models that ranked it (no one-article ones), and
        the answer model's probability."""
        retrieval = _retrieval(small_index, asked)
        assert retrieval.models is not None
        retrieval.models, retrieval.judged = retrieval.models.replace(min_probability=0.5), None
        return retrieval, answerer.probability(retrieval)

    for asked, kind in (("knp pabriknya ditutup?", "reason"), ("brp pekerja yg dirumahkan?", "number")):
        retrieval, p = judged(asked)
        assert retrieval.query.kind == kind and 0.02 < p < 0.98, (asked, p)
        # the one bar just over its probability, the bar for why just under it
        retrieval.models = retrieval.models.replace(min_probability=p + 0.01, kind_probability={"reason": p - 0.01})
        assert answerer.accepts(retrieval) == (kind == "reason"), asked
        assert answerer.answer_retrieval(retrieval).abstained == (kind != "reason"), asked
        # on the scale of the one bar, for a reading to be compared with another (a follow-up's):
        # a probability at the bar for why is one at the one bar
        retrieval.models = retrieval.models.replace(min_probability=0.2, kind_probability={"reason": p})
        assert answerer.probability(retrieval) == pytest.approx(0.2 if kind == "reason" else p)
    english, p = judged("why was the factory shut?")
    assert english.query.kind == "reason" and english.query.lang == "en"
    english.models = english.models.replace(
        min_probability=0.0, english_probability=p + 0.01, kind_probability={"reason": p - 0.01}
    )
    assert not answerer.accepts(english)


def test_an_acronym_typed_in_lower_case_is_searched_as_the_article_writes_it(small_index: Index) -> None:
    # "pppk" had been read as a stretched "pk", a chat short form of "pakai" (natural22_dev)
    text = "Sebanyak 812 guru lulus seleksi PPPK. Penyebabnya anggaran gaji PPPK belum tersedia."
    ingest_articles(small_index, [Article("g", text, "Guru")])
    retrieval = _retrieval(small_index, "knp sih sk pppk telat")
    assert ("pppk",) in [c.terms for c in retrieval.query.concepts]
    assert "pakai" not in retrieval.query.words


def test_the_not_ending_a_yes_no_question_is_no_part_of_what_it_asks(small_index: Index) -> None:
    # "gak" (spelt out "enggak") had counted as a word of the question that no article writes
    text = "Kebakaran melanda Pasar Cipanas pada Kamis malam. Tidak ada korban jiwa dalam peristiwa itu."
    ingest_articles(small_index, [Article("p", text, "Pasar")])
    retrieval = _retrieval(small_index, "ada korban jiwa di kebakaran pasar itu gak sih?")
    terms = [c.terms for c in retrieval.query.concepts]
    assert ("korban",) in terms and not any("enggak" in t for t in terms), terms


def test_a_year_the_answering_article_does_not_tell_of_is_refused(small_index: Index) -> None:
    """IDK-MRC's near misses name a year the passage's article never tells of ("luas kebun binatang
    pada tahun 2021?" of a zoo opened in 1936), while another article holds that year; what the
    article says is of another time. A year between the first and last it tells of, after a year it
    says something holds since, or near one an undated article writes (its "tahun ini" is unknown)
    may be asked of it."""
    ingest_articles(
        small_index,
        [
            Article("kebun", "Kebun binatang itu dibuka pada 27 November 1936 dengan luas areal 4,5 hektare.", "Kebun"),
            Article(
                "wali",
                "Hendra adalah wali kota yang menjabat sejak 17 Februari 2016. Pada 2013 ia menjadi wakil wali kota.",
                "Wali kota",
            ),
            Article("taman", "Taman dari 1939, 2001 dan 2014 diganti pada 2021; yang ketiga menyusul 2031.", "Taman"),
        ],
    )
    answerer = ExtractiveAnswerer()

    def refused_for_its_year(question: str, source: str) -> bool:
        retrieval = _retrieval(small_index, question)
        passage = answerer.rank_sentences(retrieval)[0].passage
        assert passage.chunk.source == source and not retrieval.query.years_unsaid
        return of_other_years(retrieval.query, passage)

    assert refused_for_its_year("berapa luas kebun binatang pada tahun 2021?", "kebun")
    assert answerer.off_topic(_retrieval(small_index, "berapa luas kebun binatang pada tahun 2021?"))
    assert not refused_for_its_year("berapa luas kebun binatang pada tahun 1936?", "kebun")
    assert not refused_for_its_year("berapa luas kebun binatang tahun 1939?", "kebun")  # undated: near 1936
    assert refused_for_its_year("siapa wali kota pada tahun 2001?", "wali")
    assert not refused_for_its_year("siapa wali kota pada tahun 2014?", "wali")  # between 2013 and 2016
    assert not refused_for_its_year("siapa wali kota pada tahun 2031?", "wali")  # since 2016
    # the years of its title count (a review's finding: a headline "Mengenang banjir 2020" over a
    # text naming no year)
    assert small_index.article_years("kebun").years == frozenset({"1936"})
    # read by the article's source, not through a scope: the question's filters stay cached (a
    # review's finding, the article's scope had pushed them out)
    small_index.chunk_ids_in(Scope(source="kebun"))
    scoped = small_index._scoped
    small_index.article_years("wali")
    assert small_index._scoped is scoped
    ingest_articles(small_index, [Article("judul", "Air setinggi dua meter merendam 300 rumah.", "Banjir 2020")])
    assert small_index.article_years("judul").years == frozenset({"2020"})
    assert small_index.article_years("tidak-ada").answer(["1990"])  # an article no longer indexed: none
    ingest_articles(small_index, [Article("kebun", "Kebun binatang itu diperluas pada 1940.", "Kebun")])
    assert small_index.article_years("kebun").years == frozenset({"1940"})  # read again after a write
    # a question naming no year reads no article's years
    assert _retrieval(small_index, "berapa luas kebun binatang?").candidates[0].years_told is None


def test_the_years_an_article_tells_of() -> None:
    told = years_told(["Pada 2024, 1.500 orang mengungsi; Rp 1.500.000 dan 12345 bukan tahun."], "2026-01-02")
    assert told.years == frozenset({"2024", "2026"}) and told.separated == frozenset({"1500"})
    assert told.published == "2026" and not told.since
    assert told.answer(["1500"]) and told.answer(["2025"]) and not told.answer(["2019"])
    # a dated report's "tahun lalu" and "tahun depan" are the years next to its own (a review's
    # finding: "banjir tahun 2024?" of a 2025 report on "banjir tahun lalu" had been refused)
    assert told.answer(["2027"]) and not told.answer(["2028"])
    assert years_told(["Banjir tahun lalu merendam 300 rumah."], "2025-02-03").answer(["2024"])
    assert years_told(["tanpa tahun"], None).answer(["1990"])  # no year told: any may be asked
    assert years_told(["Ia bekerja di sana sejak tahun 2001."], None).since


def test_an_abstention_shows_the_closest_passage_apart_and_an_answer_shows_none(bundled_stack) -> None:
    # refused (the answer model is unsure of it), though its likeliest sentence is what was said
    refused = bundled_stack.chain.invoke("jubir tiktok ngomong apa soal phk ini")
    assert refused.abstained and not refused.citations and refused.closest is not None
    assert "operasi global" in refused.closest.quote and refused.closest.quote in refused.closest.chunk.text
    assert "operasi" not in refused.text  # the answer is still the abstention
    answered = bundled_stack.chain.invoke("Berapa karyawan TikTok di Malaysia yang terkena PHK?")
    assert not answered.abstained and answered.closest is None


def test_sample_question_gets_cited_answer(bundled_stack) -> None:
    answer = bundled_stack.chain.invoke("Berapa karyawan TikTok di Malaysia yang terkena PHK?")
    assert not answer.abstained and "700" in answer.text and "[1]" in answer.text
    assert "kurang dari 500" in answer.text  # and TikTok's own figure: the sources disagree
    citation = answer.citations[0]
    assert "700" in citation.quote and citation.quote in citation.chunk.text
    assert citation.chunk.title.startswith("TikTok")


def test_a_question_in_other_words_than_the_article_s_is_answered(bundled_stack) -> None:
    # the article says "Para pekerja yang terdampak telah menerima informasi melalui email pada 12
    # Oktober 2024": "pegawai" is not in it, its synonyms are (bot/chain/data/synonyms_id.txt)
    answer = bundled_stack.chain.invoke("kapan para pegawai yg kena itu dikabarin")
    assert not answer.abstained and "12 Oktober 2024" in answer.citations[0].quote


def test_a_time_told_relative_to_the_report_is_quoted_for_when(bundled_stack) -> None:
    # the article says "TikTok juga berencana melakukan PHK tambahan bulan depan ...": no year,
    # month or weekday, yet it says when. (It is quoted second, after the email's date: the
    # one-article sentence model still ranks that first.)
    answer = bundled_stack.chain.invoke("kapan tiktok bakal phk lagi?")
    assert not answer.abstained and any("bulan depan" in c.quote for c in answer.citations), answer.text


def test_natural_questions_about_the_bundled_article(bundled_stack) -> None:
    """A floor under the chat-style development set (docs/quality.md has the measured figures)."""
    questions = load_eval_set(TEST_DATA / "natural_dev.jsonl")
    results = [judge(q, bundled_stack.chain.invoke(q.question)) for q in questions]
    answerable = [r for r in results if r.question.answerable]
    unanswerable = [r for r in results if not r.question.answerable]
    assert sum(r.correct for r in answerable) / len(answerable) >= 0.45
    assert sum(r.answer.abstained for r in unanswerable) >= 1


def test_answer_json_has_no_surprises(bundled_stack) -> None:
    from bot.cli.contract import answer_to_json

    data = answer_to_json(bundled_stack.chain.invoke("Sejak tahun berapa OpenAI bermitra dengan Microsoft?"))
    json.dumps(data)
    assert data["retrieved"] and len(data["retrieved"]) <= 5


def _retrieval(index: Index, question: str) -> Retrieval:
    return HybridRetriever(index=index, config=RetrievalConfig(dense=False)).search(question, 5)


def _ranked_from(retrieval: Retrieval, best: str) -> list[Any]:
    """The sentences the answerer ranks for ``retrieval``, the one holding ``best`` put first (the
    best sentence a test of the other figure starts from)."""
    return sorted(ExtractiveAnswerer().rank_sentences(retrieval), key=lambda c: best not in c.text)


def test_citations_are_numbered_in_order_and_quote_their_passage(small_index: Index) -> None:
    ingest_articles(
        small_index,
        [
            Article("a", "Gunung Merapi meletus pada tahun 2010. Letusan itu besar.", "Merapi"),
            Article("b", "Gunung Merapi meletus lagi pada tahun 2023. Abu turun di Yogyakarta.", "Merapi lagi"),
        ],
    )
    retrieval = _retrieval(small_index, "Kapan Gunung Merapi meletus?")
    ranked = ExtractiveAnswerer().rank_sentences(retrieval)
    two = [next(s for s in ranked if s.passage.chunk.source == source) for source in ("b", "a")]
    answer = compose("q", "id", two, retrieval.hits)
    assert [c.n for c in answer.citations] == [1, 2]
    assert [c.chunk.source for c in answer.citations] == ["b", "a"]
    for citation in answer.citations:
        assert f"[{citation.n}]" in answer.text and citation.quote in citation.chunk.text


def test_a_question_with_several_required_answers_needs_them_all() -> None:
    from bot.chain.answer import Answer
    from bot.evaluation import EvalQuestion

    both = EvalQuestion("s", "1", "id", "q", True, ("3 orang", "5 orang"), all_answers=(("3 orang",), ("5 orang",)))
    assert judge(both, Answer("q", "BPBD: 3 orang; kepala desa: 5 orang.", False, "id")).correct
    assert not judge(both, Answer("q", "BPBD mencatat 3 orang.", False, "id")).correct
    one = EvalQuestion("s", "2", "id", "q", True, ("3 orang", "5 orang"))
    assert judge(one, Answer("q", "BPBD mencatat 3 orang.", False, "id")).correct


def test_sentences_from_articles_of_different_dates_are_cited_newest_first(small_index: Index) -> None:
    ingest_articles(
        small_index,
        [
            Article("old", "Gunung Merapi meletus pada tahun 2010.", "Merapi", published="2010-10-26"),
            Article("new", "Gunung Merapi meletus lagi pada tahun 2023.", "Merapi lagi", published="2023-12-03"),
            Article("undated", "Gunung Merapi juga meletus pada tahun 1930.", "Merapi dulu"),
        ],
    )
    retrieval = _retrieval(small_index, "Kapan Gunung Merapi meletus?")
    ranked = ExtractiveAnswerer().rank_sentences(retrieval)
    by_source = {s.passage.chunk.source: s for s in ranked}
    answer = compose("q", "id", [by_source["undated"], by_source["old"], by_source["new"]], retrieval.hits)
    assert [c.chunk.source for c in answer.citations] == ["new", "old", "undated"]
    assert [c.n for c in answer.citations] == [1, 2, 3] and answer.text.index("[1]") < answer.text.index("[2]")


def test_an_answer_from_another_story_is_not_cited_first_for_being_newer(small_index: Index) -> None:
    bus = "Penumpang umum dikenai tarif Rp4.000 sekali jalan."
    market = "Pemkab memberlakukan tarif retribusi Rp4.000 per hari untuk pedagang kios."
    update = "Penumpang umum kini dikenai tarif Rp5.000 sekali jalan."
    ingest_articles(
        small_index,
        [
            Article("bus", bus, "Bus Listrik Trans Seruni Mulai Beroperasi", published="2026-11-02"),
            Article("market", market, "Pasar Rakyat Kuala Bening Dibuka Kembali", published="2026-11-24"),
            Article("bus-later", update, "Tarif Bus Listrik Trans Seruni Naik", published="2026-11-30"),
        ],
    )
    retrieval = _retrieval(small_index, "tarifnya brp?")
    by_source = {s.passage.chunk.source: s for s in ExtractiveAnswerer().rank_sentences(retrieval)}
    # the best sentence's story first, a later report of it before it; the other story after both
    answer = compose("q", "id", [by_source["bus"], by_source["market"], by_source["bus-later"]], retrieval.hits)
    assert [c.chunk.source for c in answer.citations] == ["bus-later", "bus", "market"]
    answer = compose("q", "id", [by_source["market"], by_source["bus"]], retrieval.hits)
    assert [c.chunk.source for c in answer.citations] == ["market", "bus"]
    chunks = {s: by_source[s].passage.chunk for s in by_source}
    assert one_story(chunks["bus"], chunks["bus-later"]) and not one_story(chunks["bus"], chunks["market"])
    assert compose("q", "id", [], retrieval.hits).citations == []  # nothing chosen: nothing cited


# An answer model that accepts an answer when its sentence holds at least 70% of the question
# (IDF-weighted), so that which article "answers too" does not hang on the fitted weights.
_HOLDS_MOST = LogisticModel(("coverage",), (0.0,), (1.0,), (20.0,), -14.0)


def _joined(index: Index, question: str, order: list[str], **models: Any) -> Any:
    """The answer to ``question`` when the sentence model ranks the sentences of ``order`` first,
    in that order (each keeping its own score), any sentence may join by its score, and an
    article answers when its sentence holds most of the question (``_HOLDS_MOST``)."""
    retrieval = _retrieval(index, question)
    retrieval.models = retrieval.models.replace(  # type: ignore[union-attr]
        second_margin=100.0, answer=_HOLDS_MOST, min_probability=0.5, **models
    )
    ranked = ExtractiveAnswerer().rank_sentences(retrieval)
    assert set(order) <= {c.text for c in ranked}  # all of them are read
    place = {sentence: n for n, sentence in enumerate(order)}
    retrieval.judged = (tuple(sorted(ranked, key=lambda c: place.get(c.text, len(order)))), 1.0, False)
    return ExtractiveAnswerer().answer_retrieval(retrieval)


def test_a_sentence_from_another_article_joins_only_when_that_article_answers_too(small_index: Index) -> None:
    # Over many articles a sentence on something else can score near the best (a date for a
    # "kapan" question) and, from a newer article, was even cited first.
    crowd = "Warga yang terdampak banjir menerima bantuan."
    email = "Para pekerja yang terdampak telah menerima informasi PHK melalui email pada 12 Oktober 2024."
    flood = "Seorang pengungsi lansia meninggal di posko pengungsian pada 4 November setelah sempat sakit."
    layoffs = "TikTok memangkas ratusan pekerja di Malaysia."
    old = "Gunung Merapi meletus pada tahun 2010."
    new = "Gunung Merapi meletus lagi pada tahun 2023."
    ingest_articles(
        small_index,
        [
            Article("phk", f"{layoffs} {email}", "PHK", published="2024-10-20"),
            Article("banjir", f"{crowd} {flood}", "Banjir", published="2026-11-10"),
            Article("lama", old, "Merapi", published="2010-10-26"),
            Article("baru", new, "Merapi lagi", published="2023-12-03"),
        ],
    )
    question = "Kapan pekerja yang terdampak menerima informasi PHK?"
    # as the second sentence
    answer = _joined(small_index, question, [email, flood, crowd])
    assert [c.chunk.source for c in answer.citations] == ["phk"], answer.text
    assert answer.text.count("[") == 1 and flood not in answer.text and crowd not in answer.text
    # as the third, after a second from the best one's article
    answer = _joined(small_index, question, [email, layoffs, flood, crowd], third_margin=100.0)
    assert [c.quote for c in answer.citations] == [f"{layoffs} {email}"], answer.text
    # another article on the same thing answers too: both are quoted, the newest first
    answer = _joined(small_index, "Kapan Gunung Merapi meletus?", [old, new])
    assert [c.chunk.source for c in answer.citations] == ["baru", "lama"], answer.text
    # a sentence whose passage is not among those read, or no sentences at all: not let in
    retrieval = _retrieval(small_index, "Kapan Gunung Merapi meletus?")
    ranked = ExtractiveAnswerer().rank_sentences(retrieval)
    other = next(c for c in ranked if c.passage.chunk.source != ranked[0].passage.chunk.source)
    query, read = retrieval.query, retrieval.candidates[:3]
    assert answers_alone(query, read, ranked, other, _HOLDS_MOST, 0.5)
    assert not answers_alone(query, [p for p in read if p is not other.passage], ranked, other, _HOLDS_MOST, 0.5)
    assert not answers_alone(query, read, [], other, _HOLDS_MOST, 0.5)


def test_a_second_sentence_joins_only_when_both_fit_the_answer_limit(small_index: Index) -> None:
    text = (
        "Gunung Merapi meletus pada tahun 2010 dan memaksa ribuan warga mengungsi. "
        "Letusan Gunung Merapi tahun 2010 itu menewaskan lebih dari 300 orang di sekitar lereng gunung."
    )
    ingest_articles(small_index, [Article("a", text, "Merapi")])
    retrieval = _retrieval(small_index, "Kapan Merapi meletus?")
    models = load_models()
    roomy = retrieval.models.replace(second_margin=100.0, min_probability=0.0)  # type: ignore[union-attr]
    retrieval.models = roomy
    roomy_answer = ExtractiveAnswerer(AnswererConfig(max_answer_chars=400)).answer_retrieval(retrieval)
    assert roomy_answer.citations[0].quote == text
    tight = ExtractiveAnswerer(AnswererConfig(max_answer_chars=120)).answer_retrieval(retrieval)
    assert len(tight.citations[0].quote) <= 120 and tight.citations[0].quote in text
    assert models.min_probability > 0  # the shipped models abstain below a threshold


@dataclasses.dataclass(frozen=True)
class _Scored:
    text: str
    score: float


def _ranked(*lengths_and_scores: tuple[int, float]) -> list[_Scored]:
    return [_Scored(chr(ord("a") + n) * length, score) for n, (length, score) in enumerate(lengths_and_scores)]


@pytest.mark.parametrize(
    ("ranked", "chosen", "margin", "window", "expected"),
    [
        (_ranked((100, 5.0), (100, 4.0), (80, 3.5)), 2, 4.0, 4, 2),  # the next within the margin that fits
        (_ranked((100, 5.0), (100, 4.0), (120, 3.5)), 2, 4.0, 4, None),  # would not fit in 300
        (_ranked((100, 5.0), (100, 4.0), (80, 0.5)), 2, 4.0, 4, None),  # too far below the best
        (_ranked((100, 5.0), (300, 4.0), (80, 3.5), (50, 3.0)), 1, 8.0, 3, 2),  # the long one passed over
        (_ranked((100, 5.0), (100, 4.0), (10, 4.5), (10, 4.4)), 2, 4.0, 3, 2),  # only the first ``window``
    ],
)
def test_one_more_sentence_joins_when_it_is_near_the_best_and_fits(
    ranked: list[_Scored], chosen: int, margin: float, window: int, expected: int | None
) -> None:
    joined = join_one(ranked, ranked[:chosen], margin, window, 300)
    assert joined == ([] if expected is None else [ranked[expected]])


def _forced(small_index: Index, text: str, question: str, order: list[str], **models: Any) -> Any:
    """The answer to ``question`` over an article of ``text`` when the sentence model ranks its
    sentences in ``order`` (the rest after them), read with these model settings."""
    ingest_articles(small_index, [Article("a", text, "PHK")])
    retrieval = _retrieval(small_index, question)
    retrieval.models = retrieval.models.replace(min_probability=0.0, **models)  # type: ignore[union-attr]
    ranked = ExtractiveAnswerer().rank_sentences(retrieval)
    place = {sentence: n for n, sentence in enumerate(order)}
    ordered = sorted(ranked, key=lambda c: place.get(c.text, len(order)))
    retrieval.judged = (tuple(dataclasses.replace(c, score=10.0 - n) for n, c in enumerate(ordered)), 1.0, False)
    return ExtractiveAnswerer().answer_retrieval(retrieval)


def test_a_third_sentence_comes_after_the_sentence_a_quote_leans_on(small_index: Index) -> None:
    lede = "Perusahaan itu merumahkan sekitar 700 karyawan di Malaysia, menurut laporan media."
    claim = "Meskipun perusahaan mengonfirmasi PHK ini, jumlahnya kurang dari 500 karyawan."
    second = (
        "Sebagian besar karyawan yang terkena bekerja sebagai moderator konten "
        "di kantor perusahaan di Kuala Lumpur sejak tahun lalu."
    )
    short = "PHK berlaku bulan ini."
    text = f"{lede} {claim} {second} {short}"
    answer = _forced(
        small_index,
        text,
        "Berapa karyawan yang terkena PHK?",
        [claim, second, short],
        second_margin=8.0,
        third_margin=8.0,
    )
    quotes = " ".join(c.quote for c in answer.citations)
    # the claim needs the lede: it comes before a third sentence, which then no longer fits in 300
    assert lede in quotes and claim in quotes and second in quotes and short not in quotes


def test_a_third_sentence_that_leans_on_one_left_out_is_passed_over(small_index: Index) -> None:
    first = "Pemerintah Malaysia mewajibkan izin operasi bagi media sosial sejak Januari."
    reason = "Langkah itu diambil untuk memerangi pelanggaran di dunia maya."
    fact = "TikTok merumahkan ratusan moderator konten."
    other = "Microsoft menerima pembayaran dari TikTok setiap bulan."
    best = "Izin itu diterbitkan oleh regulator komunikasi."
    text = f"{first} {reason} {fact} {other} {best}"
    order = [best, other, reason, fact]  # the third choice leans on a sentence not quoted
    answer = _forced(small_index, text, "Siapa yang menerbitkan izin?", order, second_margin=8.0, third_margin=8.0)
    quotes = " ".join(c.quote for c in answer.citations)
    assert best in quotes and other in quotes and reason not in quotes and fact in quotes
    without = _forced(small_index, text, "Siapa yang menerbitkan izin?", order, second_margin=8.0, third_margin=None)
    assert fact not in " ".join(c.quote for c in without.citations)


def test_the_shipped_models_let_a_third_sentence_join() -> None:
    shipped = load_models()
    assert shipped.third_margin is not None and shipped.one_article is not None
    assert shipped.one_article.third_margin is not None
    # a model file written before third sentences reads as before
    data = shipped.to_json()
    del data["third_margin"], data["one_article"]["third_margin"]
    older = type(shipped).from_json(data)
    assert older.third_margin is None and older.one_article is not None and older.one_article.third_margin is None


@pytest.mark.parametrize(
    ("question", "feature"),
    [
        ("Di manakah gereja katolik termuda di Asia Tenggara?", "opposite"),  # the passage says "tertua"
    ],
)
def test_what_contradicts_the_passage_is_a_feature_of_the_answer(
    small_index: Index, question: str, feature: str
) -> None:
    passage = "Gereja Santo Paulus di Malaka, dibangun pada tahun 1521, adalah gereja katolik tertua di Asia Tenggara."
    ingest_articles(small_index, [Article("g", passage, "Gereja")])
    plain = "Di manakah gereja katolik tertua di Asia Tenggara?"
    for asked, expected in ((question, 1.0), (plain, 0.0)):
        retrieval = _retrieval(small_index, asked)
        ranked = ExtractiveAnswerer().rank_sentences(retrieval)
        assert answer_features(retrieval.query, retrieval.candidates[:3], ranked)[feature] == expected


def test_an_opposite_beside_other_words_than_the_question_has_beside_it_is_only_an_opposite(small_index: Index) -> None:
    """``opposite_beside`` counts an opposite only where the question writes its word: "termuda"
    of "gereja katolik tertua" (a near miss of the training questions' kind), not the "penuh" a
    chat question says it heard of a passage counting "petak kosong", which it asks for (the
    answer model weighs both features: docs/quality.md, sixty-first session)."""
    ingest_articles(
        small_index,
        [
            Article("g", "Gereja Santo Paulus di Malaka adalah gereja katolik tertua di Asia Tenggara.", "Gereja"),
            Article("t", "Dinas mencatat masih ada 140 petak kosong hingga Oktober lalu.", "Makam"),
        ],
    )
    for asked, expected in (
        ("Di manakah gereja katolik termuda di Asia Tenggara?", (1.0, 1.0)),
        ("katanya tpu hampir penuh ya, sisa brp petak?", (1.0, 0.0)),
    ):
        retrieval = _retrieval(small_index, asked)
        ranked = ExtractiveAnswerer().rank_sentences(retrieval)
        features = answer_features(retrieval.query, retrieval.candidates[:1], ranked)
        assert (features["opposite"], features["opposite_beside"]) == expected, asked
    assert "opposite_beside" in load_models().answer.features


def test_an_antonym_the_training_questions_answer_as_often_as_not_is_no_opposite(small_index: Index) -> None:
    """ "baru" asked of a passage saying "lama" is an answerable question as often as not in the
    training questions ("baru" is "only then" too), so it no longer counts against the answer (it
    had refused "usulan gudang pendingin baru itu nilainya brp duit": docs/quality.md, fortieth
    session); "terakhir" asked of a passage saying "pertama" still does."""
    ingest_articles(
        small_index,
        [
            Article("w", "Warga yang lama menunggu menerima bantuan beras pada Senin (3/11).", "Bantuan"),
            Article("r", "Raja pertama Majapahit adalah Raden Wijaya, yang naik takhta pada 1293.", "Majapahit"),
        ],
    )
    for asked, expected in (("kapan warga baru menerima bantuan beras?", 0.0), ("Siapa raja terakhir Majapahit?", 1.0)):
        retrieval = _retrieval(small_index, asked)
        ranked = ExtractiveAnswerer().rank_sentences(retrieval)
        assert answer_features(retrieval.query, retrieval.candidates[:3], ranked)["opposite"] == expected, asked


def _sentences_of(index: Index, text: str, question: str) -> list[SentenceCandidate]:
    """The sentences of a one-passage article with their features for ``question``."""
    ingest_articles(index, [Article("a", text, "Judul")])
    query = parse_query(question, index)
    (chunk,) = index.chunks(sorted(index.catalog.chunk_ids())).values()
    candidate = PassageCandidate(chunk, analyzed_sentences(chunk.text), bm25=1.0, bm25_rank=0, dense=0.9)
    return sentence_features(query, [candidate], None)


def test_a_quote_is_its_passage_verbatim_with_an_ellipsis_where_sentences_are_left_out(small_index: Index) -> None:
    text = (
        "Banjir Merendam Empat Desa di Lembah Arum\n\n"
        "Hujan turun sejak Senin. Air naik dua meter. Sebanyak 120 warga mengungsi."
    )
    title, rain, water, evacuees = _sentences_of(small_index, text, "Berapa warga mengungsi?")
    (chunk_text,) = {s.passage.chunk.text for s in (title, rain, water, evacuees)}
    # next to each other: the passage's own text between them, the headline's line break too
    answer = compose("q", "id", [rain, title], [])
    assert answer.citations[0].quote == "Banjir Merendam Empat Desa di Lembah Arum\n\nHujan turun sejak Senin."
    assert answer.citations[0].quote in chunk_text
    # not next to each other: an ellipsis marks what is left out, each piece verbatim
    answer = compose("q", "id", [evacuees, title, rain], [])
    quote = answer.citations[0].quote
    assert (
        quote == "Banjir Merendam Empat Desa di Lembah Arum\n\nHujan turun sejak Senin. … Sebanyak 120 warga mengungsi."
    )
    assert all(piece in chunk_text for piece in quote.split(" … ")) and answer.text.endswith("mengungsi. [1]")


def test_a_subheading_left_out_between_two_quoted_sentences_is_an_omission_too(small_index: Index) -> None:
    text = "Hujan turun sejak Senin pagi.\n\nPengungsian\n\nSebanyak 120 warga mengungsi ke balai desa."
    rain, evacuees = _sentences_of(small_index, text, "Berapa warga mengungsi?")  # the subheading is no candidate
    assert (rain.position, evacuees.position) == (0, 2)
    quote = compose("q", "id", [evacuees, rain], []).citations[0].quote
    assert quote == "Hujan turun sejak Senin pagi. … Sebanyak 120 warga mengungsi ke balai desa."


def test_sentence_features_read_the_question_and_the_sentence(small_index: Index) -> None:
    text = "Gunung Merapi meletus pada tahun 2010. Kabarnya letusan itu besar."
    first, second = _sentences_of(small_index, text, "Kapan Gunung Merapi meletus?")
    assert isinstance(first, SentenceCandidate) and first.features["type_date"] == 1.0
    assert second.features["type_date"] == 0.0 and first.features["first"] == 1.0
    assert first.features["coverage"] > second.features["coverage"]


@pytest.mark.parametrize(
    ("sentence", "heading"),
    [
        ("Investasi AI", True),  # the bundled article's subheading
        ("Selain itu", True),
        ("Bus Listrik Trans Seruni Mulai Beroperasi, Warga Bisa Naik Gratis hingga 15 November", False),  # a headline
        ("Data korban jiwa pun berbeda.", False),
        ("Koridor 2", False),
        ("Tidak benar!", False),
        ("这些员工主要负责内容审核工作", False),  # no spaces between words: one "word", yet a sentence
        ("พนักงานถูกเลิกจ้าง", False),
        ("员工负责审核。", False),
    ],
)
def test_which_sentences_are_headings(sentence: str, heading: bool) -> None:
    assert is_heading(sentence) is heading


def test_a_subheading_is_not_a_sentence_an_answer_may_quote(small_index: Index, bundled_stack) -> None:
    text = "Investasi AI\n\nTikTok membayar Microsoft 20 juta dolar AS per bulan."
    (only,) = _sentences_of(small_index, text, "Berapa TikTok membayar Microsoft?")
    assert only.text.startswith("TikTok membayar") and only.position == 1
    # over the bundled article it was quoted before the sentence after it, as if one sentence
    answer = bundled_stack.chain.invoke("hey bot, what's TikTok's monthly bill to Microsoft?")
    assert "20 juta dolar AS" in answer.text and "Investasi AI" not in answer.text


def test_a_sentence_writing_what_is_counted_beside_a_number_fills_the_answer_slot(small_index: Index) -> None:
    text = "Perusahaan merumahkan sekitar 700 karyawan. Para pekerja diberi tahu pada 12 Oktober 2024."
    counted, dated = _sentences_of(small_index, text, "Berapa karyawan yang dirumahkan?")
    assert counted.features["answer_slot"] == 1.0 and dated.features["answer_slot"] == 0.0
    assert dated.features["type_number"] == 0.0  # a date's figures say when, not how many


def test_what_a_figure_counts_is_the_words_after_it_outside_dates_and_brackets() -> None:
    assert counted("BPBD mencatat 460 pengungsi hingga Jumat (30/10) pagi; Sutinah (71) meninggal.") == [
        (460, frozenset({"ungsi"}))
    ]
    assert counted("TikTok membayar 20 juta dolar AS per bulan sejak 2019.") == [(20e6, frozenset({"dolar"}))]
    # one value however it is written; a share counts nothing of its own
    assert counted("1.400 hektare") == counted("1,4 ribu hektare") == [(1400, frozenset({"hektare"}))]
    assert counted("Sekitar 40 persen pengungsi dan 30% warga.") == []
    assert len(counted("In all, 41,915,040 people voted.")) == 1  # an English thousands separator reads, if not as such
    # counts written as words, as news writes small ones; "salah satu" is "one of", no count
    assert counted("BPBD mencatat tiga orang hilang.") == [(3, frozenset({"orang", "hilang"}))]
    assert counted("Dua belas rumah dan empat ratus ribu warga.") == [
        (12, frozenset({"rumah"})),
        (400_000, frozenset({"warga"})),
    ]
    assert counted("Salah satu warga hilang; tiga puluh persen warga mengungsi.") == []
    assert counted("Tiga puluh lima orang hilang.") == [(35, frozenset({"orang", "hilang"}))]  # one figure
    # a number word in a name or a compound is no count
    for text in ("Bupati Bukit Sembilan hadir.", "KM Sabaru Dua tenggelam.", "Lima, Peru.", "a ten-year plan"):
        assert counted(text) == [], text
    # but a count opening a sentence after a dateline or inside a quote is one, before an acronym too
    for text in ("JAKARTA - Dua warga hilang.", 'Kata Kapolres: "Dua warga hilang."', "Dua WNI hilang."):
        assert [value for value, _ in counted(text)] == [2], text


@given(st.text(alphabet=st.sampled_from(list("0123456789.,% ()/-rpRP persen ribu juta hektare٤")), max_size=60))
def test_any_article_text_is_read_for_figures_without_an_error(text: str) -> None:
    for value, things in counted(text):
        assert value >= 0 and things


def test_another_figure_for_what_the_best_sentence_counts_is_quoted_beside_it(small_index: Index) -> None:
    text = (
        "BPBD mencatat 460 pengungsi hingga Jumat (30/10) pagi. Jalan desa sepanjang 3 kilometer rusak. "
        "Warga bernama Sutinah (71) meninggal di posko. Dinas Sosial mencatat 512 pengungsi di enam titik."
    )
    ingest_articles(small_index, [Article("a", text, "Banjir")])
    retrieval = _retrieval(small_index, "berapa jumlah pengungsi banjir?")
    ranked = _ranked_from(retrieval, "460")
    other = counterpart(retrieval.query, ranked, 350)
    assert other is not None and "512 pengungsi" in other.text
    assert counterpart(retrieval.query, ranked, len(ranked[0].text) + 10) is None  # it must fit beside the best
    assert counterpart(retrieval.query, ranked, 350, joins=lambda _: False) is None
    # a part of what the best one counts, or a share of it, is no other side
    best, other = ranked[0], next(c for c in ranked if "512" in c.text)
    for text in ("Dari jumlah itu, 120 pengungsi adalah balita.", "Sekitar 40 persen pengungsi adalah anak-anak."):
        assert counterpart(retrieval.query, [best, dataclasses.replace(other, text=text)], 350) is None
    # another thing counted ("3 kilometer"), or a question that does not ask how many: no other side
    road = _retrieval(small_index, "berapa panjang jalan desa yang rusak?")
    ranked = _ranked_from(road, "kilometer")
    assert counterpart(road.query, ranked, 350) is None
    who = _retrieval(small_index, "siapa yang mencatat pengungsi?")
    assert counterpart(who.query, sorted(ranked, key=lambda c: "460" not in c.text), 350) is None


def test_the_other_figure_counts_what_the_question_names_in_another_spelling(small_index: Index) -> None:
    # "brp hektar" of sentences counting "hektare" (both spellings in the index): the coalition's
    # 1.400 had been quoted with a rainfall beside it, not the regency's 300 (disagree_dev)
    text = (
        "Koalisi mencatat 1.400 hektare hutan di hulu hilang sejak 2021. Curah hujan tercatat 138 milimeter. "
        "Pemkab menyebut alih fungsi lahan di hulu hanya sekitar 300 hektare. Sawah seluas 12 hektar terendam."
    )
    ingest_articles(small_index, [Article("a", text, "Hutan")])
    retrieval = _retrieval(small_index, "luas hutan yg hilang di hulu brp hektar?")
    ranked = _ranked_from(retrieval, "1.400")
    other = counterpart(retrieval.query, ranked, 350)
    assert other is not None and "300 hektare" in other.text
    # a word with more letters than another spelling adds is another word
    assert (
        _spelt_alike("hektar", "hektare") and not _spelt_alike("orang", "orangutan") and not _spelt_alike("ton", "tonn")
    )


def test_another_figure_is_looked_for_in_passages_past_those_read(small_index: Index) -> None:
    first = "BPBD mencatat 460 pengungsi banjir hingga Jumat pagi di Lembah Arum. " + " ".join(
        f"Hujan turun sejak hari ke-{day} dan sungai meluap di empat desa malam itu." for day in range(9)
    )
    second = "Namun angka itu dibantah. Dinas Sosial mencatat 512 pengungsi di enam titik."
    ingest_articles(small_index, [Article("a", f"{first}\n\n{second}", "Banjir")])
    assert len(small_index.catalog.chunk_ids()) == 2
    retrieval = _retrieval(small_index, "berapa pengungsi banjir di lembah arum?")
    assert "460" in retrieval.candidates[0].chunk.text
    read_one = ExtractiveAnswerer(AnswererConfig(passages=1, other_side_passages=0)).answer_retrieval(retrieval)
    assert "460" in read_one.text and "512" not in read_one.text
    retrieval = _retrieval(small_index, "berapa pengungsi banjir di lembah arum?")
    answer = ExtractiveAnswerer(AnswererConfig(passages=1)).answer_retrieval(retrieval)
    assert "460 pengungsi" in answer.text and "512 pengungsi" in answer.text
    # asked something else than how many, no other figure is looked for
    retrieval = _retrieval(small_index, "siapa yang mencatat pengungsi banjir di lembah arum?")
    assert "512" not in ExtractiveAnswerer(AnswererConfig(passages=1)).answer_retrieval(retrieval).text


def test_the_other_figure_past_the_passages_read_is_of_the_same_story_and_among_those_listed(
    small_index: Index,
) -> None:
    # found by an independent review: another story's figure was quoted as the other side, and a
    # sixth passage cited while an answer lists five
    fill = " ".join(f"Hujan turun sejak hari ke-{day} dan sungai meluap di empat desa malam itu." for day in range(9))
    flood = "\n\n".join(
        [
            "BPBD mencatat 460 pengungsi banjir hingga Jumat pagi di Lembah Arum. " + fill,
            "Banjir Lembah Arum merendam sawah. Pengungsi banjir butuh selimut. " + fill,
            "Pengungsi banjir Lembah Arum tinggal di balai desa. " + fill,
        ]
    )
    quake = "Gempa mengguncang Cianjur. BNPB mencatat 2.300 pengungsi gempa di Cianjur hingga Jumat pagi."
    ingest_articles(small_index, [Article("a", flood, "Banjir Lembah Arum"), Article("b", quake, "Gempa Cianjur")])
    retrieval = _retrieval(small_index, "berapa pengungsi banjir di lembah arum?")
    answer = ExtractiveAnswerer().answer_retrieval(retrieval)
    assert "460 pengungsi" in answer.text and "2.300" not in answer.text
    listed = {hit.chunk.chunk_id for hit in answer.retrieved}
    assert all(c.chunk.chunk_id in listed for c in answer.citations)


def test_a_question_asking_how_much_money_is_answered_by_a_sum_with_its_currency(small_index: Index) -> None:
    text = "Koridor 2 sepanjang 14 kilometer ditargetkan rampung 2027. Koridor 1 menelan anggaran Rp186 miliar."
    length, cost = _sentences_of(small_index, text, "berapa biaya koridor?")
    assert cost.features["type_number"] == 1.0 and length.features["type_number"] == 0.0
    for question in ("how much did corridor 2 cost?", "harganya brp?", "gaji sopirnya brp?"):
        assert asks_money(parse_query(question, small_index)), question
    # a share or a time asked beside a money word is no sum; other number questions any figure
    for question in ("duitnya nyumbang brp persen?", "kalo duitnya cair beres berapa lama?", "berapa panjang koridor?"):
        assert not asks_money(parse_query(question, small_index)), question
    length, _ = _sentences_of(small_index, text, "berapa panjang koridor 2?")
    assert length.features["type_number"] == 1.0


def test_how_heavy_or_how_deep_asks_for_a_measure() -> None:
    for question in ("how heavy was the rain on oct 26?", "How deep was the quake?", "seberapa luas sawahnya?"):
        assert question_type(question) == "number", question
    for question in ("how did the workers find out?", "how high is the risk?", "how fast did they respond?"):
        assert question_type(question) is None, question


def test_the_other_figure_is_found_for_a_best_sentence_that_counts_it_in_other_words(small_index: Index) -> None:
    text = (
        "Pengungsi Banjir Capai 460 Orang. BPBD mencatat 460 pengungsi, tersebar di enam titik pengungsian. "
        "Dinas Sosial mencatat 512 pengungsi. Polisi mencatat tiga orang hilang. "
        "Kepala desa menyebut lima orang hilang."
    )
    # "orang" in other news too: a commoner word than "pengungsi", as in any index of news
    elsewhere = Article("b", "Sebanyak 30 orang mengikuti lomba lari. Dua orang pingsan di garis akhir.", "Lomba")
    ingest_articles(small_index, [Article("a", text, "Banjir"), elsewhere])
    retrieval = _retrieval(small_index, "460 apa 512 yg bener jumlah pengungsinya?")
    order = ("Capai 460", "460 pengungsi", "512")
    ranked = sorted(
        ExtractiveAnswerer().rank_sentences(retrieval),
        key=lambda c: next((i for i, t in enumerate(order) if t in c.text), len(order)),
    )
    # the headline counts "orang", which the question does not name; the sentence beside it
    # gives the same figure of "pengungsi", whose other figure is the Dinas Sosial's
    other = counterpart(retrieval.query, ranked, 350)
    assert other is not None and "512 pengungsi" in other.text
    # "enam titik pengungsian" is a figure of points, not of evacuees, and too small to be
    # another count of 460 (so is "Tiga pengungsi dilarikan ...", a part of them)
    without = [c for c in ranked if "512" not in c.text]
    assert counterpart(retrieval.query, without, 350) is None
    best = next(c for c in ranked if "460 pengungsi" in c.text)
    for text, other_side in (
        ("Tiga pengungsi dilarikan ke rumah sakit.", False),
        ("Sedikitnya 120 warga mengungsi ke balai desa.", True),  # another word for them, named too
        ("BPBD juga mencatat empat ratus enam puluh pengungsi.", False),  # the same figure in words
        ("Kemudian BPBD mencatat 4.800 pengungsi.", True),  # a larger count may be a later one
    ):
        found = counterpart(retrieval.query, [best, dataclasses.replace(best, text=text)], 350)
        assert (found is not None) is other_side, text
    # what the headline's figure counts is read from its own article only: the same figure of
    # evacuees in another article's sentence says nothing of it
    headline, said, other = ranked[:3]
    elsewhere = dataclasses.replace(
        said, passage=dataclasses.replace(said.passage, chunk=dataclasses.replace(said.passage.chunk, source="b"))
    )
    assert counterpart(retrieval.query, [headline, elsewhere, other], 350) is None
    # a headline counting something the question names ("orang") counts, too, what the same
    # figure counts beside it ("pengungsi"), which the other source's figure counts
    people = _retrieval(small_index, "pengungsi banjir ada brp orang? katanya beda2")
    ranked = sorted(
        ExtractiveAnswerer().rank_sentences(people),
        key=lambda c: next((i for i, t in enumerate(order) if t in c.text), len(order)),
    )
    other = counterpart(people.query, ranked, 350)
    assert other is not None and "512 pengungsi" in other.text
    assert counterpart(people.query, [ranked[0], ranked[2]], 350) is None  # nothing beside the headline says so
    # but not towards a commoner word: "460 pengungsi" beside "460 orang itu" does not count every
    # "orang" (found by a review: "120 orang luka-luka" was quoted as another side)
    said, alike = next(c for c in ranked if "460 pengungsi" in c.text), ranked[0]
    wounded = dataclasses.replace(alike, text="Selain itu 120 orang luka-luka akibat banjir.")
    restated = dataclasses.replace(alike, text="Sebanyak 460 orang itu tersebar di enam titik.")
    assert counterpart(people.query, [said, restated, wounded], 350) is None
    # counts written as words are figures too
    missing = _retrieval(small_index, "brp orang yg hilang?")
    ranked = _ranked_from(missing, "lima orang")
    other = counterpart(missing.query, ranked, 350)
    assert other is not None and "tiga orang hilang" in other.text


def test_sources_that_disagree_on_a_figure_are_both_quoted(story: Any) -> None:
    answer = story.chain.invoke("hutan yg hilang di hulu brp hektar?")
    assert "1.400 hektare" in answer.text and "300 hektare" in answer.text  # the coalition's and the regency's


def test_a_quote_that_refers_back_brings_the_sentence_before_it_when_both_fit(small_index: Index) -> None:
    lede = "Perusahaan itu merumahkan sekitar 700 karyawan di Malaysia, menurut laporan media."
    claim = "Meskipun perusahaan mengonfirmasi PHK ini, jumlahnya kurang dari 500 karyawan."
    other = "Kantor pusatnya berada di Singapura dan dibuka pada tahun 2019 oleh pendirinya."
    ingest_articles(small_index, [Article("a", f"{other} {lede} {claim}", "PHK")])
    # not "berapa karyawan ...?", whose answer quotes the lede anyway, as the claim's other side
    retrieval = _retrieval(small_index, "Apakah perusahaan mengonfirmasi PHK karyawan itu?")
    assert retrieval.query.kind is None
    retrieval.models = retrieval.models.replace(second_margin=-1.0, min_probability=0.0)  # type: ignore[union-attr]
    ranked = ExtractiveAnswerer().rank_sentences(retrieval)
    # the pick: the sentence that answers, which says "PHK ini"
    retrieval.judged = (tuple(sorted(ranked, key=lambda c: c.text != claim)), 1.0, False)
    answer = ExtractiveAnswerer().answer_retrieval(retrieval)
    assert answer.citations[0].quote == f"{lede} {claim}"  # in the article's order
    short = ExtractiveAnswerer(AnswererConfig(max_answer_chars=len(claim) + 10)).answer_retrieval(retrieval)
    assert short.citations[0].quote == claim


def test_one_who_disputes_a_figure_is_quoted_with_the_words_they_give_after(small_index: Index) -> None:
    """ "Kepala Desa ..., menilai angka itu terlalu kecil." says who disputes the count, not theirs,
    which the quote after it gives (story4_dev's "versi BPBD sm versi kades beda ya?")."""
    other = "Jalan desa ditutup sejak Selasa karena retakan baru sepanjang 30 meter di badan jalan."
    count = "BPBD mencatat 540 jiwa kini mengungsi di enam titik pengungsian."
    disputes = "Kepala Desa Cikarembong, Asep Saepuloh, menilai angka itu terlalu kecil."
    words = '"Di lapangan ada 610 jiwa, termasuk yang menumpang di rumah kerabat," katanya.'
    ingest_articles(small_index, [Article("a", f"{other} {count} {disputes} {words}", "Pengungsi")])
    retrieval = _retrieval(small_index, "Apa kata kepala desa soal data pengungsi BPBD?")
    retrieval.models = retrieval.models.replace(second_margin=-1.0, min_probability=0.0)  # type: ignore[union-attr]
    ranked = ExtractiveAnswerer().rank_sentences(retrieval)
    retrieval.judged = (tuple(sorted(ranked, key=lambda c: c.text != disputes)), 1.0, False)
    answer = ExtractiveAnswerer().answer_retrieval(retrieval)
    assert answer.citations[0].quote == f"{disputes} {words}"  # theirs
    # the words after a sentence disputing nothing are not brought
    retrieval.judged = (tuple(sorted(ranked, key=lambda c: c.text != other)), 1.0, False)
    assert ExtractiveAnswerer().answer_retrieval(retrieval).citations[0].quote == other
    # nor when they do not fit beside it
    short = ExtractiveAnswerer(AnswererConfig(max_answer_chars=len(disputes) + 10))
    retrieval.judged = (tuple(sorted(ranked, key=lambda c: c.text != disputes)), 1.0, False)
    assert short.answer_retrieval(retrieval).citations[0].quote == disputes


def test_a_bracketed_number_in_an_article_does_not_read_as_a_citation(small_index: Index) -> None:
    text = "Jembatan Sungai Rusa sepanjang 120 meter diresmikan pada Jumat [9]. Biayanya 45 miliar rupiah [0]."
    ingest_articles(small_index, [Article("a", text, "Jembatan")])
    retrieval = _retrieval(small_index, "Berapa panjang Jembatan Sungai Rusa?")
    retrieval.models = retrieval.models.replace(min_probability=0.0)  # type: ignore[union-attr]
    answer = ExtractiveAnswerer().answer_retrieval(retrieval)
    assert re.findall(r"\[(\d+)\]", answer.text) == ["1"] and len(answer.citations) == 1
    assert "［9］" in answer.text and "[9]" in answer.citations[0].quote  # the quote keeps the article's text


def test_evaluation_reads_a_shown_bracket_as_the_article_wrote_it() -> None:
    from bot.evaluation import _contains_any

    assert _contains_any("jatuh cinta kepada seorang gadis,［3］［4］ yang", ["seorang gadis,[3][4] yang"])


def test_a_question_whose_passages_are_all_of_one_article_is_read_by_the_one_article_models(
    small_index: Index,
) -> None:
    text = (
        "Gunung Merapi meletus pada tahun 2010. "
        "Ribuan warga mengungsi ke barak di Sleman. "
        "Korban tewas lebih dari 300 orang."
    )
    ingest_articles(small_index, [Article("a", text, "Merapi")])
    retrieval = _retrieval(small_index, "Kapan Merapi meletus?")
    shipped = retrieval.models
    assert shipped is not None and shipped.one_article is not None
    # one-article models that take the last sentence, whatever it says, and never abstain
    last = LogisticModel(("position",), (0.0,), (1.0,), (50.0,), 0.0)
    retrieval.models = shipped.replace(one_article=OneArticleModels(last, shipped.answer, 0.0, 0.0))
    answerer = ExtractiveAnswerer()
    assert answerer.models(retrieval).sentence is last
    assert answerer.answer_retrieval(retrieval).citations[0].quote == "Korban tewas lebih dari 300 orang."

    # with a second article among the passages read, the usual models read them
    ingest_articles(small_index, [Article("b", "Gunung Merapi meletus lagi pada tahun 2023.", "Merapi lagi")])
    both = _retrieval(small_index, "Kapan Merapi meletus?")
    assert len({c.chunk.source for c in both.candidates[:3]}) == 2
    both.models = retrieval.models
    assert answerer.models(both) is retrieval.models


def test_probabilities_of_readings_by_either_models_are_on_one_scale(small_index: Index) -> None:
    """A follow-up's two readings may be judged by different answer models (one-article or not);
    the answerer puts their probabilities on the scale of the models that ranked the passages,
    anchored at each one's bar, so that they can be compared."""
    ingest_articles(small_index, [Article("a", "Gunung Merapi meletus pada tahun 2010. Ribuan warga mengungsi.", "M")])
    retrieval = _retrieval(small_index, "Kapan Merapi meletus?")
    shipped = retrieval.models
    assert shipped is not None and shipped.one_article is not None
    answerer = ExtractiveAnswerer()
    raw = answerer.judge(retrieval)[1]
    assert 0.0 < raw < 1.0
    one = shipped.one_article

    def judged_with_bar(bar: float) -> Retrieval:
        trial = dataclasses.replace(retrieval, judged=None)
        trial.models = shipped.replace(one_article=OneArticleModels(one.sentence, one.answer, bar, one.second_margin))
        return trial

    # the one-article bar maps onto the usual one
    assert abs(answerer.probability(judged_with_bar(raw)) - shipped.min_probability) < 1e-9
    for bar in (0.5 * raw, min(0.99, 2 * raw)):
        trial = judged_with_bar(bar)
        # and what clears one bar clears the other
        assert (answerer.probability(trial) >= shipped.min_probability) == answerer.accepts(trial) == (raw >= bar)


def test_an_english_question_is_judged_against_the_english_bar(bundled_stack) -> None:
    retriever, answerer = bundled_stack.retriever, ExtractiveAnswerer()
    english = retriever.search("who owns tiktok again lol")
    indonesian = retriever.search("tiktok punya siapa sih")
    assert english.query.lang == "en" and indonesian.query.lang == "id"
    decisions: dict[str, list[bool]] = {"en": [], "id": []}
    for retrieval in (english, indonesian):
        models = retrieval.models
        assert models is not None
        for bar in (0.0, 1.0):  # the English bar at its extremes
            retrieval.models = models.replace(one_article=None, english_probability=bar)
            retrieval.judged = None
            decisions[retrieval.query.lang].append(answerer.accepts(retrieval))
    assert decisions["en"] == [True, False]  # it decides for the English question
    assert decisions["id"][0] == decisions["id"][1]  # and not for the Indonesian one


def test_a_one_article_readings_probability_is_moved_between_the_english_bars(bundled_stack) -> None:
    # readings are compared on the scale of the models that ranked them (a follow-up against the
    # question alone): an English answer exactly at the one-article English bar is exactly at the
    # several-article English bar, whatever the Indonesian bars are
    import dataclasses

    retrieval = bundled_stack.retriever.search("who owns tiktok again lol")
    answerer = ExtractiveAnswerer()
    ranking = retrieval.models
    assert ranking is not None and ranking.one_article is not None
    assert answerer.models(retrieval) is not ranking  # the bundled article alone: one-article models read it
    own = answerer.judge(retrieval)[1]
    one = dataclasses.replace(ranking.one_article, english_probability=own)
    retrieval.models = dataclasses.replace(ranking, one_article=one, english_probability=0.3)
    retrieval.judged = None
    assert answerer.probability(retrieval) == pytest.approx(0.3)
    assert answerer.accepts(retrieval)


def test_a_message_with_a_remark_is_read_by_its_question_only_when_the_whole_is_refused(bundled_stack) -> None:
    """``FollowUpReader.own_reading``: the remark may name what the question is about, so an
    accepted reading of the whole message is kept; a refused one gives way to its question."""
    from bot.chain.followup import FollowUpReader

    class DoubtsRemarks(ExtractiveAnswerer):  # the answer model, refusing what mentions twitter
        def accepts(self, retrieval: Retrieval) -> bool:
            return "twitter" not in retrieval.query.text and super().accepts(retrieval)

    reader = FollowUpReader(bundled_stack.retriever, DoubtsRemarks(), lambda text: text)
    kept = "Berapa karyawan TikTok di Malaysia yang terkena PHK? Saya baca di Rakyat Sulsel."
    assert "sulsel" in reader.own_reading(kept).query.text.lower()  # accepted whole: kept whole
    remark = "Td liat di twitter rame bgt. brp org yg kena phk?"
    read = reader.own_reading(remark)
    assert reader.extractive.accepts(read) and "twitter" not in read.query.text and read.question == remark
    # a remark that restricts the question keeps the message whole, refused or not
    assert "twitter" in reader.own_reading("brp org yg kena phk? Bukan yg di twitter ya").query.text


OFF_TOPIC = [
    "What year did the Titanic sink?",
    "which team won the NBA finals last season",
    "how do i make sourdough bread",
]


def test_a_question_on_a_subject_no_article_holds_is_refused(bundled_stack: Any, story: Any) -> None:
    from bot.chain.models import load_models

    # the off-topic gate refuses them (the answer model alone answers most English ones: over the
    # bundled article, from its layoffs; since the larger glossary of 2026-12-04 it refuses "which
    # team won the NBA finals last season" itself), while questions the articles answer, in English
    # too, are answered
    for question in OFF_TOPIC:
        answer = bundled_stack.chain.invoke(question)
        assert answer.abstained and answer.text == ABSTAIN_TEXT["en"], (question, answer.text)
    ungated = make_stack(Settings(), index=bundled_stack.index, models=load_models().replace(off_topic=None))
    assert sum(not ungated.chain.invoke(question).abstained for question in OFF_TOPIC) >= 2
    answered = bundled_stack.chain.invoke("How much does TikTok pay Microsoft each month?")
    assert not answered.abstained and "20 juta" in answered.text, answered.text
    latest = story.chain.invoke(
        {"question": "what's the latest loss estimate for the Lembah Arum flood?", "today": "2026-11-20"}
    )
    assert not latest.abstained and "18 miliar" in latest.text, latest.text


@pytest.mark.parametrize(
    ("quote", "shown"),
    [
        # a quotation the passage closes only in a later sentence is closed where the quote ends
        (
            '"Untuk bulan pertama kami menargetkan 9.500 penumpang per hari.',
            '"Untuk bulan pertama kami menargetkan 9.500 penumpang per hari."',
        ),
        # one opened in an earlier sentence is opened where the quote starts
        (
            'Siswa belajar dengan buku pinjaman dari sekolah lain," ujar Hasanuddin.',
            '"Siswa belajar dengan buku pinjaman dari sekolah lain," ujar Hasanuddin.',
        ),
        ('Kata dia, "ini benar." Lalu pergi.', 'Kata dia, "ini benar." Lalu pergi.'),
        # curly marks, and each piece between omissions on its own
        ("“Kami cabut status KLB. … Itu kata dia.", "“Kami cabut status KLB.” … Itu kata dia."),
        ("Lalu ia pergi.” … Dia berkata “ya”.", "“Lalu ia pergi.” … Dia berkata “ya”."),
    ],
)
def test_a_quote_shows_balanced_quotation_marks(quote: str, shown: str) -> None:
    """A hostile tester's: 13% of answers over the eight articles and news_dev showed a quotation
    mark opened and never closed."""
    from bot.chain.answer import balanced_quotes

    assert balanced_quotes(quote) == shown


def test_an_answer_closes_the_quotation_its_quote_opens_and_the_citation_keeps_the_passage_s_text(
    small_index: Index,
) -> None:
    text = (
        'Bus mulai beroperasi. "Untuk bulan pertama kami menargetkan 9.500 penumpang per hari. '
        'Targetnya naik tahun depan," kata Ratna.'
    )
    ingest_articles(small_index, [Article("a", text, "Bus")])
    retrieval = _retrieval(small_index, "berapa target penumpang per hari bulan pertama?")
    retrieval.models = retrieval.models.replace(min_probability=0.0, second_margin=-1.0, third_margin=None)  # type: ignore[union-attr]
    answer = ExtractiveAnswerer().answer_retrieval(retrieval)
    quote = answer.citations[0].quote
    assert quote in text  # the citation: the passage's own text
    assert answer.text.count('"') % 2 == 0, answer.text


FIRE = Article(
    "kebakaran-gudang-pupuk-mekarsari",
    "Gudang Pupuk Koperasi Tani Mekarsari Terbakar, 40 Ton Urea Hangus\n\n"
    "SAGARA, KABARSAGARA.COM - Sebanyak 40 ton pupuk urea hangus ketika gudang pupuk milik Koperasi Tani "
    "Mekarsari di Desa Mekarsari, Kecamatan Sagara Hilir, terbakar pada Selasa (10/11/2026).\n\n"
    "Api pertama kali terlihat oleh penjaga malam sekitar pukul 02.15 WIB. Penjaga itu langsung menghubungi "
    "warga sekitar.\n\n"
    "Kebakaran gudang pupuk itu baru bisa dipadamkan setelah hampir 5 jam. Dinas Pemadam Kebakaran "
    "mengerahkan enam mobil pemadam dan 30 petugas. Kerugian ditaksir mencapai Rp 1,2 miliar.\n\n"
    '"Dugaan sementara, api berasal dari korsleting listrik di ruang penyimpanan," kata Kepala Dinas Pemadam '
    "Kebakaran Kabupaten Sagara, Bambang Irawan, Rabu (11/11/2026).",
    "Gudang Pupuk Koperasi Tani Mekarsari Terbakar, 40 Ton Urea Hangus",
    published="2026-11-11",
)


@pytest.fixture(scope="module")
def fire_stack(tmp_path_factory: pytest.TempPathFactory, bundled_template: Path, default_embeddings: Any):
    """The bundled article and ``FIRE``."""
    settings = IndexSettings(data_dir=copy_of(bundled_template, tmp_path_factory))
    index = make_index(settings, embeddings=default_embeddings)
    ingest_articles(index, [FIRE])
    return make_stack(Settings(index=settings), index=index)


@pytest.mark.parametrize(
    "question", ["jam brp gudang pupuknya kebakar?", "what time did the fertiliser warehouse catch fire?"]
)
def test_what_time_is_answered_with_a_time_of_day_not_a_length_of_time(fire_stack: Any, question: str) -> None:
    """A question asking "jam brp" had been read as any "berapa", answered by any figure: the
    Indonesian one was answered with the lead and the sentence saying the fire burned "hampir 5
    jam" (which shares the word "jam"), without "pukul 02.15 WIB"; the English one quoted the fire
    chief's words first."""
    answer = fire_stack.chain.invoke(question)
    assert not answer.abstained and "02.15" in answer.citations[0].quote, answer.text


# Two earthquakes in two regencies, whose articles share the word "gempa" and no name (the
# hostile tester's: the loader gave them their file names as titles, "gempa garut" and "gempa
# sumedang", which read as headlines sharing "gempa", so the headlines joined them as one story).
QUAKES = [
    Article(
        "gempa-garut",
        "Gempa M 4,9 Guncang Garut, 31 Rumah Rusak\n"
        "\n"
        "GARUT - Gempa bumi bermagnitudo 4,9 mengguncang wilayah selatan Kabupaten Garut, Jawa Barat, "
        "pada Selasa (10/11/2026) pukul 14.22 WIB. Badan Meteorologi, Klimatologi, dan Geofisika (BMKG) "
        "menyebut pusat gempa berada di laut, 52 kilometer barat daya Garut, pada kedalaman 18 "
        "kilometer.\n"
        "\n"
        "Badan Penanggulangan Bencana Daerah (BPBD) Garut mencatat 31 rumah rusak, terdiri atas 4 rumah "
        "rusak berat dan 27 rumah rusak ringan. Kerusakan paling banyak terjadi di Kecamatan Pameungpeuk "
        "dan Cikelet. Satu warga mengalami luka ringan akibat tertimpa genteng.\n"
        "\n"
        '"Petugas masih melakukan pendataan di lapangan, jumlahnya bisa bertambah," kata Kepala '
        "Pelaksana BPBD Garut, Dadang Sumirat.",
        "gempa garut",
    ),
    Article(
        "gempa-sumedang",
        "Warga Sumedang Panik, Gempa Dangkal Rusak Puluhan Bangunan\n"
        "\n"
        "SUMEDANG - Gempa dangkal berkekuatan 4,1 yang berpusat di darat mengguncang Kabupaten Sumedang "
        "pada Kamis (12/11/2026) malam. Warga di Kecamatan Sumedang Utara berhamburan keluar rumah saat "
        "guncangan terasa cukup kuat selama beberapa detik.\n"
        "\n"
        "Berdasarkan data sementara Pemkab Sumedang, sebanyak 58 rumah mengalami kerusakan, satu sekolah "
        "dasar retak di bagian dinding, dan sebuah masjid rusak pada bagian kubah. Tidak ada korban jiwa "
        "dalam kejadian ini.\n"
        "\n"
        "Bupati Sumedang, Hendra Kusuma, meminta warga tetap tenang dan tidak mudah percaya kabar bohong "
        "soal gempa susulan yang beredar di media sosial.",
        "gempa sumedang",
    ),
]


@pytest.mark.parametrize(
    "question", ["gempa sumedang bikin brp rumah rusak?", "berapa rumah rusak akibat gempa di Sumedang?"]
)
def test_another_story_s_figure_is_no_other_side(
    tmp_path_factory: pytest.TempPathFactory, default_embeddings: Any, question: str
) -> None:
    """Garut's 31 damaged houses had been quoted beside Sumedang's 58 as a second figure for what
    the question counts: the question names Sumedang, which Garut's article never writes."""
    settings = IndexSettings(data_dir=tmp_path_factory.mktemp("quakes"))
    index = make_index(settings, embeddings=default_embeddings)
    ingest_articles(index, QUAKES)
    answer = make_stack(Settings(index=settings), index=index).chain.invoke(question)
    assert "58 rumah" in answer.text and "31 rumah" not in answer.text, answer.text


def _passage_coverage(index: Index, title: str, text: str, question: str) -> tuple[float, float, Any]:
    """The passage model's coverage of a one-passage article's passage for ``question``, and the
    share of the question's words the passage itself holds, with the analysed question."""
    from bot.chain.features import passage_features

    ingest_articles(index, [Article("a", text, title)])
    query = parse_query(question, index)
    (chunk,) = index.chunks(sorted(index.catalog.chunk_ids())).values()
    candidate = PassageCandidate(chunk, analyzed_sentences(chunk.text), bm25=1.0, bm25_rank=0, dense=0.9)
    passage_features(query, [candidate], __import__("numpy").zeros(1, dtype="float32"))
    return candidate.features["coverage"], query.coverage(candidate.terms), query


@pytest.mark.parametrize("title", ["Wabah LSD Serang 1.240 Sapi di Boyolali", "lsd-boyolali.jsonl line 3"])
def test_a_passage_after_the_lead_covers_what_its_headline_names(small_index: Index, title: str) -> None:
    """A report names its subject in the headline and the lead, and its later paragraphs need not
    repeat it: "Dari seluruh sapi yang terjangkit, 37 ekor mati" answers "berapa sapi yang mati
    karena LSD di Boyolali?" though it writes neither "LSD" nor "Boyolali". The passage model
    reads the question's words in the headline as in the passage; a title the loader gave an
    article without a headline (a JSONL file's name and line) names nothing."""
    text, question = "Dari seluruh sapi yang terjangkit, 37 ekor mati.", "berapa sapi yang mati karena LSD di Boyolali?"
    coverage, alone, _ = _passage_coverage(small_index, title, text, question)
    assert alone < 0.5 and coverage == (alone if "jsonl" in title else 1.0)


def test_what_a_question_asks_for_must_be_written_in_the_passage_not_the_headline(small_index: Index) -> None:
    """ "berapa pengungsi" asks for a count of evacuees: a passage of the story counting something
    else does not hold it because its headline names evacuees; the story's place it may."""
    title, text = "Pengungsi Banjir Lembah Arum Capai 460 Orang", "Sebanyak 120 orang dirawat di puskesmas."
    coverage, _, query = _passage_coverage(small_index, title, text, "berapa pengungsi di lembah arum?")
    place = sum(c.weight for c in query.concepts if c.surface in ("lembah", "arum"))
    assert coverage == pytest.approx(place / query.total_weight) and place < query.total_weight


def test_a_citation_number_past_an_answer_of_one_citation_gets_the_note(bundled_stack) -> None:
    """ "yang kedua?" after an answer citing one passage had quoted [1] again without a word (a
    hostile tester's); a number that asks more ("yang kedua maksudnya apa?") is read as before."""
    first = bundled_stack.chain.invoke("siapa pemilik tiktok?")
    assert len(first.citations) == 1
    history = [{"question": "siapa pemilik tiktok?"}]
    for question, lang in (("yang kedua?", "id"), ("[2]", "id"), ("the second one?", "en")):
        beyond = bundled_stack.chain.invoke({"question": question, "history": history})
        assert beyond.abstained and not beyond.citations, question
        assert beyond.note is not None and "[1]" in beyond.note and beyond.lang == lang, beyond.note
    again = bundled_stack.chain.invoke({"question": "yang pertama?", "history": history})
    assert again.note is None  # the one it has: read as a follow-up, as before


@pytest.mark.parametrize(
    ("text", "question", "kind", "answer"),
    [
        # "hendra wiratama itu jabatannya apa" (natural34_dev) had been refused: it asked for nothing
        # in particular, and "jabatan", which no article writes, weighed as much as his name
        (
            "Kepala Pelaksana BPBD Gunung Sirih, Hendra Wiratama, mengatakan pihaknya mengoperasikan empat "
            "truk tangki. Hingga Rabu, BPBD sudah melakukan 312 kali pengiriman air. Warga membeli air dari "
            "tangki swasta seharga Rp 150.000.",
            "hendra wiratama itu jabatannya apa",
            "person",
            "Kepala Pelaksana BPBD",
        ),
        # "forwada kepanjangannya apa" (natural36_dev) had been refused: "kepanjangan", which the
        # passage answering never writes, weighed as much as the short form
        (
            "Angka itu dibantah Forum Warga Peduli Administrasi Kependudukan (Forwada). Koordinator Forwada, "
            "Yusuf Hasibuan, menyebut jumlah warga yang menunggu KTP-el mencapai sekitar 7.200 orang. Forwada "
            "mengaku telah menerima 17 aduan terkait praktik itu sejak awal November.",
            "@rudi itu forwada kepanjangannya apa sih",
            None,
            "Forum Warga Peduli Administrasi Kependudukan",
        ),
    ],
)
def test_a_question_framed_by_words_no_passage_writes_is_answered(
    small_index: Index, text: str, question: str, kind: str | None, answer: str
) -> None:
    ingest_articles(small_index, [Article("a", text, "A")])
    answerer = ExtractiveAnswerer()
    retrieval = _retrieval(small_index, question)
    assert retrieval.query.kind == kind
    assert answerer.accepts(retrieval)
    assert answer in answerer.rank_sentences(retrieval)[0].text
