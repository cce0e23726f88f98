"""Full-name splitting as people type names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestration.ingest.person_names import NameParts, split_full_name, split_name_steps


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Peter James Chalmers", NameParts("Peter", "James", "Chalmers", None)),
        ("Chalmers, Peter J.", NameParts("Peter", "J.", "Chalmers", None)),
        ("Ana de la Cruz", NameParts("Ana", None, "de la Cruz", None)),
        ("Dr. Ana Maria de la Cruz Jr.", NameParts("Ana", "Maria", "de la Cruz", "Jr.")),
        ("John Smith, Jr.", NameParts("John", None, "Smith", "Jr.")),
        ("Smith-Jones, Mary Ann", NameParts("Mary", "Ann", "Smith-Jones", None)),
        ("Ludwig van Beethoven III", NameParts("Ludwig", None, "van Beethoven", "III")),
        ("Lee Sr., Robert", NameParts("Robert", None, "Lee", "Sr.")),
        ("  Robert   E.  Lee  ", NameParts("Robert", "E.", "Lee", None)),
        ("Madonna", NameParts("Madonna", None, None, None)),
        ("", NameParts(None, None, None, None)),
    ],
)
def test_split_full_name(text: str, expected: NameParts) -> None:
    assert split_full_name(text) == expected


word = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'-", min_size=2, max_size=12
).filter(
    lambda w: (
        w.lower().strip(".,")
        not in {
            "jr",
            "sr",
            "ii",
            "iii",
            "iv",
            "v",
            "md",
            "do",
            "pt",
            "pa",
            "np",
            "mr",
            "ms",
            "dr",
            "de",
            "la",
            "le",
            "da",
            "di",
            "du",
            "al",
            "y",
            "van",
            "von",
            "der",
            "den",
            "del",
            "das",
            "dos",
            "st",
            "ter",
            "ten",
            "bin",
            "mrs",
            "mx",
            "phd",
            "dpt",
            "esq",
            "miss",
            "prof",
            "della",
        }
    )
)


@given(first=word, last=word)
def test_first_last_and_last_comma_first_agree(first: str, last: str) -> None:
    assert split_full_name(f"{first} {last}") == split_full_name(f"{last}, {first}")
    assert split_full_name(f"{first} {last}").last == last


@given(st.text(max_size=60))
def test_never_raises_and_keeps_only_input_text(text: str) -> None:
    parts = split_full_name(text)
    for piece in (parts.first, parts.middle, parts.last):
        if piece:
            assert all(token.strip(",") in text for token in piece.split())


_NAME_WORDS = ["Ana", "GOMEZ", "dr.", "Mr", "jr", "Jr.,", "III", "de", "la", "O'Neil", "md", "Smith-J", ","]


@given(
    st.lists(
        st.one_of(st.sampled_from(_NAME_WORDS), st.text(min_size=1, max_size=6)),
        min_size=1,
        max_size=4,
    ),
    st.lists(st.sampled_from([" ", "  ", "\t", "\u00a0", "\u2003", ", "]), min_size=4, max_size=4),
)
def test_two_word_shortcut_gives_what_every_step_gives(words: list[str], gaps: list[str]) -> None:
    """split_full_name answers two plain words without the general steps: the same parts they give."""
    text = "".join(w + g for w, g in zip(words, gaps, strict=False)).strip(" ")
    if text.strip():
        assert split_full_name(text) == split_name_steps(text)
