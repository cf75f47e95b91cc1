"""Hand-written complaint scenarios from which the duplicate-matching evaluation set is built.

Each `Problem` is one physical problem (a pothole, a blocked drain, a dead street light) at one
spot of a street, reported one to four times, in the words a faction's posko would use: formal,
abbreviated ("jl."/"jln", "gg.", "rt 03/rw 05"), slangy ("gak", "udh", "blm", "bgt"), with typos,
sometimes without coordinates. Any two reports of one problem are a positive pair. `NEGATIVES`
name groups of problems whose reports must not be matched (two potholes on one street, another
category at the same spot, the same spot months after the first was closed, ...); negative pairs
are drawn from them with a fixed seed.

Streets are real streets of the named kelurahan (app/reference/jakarta-wilayah.csv), given by an
anchor point and a bearing; a problem sits `at` metres along its street, and each report's
coordinates scatter by at most `JITTER_M` around it (or by its explicit `off`), so positives stay
within 45 m and different spots on one street are 100 m or more apart.

Regenerate tests/data/duplicate_pairs.json (deterministic, byte for byte):

    PYTHONPATH=$PWD python -m tests.data.duplicate_scenarios
"""

from __future__ import annotations

import json
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

WIB = timezone(timedelta(hours=7))
JITTER_M = 12.0
SEED = 15
TUNE_SHARE = 0.6
OUTPUT = Path(__file__).with_name("duplicate_pairs.json")


@dataclass(frozen=True)
class Street:
    kelurahan_code: str
    lat: float
    lon: float
    bearing: float  # degrees from north; "at" runs along it


@dataclass(frozen=True)
class Report:
    title: str
    description: str
    address: str | None
    h: float = 0.0  # hours after the problem's first report
    style: str = "formal"  # formal | abbrev | slang | typo | paraphrase (combined with "+")
    coords: bool = True
    off: tuple[float, float] | None = None  # explicit (east, north) metres instead of jitter
    category: str | None = None  # a related category, when this posko filed it elsewhere


@dataclass(frozen=True)
class Problem:
    key: str
    category: str
    street: str
    at: float
    start: str  # "YYYY-MM-DD HH:MM", WIB
    reports: tuple[Report, ...]
    closed_h: float | None = None  # resolved/closed this many hours after the first report


@dataclass(frozen=True)
class Negative:
    kind: str
    keys: tuple[str, ...]
    n: int = 2  # how many cross-problem pairs to draw
    pairs: list[tuple[int, int]] = field(default_factory=list)


def R(title: str, description: str, address: str | None, h: float = 0.0, style: str = "formal",
      coords: bool = True, off: tuple[float, float] | None = None,
      category: str | None = None) -> Report:
    return Report(title, description, address, h, style, coords, off, category)


def P(key: str, category: str, street: str, at: float, start: str, *reports: Report,
      closed_h: float | None = None) -> Problem:
    return Problem(key, category, street, at, start, tuple(reports), closed_h)


def N(kind: str, *keys: str, n: int = 2) -> Negative:
    return Negative(kind, tuple(keys), n)


# --- streets: real streets of real kelurahan (code, anchor point, bearing) ---------------------

STREETS: dict[str, Street] = {
    # Jakarta Pusat
    "kramat-raya": Street("31.71.04.1004", -6.18620, 106.84450, 170),  # Kramat
    "kramat-sentiong": Street("31.71.04.1004", -6.18950, 106.84780, 80),
    "salemba-raya": Street("31.71.04.1003", -6.19550, 106.85020, 165),  # Paseban
    "paseban-raya": Street("31.71.04.1003", -6.19300, 106.85450, 90),
    "cempaka-putih-raya": Street("31.71.05.1001", -6.17780, 106.87250, 0),  # Cempaka Putih Tim.
    "cempaka-putih-tengah": Street("31.71.05.1001", -6.18000, 106.86900, 90),
    "jaksa": Street("31.71.06.1005", -6.18430, 106.82520, 0),  # Kebon Sirih
    "kebon-sirih": Street("31.71.06.1005", -6.18380, 106.82900, 90),
    "benhil-raya": Street("31.71.07.1002", -6.21250, 106.81550, 0),  # Bendungan Hilir
    # Jakarta Utara
    "pluit-karang-ayu": Street("31.72.01.1005", -6.11700, 106.78700, 0),  # Pluit
    "muara-karang-raya": Street("31.72.01.1005", -6.11400, 106.78100, 90),
    "boulevard-kg": Street("31.72.06.1001", -6.15850, 106.90850, 0),  # Kelapa Gading Timur
    "kelapa-kopyor": Street("31.72.06.1001", -6.16150, 106.90950, 90),
    # Jakarta Barat
    "tanjung-duren-raya": Street("31.73.02.1002", -6.17250, 106.78800, 0),  # Tj. Duren Utara
    "kemanggisan-raya": Street("31.73.07.1005", -6.19450, 106.78650, 0),  # Kemanggisan
    "palmerah-barat": Street("31.73.07.1001", -6.20750, 106.79650, 170),  # Palmerah
    "panjang": Street("31.73.05.1001", -6.19200, 106.76800, 0),  # Kebon Jeruk
    # Jakarta Selatan
    "tebet-timur-dalam": Street("31.74.01.1001", -6.23350, 106.85650, 0),  # Tebet Timur
    "tebet-raya": Street("31.74.01.1001", -6.23100, 106.85200, 170),
    "kalibata-raya": Street("31.74.08.1002", -6.25750, 106.85150, 0),  # Kalibata
    "moh-kahfi-1": Street("31.74.09.1001", -6.33100, 106.82000, 10),  # Jagakarsa
    "ulujami-raya": Street("31.74.10.1005", -6.23950, 106.75650, 0),  # Ulujami
    "cipete-raya": Street("31.74.06.1005", -6.27050, 106.80300, 0),  # Cipete Selatan
    # Jakarta Timur
    "pemuda": Street("31.75.02.1005", -6.19350, 106.88950, 70),  # Rawamangun
    "balai-pustaka": Street("31.75.02.1005", -6.19550, 106.88200, 0),
    "condet-raya": Street("31.75.04.1005", -6.27900, 106.85600, 0),  # Balekambang
    "dewi-sartika": Street("31.75.04.1006", -6.25600, 106.86500, 80),  # Cililitan
    "pondok-kelapa-raya": Street("31.75.07.1004", -6.24200, 106.93100, 0),  # Pondok Kelapa
}


# --- problems ------------------------------------------------------------------------------------

PROBLEMS: list[Problem] = [
    # Kramat Raya: a pothole at the bus stop, a sunken patch 210 m on, a dead light at the stop.
    P("kramat-lubang-halte", "jalan_rusak", "kramat-raya", 0, "2026-02-09 07:40",
      R("Jalan berlubang di Jl. Kramat Raya depan Halte Kramat",
        "Terdapat lubang cukup dalam di lajur kiri Jl. Kramat Raya tepat di depan halte "
        "TransJakarta Kramat. Lubang tergenang air saat hujan sehingga tidak terlihat dan sudah "
        "beberapa pengendara motor terjatuh. Mohon segera ditambal.",
        "Jl. Kramat Raya, depan Halte Kramat, Senen"),
      R("jln kramat raya bolong dpn halte",
        "lapor min, jln kramat raya dpn halte tj kramat ada lubang gede bgt di lajur kiri. kl "
        "ujan ketutup air jd gak keliatan, td pagi ada ojol jatoh. tlg cpt ditambal",
        "jln kramat raya dpn halte kramat", h=4, style="abbrev+slang"),
      R("Lubang aspal membahayakan pengendara di Kramat Raya",
        "Warga RW 02 Kramat mengeluhkan aspal yang rusak dan berlubang di depan halte bus "
        "Kramat. Sudah ada korban jatuh, belum ada perbaikan dari dinas terkait.",
        "Jalan Kramat Raya depan halte busway, Kel. Kramat", h=30, coords=False,
        style="paraphrase")),
    P("kramat-amblas-sentiong", "jalan_rusak", "kramat-raya", 210, "2026-02-10 16:20",
      R("Aspal amblas dekat simpang Kramat Sentiong",
        "Aspal di Jl. Kramat Raya sekitar 20 meter sebelum lampu merah simpang Kramat Sentiong "
        "amblas dan membentuk cekungan. Kendaraan harus menghindar mendadak sehingga rawan "
        "tabrakan.",
        "Jl. Kramat Raya dkt simpang Kramat Sentiong"),
      R("Jalan amblas di Kramat Raya dekat lampu merah",
        "jalan amblas sebelum lampu merah sentiong, mobil2 pada ngerem mendadak. mohon di "
        "perbaiki segra sblm ada kecelakan",
        "Kramat Raya arah Salemba sblm lampu merah Sentiong", h=20, style="typo+slang")),
    P("kramat-pju-halte", "penerangan_jalan", "kramat-raya", 5, "2026-02-11 19:05",
      R("Lampu PJU mati di depan Halte Kramat",
        "Tiga tiang lampu penerangan jalan di Jl. Kramat Raya depan halte Kramat padam sejak "
        "seminggu. Area halte gelap dan rawan kejahatan pada malam hari.",
        "Jl. Kramat Raya depan Halte Kramat")),

    # Salemba Raya: two blocked drains 170 m apart, rubbish on the pavement at the first.
    P("salemba-got-kampus", "banjir_saluran", "salemba-raya", 0, "2026-01-14 06:30",
      R("Saluran air tersumbat di Jl. Salemba Raya",
        "Saluran air di sisi timur Jl. Salemba Raya depan gedung kampus tersumbat sampah dan "
        "lumpur. Setiap hujan deras air meluap ke jalan setinggi 20 cm dan menghambat lalu "
        "lintas.",
        "Jl. Salemba Raya sisi timur, depan kampus UI Salemba"),
      R("got mampet jl salemba raya",
        "got dpn kampus salemba mampet total, tiap ujan air naik ke jln. udh lama gak dikeruk",
        "jl. salemba raya depan kampus", h=3, style="abbrev+slang"),
      R("Genangan akibat drainase buruk di Salemba",
        "Drainase di depan kampus UI Salemba tidak berfungsi, genangan muncul tiap sore setelah "
        "hujan. Mohon dilakukan pengerukan saluran.",
        "Salemba Raya (depan UI)", h=26, style="paraphrase")),
    P("salemba-got-spbu", "banjir_saluran", "salemba-raya", 170, "2026-01-15 08:00",
      R("Saluran tersumbat dekat SPBU Salemba Raya",
        "Saluran air di Jl. Salemba Raya dekat SPBU penuh sampah plastik, air meluap ke trotoar "
        "setiap kali hujan.",
        "Jl. Salemba Raya dekat SPBU"),
      R("got meluap salemba dkt pom bensin",
        "air got luber ke trotoar dkt spbu salemba, baunya jg parah. udh 2 mgg kyk gini",
        "salemba raya dkt spbu", h=5, style="slang")),
    P("salemba-sampah-kampus", "sampah", "salemba-raya", 8, "2026-01-16 10:00",
      R("Tumpukan sampah di trotoar Salemba Raya",
        "Ada tumpukan karung sampah di trotoar depan kampus UI Salemba, diduga dibuang pedagang "
        "malam hari. Menghalangi pejalan kaki.",
        "Jl. Salemba Raya depan kampus UI")),

    # Jl. Jaksa: vendors on the pavement (filed as pkl and as ketertiban_umum); parking too.
    P("jaksa-pkl", "pkl", "jaksa", 0, "2026-03-03 20:15",
      R("PKL menutup trotoar Jl. Jaksa",
        "Pedagang kaki lima berjualan di sepanjang trotoar Jl. Jaksa mulai sore hingga tengah "
        "malam. Pejalan kaki terpaksa turun ke badan jalan.",
        "Jl. Jaksa, Kebon Sirih"),
      R("Trotoar Jl. Jaksa dipakai berjualan",
        "Ketertiban di Jl. Jaksa terganggu, trotoar penuh gerobak dan meja pedagang sampai "
        "larut malam, warga mengeluh bising dan jalan jadi sempit.",
        "Jalan Jaksa, Kel. Kebon Sirih, Menteng", h=18, style="paraphrase",
        category="ketertiban_umum"),
      R("pkl jl jaksa",
        "trotoar jl jaksa full pkl tiap mlm, org jalan kaki gak bs lewat. mohon satpol pp "
        "tertibkan",
        "jl jaksa kebon sirih", h=40, coords=False, style="slang+abbrev")),
    P("jaksa-parkir", "parkir_liar", "jaksa", 6, "2026-03-04 21:00",
      R("Parkir liar motor di Jl. Jaksa",
        "Motor parkir berjajar di bahu Jl. Jaksa dekat hostel, dipungut juru parkir liar "
        "Rp5.000. Mobil sulit lewat.",
        "Jl. Jaksa dekat hostel, Kebon Sirih"),
      R("jukir liar jl jaksa",
        "parkiran motor liar di jl jaksa makin parah, jukir narik 5rb, jalan jd sempit",
        "jl. jaksa", h=26, style="slang")),

    # Tebet Timur Dalam Raya: a fallen tree (four reports), a broken branch 240 m on.
    P("ttd-pohon-taman", "pohon", "tebet-timur-dalam", 0, "2026-11-02 15:45",
      R("Pohon tumbang menutup Jl. Tebet Timur Dalam Raya",
        "Pohon angsana besar tumbang akibat hujan angin sore ini dan menutup separuh badan jalan "
        "Tebet Timur Dalam Raya dekat taman. Kabel listrik ikut tertimpa. Mohon segera "
        "dievakuasi.",
        "Jl. Tebet Timur Dalam Raya dekat Taman Tebet"),
      R("pohon tumbang di jln tebet timur dlm",
        "pohon gede tumbang nutupin jln, kabel pln ketimpa. bahaya bgt, tlg dinas pertamanan "
        "cepet dtg",
        "jln tebet timur dalam raya deket taman", h=0.5, style="slang+abbrev"),
      R("Pohon tumbang Tebet Timur Dalm",
        "Pohon tumbang akibat angin kencng di tebet timur dalam raya, mengahalangi lalu lintas. "
        "Warga sdh bantu potong ranting tp batang besar blm bs dipindah",
        "Tebet Timur Dalam Raya, RT 06/RW 05", h=2, style="typo"),
      R("Evakuasi pohon tumbang Tebet Timur",
        "Mohon evakuasi pohon tumbang di Jl. Tebet Timur Dalam Raya dekat taman, sampai malam "
        "ini batang pohon masih melintang di jalan.",
        "Jl. Tebet Timur Dalam Raya, dekat Taman Tebet", h=5, coords=False)),
    P("ttd-dahan-masjid", "pohon", "tebet-timur-dalam", 240, "2026-11-02 16:30",
      R("Dahan patah menimpa mobil di Tebet Timur Dalam",
        "Dahan pohon besar patah dan menimpa mobil yang parkir di Jl. Tebet Timur Dalam Raya "
        "dekat masjid. Masih ada dahan menggantung yang rawan jatuh.",
        "Jl. Tebet Timur Dalam Raya dekat masjid"),
      R("dahan pohon patah deket masjid tebet timur dlm",
        "dahan nimpa mobil warga dkt masjid, msh ada yg gantung2 bahaya kl ada angin lg",
        "tebet timur dalam raya dkt masjid", h=3, style="slang")),
    P("ttd-pju-taman", "penerangan_jalan", "tebet-timur-dalam", 4, "2026-11-03 19:30",
      R("Lampu jalan padam setelah pohon tumbang",
        "Sejak pohon tumbang kemarin, lampu PJU di Jl. Tebet Timur Dalam Raya dekat taman tidak "
        "menyala. Jalan gelap gulita pada malam hari.",
        "Jl. Tebet Timur Dalam Raya dekat Taman Tebet")),

    # Jl. Pemuda, Rawamangun: flooding at the mall, another pool 260 m on.
    P("pemuda-genangan-arion", "banjir_saluran", "pemuda", 0, "2026-01-22 05:50",
      R("Genangan tinggi di Jl. Pemuda depan Arion",
        "Jl. Pemuda depan Arion Mall tergenang air setinggi 30-40 cm sejak subuh. Motor banyak "
        "yang mogok. Saluran di sisi jalan tampaknya tidak mampu menampung.",
        "Jl. Pemuda depan Arion Mall, Rawamangun"),
      R("Banjir Jl. Pemuda dpn Arion",
        "Jl. Pemuda dpn Arion Mall banjir ±40 cm, kendaraan roda dua tdk bisa lewat. Mhn pompa "
        "mobile dikerahkan.",
        "Jl. Pemuda dpn Arion", h=1, style="abbrev"),
      R("jl pemuda banjir lg",
        "jl pemuda dpn arion banjir lg nih sejak subuh, udh setinggi lutut. got nya gak ngalir",
        "jalan pemuda rawamangun, depan arion", h=2, style="slang", off=(25.0, -15.0))),
    P("pemuda-genangan-uturn", "banjir_saluran", "pemuda", 260, "2026-01-22 06:40",
      R("Air menggenang di Jl. Pemuda dekat putaran balik",
        "Genangan sekitar 20 cm di lajur cepat Jl. Pemuda dekat putaran balik arah Pulogadung. "
        "Saluran tertutup sampah.",
        "Jl. Pemuda dekat u-turn arah Pulogadung"),
      R("genangan jl pemuda dkt puteran",
        "air ngegenang di lajur kanan dkt puteran arah pulogadung, mobil pd pelan2, macet",
        "jl pemuda deket puteran balik", h=4, style="slang")),

    # Rawamangun rubbish on two streets, worded alike.
    P("balai-pustaka-sampah", "sampah", "balai-pustaka", 0, "2026-04-06 09:10",
      R("Sampah menumpuk di Jl. Balai Pustaka",
        "Tumpukan sampah rumah tangga di pinggir Jl. Balai Pustaka Timur dekat pasar belum "
        "diangkut tiga hari. Bau menyengat dan mulai dihinggapi lalat.",
        "Jl. Balai Pustaka Timur dekat pasar, Rawamangun"),
      R("Samapah numpuk Jl Balai Pustaka",
        "sampah di pinggir jl. balai pustaka tmr udah 3 hr gak diangkt, bau bgt",
        "Jl Balai Pustaka Tmr", h=20, style="typo+abbrev+slang"),
      R("Sampah belum diangkut di Balai Pustaka",
        "Warga RT 08/RW 07 mengeluhkan sampah yang tidak diangkut di Jl. Balai Pustaka Timur "
        "dekat Pasar Sunan Giri.",
        "Jl. Balai Pustaka Timur, RT 008/RW 007", h=28, coords=False)),
    P("pemuda-sampah-halte", "sampah", "pemuda", 120, "2026-04-06 15:00",
      R("Sampah menumpuk di Jl. Pemuda",
        "Tumpukan sampah di pinggir Jl. Pemuda dekat halte belum diangkut dua hari, bau "
        "menyengat.",
        "Jl. Pemuda dekat halte, Rawamangun"),
      R("sampah numpuk jl pemuda",
        "sampah di pinggir jl pemuda dkt halte blm diangkut, bau",
        "jl pemuda rawamangun dkt halte", h=6, coords=False, style="slang")),

    # Tanjung Duren Raya: a pothole fixed in February, another there in July; parking there.
    P("tdr-lubang-februari", "jalan_rusak", "tanjung-duren-raya", 0, "2026-02-02 10:00",
      R("Jalan berlubang di Jl. Tanjung Duren Raya",
        "Lubang di depan minimarket Jl. Tanjung Duren Raya No. 30 semakin lebar, diameter "
        "sekitar 1 meter. Mohon segera diperbaiki.",
        "Jl. Tanjung Duren Raya No. 30, depan minimarket"),
      closed_h=24 * 9),
    P("tdr-lubang-juli", "jalan_rusak", "tanjung-duren-raya", 15, "2026-07-20 08:30",
      R("Jalan berlubang lagi di Tanjung Duren Raya",
        "Aspal di depan minimarket Jl. Tanjung Duren Raya kembali berlubang setelah musim "
        "hujan, lubang sekitar 60 cm.",
        "Jl. Tanjung Duren Raya depan minimarket"),
      R("jln tj duren raya bolong lg",
        "dpn alfamart tj duren raya bolong lg, motor pd jatoh",
        "jln tanjung duren raya dpn alfamart", h=5, style="slang+abbrev")),
    P("tdr-parkir", "parkir_liar", "tanjung-duren-raya", 20, "2026-07-21 19:00",
      R("Parkir liar depan minimarket Tanjung Duren Raya",
        "Mobil parkir di bahu jalan depan minimarket Jl. Tanjung Duren Raya hingga dua lapis, "
        "menyebabkan kemacetan tiap malam.",
        "Jl. Tanjung Duren Raya depan minimarket"),
      R("parkir liar tj duren",
        "mobil2 parkir 2 lapis dpn minimarket tj duren raya, macet parah tiap mlm. jukirnya "
        "liar",
        "tj duren raya dpn minimarket", h=3, style="slang")),

    # Pluit: tidal flooding on two streets of one kelurahan.
    P("pluit-rob-blok-b", "banjir_saluran", "pluit-karang-ayu", 0, "2026-10-28 05:30",
      R("Banjir rob di Jl. Pluit Karang Ayu",
        "Air laut pasang masuk ke permukiman di Jl. Pluit Karang Ayu, genangan 30 cm di depan "
        "Blok B. Pompa air di ujung jalan tidak menyala.",
        "Jl. Pluit Karang Ayu depan Blok B"),
      R("Rob Jl. Pluit Karang Ayu Blok B",
        "Genangan rob ±30 cm di Jl. Pluit Karang Ayu dpn Blok B. Pompa tdk berfungsi, mohon "
        "dicek.",
        "Jl. Pluit Karang Ayu Blok B", h=2, style="abbrev"),
      R("Pompa air mati banjir rob Pluit",
        "rumah warga di pluit karang ayu blok b kemasukan air rob, pompanya mati dr subuh. "
        "tolong segra diperbaiki",
        "Pluit Karang Ayu Blok B, RT 11/RW 04", h=9, coords=False, style="typo+slang")),
    P("muara-karang-rob", "banjir_saluran", "muara-karang-raya", 0, "2026-10-28 06:10",
      R("Banjir rob di Jl. Muara Karang Raya",
        "Air rob menggenangi Jl. Muara Karang Raya dekat pasar ikan setinggi 25 cm, pompa belum "
        "dioperasikan.",
        "Jl. Muara Karang Raya dekat pasar"),
      R("Rob Muara Karang",
        "Jl. Muara Karang Raya dkt pasar tergenang rob, pompa blm jalan",
        "Muara Karang Raya, Pluit", h=3, coords=False, style="abbrev")),

    # Kelapa Gading: dead street lights at a school, by a bus stop 280 m on, on a side street.
    P("kg-pju-sekolah", "penerangan_jalan", "boulevard-kg", 0, "2026-05-11 20:00",
      R("Lampu PJU mati di Boulevard Raya Kelapa Gading",
        "Deretan lampu penerangan jalan di Jl. Boulevard Raya depan sekolah sudah lima hari "
        "tidak menyala. Jalur lambat gelap, rawan jambret.",
        "Jl. Boulevard Raya depan sekolah, Kelapa Gading"),
      R("PJU mati jl boulevard raya KG",
        "lampu jln di boulevard raya dpn sekolah mati udh 5 hr, gelap bgt kl mlm",
        "Jl. Boulevard Raya KG dpn sekolah", h=22, style="abbrev+slang")),
    P("kg-pju-halte", "penerangan_jalan", "boulevard-kg", 280, "2026-05-12 19:40",
      R("Lampu jalan padam dekat halte Boulevard Raya",
        "Dua tiang PJU di Jl. Boulevard Raya dekat halte bus padam, halte menjadi sangat gelap.",
        "Jl. Boulevard Raya dekat halte")),
    P("kopyor-pju", "penerangan_jalan", "kelapa-kopyor", 0, "2026-05-12 21:00",
      R("Lampu jalan mati di Jl. Kelapa Kopyor Raya",
        "Lampu PJU di Jl. Kelapa Kopyor Raya depan ruko padam, jalan gelap dan rawan.",
        "Jl. Kelapa Kopyor Raya depan ruko", coords=False)),

    # Raya Kalibata: the bus stop at the heroes' cemetery, a sunken pavement 150 m on.
    P("kalibata-halte-tmp", "fasilitas_umum", "kalibata-raya", 0, "2026-06-08 11:20",
      R("Halte rusak di Jl. Raya Kalibata",
        "Atap halte bus di depan Taman Makam Pahlawan Kalibata bocor dan kursi tunggu patah. "
        "Penumpang kehujanan saat menunggu bus.",
        "Jl. Raya Kalibata depan TMP Kalibata"),
      R("Kondisi halte TMP Kalibata memprihatinkan",
        "Halte di depan TMP Kalibata atapnya berlubang dan bangkunya rusak, mohon diperbaiki "
        "karena banyak lansia yang menunggu bus di sana.",
        "Halte TMP Kalibata, Jl. Raya Kalibata", h=26, style="paraphrase")),
    P("kalibata-trotoar", "jalan_rusak", "kalibata-raya", 150, "2026-06-08 14:00",
      R("Trotoar amblas di Jl. Raya Kalibata",
        "Trotoar di Jl. Raya Kalibata sekitar 150 meter dari halte TMP arah Pasar Minggu amblas "
        "sepanjang 3 meter. Pejalan kaki harus turun ke jalan.",
        "Jl. Raya Kalibata arah Pasar Minggu"),
      R("Trotoar rusak di Kalibata arah Pasar Minggu",
        "Fasilitas trotoar di Jl. Raya Kalibata rusak dan berlubang, membahayakan pejalan kaki "
        "terutama anak sekolah.",
        "Jl. Raya Kalibata, arah Ps. Minggu", h=30, category="fasilitas_umum"),
      R("trotoar ambles kalibata",
        "trotoar di jl raya kalibata arah ps minggu ambles, org jalan kaki hrs turun ke jln",
        "jl. raya kalibata arah pasar minggu", h=44, coords=False, style="slang+abbrev")),

    # Condet Raya: illegal dumping cleared in March, back in July.
    P("condet-sampah-maret", "sampah", "condet-raya", 0, "2026-03-16 08:00",
      R("Sampah liar di pinggir Jl. Condet Raya",
        "Tumpukan sampah liar di lahan kosong pinggir Jl. Condet Raya dekat jembatan Kali "
        "Ciliwung sudah menggunung.",
        "Jl. Condet Raya dekat jembatan"),
      R("sampah liar condet",
        "ada yg buang sampah sembarangan di lahan kosong dkt jembatan condet, udh numpuk bgt",
        "jl condet raya deket jembatan", h=6, style="slang"),
      closed_h=48),
    P("condet-sampah-juli", "sampah", "condet-raya", 10, "2026-07-02 07:30",
      R("Sampah menumpuk lagi di Condet Raya dekat jembatan",
        "Lahan kosong di pinggir Jl. Condet Raya dekat jembatan kembali dijadikan tempat buang "
        "sampah liar. Sebelumnya sudah dibersihkan, kini menumpuk lagi.",
        "Jl. Condet Raya dekat jembatan, Balekambang"),
      R("Sampah liar Jl. Condet Raya",
        "Tumpukan sampah liar di Jl. Condet Raya dkt jembatan, mhn diangkut & dipasang "
        "larangan buang sampah.",
        "Jl. Condet Raya dkt jembatan", h=30, style="abbrev")),

    # Boilerplate titles: "Jalan rusak" in three kelurahan.
    P("kahfi-rusak", "jalan_rusak", "moh-kahfi-1", 0, "2026-09-07 09:00",
      R("Jalan rusak",
        "Jl. Moh. Kahfi I depan gang Masjid Al-Ikhlas rusak parah, aspal terkelupas dan banyak "
        "lubang. Sering terjadi kemacetan karena kendaraan melambat.",
        "Jl. Moh. Kahfi I depan Gg. Masjid Al-Ikhlas"),
      R("Jalan rusak Jl. Moh Kahfi 1",
        "Aspal terkelupas & berlubang di Jl. M. Kahfi I dpn gang masjid, bikin macet.",
        "Jln. Moh. Kahfi 1 dpn Gang Masjid Al Ikhlas", h=8, style="abbrev")),
    P("ulujami-rusak", "jalan_rusak", "ulujami-raya", 0, "2026-09-07 13:00",
      R("Jalan rusak",
        "Jl. Ulujami Raya dekat sekolah rusak, banyak lubang dan batu kerikil berserakan.",
        "Jl. Ulujami Raya dekat sekolah")),
    P("cipete-rusak", "jalan_rusak", "cipete-raya", 0, "2026-09-08 08:15",
      R("Jalan rusak",
        "Jalan rusak dan berlubang di Jl. Cipete Raya depan apotek, membahayakan pengendara.",
        "Jl. Cipete Raya depan apotek"),
      R("Jalan Rusak",
        "jl cipete raya dpn apotek rusak, lubangnya dalem",
        "jl. cipete raya", h=10, style="slang+abbrev")),

    # Boilerplate titles: "Sampah menumpuk" in four kelurahan of the west and east.
    P("kemanggisan-sampah", "sampah", "kemanggisan-raya", 0, "2026-08-17 07:00",
      R("Sampah menumpuk",
        "Sampah menumpuk di pinggir Jl. Kemanggisan Raya dekat kampus, belum diangkut sejak "
        "libur panjang.",
        "Jl. Kemanggisan Raya dekat kampus"),
      R("Sampah menumpuk",
        "Tumpukan sampah di Jl. Kemanggisan Raya dkt kampus blm diangkut, bau sampai ke rumah "
        "warga.",
        "Jl. Kemanggisan Raya", h=5, style="abbrev")),
    P("palmerah-sampah", "sampah", "palmerah-barat", 0, "2026-08-17 10:30",
      R("Sampah menumpuk",
        "Sampah menumpuk di Jl. Palmerah Barat dekat stasiun, meluber ke jalan.",
        "Jl. Palmerah Barat dekat Stasiun Palmerah")),
    P("panjang-sampah", "sampah", "panjang", 0, "2026-08-18 06:45",
      R("Sampah menumpuk",
        "Sampah menumpuk di bawah jembatan Jl. Panjang Kebon Jeruk, sebagian masuk ke kali.",
        "Jl. Panjang bawah jembatan, Kebon Jeruk"),
      R("sampah numpuk",
        "sampah numpuk bgt di kolong jembatan jl panjang, ada yg nyemplung ke kali",
        None, h=12, coords=False, style="slang")),
    P("dewi-sartika-sampah", "sampah", "dewi-sartika", 0, "2026-08-18 09:20",
      R("Sampah menumpuk",
        "Sampah menumpuk di trotoar Jl. Dewi Sartika depan pertokoan, belum diangkut truk.",
        "Jl. Dewi Sartika depan pertokoan, Cililitan")),

    # Pondok Kelapa: a blocked drain; Jl. Tebet Raya flooding for another kelurahan.
    P("pondok-kelapa-got", "banjir_saluran", "pondok-kelapa-raya", 0, "2026-02-18 17:10",
      R("Got meluap di Jl. Pondok Kelapa Raya",
        "Got di Jl. Pondok Kelapa Raya depan masjid meluap setiap hujan karena tersumbat sampah "
        "dan sedimen. Air masuk ke halaman rumah warga RT 05/RW 08.",
        "Jl. Pondok Kelapa Raya depan masjid, RT 05/RW 08"),
      R("Saluran air tersumbat Pd. Kelapa Raya",
        "Saluran di Jl. Pd. Kelapa Raya dpn masjid tersumbat, air meluap ke rumah warga rt "
        "5 rw 8. Mohon pengerukan.",
        "Jl. Pd. Kelapa Raya dpn Masjid, RT005/RW008", h=20, style="abbrev"),
      R("got mampet pondok kelapa",
        "got depan masjid pondok kelapa raya mampet, tiap ujan air msk rmh. udh lapor rt tp blm "
        "ada tindakan",
        "pondok kelapa raya depan masjid", h=27, style="slang", off=(-20.0, 18.0))),
    P("tebet-raya-genangan", "banjir_saluran", "tebet-raya", 0, "2026-02-18 18:00",
      R("Got meluap di Jl. Tebet Raya",
        "Got di Jl. Tebet Raya depan masjid meluap saat hujan, air menggenangi jalan sekitar "
        "15 cm.",
        "Jl. Tebet Raya depan masjid"),
      R("Genangan Jl. Tebet Raya",
        "Jl. Tebet Raya dpn masjid tergenang krn got tersumbat.",
        "Jl. Tebet Raya", h=3, style="abbrev")),
]


NEGATIVES: list[Negative] = [
    N("same-street-other-spot", "kramat-lubang-halte", "kramat-amblas-sentiong", n=4),
    N("other-category-same-spot", "kramat-lubang-halte", "kramat-pju-halte", n=2),
    N("same-street-other-spot", "salemba-got-kampus", "salemba-got-spbu", n=4),
    N("other-category-same-spot", "salemba-got-kampus", "salemba-sampah-kampus", n=2),
    N("other-category-same-spot", "jaksa-pkl", "jaksa-parkir", n=4),
    N("same-street-other-spot", "ttd-pohon-taman", "ttd-dahan-masjid", n=4),
    N("other-category-same-spot", "ttd-pohon-taman", "ttd-pju-taman", n=3),
    N("same-street-other-spot", "pemuda-genangan-arion", "pemuda-genangan-uturn", n=4),
    N("same-kelurahan-other-street", "balai-pustaka-sampah", "pemuda-sampah-halte", n=4),
    N("months-apart", "tdr-lubang-februari", "tdr-lubang-juli", n=2),
    N("other-category-same-spot", "tdr-lubang-juli", "tdr-parkir", n=3),
    N("same-kelurahan-other-street", "pluit-rob-blok-b", "muara-karang-rob", n=4),
    N("same-street-other-spot", "kg-pju-sekolah", "kg-pju-halte", n=2),
    N("same-kelurahan-other-street", "kg-pju-sekolah", "kopyor-pju", n=2),
    N("same-street-other-spot", "kalibata-halte-tmp", "kalibata-trotoar", n=3),
    N("months-apart", "condet-sampah-maret", "condet-sampah-juli", n=3),
    N("boilerplate-title", "kahfi-rusak", "ulujami-rusak", "cipete-rusak", n=5),
    N("boilerplate-title", "kemanggisan-sampah", "palmerah-sampah", "panjang-sampah",
      "dewi-sartika-sampah", n=7),
    N("other-kelurahan", "pondok-kelapa-got", "tebet-raya-genangan", n=4),
    N("other-kelurahan", "pemuda-genangan-arion", "salemba-got-kampus", n=2),
    N("easy", "kramat-pju-halte", "pluit-rob-blok-b", n=1),
    N("easy", "jaksa-parkir", "condet-sampah-juli", n=1),
    N("easy", "kg-pju-halte", "kahfi-rusak", n=1),
    N("easy", "ttd-dahan-masjid", "muara-karang-rob", n=1),
]


STREETS.update({
    "cideng-barat": Street("31.71.01.1002", -6.17200, 106.81050, 0),  # Cideng
    "biak": Street("31.71.01.1002", -6.16950, 106.81300, 90),
    "suryopranoto": Street("31.71.01.1003", -6.16650, 106.81550, 90),  # Petojo Utara
    "johar-baru-raya": Street("31.71.08.1001", -6.18650, 106.85650, 90),  # Johar Baru
    "percetakan-negara": Street("31.71.05.1003", -6.18750, 106.86250, 90),  # Rawasari
    "gunung-sahari": Street("31.71.02.1004", -6.15200, 106.83600, 5),  # Gunung Sahari Utara
    "plumpang-semper": Street("31.72.03.1002", -6.12400, 106.90000, 0),  # Tugu Utara
    "cilincing-raya": Street("31.72.04.1001", -6.11300, 106.94300, 90),  # Cilincing
    "tomang-raya": Street("31.73.02.1003", -6.17400, 106.79800, 90),  # Tomang
    "kyai-tapa": Street("31.73.02.1001", -6.16300, 106.79600, 90),  # Grogol
    "kedoya-raya": Street("31.73.05.1006", -6.16900, 106.76300, 0),  # Kedoya Utara
    "daan-mogot-kalideres": Street("31.73.06.1001", -6.15200, 106.70500, 100),  # Kalideres
    "semanan-raya": Street("31.73.06.1002", -6.16200, 106.70000, 0),  # Semanan
})


PROBLEMS += [
    # Cideng: the drain along Jl. Cideng Barat overflows for days; a hole beside it.
    P("cideng-got", "banjir_saluran", "cideng-barat", 0, "2026-02-23 07:00",
      R("Saluran air Jl. Cideng Barat meluap",
        "Saluran air di Jl. Cideng Barat depan sekolah meluap setiap hujan. Air menggenang di "
        "jalan sekitar 20 cm dan masuk ke halaman sekolah.",
        "Jl. Cideng Barat depan SD, Cideng"),
      R("Got Cideng Barat masih meluap",
        "Sudah tiga hari saluran di depan SD Jl. Cideng Barat masih meluap dan belum ada petugas "
        "yang datang mengeruk. Murid kesulitan masuk sekolah.",
        "Jalan Cideng Barat, depan sekolah dasar", h=70, style="paraphrase"),
      R("Saluran Jl. Cideng Brt meluap",
        "Sal. air dpn SD Jl. Cideng Brt meluap ke jln & halaman sekolah. Mhn pengerukan.",
        "Jl. Cideng Brt dpn SD", h=75, coords=False, style="abbrev+typo")),
    P("biak-got", "banjir_saluran", "biak", 0, "2026-02-24 06:30",
      R("Saluran air meluap di Jl. Biak",
        "Saluran air di Jl. Biak depan bengkel meluap saat hujan deras, air menggenang sampai "
        "ke jalan.",
        "Jl. Biak depan bengkel, Cideng", coords=False),
      R("Got meluap Jl. Biak",
        "Got dpn bengkel Jl. Biak meluap tiap hujan, air sampai ke tengah jln.",
        "Jl. Biak dpn bengkel", h=4, style="abbrev")),
    P("cideng-lubang", "jalan_rusak", "cideng-barat", 10, "2026-02-25 10:00",
      R("Jalan berlubang di Jl. Cideng Barat depan SD",
        "Aspal di Jl. Cideng Barat depan SD berlubang akibat sering tergenang air. Lubang "
        "sekitar 40 cm dan dalam.",
        "Jl. Cideng Barat depan SD")),

    # Jl. Suryopranoto: illegal parking (one posko filed it as public order), another spot.
    P("surya-parkir", "parkir_liar", "suryopranoto", 0, "2026-04-13 10:30",
      R("Parkir liar di bahu Jl. Suryopranoto",
        "Mobil dan motor parkir di bahu Jl. Suryopranoto depan pertokoan elektronik, memakan "
        "satu lajur dan menyebabkan kemacetan sepanjang siang.",
        "Jl. Suryopranoto depan pertokoan elektronik, Petojo Utara"),
      R("Juru parkir liar di Jl. Suryopranoto",
        "Warga mengeluhkan juru parkir liar yang mengatur kendaraan parkir di lajur kiri Jl. "
        "Suryopranoto depan toko elektronik. Mohon penertiban.",
        "Jl. Suryopranoto depan toko elektronik", h=5, category="ketertiban_umum",
        style="paraphrase"),
      R("parkir liar suryopranoto",
        "dpn toko2 elektronik suryopranoto parkir liar makan 1 lajur, macet tiap siang",
        "jl suryopranoto petojo", h=28, style="slang+abbrev")),
    P("surya-parkir-bank", "parkir_liar", "suryopranoto", 190, "2026-04-14 11:00",
      R("Parkir liar di Jl. Suryopranoto dekat bank",
        "Motor ojek daring parkir berjajar di depan bank di Jl. Suryopranoto, trotoar dan "
        "sebagian lajur tertutup.",
        "Jl. Suryopranoto dekat bank, Petojo Utara")),

    # Johar Baru: brawls at night, reported three times; a brawl there the year before.
    P("johar-tawuran-mei", "ketertiban_umum", "johar-baru-raya", 0, "2026-05-03 01:30",
      R("Tawuran remaja di Jl. Johar Baru Raya",
        "Terjadi tawuran antarkelompok remaja di Jl. Johar Baru Raya dekat rel kereta dini hari "
        "tadi. Warga resah karena sudah terjadi berulang setiap akhir pekan.",
        "Jl. Johar Baru Raya dekat perlintasan rel"),
      R("tawuran lg di johar baru",
        "tawuran lg td mlm di johar baru raya dkt rel, bawa sajam. warga takut keluar rmh",
        "johar baru raya dkt rel", h=6, style="slang"),
      R("Mohon patroli rutin di Johar Baru Raya",
        "Mohon Satpol PP dan kepolisian melakukan patroli rutin di Jl. Johar Baru Raya dekat "
        "rel kereta karena tawuran remaja terus berulang setiap malam Minggu.",
        "Jl. Johar Baru Raya, dekat rel KA, RT 09/RW 01", h=10, coords=False)),
    P("johar-tawuran-januari", "ketertiban_umum", "johar-baru-raya", 20, "2026-01-11 00:45",
      R("Tawuran di Johar Baru dekat rel",
        "Tawuran remaja pecah lagi di Jl. Johar Baru Raya dekat perlintasan rel kereta. Mohon "
        "penjagaan di titik rawan.",
        "Jl. Johar Baru Raya dekat rel kereta"),
      closed_h=24 * 4),

    # Percetakan Negara: a pothole closed too early, reported again after the closure.
    P("pn-lubang", "jalan_rusak", "percetakan-negara", 0, "2026-03-09 08:00",
      R("Jalan berlubang di Jl. Percetakan Negara",
        "Terdapat lubang besar di Jl. Percetakan Negara depan kantor pos. Pengendara motor "
        "sering terperosok, terutama malam hari.",
        "Jl. Percetakan Negara depan kantor pos, Rawasari"),
      R("Lubang Jl. Percetakan Negara dpn kantor pos",
        "Lubang besar di Jl. Percetakan Negara dpn kantor pos, mhn segera ditambal sblm ada "
        "korban.",
        "Jl. Percetakan Negara dpn Kantor Pos", h=4, style="abbrev"),
      R("Lubang di Percetakan Negara belum diperbaiki",
        "Aduan sebelumnya sudah ditutup tetapi lubang di depan kantor pos Jl. Percetakan Negara "
        "masih ada dan belum ditambal sama sekali.",
        "Jl. Percetakan Negara depan kantor pos", h=96, style="paraphrase"),
      closed_h=50),

    # Gunung Sahari: a broken footbridge floor; its lights are another problem.
    P("gs-jpo", "fasilitas_umum", "gunung-sahari", 0, "2026-06-15 09:30",
      R("JPO rusak di Jl. Gunung Sahari",
        "Lantai jembatan penyeberangan orang (JPO) di Jl. Gunung Sahari dekat pusat "
        "perbelanjaan berlubang dan pelat besinya lepas. Sangat berbahaya bagi pejalan kaki.",
        "JPO Jl. Gunung Sahari dekat pusat perbelanjaan"),
      R("Jembatan penyeberangan Gunung Sahari berlubang",
        "Jembatan penyeberangan di Gunung Sahari lantainya bolong di beberapa titik, warga "
        "khawatir ada yang terperosok. Mohon segera diperbaiki.",
        "Jembatan penyeberangan Gunung Sahari", h=7, style="paraphrase"),
      R("jpo gn sahari bolong2",
        "lantai jpo gn sahari bolong2, plat besinya copot. ngeri bgt lewat situ apalagi mlm",
        "jpo gunung sahari", h=50, style="slang+abbrev", off=(-18.0, 22.0))),
    P("gs-jpo-lampu", "penerangan_jalan", "gunung-sahari", 3, "2026-06-16 20:10",
      R("Lampu JPO Gunung Sahari mati",
        "Lampu penerangan di JPO Jl. Gunung Sahari dekat pusat perbelanjaan mati semua, jembatan "
        "gelap dan rawan kejahatan.",
        "JPO Jl. Gunung Sahari")),

    # Plumpang Semper: container trucks parked on the shoulder; a pothole at the same spot.
    P("plumpang-truk", "parkir_liar", "plumpang-semper", 0, "2026-07-06 13:00",
      R("Truk kontainer parkir di bahu Jl. Plumpang Semper",
        "Truk kontainer parkir berderet di bahu Jl. Plumpang Semper dekat depo, menyisakan satu "
        "lajur. Sering terjadi kemacetan dan kecelakaan motor.",
        "Jl. Plumpang Semper dekat depo kontainer, Tugu Utara"),
      R("truk parkir sembarangan plumpang",
        "truk2 kontainer parkir seenaknya di plumpang semper dkt depo, jln tinggal 1 lajur. "
        "bahaya bgt buat motor",
        "jl plumpang semper dkt depo", h=9, style="slang"),
      R("Truk parkir liar Jl. Plumpang Semper",
        "Truk kontainer parkir liar di Jl. Plumpang Semper dkt depo, mhn ditindak Dishub.",
        "Jl. Plumpang Semper", h=30, coords=False, style="abbrev")),
    P("plumpang-lubang", "jalan_rusak", "plumpang-semper", 5, "2026-07-07 08:00",
      R("Jalan rusak parah di Plumpang Semper dekat depo",
        "Jalan di Plumpang Semper dekat depo kontainer rusak parah dan bergelombang akibat "
        "dilalui truk berat. Banyak lubang dalam.",
        "Jl. Plumpang Semper dekat depo kontainer")),

    # Cilincing Raya: rubbish on the roadside, another heap 260 m on.
    P("cilincing-sampah-pasar", "sampah", "cilincing-raya", 0, "2026-09-21 08:00",
      R("Sampah menumpuk di Jl. Cilincing Raya dekat pasar",
        "Sampah pasar menumpuk di pinggir Jl. Cilincing Raya dan meluber ke badan jalan. Bau "
        "busuk tercium hingga permukiman.",
        "Jl. Cilincing Raya dekat pasar, Cilincing"),
      R("Sampah pasar Cilincing meluber ke jalan",
        "Tumpukan sampah dari pasar di Cilincing Raya sudah meluber ke jalan dan belum diangkut "
        "petugas kebersihan.",
        "Cilincing Raya sebelah pasar", h=3, style="paraphrase"),
      R("sampah psr cilincing",
        "sampah psr cilincing numpuk smpe ke jln, bau bgt, lalet dmn2",
        "jl. cilincing raya dkt psr", h=8, style="slang+abbrev")),
    P("cilincing-sampah-masjid", "sampah", "cilincing-raya", 260, "2026-09-22 07:20",
      R("Sampah menumpuk di Cilincing Raya dekat masjid",
        "Ada tumpukan sampah rumah tangga di pinggir Jl. Cilincing Raya dekat masjid, sudah dua "
        "hari tidak diangkut.",
        "Jl. Cilincing Raya dekat masjid"),
      R("sampah numpuk dkt masjid cilincing",
        "sampah rmh tangga numpuk dkt masjid cilincing raya, 2 hr gak diangkut",
        "cilincing raya dekat masjid", h=4, style="slang")),

    # Tomang and Grogol: fallen trees on the same afternoon, no coordinates on Tomang's.
    P("tomang-pohon", "pohon", "tomang-raya", 0, "2026-12-01 16:00",
      R("Pohon tumbang di Jl. Tomang Raya",
        "Pohon tumbang di Jl. Tomang Raya depan kantor kelurahan akibat hujan angin, menutup "
        "satu lajur.",
        "Jl. Tomang Raya depan kantor kelurahan", coords=False),
      R("Pohon tumbang Jl Tomang Raya",
        "Ada pohon tumbang di jl tomang raya dpn kantor lurah, 1 lajur ketutup",
        "jln tomang raya dpn kantor lurah", h=1, coords=False, style="abbrev+slang"),
      R("Pohon roboh depan kantor Kelurahan Tomang",
        "Pohon roboh melintang di Jalan Tomang Raya depan kantor kelurahan, lalu lintas "
        "tersendat. Mohon evakuasi.",
        "Jalan Tomang Raya depan Kantor Kelurahan Tomang", h=2, style="paraphrase")),
    P("kyai-tapa-pohon", "pohon", "kyai-tapa", 0, "2026-12-01 16:40",
      R("Pohon tumbang di Jl. Kyai Tapa",
        "Pohon tumbang di Jl. Kyai Tapa depan kampus akibat hujan angin, menutup satu lajur.",
        "Jl. Kyai Tapa depan kampus, Grogol")),

    # Kedoya Raya: a pool that stays for days.
    P("kedoya-genangan", "banjir_saluran", "kedoya-raya", 0, "2026-01-05 06:00",
      R("Genangan air di Jl. Kedoya Raya",
        "Jl. Kedoya Raya dekat pintu tol tergenang air sekitar 30 cm setelah hujan semalaman. "
        "Saluran di sisi jalan dangkal dan penuh lumpur.",
        "Jl. Kedoya Raya dekat pintu tol, Kedoya Utara"),
      R("Genangan Kedoya Raya belum surut",
        "Sudah empat hari genangan di Jl. Kedoya Raya dekat pintu tol belum juga surut. "
        "Kendaraan kecil terpaksa putar balik.",
        "Jl. Kedoya Raya, dekat gerbang tol", h=98, style="paraphrase"),
      R("banjir kedoya raya",
        "jln kedoya raya dkt pintu tol masih kerendem, udh brp hari gak surut2",
        "jln kedoya raya", h=100, style="slang+abbrev")),

    # Daan Mogot (Kalideres) and Semanan Raya: damaged roads in neighbouring kelurahan.
    P("daan-mogot-lubang", "jalan_rusak", "daan-mogot-kalideres", 0, "2026-10-12 07:15",
      R("Jalan berlubang di Jl. Daan Mogot Kalideres",
        "Lubang besar di lajur lambat Jl. Daan Mogot arah Tangerang, sebelum Terminal Kalideres. "
        "Sudah beberapa kali motor jatuh.",
        "Jl. Daan Mogot arah Tangerang sblm Terminal Kalideres"),
      R("Daan Mogot berlubang dekat terminal Kalideres",
        "Jalur lambat Daan Mogot dekat terminal Kalideres berlubang cukup dalam, membahayakan "
        "pengendara motor.",
        "Jalan Daan Mogot, dekat Terminal Kalideres", h=20, style="paraphrase"),
      R("jln daan mogot bolong",
        "daan mogot arah tangerang sblm terminal kalideres bolong gede, td ada yg jatoh lg",
        "jln daan mogot km 16", h=26, coords=False, style="slang")),
    P("semanan-lubang", "jalan_rusak", "semanan-raya", 0, "2026-10-12 11:00",
      R("Jalan berlubang di Jl. Semanan Raya",
        "Lubang besar di Jl. Semanan Raya dekat pabrik, sudah beberapa kali motor jatuh.",
        "Jl. Semanan Raya dekat pabrik, Semanan")),
]


NEGATIVES += [
    N("same-kelurahan-other-street", "cideng-got", "biak-got", n=4),
    N("other-category-same-spot", "cideng-got", "cideng-lubang", n=3),
    N("same-street-other-spot", "surya-parkir", "surya-parkir-bank", n=3),
    N("months-apart", "johar-tawuran-januari", "johar-tawuran-mei", n=3),
    N("other-category-same-spot", "gs-jpo", "gs-jpo-lampu", n=3),
    N("other-category-same-spot", "plumpang-truk", "plumpang-lubang", n=3),
    N("same-street-other-spot", "cilincing-sampah-pasar", "cilincing-sampah-masjid", n=4),
    N("other-kelurahan", "tomang-pohon", "kyai-tapa-pohon", n=3),
    N("other-kelurahan", "daan-mogot-lubang", "semanan-lubang", n=3),
    N("easy", "kedoya-genangan", "surya-parkir-bank", n=1),
    N("easy", "pn-lubang", "cilincing-sampah-masjid", n=1),
]


# --- assembling the pairs ----------------------------------------------------------------------


def _start(problem: Problem) -> datetime:
    return datetime.strptime(problem.start, "%Y-%m-%d %H:%M").replace(tzinfo=WIB)


def _reported_at(problem: Problem, index: int) -> datetime:
    return _start(problem) + timedelta(hours=problem.reports[index].h)


def _terminal_at(problem: Problem) -> datetime | None:
    if problem.closed_h is None:
        return None
    return _start(problem) + timedelta(hours=problem.closed_h)


def _position(problem: Problem, index: int) -> tuple[float, float] | None:
    report = problem.reports[index]
    if not report.coords:
        return None
    street = STREETS[problem.street]
    bearing = math.radians(street.bearing)
    east, north = problem.at * math.sin(bearing), problem.at * math.cos(bearing)
    if report.off is not None:
        east, north = east + report.off[0], north + report.off[1]
    else:
        jitter = random.Random(f"{problem.key}/{index}")
        radius, angle = JITTER_M * math.sqrt(jitter.random()), jitter.uniform(0, 2 * math.pi)
        east, north = east + radius * math.cos(angle), north + radius * math.sin(angle)
    lat = street.lat + north / 111_320.0
    lon = street.lon + east / (111_320.0 * math.cos(math.radians(street.lat)))
    return round(lat, 6), round(lon, 6)


def distance_m(a: dict, b: dict) -> float | None:
    """Great-circle distance between two reports' coordinates, None when one lacks them."""
    if a["lat"] is None or b["lat"] is None:
        return None
    p1, p2 = math.radians(a["lat"]), math.radians(b["lat"])
    dp, dl = p2 - p1, math.radians(b["lon"] - a["lon"])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000.0 * math.asin(math.sqrt(h))


def _report(problem: Problem, index: int, seen_at: datetime | None) -> dict:
    """One report as stored; `seen_at` is when the newer report arrives (for `terminal_at`)."""
    report = problem.reports[index]
    position = _position(problem, index)
    terminal = _terminal_at(problem)
    if seen_at is None or terminal is None or terminal > seen_at:
        terminal = None
    return {
        "category": report.category or problem.category,
        "title": report.title,
        "description": report.description,
        "kelurahan_code": STREETS[problem.street].kelurahan_code,
        "address": report.address,
        "lat": position[0] if position else None,
        "lon": position[1] if position else None,
        "reported_at": _reported_at(problem, index).isoformat(),
        "terminal_at": terminal.isoformat() if terminal else None,
    }


def _ordered(first: tuple[Problem, int], second: tuple[Problem, int]) -> tuple[dict, dict]:
    """(a, b): a is the stored (earlier) report, b the one arriving at intake."""
    (p1, i1), (p2, i2) = first, second
    if (_reported_at(p2, i2), p2.key, i2) < (_reported_at(p1, i1), p1.key, i1):
        (p1, i1), (p2, i2) = (p2, i2), (p1, i1)
    b = _report(p2, i2, None)
    a = _report(p1, i1, _reported_at(p2, i2))
    return a, b


def _positive_kind(problem: Problem, i: int, j: int, a: dict, b: dict) -> str:
    styles = set(problem.reports[i].style.split("+")) | set(problem.reports[j].style.split("+"))
    gap = datetime.fromisoformat(b["reported_at"]) - datetime.fromisoformat(a["reported_at"])
    if (a["lat"] is None) and (b["lat"] is None):
        return "positive:no-coordinates-both"
    if (a["lat"] is None) != (b["lat"] is None):
        return "positive:no-coordinates"
    if a["category"] != b["category"]:
        pair = "~".join(sorted((a["category"], b["category"])))
        return f"positive:related-category:{pair}"
    if a["terminal_at"] is not None:
        return "positive:closed-recently"
    if gap >= timedelta(hours=48):
        return "positive:days-apart"
    if styles & {"slang", "typo"}:
        return "positive:slang+typo"
    if "abbrev" in styles:
        return "positive:abbrev"
    return "positive:paraphrase"


def _candidates() -> list[tuple[str, bool, dict, dict]]:
    problems = {problem.key: problem for problem in PROBLEMS}
    assert len(problems) == len(PROBLEMS), "duplicate problem key"
    out: list[tuple[str, bool, dict, dict]] = []
    for problem in PROBLEMS:
        for j in range(1, len(problem.reports)):
            for i in range(j):
                a, b = _ordered((problem, i), (problem, j))
                out.append((_positive_kind(problem, i, j, a, b), True, a, b))
    for negative in NEGATIVES:
        group = [problems[key] for key in negative.keys]
        cross = [
            ((p, i), (q, j))
            for x, p in enumerate(group) for q in group[x + 1:]
            for i in range(len(p.reports)) for j in range(len(q.reports))
        ]
        chooser = random.Random(f"{SEED}/{negative.kind}/{'/'.join(negative.keys)}")
        for first, second in chooser.sample(cross, min(negative.n, len(cross))):
            a, b = _ordered(first, second)
            out.append((f"negative:{negative.kind}", False, a, b))
    return out


def build_pairs() -> list[dict]:
    """Every pair, numbered in authoring order, split 60/40 per kind with a fixed seed."""
    candidates = _candidates()
    by_kind: dict[str, list[int]] = defaultdict(list)
    for index, (kind, _label, _a, _b) in enumerate(candidates):
        by_kind[kind].append(index)
    split: dict[int, str] = {}
    chooser = random.Random(SEED)
    for kind in sorted(by_kind):
        members = by_kind[kind]
        chooser.shuffle(members)
        tune = round(len(members) * TUNE_SHARE) if len(members) > 1 else 1
        for rank, index in enumerate(members):
            split[index] = "tune" if rank < tune else "holdout"
    pairs = []
    for index, (kind, label, a, b) in enumerate(candidates):
        pairs.append({"id": f"p{index + 1:04d}", "label": label, "kind": kind,
                      "split": split[index], "a": a, "b": b})
        _check(pairs[-1])
    return pairs


def _check(pair: dict) -> None:
    """What the authoring promises; a failed assertion names a scenario to fix."""
    a, b, kind = pair["a"], pair["b"], pair["kind"]
    distance = distance_m(a, b)
    where = f"{pair['id']} {kind} {a['title']!r} / {b['title']!r}"
    assert len(a["title"]) <= 200 and len(b["title"]) <= 200, where
    if pair["label"]:
        assert distance is None or distance <= 45.0, (where, distance)
        gap = datetime.fromisoformat(b["reported_at"]) - datetime.fromisoformat(a["reported_at"])
        assert gap <= timedelta(days=6), (where, gap)
        if a["lat"] is None or b["lat"] is None:
            assert a["kelurahan_code"] == b["kelurahan_code"], where
    if kind == "negative:same-street-other-spot":
        assert distance is None or 80.0 <= distance <= 320.0, (where, distance)
    if kind == "negative:other-category-same-spot":
        assert a["category"] != b["category"] and (distance is None or distance <= 45), where
    if kind == "negative:months-apart":
        assert a["terminal_at"] is not None, where
        idle = datetime.fromisoformat(b["reported_at"]) - datetime.fromisoformat(a["terminal_at"])
        assert timedelta(days=60) <= idle <= timedelta(days=200), (where, idle)
    if kind in ("negative:same-kelurahan-other-street", "negative:same-street-other-spot",
                "negative:other-category-same-spot"):
        assert a["kelurahan_code"] == b["kelurahan_code"], where
    if kind == "negative:other-kelurahan":
        assert a["kelurahan_code"] != b["kelurahan_code"], where


def main() -> None:
    """Write tests/data/duplicate_pairs.json and print its size by kind and split."""
    pairs = build_pairs()
    OUTPUT.write_text(json.dumps(pairs, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"tune": 0, "holdout": 0})
    for pair in pairs:
        counts[pair["kind"]][pair["split"]] += 1
    for kind in sorted(counts):
        print(f"{kind:60s} tune {counts[kind]['tune']:3d}  holdout {counts[kind]['holdout']:3d}")
    positives = sum(pair["label"] for pair in pairs)
    print(f"{len(pairs)} pairs, {positives} positive ({positives / len(pairs):.0%})")


if __name__ == "__main__":
    main()
