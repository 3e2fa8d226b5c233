"""bench/build_dictionary.py reads a dictd dictionary (FreeDict's English-Indonesian) into the
glossary's format, and the question reads it for the English words the glossary lacks."""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from bot.chain import question
from bot.chain.question import concept_terms

REPO = Path(__file__).resolve().parents[1]
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_dictionary", REPO / "bench" / "build_dictionary.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _b64(number: int) -> str:
    digits = ""
    while True:
        number, rest = divmod(number, 64)
        digits = B64[rest] + digits
        if not number:
            return digits


def _dictionary(folder: Path, entries: dict[str, str]) -> Path:
    """A dictd dictionary in ``folder`` as FreeDict writes one: each headword's text, and an index of
    base64 offsets and lengths."""
    folder.mkdir(parents=True, exist_ok=True)
    body, index = b"", ["00databaseinfo\tA\tB"]
    for headword, text in entries.items():
        data = text.encode("utf-8")
        index.append(f"{headword}\t{_b64(len(body))}\t{_b64(len(data))}")
        body += data
    (folder / "freedict-eng-ind.index").write_text("\n".join(index) + "\n", encoding="utf-8")
    with gzip.open(folder / "freedict-eng-ind.dict.dz", "wb") as out:
        out.write(body)
    return folder


def test_the_dictionary_keeps_translations_the_training_passages_hold_most_held_first(tmp_path: Path) -> None:
    folder = _dictionary(
        tmp_path / "dict",
        {
            # numbered senses, each followed by its English gloss
            "hand": "hand //hænd// <n>\n1. jarum\n2. tangan, yad\npart of the fore limb\n3. memberi\nto give\n",
            "card": "card /kɑːd/ <n>\nkartu\na flat piece of stiff paper\n",
            "broker": "broker /ˈbɹəʊkə/ <n>\npialang, makelar saham besar sekali\none who arranges deals\n",
            "will": "will /wɪl/ <n>\nwasiat\na legal document\n",  # a modal verb: no question means "wasiat"
            "worker": "worker /ˈwɜːkə/ <n>\npekerja\none who works\n",  # the glossary has it
            "zebra": "zebra /ˈziːbɹə/ <n>\nkuda belang\nan animal\n",  # roots no passage holds
        },
    )
    train = tmp_path / "train"
    train.mkdir()
    passages = [
        "Tangan kanannya memegang kartu.",
        "Ia mengangkat tangan dan memberi salam.",
        "Tangan itu besar; jarum jam berputar.",
        "Pialang itu menjual saham.",
        "Surat wasiat dibacakan.",
    ]
    rows = [{"id": str(i), "question": "Apa?", "answers": [p.split()[0]], "passage": p} for i, p in enumerate(passages)]
    (train / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "en_id_dictionary.txt"
    assert _build().main(["--dict", str(folder), "--train", str(train), "--out", str(out)]) == 0
    lines = [line for line in out.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    # "tangan" (3 passages) before "jarum" and "memberi" (1); "yad" no passage holds; a
    # translation of three words or more is left out; the glossary's own words and the modal are
    # left to the glossary and to no one
    assert lines == ["broker: pialang", "card: kartu", "hand: tangan jarum memberi"]
    assert "CC BY-SA 3.0" in out.read_text(encoding="utf-8")


def test_an_english_word_the_glossary_lacks_is_searched_as_the_dictionary_translates_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # natural36_dev's "card printers" had been searched as "card" and "printers", which no
    # Indonesian article writes
    concepts = dict(concept_terms("How many card printers are out of order?", "en"))
    assert "kartu" in concepts["card"] and "cetak" in concepts["printers"]
    # the hand-written glossary's words stand where both have the word
    dictionary = tmp_path / "en_id_dictionary.txt"
    dictionary.write_text("# a test\nworker: tukang\ncard: karcis\n", encoding="utf-8")
    monkeypatch.setattr(question, "_DICTIONARY", dictionary)
    question.glossary.cache_clear()
    try:
        table = question.glossary()
        assert table[question.glossary_key("worker")] == ("pekerja", "buruh", "karyawan")  # en_id.txt's
        assert table[question.glossary_key("card")] == ("karcis",)
    finally:
        question.glossary.cache_clear()
