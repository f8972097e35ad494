

def test_every_traditional_form_the_generator_writes_is_in_the_standards_map() -> None:
    """A traditional_chars variation is 'corrected' only if silver's map knows the character."""
    import csv

    from citylake.generate.names import TRADITIONAL
    from citylake.standards import standards_dir

    with open(standards_dir() / "traditional_simplified.csv", encoding="utf-8") as fh:
        known = {row["traditional"]: row["simplified"] for row in csv.DictReader(fh)}
    assert {v: chr(k) for k, v in TRADITIONAL.items() if known.get(v) != chr(k)} == {}
