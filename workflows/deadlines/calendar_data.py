"""Loading the published holiday calendar (``deadlines/data/calendar_cn.yaml``)."""

from datetime import date
from pathlib import Path

import yaml

DATA_FILE = Path(__file__).resolve().parent / "data" / "calendar_cn.yaml"


def read_calendar_file(path: Path = DATA_FILE) -> dict[int, dict]:
    """The file's years: ``{year: {source, provisional, days: [(date, kind, name)]}}``."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    years = {}
    for year, entry in raw.items():
        days: list[tuple[date, str, str]] = []
        for kind, key in (("holiday", "holidays"), ("workday", "workdays")):
            for name, dates in (entry.get(key) or {}).items():
                days.extend((day, kind, name) for day in dates)
        years[int(year)] = {"source": entry["source"],
                            "provisional": bool(entry.get("provisional")), "days": days}
    return years


def load_calendar(year_model, day_model, years: dict[int, dict] | None = None,
                  *, replace: bool = False) -> list[int]:
    """Store the file's years that are missing (all of them with ``replace``).

    Takes the model classes so a data migration can pass its historical models.
    Returns the years written.
    """
    years = read_calendar_file() if years is None else years
    written = []
    for year, entry in sorted(years.items()):
        exists = year_model.objects.filter(year=year).exists()
        if exists and not replace:
            continue
        if exists:
            day_model.objects.filter(year_id=year).delete()
        year_model.objects.update_or_create(
            year=year, defaults={"source": entry["source"],
                                 "provisional": entry["provisional"]})
        day_model.objects.bulk_create(
            day_model(day=day, year_id=year, kind=kind, name=name)
            for day, kind, name in entry["days"])
        written.append(year)
    return written
