"""The glossary as a term map: inflected forms, compound heads only when unambiguous, no short-stem accidents."""

from __future__ import annotations

from assistant.services.glossary import Glossary
from assistant.vectorstore import StoredChunk


def _term(number: int, english: str, lines: str) -> StoredChunk:
    return StoredChunk(f"c{number}", f"### 2.{number} {english}\n\n- en: {english}\n{lines}",
                       {"topics": "glossary, languages", "section": f"2 Terms > 2.{number} {english}"})


GLOSSARY = Glossary.from_chunks([
    _term(1, "standstill period", "- de: Stillhaltefrist\n- cs: lhůta pro uzavření smlouvy"),
    _term(2, "IoT sensor", "- ro: senzor IoT / senzor\n- it: sensore IoT"),
    _term(3, "public supply contract", "- de: öffentlicher Lieferauftrag"),
    _term(4, "joint procurement", "- hu: közös közbeszerzés"),
    _term(5, "public procurement", "- hu: nyilvános közbeszerzés"),
    _term(6, "Data Act", "- cs: akt o datech / nařízení o datech\n- pl: akt w sprawie danych"),
])


def test_inflected_forms_find_their_english_term() -> None:
    assert GLOSSARY.expand("Wie lange dauert die Stillhaltefristen?") == ["standstill period"]
    assert GLOSSARY.expand("Od kdy se použije akt o datech?") == ["Data Act"]
    assert GLOSSARY.expand("Czy akt w sprawie danych dotyczy gmin?") == ["Data Act"]


def test_a_compound_head_alone_counts_only_when_it_names_one_term() -> None:
    assert GLOSSARY.expand("Ab welchem Wert gelten Lieferaufträge EU-weit?") == ["public supply contract"]
    assert GLOSSARY.expand("Mikor kell uniós közbeszerzésben eljárni?") == []  # head shared by two terms


def test_a_short_stem_does_not_match_an_unrelated_word() -> None:
    assert GLOSSARY.expand("Procedura negoziata senza previa pubblicazione?") == []
    assert GLOSSARY.expand("Un senzor de trafic") == ["IoT sensor"]
