"""Tests of reading incident tables for forecast evaluation."""

from __future__ import annotations

import json

import pytest

from planner.exceptions import IncidentError
from planner.hotspots.incident_points import read_points


def test_records_without_coordinates_are_counted(tmp_path):
    """Tests that rows lacking coordinates or time are left out and reported by line."""
    f = tmp_path / "bad.csv"
    f.write_text(
        "date,hour,offense,lon,lat\n"
        "01/01/2021,3,theft,118.78,32.04\n"
        "01/02/2021,4,theft,,\n"
        "not a date,5,theft,118.78,32.04\n"
        "01/03/2021,5,theft,118.79,32.05\n",
        encoding="utf-8",
    )
    points = read_points(f)
    assert points.dropped == 2
    assert points.dropped_lines == ((3, "no usable coordinates"), (4, "no usable time"))
    assert len(points.x) == 2
    assert list(points.category) == ["theft", "theft"]


def test_unusable_file_is_rejected(tmp_path):
    """Tests that a table without coordinates columns is refused with its name."""
    f = tmp_path / "nolonlat.csv"
    f.write_text("time,offense\n2021-01-01 03:00,theft\n", encoding="utf-8")
    with pytest.raises(IncidentError, match="has no column for lon; name it with --map"):
        read_points(f)


def test_times_with_offsets_keep_wall_clock(tmp_path):
    """Tests that without a time zone, times with differing offsets keep their wall clock."""
    f = tmp_path / "offsets.csv"
    f.write_text(
        "time,lon,lat\n"
        "2026-01-01T10:00:00+08:00,118.78,32.04\n"
        "2026-01-02T10:00:00+09:00,118.78,32.04\n"
        "2026-01-03 10:00,118.78,32.04\n"
        "garbage,118.78,32.04\n",
        encoding="utf-8",
    )
    points = read_points(f)
    assert [str(t)[:16] for t in points.time] == [
        "2026-01-01T10:00",
        "2026-01-02T10:00",
        "2026-01-03T10:00",
    ]
    assert points.dropped_lines == ((5, "no usable time"),)


def test_time_zone_converts_times_with_offsets(tmp_path):
    """Tests that --tz converts times with an offset and leaves times without one as written."""
    f = tmp_path / "offsets.csv"
    f.write_text(
        "time,lon,lat\n2026-01-02T10:00:00+09:00,118.78,32.04\n2026-01-03 10:00,118.78,32.04\n",
        encoding="utf-8",
    )
    points = read_points(f, time_zone="Asia/Shanghai")
    assert [str(t)[:16] for t in points.time] == ["2026-01-02T09:00", "2026-01-03T10:00"]


def test_unknown_time_zone_is_refused(tmp_path):
    """Tests that an unknown time zone is named in one sentence."""
    f = tmp_path / "a.csv"
    f.write_text("time,lon,lat\n2026-01-02 10:00,118.78,32.04\n", encoding="utf-8")
    with pytest.raises(IncidentError, match="Time zone 'Mars/Base' is unknown"):
        read_points(f, time_zone="Mars/Base")


def test_columns_are_mapped_as_incident_import_maps_them(tmp_path):
    """Tests that longitude/latitude are found by name and date_single needs a mapping."""
    f = tmp_path / "other_city.csv"
    f.write_text(
        "longitude,latitude,date_single,offense_type\n"
        "-105.0,39.7,2019-03-01 22:15:00,theft-from-motor-vehicle\n"
        "-105.1,39.8,2019-03-02 01:30:00,theft-from-motor-vehicle\n",
        encoding="utf-8",
    )
    with pytest.raises(IncidentError, match="no column for the time; name it with --map"):
        read_points(f)
    points = read_points(f, mapping={"date_single": "time", "offense_type": "category"})
    assert [str(t)[:16] for t in points.time] == ["2019-03-01T22:15", "2019-03-02T01:30"]
    assert set(points.category) == {"theft-from-motor-vehicle"}
    with pytest.raises(IncidentError, match="has no column 'when' named in the mapping"):
        read_points(f, mapping={"when": "time"})


def test_mapped_time_wins_over_date_and_hour(tmp_path):
    """Tests that a mapped time column is used even when date and hour columns exist."""
    f = tmp_path / "both.csv"
    f.write_text(
        "stamp,date,hour,lon,lat\n2021-05-01 13:00,01/01/2021,3,118.78,32.04\n",
        encoding="utf-8",
    )
    assert str(read_points(f).time[0])[:16] == "2021-01-01T03:00"
    assert str(read_points(f, mapping={"stamp": "time"}).time[0])[:16] == "2021-05-01T13:00"


def test_geojson_points_are_read(tmp_path):
    """Tests that a GeoJSON FeatureCollection of points is read with its times."""
    f = tmp_path / "inc.geojson"
    feats = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [118.78, 32.04]},
            "properties": {"time": "2026-01-01 10:00", "category": "theft"},
        },
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [118.79, 32.05]},
            "properties": {"time": "never", "category": "theft"},
        },
    ]
    f.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    points = read_points(f)
    assert len(points.x) == 1
    assert points.dropped_lines == ((2, "no usable time"),)
