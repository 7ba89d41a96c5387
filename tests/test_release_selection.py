"""select_release: documented rules, a total order, explainable decisions (property tests)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medianest_sdk.prowlarr import (
    DownloadProtocol,
    Release,
    ReleasePolicy,
    parse_quality,
    select_release,
)

GB = 1_000_000_000

RESOLUTIONS = ["2160p", "1080p", "720p", "480p", ""]
SOURCES = ["BluRay", "WEB-DL", "WEBRip", "HDTV", "CAM", "TS", ""]
CODECS = ["x265", "x264", "H264", "XviD", ""]


@st.composite
def releases(draw: st.DrawFn) -> Release:
    parts = ["Some.Film", str(draw(st.sampled_from([1999, 2000, 2003])))]
    parts += [draw(st.sampled_from(RESOLUTIONS)), draw(st.sampled_from(SOURCES))]
    parts += [draw(st.sampled_from(CODECS)), draw(st.sampled_from(["GRP", "sample", "PROPER"]))]
    title = ".".join(p for p in parts if p)
    return Release(
        guid=draw(st.text(alphabet="abcdef0123456789", min_size=4, max_size=8)),
        title=title,
        indexer_id=draw(st.integers(1, 3)),
        size=draw(st.integers(0, 120 * GB)),
        seeders=draw(st.one_of(st.none(), st.integers(0, 1000))),
        protocol=draw(st.sampled_from(list(DownloadProtocol))),
        indexer_flags=draw(st.sampled_from([[], ["freeleech"], ["internal"]])),
    )


policies = st.builds(
    ReleasePolicy,
    resolutions=st.permutations(["1080p", "2160p", "720p"]).map(tuple),
    min_seeders=st.integers(0, 20),
    prefer_freeleech=st.booleans(),
    year=st.sampled_from([None, 1999]),
    protocols=st.sampled_from([("torrent",), ("torrent", "usenet")]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(releases(), max_size=12), policies, st.randoms())
def test_the_choice_is_the_best_accepted_whatever_the_order(
    items: list[Release], policy: ReleasePolicy, rng: random.Random
) -> None:
    selection = select_release(items, policy)
    shuffled = list(items)
    rng.shuffle(shuffled)
    again = select_release(shuffled, policy)
    assert [v.release for v in again.ranked] == [v.release for v in selection.ranked]
    keys = [v.key for v in selection.ranked]
    assert keys == sorted(keys)
    if selection.chosen is None:
        assert not selection.ranked
    else:
        assert selection.chosen is selection.ranked[0].release
        assert all(selection.chosen is not v.release for v in selection.rejected)
    for verdict in selection.rejected:
        assert verdict.reasons and not verdict.accepted and verdict.key == ()
    for verdict in selection.ranked:
        release = verdict.release
        assert str(release.protocol) in policy.protocols
        if str(release.protocol) == "torrent":
            assert (release.seeders or 0) >= policy.min_seeders
        assert verdict.quality.resolution in policy.resolutions
        assert "sample" not in release.title.lower().split(".")
    assert len(selection.ranked) + len(selection.rejected) == len(items)


def release(title: str, **kw: object) -> Release:
    fields: dict[str, object] = {
        "guid": title,
        "title": title,
        "indexer_id": 1,
        "size": 8 * GB,
        "seeders": 20,
        "protocol": DownloadProtocol.TORRENT,
    }
    fields.update(kw)
    return Release(**fields)  # type: ignore[arg-type]


def test_the_documented_order() -> None:
    chosen = release("Film.1999.1080p.BluRay.x265-A", seeders=5)
    candidates = [
        release("Film.1999.2160p.BluRay.x265-B", size=50 * GB, seeders=900),  # resolution 2nd
        release("Film.1999.1080p.WEB-DL.x265-C", seeders=900),  # source 2nd
        release("Film.1999.1080p.BluRay.x264-D", seeders=900),  # codec 2nd
        chosen,
        release("Film.1999.1080p.BluRay.x265-E", seeders=5, size=7 * GB),  # smaller
    ]
    selection = select_release(candidates)
    assert selection.chosen is chosen
    order = [v.release.title[-1] for v in selection.ranked]
    assert order == ["A", "E", "D", "C", "B"]
    freeleech = release("Film.1999.1080p.BluRay.x265-F", seeders=1, indexer_flags=["freeleech"])
    assert select_release([*candidates, freeleech]).chosen is freeleech
    no_bonus = ReleasePolicy(prefer_freeleech=False)
    assert select_release([*candidates, freeleech], no_bonus).chosen is chosen


@pytest.mark.parametrize(
    ("title", "kw", "reason"),
    [
        ("Film.1999.CAM.x264", {}, "source Cam rejected"),
        ("Film.1999.1080p.HDTS.x264", {}, "rejected word 'hdts'"),
        ("Film.1999.480p.DVDRip.x264", {}, "resolution 480p not wanted"),
        ("Film.1999.1080p.BluRay.x264", {"seeders": 0}, "0 seeders"),
        ("Film.1999.1080p.BluRay.x264", {"size": 100 * 1_000_000}, "size 0.10 GB outside"),
        ("Film.1999.1080p.BluRay.x264", {"protocol": DownloadProtocol.USENET}, "protocol usenet"),
        ("Film.2012.1080p.BluRay.x264", {}, "year 2012, not 1999"),
    ],
)
def test_each_rejection_says_why(title: str, kw: dict[str, object], reason: str) -> None:
    selection = select_release([release(title, **kw)], ReleasePolicy(year=1999))
    assert selection.chosen is None
    [verdict] = selection.rejected
    assert any(reason in r for r in verdict.reasons), verdict.reasons
    assert reason.split()[0] in selection.explain()


def test_quality_is_read_from_the_title() -> None:
    quality = parse_quality("The Matrix (1999) 2160p UHD BluRay REMUX HDR HEVC TrueHD 7.1-FGT")
    assert (quality.resolution, quality.source, quality.codec) == ("2160p", "Blu-ray", "H.265")
    assert quality.remux and quality.hdr and quality.year == 1999 and quality.title == "The Matrix"


@given(st.text(max_size=300))
def test_any_title_reads_without_raising(title: str) -> None:
    quality = parse_quality(title)
    assert quality.resolution is None or quality.resolution.endswith(("p", "i", "k"))
