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
within 45 m and different spots on one street are 75 m or more apart.

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
        "jl jaksa kebon sirih", h=40, coords=False, style="slang+abbrev"),
      closed_h=24 * 7),
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
        "jalan pemuda rawamangun, depan arion", h=2, style="slang", off=(25.0, -15.0)),
      closed_h=72),
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
        "Jln. Moh. Kahfi 1 dpn Gang Masjid Al Ikhlas", h=8, style="abbrev"),
      closed_h=24 * 10),
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


STREETS.update({
    "dr-saharjo": Street("31.74.01.1006", -6.21800, 106.84600, 170),  # Manggarai Selatan
    "tebet-barat-dalam": Street("31.74.01.1002", -6.23850, 106.84700, 90),  # Tebet Barat
    "tebet-barat-iv": Street("31.74.01.1002", -6.23700, 106.84550, 0),
    "gg-swadaya-kebon-baru": Street("31.74.01.1004", -6.24200, 106.86000, 90),  # Kebon Baru
    "guntur": Street("31.74.02.1007", -6.20500, 106.83800, 0),  # Guntur
    "halimun": Street("31.74.02.1007", -6.20600, 106.83450, 90),
    "mampang-raya": Street("31.74.03.1001", -6.24550, 106.82450, 0),  # Mampang Prapatan
    "raya-pasar-minggu": Street("31.74.04.1001", -6.28400, 106.84300, 10),  # Pasar Minggu
    "jati-padang-raya": Street("31.74.04.1002", -6.29000, 106.83100, 90),  # Jati Padang
    "lenteng-agung": Street("31.74.09.1004", -6.32500, 106.83500, 10),  # Lenteng Agung
    "agung-raya": Street("31.74.09.1004", -6.32800, 106.83200, 90),
    "lebak-bulus-raya": Street("31.74.06.1002", -6.29300, 106.78000, 90),  # Lebak Bulus
    "ciledug-raya": Street("31.74.05.1003", -6.23900, 106.76800, 120),  # Cipulir
    "matraman-raya": Street("31.75.01.1004", -6.20300, 106.85600, 0),  # Palmeriam
    "gg-sawo-utan-kayu": Street("31.75.01.1002", -6.19700, 106.86600, 0),  # Utan Kayu Utara
    "otista": Street("31.75.03.1002", -6.23200, 106.86700, 0),  # Bidara Cina
    "jatinegara-barat": Street("31.75.03.1001", -6.22200, 106.86750, 10),  # Kampung Melayu
    "gg-damai-cipinang-muara": Street("31.75.03.1006", -6.22600, 106.88600, 90),
    "raya-bogor-kramatjati": Street("31.75.04.1001", -6.27200, 106.86900, 0),  # Kramatjati
    "pahlawan-revolusi": Street("31.75.07.1002", -6.23300, 106.89800, 0),  # Pondok Bambu
    "ngurah-rai": Street("31.75.07.1003", -6.21500, 106.90500, 90),  # Klender
    "pondok-gede-raya": Street("31.75.10.1007", -6.29200, 106.90500, 0),  # Lubang Buaya
    "bambu-apus-raya": Street("31.75.10.1006", -6.30500, 106.90300, 90),  # Bambu Apus
    "penggilingan-raya": Street("31.75.06.1003", -6.20500, 106.93800, 0),  # Penggilingan
    "pulo-gebang-raya": Street("31.75.06.1005", -6.21300, 106.95000, 90),  # Pulo Gebang
    "gg-langgar-tambora": Street("31.73.04.1001", -6.14300, 106.80700, 0),  # Tambora
    "gg-h-naim-kemanggisan": Street("31.73.07.1005", -6.19600, 106.78900, 90),  # Kemanggisan
})


PROBLEMS += [
    # Dr. Saharjo: vendors on the pavement by the school; another group 180 m on.
    P("saharjo-pkl-sekolah", "pkl", "dr-saharjo", 0, "2026-03-23 10:00",
      R("PKL memenuhi trotoar Jl. Dr. Saharjo",
        "Pedagang kaki lima memenuhi trotoar Jl. Dr. Saharjo depan sekolah sejak pagi. Siswa "
        "dan pejalan kaki terpaksa berjalan di badan jalan yang ramai kendaraan.",
        "Jl. Dr. Saharjo depan sekolah, Manggarai Selatan"),
      R("Trotoar Jl. Dr. Saharjo dipakai PKL",
        "Trotoar di depan sekolah Jl. Dr. Saharjo habis dipakai pedagang kaki lima, anak-anak "
        "sekolah harus jalan di pinggir jalan raya.",
        "Jalan Dokter Saharjo, depan sekolah", h=6, style="paraphrase"),
      R("PKL Jl. Dr. Saharjo dpn sekolah",
        "PKL di trotoar Jl. Dr. Saharjo dpn sekolah, mhn ditertibkan Satpol PP krn "
        "membahayakan siswa.",
        "Jl. Dr Saharjo dpn sekolah", h=20, style="abbrev", category="ketertiban_umum")),
    P("saharjo-pkl-halte", "pkl", "dr-saharjo", 180, "2026-03-24 09:00",
      R("PKL di trotoar dekat halte Dr. Saharjo",
        "Gerobak pedagang kaki lima berjejer di trotoar dekat halte Jl. Dr. Saharjo arah "
        "Manggarai, penumpang sulit menunggu bus.",
        "Jl. Dr. Saharjo dekat halte arah Manggarai"),
      R("pkl dkt halte saharjo",
        "halte saharjo ketutup gerobak pkl, penumpang nunggu bus di jalan",
        "jl saharjo dkt halte", h=2, style="slang")),

    # Tebet Barat: the rubbish point reported four times; rubbish on a side street.
    P("tbd-tps", "sampah", "tebet-barat-dalam", 0, "2026-05-18 06:30",
      R("TPS Jl. Tebet Barat Dalam Raya penuh",
        "Tempat penampungan sementara (TPS) di Jl. Tebet Barat Dalam Raya sudah penuh dan "
        "sampah meluber ke jalan. Truk pengangkut belum datang sejak Jumat.",
        "TPS Jl. Tebet Barat Dalam Raya"),
      R("TPS Tebet Barat Dlm meluber",
        "TPS di Jl. Tebet Brt Dlm Raya penuh, sampah meluber ke jln. Truk blm dtg sjk Jumat.",
        "TPS Jl. Tebet Brt Dlm Raya", h=3, style="abbrev", off=(-20.0, -22.0)),
      R("Sampah TPS Tebet Barat belum diangkut",
        "Warga RW 04 Tebet Barat mengeluhkan sampah di TPS yang belum diangkut berhari-hari "
        "sehingga menimbulkan bau.",
        "TPS Tebet Barat Dalam, RW 04", h=26, coords=False, style="paraphrase"),
      R("tps tebet brt penuh",
        "tps tebet barat dalam penuh bgt, smp tumpah ke jalan. bau nya smp ke rmh2",
        "tps tebet barat dlm raya", h=30, coords=False, style="slang")),
    P("tebet-barat-iv-sampah", "sampah", "tebet-barat-iv", 0, "2026-05-18 08:00",
      R("Sampah meluber di Jl. Tebet Barat IV",
        "Sampah rumah tangga di Jl. Tebet Barat IV belum diangkut dan meluber ke jalan, bau "
        "menyengat.",
        "Jl. Tebet Barat IV", coords=False),
      R("Sampah Jl. Tebet Barat IV blm diangkut",
        "Sampah di Jl. Tebet Brt IV blm diangkut, meluber ke jln.",
        "Jl. Tebet Brt IV", h=5, style="abbrev")),

    # Kebon Baru: a gang drain written every way ("Gg."/"gang", RT/RW).
    P("gg-swadaya-got", "banjir_saluran", "gg-swadaya-kebon-baru", 0, "2026-02-02 19:00",
      R("Saluran Gg. Swadaya tersumbat",
        "Saluran air di Gg. Swadaya RT 07/RW 03 Kebon Baru tersumbat sampah, air meluap ke "
        "rumah warga saat hujan.",
        "Gg. Swadaya RT 07/RW 03, Kebon Baru"),
      R("Got di Gang Swadaya mampet",
        "Got di gang swadaya rt.007 rw.003 mampet, kalau hujan air masuk rumah warga.",
        "Gang Swadaya RT.007/RW.003", h=14, style="abbrev+slang"),
      R("Saluran air Gang Swadaya meluap ke rumah",
        "Air dari saluran di Gang Swadaya, RT 7 RW 3, meluap ke rumah warga setiap hujan "
        "karena saluran tersumbat.",
        "Gang Swadaya, RT 7 RW 3, Kel. Kebon Baru", h=22, coords=False, style="paraphrase"),
      R("gg swadaya banjir",
        "gg swadaya rt7/rw3 banjir lg tiap ujan, gotnya mampet smp. tlg dikeruk",
        "gg. swadaya rt7/3", h=40, coords=False, style="slang+abbrev"),
      closed_h=24 * 5),

    # Guntur and Halimun: dead street lights in one kelurahan.
    P("guntur-pju", "penerangan_jalan", "guntur", 0, "2026-07-27 19:45",
      R("Lampu jalan mati di Jl. Guntur",
        "Empat lampu PJU di Jl. Guntur dekat kantor kelurahan padam sejak pekan lalu. Jalan "
        "gelap dan warga takut melintas malam hari.",
        "Jl. Guntur dekat kantor kelurahan, Setiabudi"),
      R("PJU padam Jl. Guntur",
        "PJU di Jl. Guntur dkt kantor kelurahan padam ±1 minggu, mohon diperbaiki.",
        "Jl. Guntur dkt kantor kel.", h=16, style="abbrev"),
      R("Penerangan jalan Guntur tidak menyala",
        "Lampu penerangan di jalan Guntur sekitar kantor kelurahan tidak menyala sudah seminggu, "
        "mohon perbaikan dari Dinas Bina Marga.",
        "Jalan Guntur, sekitar kantor Kelurahan Guntur", h=23, style="paraphrase",
        off=(10.0, 30.0))),
    P("halimun-pju", "penerangan_jalan", "halimun", 0, "2026-07-28 20:00",
      R("Lampu jalan mati di Jl. Halimun",
        "Lampu PJU di Jl. Halimun dekat kantor kelurahan padam sejak pekan lalu, jalan gelap.",
        "Jl. Halimun dekat kantor kelurahan", coords=False)),

    # Mampang Prapatan Raya: the same pool fixed in March and back in September.
    P("mampang-genangan-maret", "banjir_saluran", "mampang-raya", 0, "2026-03-02 06:00",
      R("Genangan di Jl. Mampang Prapatan Raya",
        "Jl. Mampang Prapatan Raya depan pom bensin tergenang 30 cm setiap hujan. Saluran di "
        "bawah trotoar tersumbat.",
        "Jl. Mampang Prapatan Raya depan SPBU"),
      R("Mampang Prapatan tergenang",
        "Jl. Mampang Prapatan Raya dpn SPBU tergenang ±30 cm, sal. tersumbat.",
        "Jl. Mampang Prapatan Raya dpn SPBU", h=2, style="abbrev"),
      closed_h=24 * 6),
    P("mampang-genangan-september", "banjir_saluran", "mampang-raya", 8, "2026-09-14 06:20",
      R("Genangan lagi di Mampang Prapatan Raya depan SPBU",
        "Setelah hujan pagi ini, Jl. Mampang Prapatan Raya depan SPBU kembali tergenang 20-30 "
        "cm. Saluran kembali penuh lumpur.",
        "Jl. Mampang Prapatan Raya depan SPBU"),
      R("banjir mampang dpn spbu",
        "mampang prapatan raya dpn pom bensin banjir lg, air smp sebetis",
        "mampang raya dpn pom bensin", h=4, style="slang")),

    # Raya Pasar Minggu: vendors at the station (also filed as public order), another group.
    P("psm-pkl-stasiun", "pkl", "raya-pasar-minggu", 0, "2026-04-20 16:00",
      R("PKL di depan Stasiun Pasar Minggu",
        "Pedagang kaki lima menggelar dagangan di trotoar dan sebagian badan Jl. Raya Pasar "
        "Minggu depan stasiun. Kemacetan parah setiap sore.",
        "Jl. Raya Pasar Minggu depan Stasiun Pasar Minggu"),
      R("Kemacetan akibat pedagang di depan stasiun Pasar Minggu",
        "Lapak pedagang di depan Stasiun Pasar Minggu memakan badan jalan sehingga angkot "
        "berhenti sembarangan dan lalu lintas macet total setiap sore.",
        "Jl. Raya Ps. Minggu, dpn stasiun", h=25, category="ketertiban_umum",
        style="paraphrase"),
      R("pkl dpn stasiun psr minggu",
        "pkl dpn stasiun ps minggu makin parah, gelar lapak smp ke jalan. tiap sore macet",
        "dpn stasiun pasar minggu", h=27, style="slang+abbrev")),
    P("psm-pkl-pasar", "pkl", "raya-pasar-minggu", 230, "2026-04-21 15:30",
      R("PKL di trotoar dekat Pasar Minggu",
        "Pedagang buah berjualan di trotoar Jl. Raya Pasar Minggu dekat pintu masuk pasar, "
        "pejalan kaki tidak kebagian trotoar.",
        "Jl. Raya Pasar Minggu dekat pintu masuk pasar")),

    # Jati Padang: a sink hole in the road, with a drain problem at the same spot.
    P("jati-padang-amblas", "jalan_rusak", "jati-padang-raya", 0, "2026-11-09 08:30",
      R("Jalan amblas di Jl. Jati Padang Raya",
        "Badan Jl. Jati Padang Raya dekat sekolah amblas sedalam 50 cm setelah hujan deras. "
        "Sudah dipasang batang pohon sebagai tanda oleh warga.",
        "Jl. Jati Padang Raya dekat sekolah"),
      R("Jl. Jati Padang Raya amblas",
        "Jln. Jati Padang Raya dkt sekolah amblas ±50 cm, warga pasang tanda seadanya.",
        "Jln. Jati Padang Raya dkt sekolah", h=3, style="abbrev"),
      R("Jalan ambles dkt sekolah jati padang",
        "jalan di jati padang raya ambles dalem bgt dkt sekolah, bahaya buat anak2",
        "jati padang raya", h=9, coords=False, style="slang")),
    P("jati-padang-got", "banjir_saluran", "jati-padang-raya", 6, "2026-11-10 09:00",
      R("Saluran air jebol di Jl. Jati Padang Raya",
        "Dinding saluran air di Jl. Jati Padang Raya dekat sekolah jebol, air mengalir ke "
        "badan jalan.",
        "Jl. Jati Padang Raya dekat sekolah")),

    # Lenteng Agung: a damaged road on the main road and one on Jl. Agung Raya.
    P("la-rusak", "jalan_rusak", "lenteng-agung", 0, "2026-01-26 07:30",
      R("Jalan bergelombang di Jl. Raya Lenteng Agung",
        "Aspal Jl. Raya Lenteng Agung arah Depok dekat Stasiun Lenteng Agung bergelombang dan "
        "berlubang, kendaraan sering oleng.",
        "Jl. Raya Lenteng Agung dekat Stasiun Lenteng Agung"),
      R("Aspal rusak Lenteng Agung dekat stasiun",
        "Aspal di Jalan Raya Lenteng Agung dekat stasiun rusak dan bergelombang, beberapa motor "
        "oleng dan jatuh.",
        "Jalan Raya Lenteng Agung, dekat stasiun", h=30, style="paraphrase")),
    P("agung-raya-rusak", "jalan_rusak", "agung-raya", 0, "2026-01-27 08:00",
      R("Jalan berlubang di Jl. Agung Raya",
        "Aspal Jl. Agung Raya dekat musala berlubang, kendaraan sering oleng.",
        "Jl. Agung Raya dekat musala, Lenteng Agung", coords=False),
      R("Jl Agung Raya berlubang",
        "jl agung raya dkt musala berlubang, motor sering oleng",
        "jl. agung raya", h=7, coords=False, style="slang+abbrev")),

    # Lebak Bulus Raya: a tree leaning over the road, reported over days.
    P("lebak-bulus-pohon", "pohon", "lebak-bulus-raya", 0, "2026-10-05 10:00",
      R("Pohon miring rawan tumbang di Jl. Lebak Bulus Raya",
        "Pohon besar di Jl. Lebak Bulus Raya depan perumahan miring ke arah jalan dan akarnya "
        "terangkat. Dikhawatirkan tumbang saat hujan angin.",
        "Jl. Lebak Bulus Raya depan perumahan"),
      R("Mohon pemangkasan pohon miring Lebak Bulus",
        "Pohon di depan perumahan Jl. Lebak Bulus Raya condong ke jalan, mohon dipangkas atau "
        "ditebang sebelum roboh.",
        "Jl. Lebak Bulus Raya, depan perumahan", h=55, style="paraphrase"),
      R("pohon miring lebak bulus",
        "pohon gede di lebak bulus raya udh miring bgt ke jalan, akarnya naik. ngeri kl ujan",
        "lebak bulus raya dpn perumahan", h=80, style="slang", off=(15.0, 24.0))),

    # Ciledug Raya (Cipulir): flooding under the fly-over; Ulujami's flooding nearby.
    P("ciledug-genangan", "banjir_saluran", "ciledug-raya", 0, "2026-02-09 05:40",
      R("Banjir di Jl. Ciledug Raya dekat Pasar Cipulir",
        "Jl. Ciledug Raya dekat Pasar Cipulir terendam air 40 cm akibat luapan Kali "
        "Pesanggrahan. Kendaraan kecil tidak bisa melintas.",
        "Jl. Ciledug Raya dekat Pasar Cipulir"),
      R("Ciledug Raya terendam dekat Pasar Cipulir",
        "Ruas Ciledug Raya di sekitar Pasar Cipulir terendam, ketinggian air sekitar 40 cm. "
        "Mohon pengalihan lalu lintas dan pompa.",
        "Ciledug Raya, Pasar Cipulir", h=1.5, style="paraphrase", off=(30.0, 5.0)),
      R("banjir ciledug raya",
        "ciledug raya dkt psr cipulir banjir, motor pd mogok, air kali meluap",
        "jl ciledug raya", h=2, coords=False, style="slang+abbrev")),

    # Matraman Raya: a bus stop without a roof.
    P("matraman-halte", "fasilitas_umum", "matraman-raya", 0, "2026-08-03 09:15",
      R("Atap halte Jl. Matraman Raya rusak",
        "Atap halte bus di Jl. Matraman Raya depan sekolah terlepas sebagian, penumpang "
        "kepanasan dan kehujanan.",
        "Jl. Matraman Raya depan sekolah, Palmeriam"),
      R("Halte Matraman Raya tdk beratap",
        "Atap halte di Jl. Matraman Raya dpn sekolah copot, penumpang kehujanan.",
        "Jl. Matraman Raya dpn sekolah", h=29, style="abbrev+slang"),
      R("Halte bus Matraman atapnya lepas",
        "Sebagian atap halte di depan sekolah di Jalan Matraman Raya lepas dan belum diganti.",
        "Jalan Matraman Raya", h=72, style="paraphrase")),

    # Utan Kayu Utara: a gang with a broken drain cover.
    P("gg-sawo-tutup-got", "banjir_saluran", "gg-sawo-utan-kayu", 0, "2026-06-22 10:00",
      R("Tutup saluran rusak di Gg. Sawo",
        "Tutup saluran (grill) di Gg. Sawo RT 03/RW 09 Utan Kayu Utara pecah dan berlubang, "
        "sudah ada anak kecil terperosok.",
        "Gg. Sawo RT 03/RW 09, Utan Kayu Utara"),
      R("Tutup got pecah Gang Sawo",
        "Tutup got di Gang Sawo rt 3 rw 9 pecah, ada anak kecil kejeblos kemarin.",
        "Gang Sawo, RT 003 RW 009", h=18, style="abbrev+slang")),

    # Otista (Bidara Cina) and Jatinegara Barat (Kampung Melayu): rubbish, similar words.
    P("otista-sampah", "sampah", "otista", 0, "2026-07-13 07:00",
      R("Sampah menumpuk di Jl. Otista Raya",
        "Sampah menumpuk di trotoar Jl. Otto Iskandardinata (Otista) depan bank, belum "
        "diangkut dua hari.",
        "Jl. Otista Raya depan bank, Bidara Cina"),
      R("Sampah Jl. Otto Iskandardinata belum diangkut",
        "Tumpukan sampah di trotoar Jl. Otto Iskandardinata depan bank belum diangkut, "
        "mengganggu pejalan kaki.",
        "Jl. Otto Iskandardinata dpn bank", h=10, style="paraphrase")),
    P("jatinegara-barat-sampah", "sampah", "jatinegara-barat", 0, "2026-07-13 09:30",
      R("Sampah menumpuk di Jl. Jatinegara Barat",
        "Sampah menumpuk di trotoar Jl. Jatinegara Barat depan bank, belum diangkut dua hari.",
        "Jl. Jatinegara Barat depan bank, Kampung Melayu")),

    # Raya Bogor (Kramatjati): three potholes along one kilometre of one road.
    P("raya-bogor-lubang-pasar", "jalan_rusak", "raya-bogor-kramatjati", 0, "2026-03-30 07:00",
      R("Jalan berlubang di Jl. Raya Bogor dekat Pasar Induk",
        "Lubang besar di lajur kiri Jl. Raya Bogor dekat Pasar Induk Kramat Jati, banyak truk "
        "sayur melintas sehingga lubang makin melebar.",
        "Jl. Raya Bogor dekat Pasar Induk Kramat Jati"),
      R("Lubang di Jl Raya Bogor dkt Pasar Induk",
        "Lubang besar di lajur kiri Jl. Raya Bogor dkt Pasar Induk Kramat Jati makin lebar.",
        "Jl Raya Bogor dkt Ps. Induk", h=11, style="abbrev"),
      R("jln raya bogor bolong dkt psr induk",
        "raya bogor dkt pasar induk bolong gede, truk sayur lewat terus jd makin parah",
        "raya bogor pasar induk kramat jati", h=34, coords=False, style="slang")),
    P("raya-bogor-lubang-halte", "jalan_rusak", "raya-bogor-kramatjati", 100, "2026-03-31 08:30",
      R("Jalan berlubang di Jl. Raya Bogor dekat halte",
        "Jalan berlubang di Jl. Raya Bogor dekat halte arah Cililitan, lubang selebar roda mobil.",
        "Jl. Raya Bogor dekat halte arah Cililitan")),
    P("raya-bogor-lubang-masjid", "jalan_rusak", "raya-bogor-kramatjati", 300, "2026-04-01 10:00",
      R("Lubang di Jl. Raya Bogor dekat masjid",
        "Lubang di Jl. Raya Bogor depan masjid Kramat Jati, air menggenang di dalam lubang "
        "sehingga tidak terlihat.",
        "Jl. Raya Bogor depan masjid"),
      R("jl raya bogor dpn masjid bolong",
        "dpn masjid raya bogor ada lubang ketutup air, td pagi ada motor nyungsep",
        "jl raya bogor depan masjid", h=6, style="slang")),

    # Pahlawan Revolusi: parking; Klender: a flooded road (easy negatives with others).
    P("pahrev-parkir", "parkir_liar", "pahlawan-revolusi", 0, "2026-05-25 18:30",
      R("Parkir liar di Jl. Pahlawan Revolusi",
        "Kendaraan parkir liar di sepanjang Jl. Pahlawan Revolusi depan rumah makan, dua lajur "
        "menjadi satu. Kemacetan panjang tiap malam.",
        "Jl. Pahlawan Revolusi depan rumah makan, Pondok Bambu"),
      R("Parkir sembarangan di Pahlawan Revolusi",
        "Mobil pengunjung rumah makan parkir di badan Jl. Pahlawan Revolusi, lalu lintas "
        "tersendat setiap malam.",
        "Jalan Pahlawan Revolusi, Pondok Bambu", h=20, style="paraphrase")),
    P("ngurah-rai-banjir", "banjir_saluran", "ngurah-rai", 0, "2026-02-16 05:30",
      R("Banjir di Jl. I Gusti Ngurah Rai Klender",
        "Jl. I Gusti Ngurah Rai dekat Stasiun Klender tergenang 30 cm, saluran tidak mampu "
        "menampung air hujan.",
        "Jl. I Gusti Ngurah Rai dekat Stasiun Klender"),
      R("Genangan Jl. I Gusti Ngurah Rai",
        "Jl. I Gusti Ngurah Rai dkt Stasiun Klender tergenang ±30 cm.",
        "Jl. I Gst. Ngurah Rai dkt St. Klender", h=2, style="abbrev")),

    # Lubang Buaya and Bambu Apus: street lights; Penggilingan and Pulo Gebang: rubbish.
    P("pondok-gede-pju", "penerangan_jalan", "pondok-gede-raya", 0, "2026-09-28 19:00",
      R("PJU mati di Jl. Raya Pondok Gede",
        "Lampu penerangan jalan di Jl. Raya Pondok Gede dekat pertigaan Lubang Buaya mati, "
        "sering terjadi begal motor di lokasi tersebut.",
        "Jl. Raya Pondok Gede dekat pertigaan Lubang Buaya"),
      R("Lampu jalan Pondok Gede Raya mati, rawan begal",
        "Penerangan jalan di pertigaan Lubang Buaya Jl. Raya Pondok Gede padam, warga "
        "khawatir dengan maraknya begal.",
        "pertigaan Lubang Buaya", h=13, style="paraphrase"),
      R("lampu jln mati pondok gede raya",
        "lampu jln di pertigaan lubang buaya mati, gelap bgt rawan begal",
        "jl raya pondok gede", h=15, coords=False, style="slang+abbrev")),
    P("bambu-apus-pju", "penerangan_jalan", "bambu-apus-raya", 0, "2026-09-29 20:00",
      R("PJU mati di Jl. Bambu Apus Raya",
        "Lampu penerangan jalan di Jl. Bambu Apus Raya dekat pertigaan mati, rawan begal.",
        "Jl. Bambu Apus Raya dekat pertigaan")),
    P("penggilingan-sampah", "sampah", "penggilingan-raya", 0, "2026-10-19 07:30",
      R("Sampah di bantaran kali Penggilingan",
        "Sampah menumpuk di bantaran kali dekat Jl. Raya Penggilingan, sebagian hanyut ke "
        "saluran dan menyumbat.",
        "Jl. Raya Penggilingan dekat kali"),
      R("Sampah bantaran kali Jl. Raya Penggilingan",
        "Tumpukan sampah di bantaran kali dkt Jl. Raya Penggilingan, sebagian masuk saluran.",
        "Jl. Raya Penggilingan", h=26, style="abbrev")),
    P("pulo-gebang-sampah", "sampah", "pulo-gebang-raya", 0, "2026-10-19 10:00",
      R("Sampah menumpuk",
        "Sampah menumpuk di pinggir Jl. Raya Pulo Gebang dekat terminal, belum diangkut.",
        "Jl. Raya Pulo Gebang dekat terminal")),

    # Tambora and Kemanggisan: gang problems written with "Gg."/"gang".
    P("gg-langgar-kabel", "lainnya", "gg-langgar-tambora", 0, "2026-08-10 14:00",
      R("Kabel menjuntai di Gg. Langgar",
        "Kabel-kabel utilitas menjuntai rendah di Gg. Langgar RT 02/RW 05 Tambora, hampir "
        "menyentuh kepala orang yang lewat. Dikhawatirkan tersengat listrik.",
        "Gg. Langgar RT 02/RW 05, Tambora"),
      R("Kabel semrawut Gang Langgar",
        "Kabel semrawut di gang langgar rt02 rw05 menjuntai smp kepala, bahaya bgt.",
        "Gang Langgar RT02/RW05", h=8, style="slang+abbrev"),
      R("Kabel utilitas menjuntai di Gang Langgar Tambora",
        "Mohon penertiban kabel utilitas yang menjuntai rendah di Gang Langgar Tambora.",
        "Gang Langgar, Tambora", h=30, coords=False, style="paraphrase")),
    P("gg-h-naim-lampu", "penerangan_jalan", "gg-h-naim-kemanggisan", 0, "2026-04-27 20:30",
      R("Lampu gang mati di Gg. H. Naim",
        "Lampu penerangan di Gg. H. Naim RT 05/RW 12 Kemanggisan mati, gang gelap total.",
        "Gg. H. Naim RT 05/RW 12, Kemanggisan"),
      R("Lampu Gang Haji Naim padam",
        "Lampu di Gang Haji Naim RT 5 RW 12 padam, gang gelap gulita malam hari.",
        "Gang Haji Naim, RT 5/RW 12", h=21, style="abbrev")),
]


NEGATIVES += [
    N("same-street-other-spot", "saharjo-pkl-sekolah", "saharjo-pkl-halte", n=4),
    N("same-kelurahan-other-street", "tbd-tps", "tebet-barat-iv-sampah", n=5),
    N("same-kelurahan-other-street", "guntur-pju", "halimun-pju", n=3),
    N("months-apart", "mampang-genangan-maret", "mampang-genangan-september", n=4),
    N("same-street-other-spot", "psm-pkl-stasiun", "psm-pkl-pasar", n=3),
    N("other-category-same-spot", "jati-padang-amblas", "jati-padang-got", n=3),
    N("same-kelurahan-other-street", "la-rusak", "agung-raya-rusak", n=4),
    N("other-kelurahan", "otista-sampah", "jatinegara-barat-sampah", n=2),
    N("same-street-other-spot", "raya-bogor-lubang-pasar", "raya-bogor-lubang-halte",
      "raya-bogor-lubang-masjid", n=7),
    N("other-kelurahan", "pondok-gede-pju", "bambu-apus-pju", n=3),
    N("boilerplate-title", "pulo-gebang-sampah", "kemanggisan-sampah", "dewi-sartika-sampah",
      n=3),
    N("other-kelurahan", "penggilingan-sampah", "pulo-gebang-sampah", n=2),
    N("other-kelurahan", "ciledug-genangan", "kedoya-genangan", n=2),
    N("easy", "gg-langgar-kabel", "lebak-bulus-pohon", n=1),
    N("easy", "matraman-halte", "ngurah-rai-banjir", n=1),
    N("easy", "pahrev-parkir", "gg-sawo-tutup-got", n=1),
    N("easy", "gg-h-naim-lampu", "gg-swadaya-got", n=1),
]


STREETS.update({
    "kh-mas-mansyur": Street("31.71.07.1005", -6.20200, 106.81500, 0),  # Kebon Melati
    "kebon-kacang-raya": Street("31.71.07.1006", -6.19200, 106.81700, 90),  # Kebon Kacang
    "pasar-baru": Street("31.71.02.1001", -6.16500, 106.83400, 0),  # Pasar Baru
    "garuda": Street("31.71.03.1001", -6.16200, 106.84500, 90),  # Kemayoran
    "budi-mulia": Street("31.72.05.1002", -6.13400, 106.83300, 0),  # Pademangan Barat
    "kalibaru-timur": Street("31.72.04.1004", -6.10500, 106.92400, 90),  # Kalibaru
    "warakas-raya": Street("31.72.02.1007", -6.12400, 106.87800, 0),  # Warakas
    "kapuk-raya": Street("31.73.01.1005", -6.13500, 106.75600, 0),  # Kapuk
    "bojong-raya": Street("31.73.01.1003", -6.16000, 106.73300, 0),  # Rawa Buaya
    "kh-moch-mansyur": Street("31.73.04.1008", -6.14500, 106.80300, 90),  # Jembatan Lima
    "meruya-ilir": Street("31.73.08.1002", -6.19800, 106.74500, 0),  # Meruya Utara
    "joglo-raya": Street("31.73.08.1005", -6.22500, 106.73500, 0),  # Joglo
    "kemang-raya": Street("31.74.03.1002", -6.26000, 106.81400, 0),  # Bangka
    "karet-pedurenan": Street("31.74.02.1003", -6.22200, 106.82800, 0),  # Karet Kuningan
    "kebagusan-raya": Street("31.74.04.1007", -6.30700, 106.82900, 0),  # Kebagusan
    "wijaya-i": Street("31.74.07.1008", -6.24400, 106.81000, 90),  # Petogogan
    "kyai-maja": Street("31.74.07.1002", -6.24000, 106.79200, 0),  # Gunung
    "duren-tiga-raya": Street("31.74.08.1004", -6.25300, 106.83200, 90),  # Duren Tiga
    "bintaro-permai": Street("31.74.10.1002", -6.26300, 106.76000, 0),  # Bintaro
    "utan-kayu-raya": Street("31.75.01.1002", -6.19450, 106.86800, 0),  # Utan Kayu Utara
    "perintis-kemerdekaan": Street("31.75.02.1006", -6.17800, 106.88800, 90),  # Kayu Putih
    "kalisari-raya": Street("31.75.05.1004", -6.33500, 106.85800, 0),  # Kalisari
    "raya-ciracas": Street("31.75.09.1001", -6.32200, 106.87300, 0),  # Ciracas
    "lapangan-tembak": Street("31.75.09.1002", -6.36200, 106.89300, 90),  # Cibubur
    "kalimalang": Street("31.75.08.1005", -6.24400, 106.90600, 90),  # Cipinang Melayu
})


PROBLEMS += [
    # Cempaka Putih Raya: two holes 120 m apart; a hole on Cempaka Putih Tengah.
    P("cpr-lubang-bank", "jalan_rusak", "cempaka-putih-raya", 0, "2026-06-01 08:00",
      R("Jalan berlubang di Jl. Cempaka Putih Raya depan bank",
        "Ada lubang selebar setengah meter di Jl. Cempaka Putih Raya depan bank, tepat di "
        "lajur motor. Sudah dua pengendara terjatuh minggu ini.",
        "Jl. Cempaka Putih Raya depan bank"),
      R("Lubang Jln. Cempaka Putih Raya dpn bank",
        "Lubang ±50 cm di Jln. Cempaka Putih Raya dpn bank, lajur motor. Sdh 2 pengendara "
        "jatuh.",
        "Jln. Cempaka Putih Raya dpn Bank", h=9, style="abbrev"),
      R("Aspal berlubang di Cempaka Putih Raya",
        "Warga melaporkan aspal berlubang di jalur sepeda motor Jalan Cempaka Putih Raya di "
        "depan kantor bank. Mohon perbaikan.",
        "Jalan Cempaka Putih Raya, depan kantor bank", h=24, style="paraphrase",
        off=(-28.0, 12.0))),
    P("cpr-lubang-apotek", "jalan_rusak", "cempaka-putih-raya", 95, "2026-06-02 09:30",
      R("Jalan berlubang di Jl. Cempaka Putih Raya dekat apotek",
        "Lubang di Jl. Cempaka Putih Raya dekat apotek, di lajur kiri, cukup dalam.",
        "Jl. Cempaka Putih Raya dekat apotek"),
      R("lubang cempaka putih raya dkt apotek",
        "ada lubang dlm di lajur kiri cempaka putih raya dkt apotek",
        "cempaka putih raya dekat apotek", h=3, style="slang")),
    P("cpt-tengah-lubang", "jalan_rusak", "cempaka-putih-tengah", 0, "2026-06-02 14:00",
      R("Jalan berlubang di Jl. Cempaka Putih Tengah",
        "Ada lubang di Jl. Cempaka Putih Tengah depan bank, di lajur motor, cukup dalam.",
        "Jl. Cempaka Putih Tengah depan bank", coords=False)),

    # Kebon Sirih: a dead light fixed in April, out again in October.
    P("kebon-sirih-pju-april", "penerangan_jalan", "kebon-sirih", 0, "2026-04-06 19:30",
      R("Lampu PJU mati di Jl. Kebon Sirih",
        "Lampu PJU di Jl. Kebon Sirih depan gedung perkantoran mati, trotoar gelap.",
        "Jl. Kebon Sirih depan gedung perkantoran"),
      closed_h=24 * 3),
    P("kebon-sirih-pju-oktober", "penerangan_jalan", "kebon-sirih", 6, "2026-10-05 20:00",
      R("Lampu jalan Kebon Sirih padam lagi",
        "Lampu penerangan jalan di Jl. Kebon Sirih depan gedung perkantoran kembali padam, "
        "trotoar gelap pada malam hari.",
        "Jl. Kebon Sirih depan gedung kantor"),
      R("PJU mati Jl Kebon Sirih",
        "PJU dpn gedung kantor jl kebon sirih mati lg",
        "jl. kebon sirih", h=20, style="abbrev+slang")),

    # Bendungan Hilir market: vendors on the road; parked motorbikes at the same spot.
    P("benhil-pkl", "pkl", "benhil-raya", 0, "2026-02-16 07:00",
      R("PKL di badan Jl. Bendungan Hilir Raya",
        "Pedagang kaki lima di sekitar Pasar Benhil berjualan hingga ke badan Jl. Bendungan "
        "Hilir Raya setiap pagi, jalan menyempit dan macet.",
        "Jl. Bendungan Hilir Raya dekat Pasar Benhil"),
      R("Pedagang Pasar Benhil luber ke jalan",
        "Lapak pedagang di depan Pasar Bendungan Hilir memakan badan jalan pada pagi hari.",
        "Pasar Bendungan Hilir", h=28, style="paraphrase")),
    P("benhil-parkir", "parkir_liar", "benhil-raya", 10, "2026-02-17 08:00",
      R("Parkir liar motor di depan Pasar Benhil",
        "Motor pengunjung pasar parkir di badan Jl. Bendungan Hilir Raya depan pasar, dipungut "
        "juru parkir tidak resmi.",
        "Jl. Bendungan Hilir Raya depan Pasar Benhil"),
      R("parkir liar psr benhil",
        "motor parkir di jalan dpn psr benhil, jukir liar narik 3rb",
        "jl benhil raya dpn pasar", h=4, style="slang")),

    # Kramat Sentiong and Paseban Raya: rubbish, the same words, neighbouring kelurahan.
    P("sentiong-sampah", "sampah", "kramat-sentiong", 0, "2026-08-24 06:30",
      R("Sampah menumpuk di Jl. Kramat Sentiong",
        "Sampah menumpuk di pinggir Jl. Kramat Sentiong dekat jembatan kali, bau menyengat dan "
        "belum diangkut sejak Sabtu.",
        "Jl. Kramat Sentiong dekat jembatan"),
      R("Tumpukan sampah Kramat Sentiong",
        "Sampah di pinggir Jl. Kramat Sentiong dkt jembatan blm diangkut sjk Sabtu.",
        "Jl. Kramat Sentiong dkt jembatan", h=5, style="abbrev")),
    P("paseban-sampah", "sampah", "paseban-raya", 0, "2026-08-24 09:00",
      R("Sampah menumpuk di Jl. Paseban Raya",
        "Sampah menumpuk di pinggir Jl. Paseban Raya dekat jembatan, bau menyengat dan belum "
        "diangkut sejak Sabtu.",
        "Jl. Paseban Raya dekat jembatan")),

    # KH Mas Mansyur: flooding under the railway bridge, over days.
    P("mas-mansyur-genangan", "banjir_saluran", "kh-mas-mansyur", 0, "2026-01-19 06:10",
      R("Genangan di Jl. KH Mas Mansyur bawah rel",
        "Jl. KH Mas Mansyur di bawah jembatan rel kereta tergenang 50 cm, mobil kecil tidak bisa "
        "lewat. Pompa di lokasi tidak berfungsi.",
        "Jl. KH Mas Mansyur bawah jembatan rel, Kebon Melati"),
      R("Underpass KH Mas Mansyur masih tergenang",
        "Sudah tiga hari genangan di bawah rel Jl. KH Mas Mansyur tidak surut karena pompa "
        "rusak. Mohon perbaikan pompa.",
        "Jl. K.H. Mas Mansyur, kolong rel", h=72, style="paraphrase"),
      R("kolong rel mas mansyur banjir",
        "kolong rel mas mansyur msh banjir, pompa rusak gak diperbaiki2",
        "jl kh mas mansyur kolong rel", h=76, style="slang")),

    # Kebon Kacang: a shack built over the drain; the drain's flooding is another matter.
    P("kebon-kacang-bangli", "ketertiban_umum", "kebon-kacang-raya", 0, "2026-09-01 10:00",
      R("Bangunan liar di atas saluran Jl. Kebon Kacang Raya",
        "Ada bangunan semi permanen berdiri di atas saluran air Jl. Kebon Kacang Raya, "
        "digunakan untuk warung. Mohon ditertibkan.",
        "Jl. Kebon Kacang Raya, Tanah Abang"),
      R("Bangli di atas got Kebon Kacang Raya",
        "Bangli berdiri di atas got Jl. Kebon Kacang Raya, dipakai warung. Mhn penertiban.",
        "Jl. Kebon Kacang Raya", h=30, style="abbrev")),
    P("kebon-kacang-got", "banjir_saluran", "kebon-kacang-raya", 5, "2026-09-02 16:00",
      R("Saluran Jl. Kebon Kacang Raya meluap",
        "Saluran air di Jl. Kebon Kacang Raya meluap saat hujan sore ini, air menggenangi "
        "jalan sekitar 15 cm.",
        "Jl. Kebon Kacang Raya")),

    # Pasar Baru: vendors in the arcade entrance, with a missing coordinate.
    P("pasar-baru-pkl", "pkl", "pasar-baru", 0, "2026-12-01 11:00",
      R("PKL menghalangi pintu masuk Pasar Baru",
        "Pedagang kaki lima menggelar lapak di depan gerbang Pasar Baru sehingga pengunjung "
        "sulit masuk dan keluar.",
        "Gerbang Pasar Baru, Jl. Pasar Baru"),
      R("Lapak PKL di gerbang Pasar Baru",
        "Lapak pedagang kaki lima di depan gerbang Jl. Pasar Baru menghalangi jalan masuk.",
        "Jl. Pasar Baru, depan gerbang", h=22, coords=False, style="paraphrase")),

    # Jl. Garuda (Kemayoran): a fallen tree, a day of reports.
    P("garuda-pohon", "pohon", "garuda", 0, "2026-11-16 14:30",
      R("Pohon tumbang menimpa pagar di Jl. Garuda",
        "Pohon tumbang di Jl. Garuda depan sekolah menimpa pagar dan sebagian menutup jalan.",
        "Jl. Garuda depan sekolah, Kemayoran"),
      R("Pohon roboh Jl Garuda dpn sekolah",
        "Pohon roboh di Jl. Garuda dpn sekolah, pagar rusak, jln tertutup sebagian.",
        "Jl Garuda dpn sekolah", h=1, style="abbrev"),
      R("pohon tumbang jl garuda",
        "pohon tumbang nimpa pager sekolah di jl garuda, jalan ketutup stengah",
        "jl. garuda kemayoran", h=3, style="slang", off=(25.0, -18.0))),

    # Pademangan Barat: tidal flooding; Kalibaru: a rubbish heap by the shore; Warakas: brawls.
    P("budi-mulia-rob", "banjir_saluran", "budi-mulia", 0, "2026-11-23 05:00",
      R("Genangan rob di Jl. Budi Mulia",
        "Jl. Budi Mulia Pademangan tergenang air rob sekitar 20 cm sejak subuh, saluran "
        "mengalir balik.",
        "Jl. Budi Mulia, Pademangan Barat"),
      R("Rob Jl. Budi Mulia Pademangan",
        "Air rob menggenangi Jl. Budi Mulia sejak subuh, tinggi sekitar 20 cm.",
        "Jalan Budi Mulia, Pademangan", h=3, coords=False, style="paraphrase"),
      R("jl budi mulia kena rob",
        "jln budi mulia kerendem rob dr subuh, got malah balik airnya",
        "jln. budi mulia", h=4, coords=False, style="slang+abbrev")),
    P("kalibaru-sampah", "sampah", "kalibaru-timur", 0, "2026-05-04 08:00",
      R("Sampah menumpuk di pesisir Kalibaru",
        "Sampah plastik menumpuk di pinggir Jl. Kalibaru Timur dekat tambatan perahu, terbawa "
        "air pasang.",
        "Jl. Kalibaru Timur dekat tambatan perahu"),
      R("Sampah plastik di Kalibaru Timur",
        "Sampah plastik numpuk di Jl. Kalibaru Tmr dkt tambatan perahu.",
        "Jl. Kalibaru Tmr", h=20, style="abbrev")),
    P("warakas-tawuran", "ketertiban_umum", "warakas-raya", 0, "2026-06-07 02:00",
      R("Tawuran di Jl. Warakas Raya",
        "Tawuran remaja kembali terjadi di Jl. Warakas Raya dini hari, warga resah.",
        "Jl. Warakas Raya, Tanjung Priok")),

    # Kapuk and Rawa Buaya: flooding on main roads of two kelurahan on one morning.
    P("kapuk-banjir", "banjir_saluran", "kapuk-raya", 0, "2026-02-09 06:00",
      R("Banjir di Jl. Kapuk Raya",
        "Jl. Kapuk Raya dekat pasar tergenang 40 cm, kendaraan roda dua mogok. Saluran "
        "tersumbat sampah.",
        "Jl. Kapuk Raya dekat pasar, Cengkareng"),
      R("Jl. Kapuk Raya banjir 40 cm",
        "Jl. Kapuk Raya dkt pasar tergenang ±40 cm, saluran tersumbat.",
        "Jl. Kapuk Raya dkt psr", h=1, style="abbrev"),
      R("banjir kapuk raya",
        "kapuk raya dkt pasar banjir se lutut, motor pd mogok",
        "kapuk raya", h=2, coords=False, style="slang")),
    P("bojong-banjir", "banjir_saluran", "bojong-raya", 0, "2026-02-09 06:30",
      R("Banjir di Jl. Bojong Raya",
        "Jl. Bojong Raya dekat pasar tergenang 40 cm, kendaraan roda dua mogok.",
        "Jl. Bojong Raya dekat pasar, Rawa Buaya")),

    # Jembatan Lima: parking on the KH Moch. Mansyur road, reported by three posko.
    P("jembatan-lima-parkir", "parkir_liar", "kh-moch-mansyur", 0, "2026-03-16 12:00",
      R("Parkir liar di Jl. KH Moch. Mansyur",
        "Mobil boks parkir di bahu Jl. KH Moch. Mansyur depan toko grosir Jembatan Lima, bongkar "
        "muat di jalan sehingga macet.",
        "Jl. KH Moch. Mansyur depan toko grosir, Jembatan Lima"),
      R("Bongkar muat di badan jalan Jembatan Lima",
        "Kendaraan bongkar muat parkir di badan jalan depan toko grosir Jembatan Lima, lalu "
        "lintas tersendat.",
        "Jl. K.H. Mochammad Mansyur, Jembatan Lima", h=3, style="paraphrase"),
      R("parkir liar jemb lima",
        "mobil box parkir sembarangan dpn toko grosir jemb lima, bongkar muat di jln",
        "jl kh mansyur jembatan lima", h=5, style="slang+abbrev")),

    # Meruya Utara and Joglo: "Jalan rusak" again, two more kelurahan.
    P("meruya-rusak", "jalan_rusak", "meruya-ilir", 0, "2026-09-08 10:00",
      R("Jalan rusak",
        "Jl. Meruya Ilir Raya dekat pasar rusak, aspal mengelupas dan berlubang.",
        "Jl. Meruya Ilir Raya dekat pasar"),
      R("Jalan rusak Meruya Ilir",
        "Aspal Jl. Meruya Ilir Raya dkt pasar mengelupas & berlubang.",
        "Jl. Meruya Ilir Raya", h=26, style="abbrev")),
    P("joglo-rusak", "jalan_rusak", "joglo-raya", 0, "2026-09-08 13:00",
      R("Jalan rusak",
        "Jl. Joglo Raya dekat sekolah rusak parah, aspal mengelupas dan berlubang.",
        "Jl. Joglo Raya dekat sekolah")),

    # Kemang Raya: cafe parking closed by the CRM, reported again two days later.
    P("kemang-parkir", "parkir_liar", "kemang-raya", 0, "2026-07-10 20:00",
      R("Parkir liar di Jl. Kemang Raya",
        "Mobil pengunjung kafe parkir di badan Jl. Kemang Raya, menyebabkan kemacetan panjang "
        "setiap malam akhir pekan.",
        "Jl. Kemang Raya depan kafe, Bangka"),
      R("Parkir di badan jalan Kemang Raya",
        "Pengunjung kafe di Jl. Kemang Raya parkir di badan jalan, lalu lintas macet setiap "
        "malam Sabtu.",
        "Jalan Kemang Raya, depan kafe", h=4, style="paraphrase"),
      R("Parkir liar Kemang Raya masih terjadi",
        "Laporan sebelumnya sudah ditutup, tetapi mobil masih parkir di badan Jl. Kemang Raya "
        "depan kafe setiap malam.",
        "Jl. Kemang Raya depan kafe", h=70, style="paraphrase"),
      closed_h=30),

    # Karet Kuningan: a gang flooding, "gg"/"gang" and RT/RW written three ways.
    P("karet-pedurenan-genangan", "banjir_saluran", "karet-pedurenan", 0, "2026-01-12 17:00",
      R("Genangan di Jl. Karet Pedurenan",
        "Jl. Karet Pedurenan RT 010/RW 04 tergenang setiap hujan karena saluran tertutup "
        "cor-coran bangunan.",
        "Jl. Karet Pedurenan RT 010/RW 04, Karet Kuningan"),
      R("Saluran Karet Pedurenan tertutup cor",
        "Sal. air di Jl. Karet Pedurenan rt10 rw4 tertutup cor bangunan, tiap hujan tergenang.",
        "Jl. Karet Pedurenan rt10/rw4", h=20, style="abbrev"),
      R("Genangan Karet Pedurenan RT 10",
        "Warga RT 10 RW 04 mengeluh genangan di jalan Karet Pedurenan akibat saluran yang "
        "ditutup coran.",
        "Karet Pedurenan, RT 10 RW 04", h=26, coords=False, style="paraphrase")),

    # Kebagusan Raya: a fallen tree, four reports in an hour.
    P("kebagusan-pohon", "pohon", "kebagusan-raya", 0, "2026-11-30 15:10",
      R("Pohon tumbang di Jl. Kebagusan Raya",
        "Pohon tumbang melintang di Jl. Kebagusan Raya dekat masjid, jalan tertutup total. "
        "Mohon segera dievakuasi.",
        "Jl. Kebagusan Raya dekat masjid"),
      R("Pohon roboh tutup Jl. Kebagusan Raya",
        "Pohon roboh menutup total Jl. Kebagusan Raya dkt masjid.",
        "Jl. Kebagusan Raya dkt masjid", h=0.3, style="abbrev"),
      R("Jalan Kebagusan Raya tertutup pohon tumbang",
        "Akses jalan Kebagusan Raya di sekitar masjid tertutup pohon yang tumbang karena angin "
        "kencang.",
        "Jalan Kebagusan Raya, sekitar masjid", h=0.5, style="paraphrase"),
      R("pohon tumbang kebagusan",
        "pohon tumbang di kebagusan raya deket masjid, jln gak bs dilewatin",
        "kebagusan raya", h=1, coords=False, style="slang")),

    # Petogogan and Gunung: dead lights on neighbouring streets of two kelurahan.
    P("wijaya-pju", "penerangan_jalan", "wijaya-i", 0, "2026-03-09 19:00",
      R("Lampu jalan mati di Jl. Wijaya I",
        "Lampu PJU di Jl. Wijaya I dekat taman padam, trotoar gelap.",
        "Jl. Wijaya I dekat taman, Petogogan"),
      R("PJU padam Jl. Wijaya I",
        "PJU di Jl. Wijaya I dkt taman padam.",
        "Jl. Wijaya I", h=25, style="abbrev")),
    P("kyai-maja-pju", "penerangan_jalan", "kyai-maja", 0, "2026-03-09 21:00",
      R("Lampu jalan mati di Jl. Kyai Maja",
        "Lampu PJU di Jl. Kyai Maja dekat taman padam, trotoar gelap.",
        "Jl. Kyai Maja dekat taman, Gunung")),

    # Duren Tiga Raya: two holes 200 m apart, one posko writes without coordinates.
    P("duren-tiga-lubang-sekolah", "jalan_rusak", "duren-tiga-raya", 0, "2026-04-13 07:30",
      R("Jalan berlubang di Jl. Duren Tiga Raya depan sekolah",
        "Lubang di Jl. Duren Tiga Raya depan sekolah membahayakan siswa yang diantar dengan "
        "motor.",
        "Jl. Duren Tiga Raya depan sekolah"),
      R("Lubang Jl. Duren Tiga Raya dpn sekolah",
        "Lubang di Jl. Duren Tiga Raya dpn sekolah, bahaya bg siswa.",
        "Jl. Duren Tiga Raya dpn sekolah", h=27, coords=False, style="abbrev")),
    P("duren-tiga-lubang-pom", "jalan_rusak", "duren-tiga-raya", 200, "2026-04-14 10:00",
      R("Jalan berlubang di Jl. Duren Tiga Raya dekat pom bensin",
        "Lubang di Jl. Duren Tiga Raya dekat pom bensin, cukup dalam dan lebar.",
        "Jl. Duren Tiga Raya dekat SPBU"),
      R("Duren Tiga Raya dekat SPBU berlubang",
        "Aspal berlubang dalam di ruas Duren Tiga Raya sekitar SPBU.",
        "Duren Tiga Raya, dekat SPBU", h=8, style="paraphrase")),

    # Bintaro Permai: a blocked drain after days of rain.
    P("bintaro-got", "banjir_saluran", "bintaro-permai", 0, "2026-02-23 06:00",
      R("Saluran tersumbat di Jl. Bintaro Permai",
        "Saluran di Jl. Bintaro Permai depan ruko tersumbat sedimen, jalan tergenang tiap "
        "hujan.",
        "Jl. Bintaro Permai depan ruko, Pesanggrahan"),
      R("Genangan Bintaro Permai tak kunjung ditangani",
        "Sudah empat hari setelah dilaporkan, genangan di depan ruko Jl. Bintaro Permai masih "
        "terjadi tiap hujan. Saluran belum dikeruk.",
        "Jl. Bintaro Permai depan ruko", h=100, style="paraphrase")),

    # Utan Kayu Raya: vendors; Perintis Kemerdekaan: the pavement, filed under two categories.
    P("utan-kayu-pkl", "pkl", "utan-kayu-raya", 0, "2026-08-31 17:00",
      R("PKL di trotoar Jl. Utan Kayu Raya",
        "Pedagang makanan berjualan di trotoar Jl. Utan Kayu Raya depan sekolah hingga malam.",
        "Jl. Utan Kayu Raya depan sekolah"),
      R("pkl utan kayu raya",
        "trotoar utan kayu raya dpn sekolah dipake jualan, gak bs lewat",
        "utan kayu raya dpn sekolah", h=6, style="slang")),
    P("perintis-trotoar", "jalan_rusak", "perintis-kemerdekaan", 0, "2026-10-26 09:00",
      R("Trotoar rusak di Jl. Perintis Kemerdekaan",
        "Trotoar di Jl. Perintis Kemerdekaan depan kampus retak dan berlubang, ubin terlepas.",
        "Jl. Perintis Kemerdekaan depan kampus, Kayu Putih"),
      R("Trotoar depan kampus Perintis Kemerdekaan berlubang",
        "Fasilitas trotoar di depan kampus Jl. Perintis Kemerdekaan rusak, ubinnya lepas dan "
        "berlubang.",
        "Jl. Perintis Kemerdekaan, depan kampus", h=20, category="fasilitas_umum",
        style="paraphrase")),

    # Kalisari and Ciracas: rubbish by the road with one title.
    P("kalisari-sampah", "sampah", "kalisari-raya", 0, "2026-06-29 08:00",
      R("Sampah menumpuk",
        "Sampah menumpuk di pinggir Jl. Kalisari Raya dekat lapangan, tidak diangkut seminggu.",
        "Jl. Kalisari Raya dekat lapangan"),
      R("Sampah menumpuk di Kalisari Raya",
        "Tumpukan sampah di pinggir Jl. Kalisari Raya dekat lapangan, sudah seminggu.",
        "Jl. Kalisari Raya", h=24, style="paraphrase")),
    P("ciracas-sampah", "sampah", "raya-ciracas", 0, "2026-06-29 10:00",
      R("Sampah menumpuk",
        "Sampah menumpuk di pinggir Jl. Raya Ciracas dekat lapangan, tidak diangkut seminggu.",
        "Jl. Raya Ciracas dekat lapangan")),

    # Cibubur: a tree with a hanging branch; Cipinang Melayu: rubbish in the canal.
    P("lapangan-tembak-pohon", "pohon", "lapangan-tembak", 0, "2026-12-02 09:00",
      R("Dahan pohon menggantung di Jl. Lapangan Tembak",
        "Dahan besar pohon di Jl. Lapangan Tembak Cibubur patah dan menggantung di atas jalan.",
        "Jl. Lapangan Tembak, Cibubur"),
      R("Dahan patah Jl. Lapangan Tembak Cibubur",
        "Dahan pohon patah menggantung di atas Jl. Lap. Tembak, rawan jatuh.",
        "Jl. Lap. Tembak Cibubur", h=5, coords=False, style="abbrev")),
    P("kalimalang-sampah", "sampah", "kalimalang", 0, "2026-07-20 07:00",
      R("Sampah di Kali Malang Cipinang Melayu",
        "Sampah menumpuk di pinggir Kali Malang sisi Jl. Kalimalang dekat jembatan, sebagian "
        "hanyut.",
        "Jl. Kalimalang dekat jembatan, Cipinang Melayu"),
      R("Sampah pinggir Kalimalang",
        "Tumpukan sampah di pinggir kali Jl. Kalimalang dkt jembatan, sebagian hanyut.",
        "Jl. Kalimalang dkt jembatan", h=5, style="abbrev")),
]


NEGATIVES += [
    N("same-street-other-spot", "cpr-lubang-bank", "cpr-lubang-apotek", n=5),
    N("same-kelurahan-other-street", "cpr-lubang-bank", "cpt-tengah-lubang", n=3),
    N("months-apart", "kebon-sirih-pju-april", "kebon-sirih-pju-oktober", n=2),
    N("other-category-same-spot", "benhil-pkl", "benhil-parkir", n=4),
    N("other-kelurahan", "sentiong-sampah", "paseban-sampah", n=2),
    N("other-category-same-spot", "kebon-kacang-bangli", "kebon-kacang-got", n=2),
    N("other-kelurahan", "kapuk-banjir", "bojong-banjir", n=3),
    N("boilerplate-title", "meruya-rusak", "joglo-rusak", "kahfi-rusak", "cipete-rusak", n=6),
    N("other-kelurahan", "wijaya-pju", "kyai-maja-pju", n=2),
    N("same-street-other-spot", "duren-tiga-lubang-sekolah", "duren-tiga-lubang-pom", n=4),
    N("boilerplate-title", "kalisari-sampah", "ciracas-sampah", "palmerah-sampah", n=3),
    N("easy", "garuda-pohon", "warakas-tawuran", n=1),
    N("easy", "budi-mulia-rob", "kemang-parkir", n=1),
    N("easy", "kalibaru-sampah", "karet-pedurenan-genangan", n=1),
    N("easy", "jembatan-lima-parkir", "lapangan-tembak-pohon", n=1),
    N("easy", "utan-kayu-pkl", "kebagusan-pohon", n=1),
    N("easy", "perintis-trotoar", "pasar-baru-pkl", n=1),
    N("easy", "bintaro-got", "kalimalang-sampah", n=1),
]


PROBLEMS += [
    # More of the same kelurahan on other streets.
    P("sentiong-lubang", "jalan_rusak", "kramat-sentiong", 60, "2026-02-10 09:00",
      R("Jalan berlubang di Jl. Kramat Sentiong",
        "Terdapat lubang cukup dalam di Jl. Kramat Sentiong dekat gang masuk permukiman, sering "
        "membuat motor terperosok.",
        "Jl. Kramat Sentiong dekat mulut gang"),
      R("Jln Kramat Sentiong berlubang",
        "lubang dlm di jln kramat sentiong dkt mulut gang, motor sering keperosok",
        "jln kramat sentiong", h=7, coords=False, style="slang+abbrev")),
    P("balai-pustaka-genangan", "banjir_saluran", "balai-pustaka", 100, "2026-01-22 06:15",
      R("Genangan di Jl. Balai Pustaka",
        "Jl. Balai Pustaka dekat sekolah tergenang 30 cm sejak subuh, saluran tidak mengalir.",
        "Jl. Balai Pustaka dekat sekolah, Rawamangun"),
      R("Genangan Jl Balai Pustaka",
        "Jl. Balai Pustaka dkt sekolah tergenang ±30 cm, sal. tdk mengalir.",
        "Jl Balai Pustaka", h=2, coords=False, style="abbrev")),
    P("pemuda-genangan-april", "banjir_saluran", "pemuda", 10, "2026-04-20 06:00",
      R("Jl. Pemuda depan Arion tergenang lagi",
        "Jl. Pemuda depan Arion Mall kembali tergenang 30 cm setelah hujan deras pagi ini. "
        "Saluran kembali tersumbat.",
        "Jl. Pemuda depan Arion Mall")),

    # The same spot long after it was closed.
    P("kahfi-lubang-november", "jalan_rusak", "moh-kahfi-1", 15, "2026-11-20 08:00",
      R("Jalan berlubang lagi di Jl. Moh. Kahfi I",
        "Jl. Moh. Kahfi I depan Gg. Masjid Al-Ikhlas kembali berlubang setelah musim hujan, "
        "padahal sempat diaspal.",
        "Jl. Moh. Kahfi I depan Gg. Masjid Al-Ikhlas"),
      R("Moh Kahfi 1 bolong lg",
        "jln moh kahfi 1 dpn gg masjid bolong lg, pdhl baru diaspal bbrp bln lalu",
        "jln moh kahfi I", h=4, style="slang+abbrev")),
    P("gg-swadaya-got-juni", "banjir_saluran", "gg-swadaya-kebon-baru", 12, "2026-06-15 18:00",
      R("Saluran Gg. Swadaya tersumbat lagi",
        "Saluran di Gg. Swadaya RT 07/RW 03 kembali tersumbat, air masuk rumah warga saat "
        "hujan sore ini.",
        "Gg. Swadaya RT 07/RW 03, Kebon Baru")),
    P("jaksa-pkl-agustus", "pkl", "jaksa", 8, "2026-08-24 20:00",
      R("PKL kembali menutup trotoar Jl. Jaksa",
        "Setelah sempat ditertibkan, pedagang kaki lima kembali berjualan di trotoar Jl. Jaksa "
        "setiap malam.",
        "Jl. Jaksa, Kebon Sirih"),
      R("PKL Jl. Jaksa balik lg",
        "pkl di trotoar jl jaksa balik lg tiap mlm, padahal udh ditertibin",
        "jl. jaksa", h=20, style="slang")),

    # Other spots on streets already seen.
    P("kedoya-genangan-halte", "banjir_saluran", "kedoya-raya", 110, "2026-01-05 07:00",
      R("Genangan di Jl. Kedoya Raya dekat halte",
        "Jl. Kedoya Raya dekat halte bus tergenang 20 cm, saluran penuh lumpur.",
        "Jl. Kedoya Raya dekat halte"),
      R("Genangan Kedoya Raya dkt halte",
        "Kedoya Raya dkt halte tergenang ±20 cm.",
        "Jl. Kedoya Raya dkt halte", h=3, style="abbrev")),
    P("lebak-bulus-pohon-halte", "pohon", "lebak-bulus-raya", 220, "2026-10-06 09:00",
      R("Ranting pohon menutupi rambu di Lebak Bulus Raya",
        "Ranting pohon di Jl. Lebak Bulus Raya dekat halte menutupi rambu lalu lintas, mohon "
        "dipangkas.",
        "Jl. Lebak Bulus Raya dekat halte")),
    P("kebagusan-pohon-sekolah", "pohon", "kebagusan-raya", 130, "2026-11-30 15:40",
      R("Pohon tumbang di Jl. Kebagusan Raya depan sekolah",
        "Satu lagi pohon tumbang di Jl. Kebagusan Raya depan sekolah, menimpa pagar dan kabel.",
        "Jl. Kebagusan Raya depan sekolah"),
      R("pohon tumbang dpn sekolah kebagusan",
        "pohon tumbang lg dpn sekolah kebagusan raya, kabel ketimpa",
        "kebagusan raya dpn sekolah", h=1, style="slang")),

    # Another category at a spot already seen.
    P("kemang-lubang", "jalan_rusak", "kemang-raya", 5, "2026-07-11 10:00",
      R("Jalan berlubang di Jl. Kemang Raya depan kafe",
        "Aspal di Jl. Kemang Raya depan kafe berlubang dan bergelombang, membahayakan motor.",
        "Jl. Kemang Raya depan kafe")),
    P("garuda-pju", "penerangan_jalan", "garuda", 6, "2026-11-17 19:00",
      R("Lampu jalan mati di Jl. Garuda depan sekolah",
        "Sejak pohon tumbang kemarin, lampu jalan di Jl. Garuda depan sekolah padam.",
        "Jl. Garuda depan sekolah")),
    P("matraman-pkl", "pkl", "matraman-raya", 4, "2026-08-04 16:00",
      R("PKL memenuhi halte Matraman Raya",
        "Pedagang kaki lima berjualan di dalam dan sekitar halte Jl. Matraman Raya depan "
        "sekolah, penumpang tidak bisa duduk.",
        "Halte Jl. Matraman Raya depan sekolah")),

    # Typo-heavy reports.
    P("rawasari-got-typo", "banjir_saluran", "percetakan-negara", 150, "2026-10-07 16:00",
      R("Saluran air tersumbat di Jl. Percetakan Negara",
        "Saluran air di Jl. Percetakan Negara dekat puskesmas tersumbat sampah, air meluap ke "
        "jalan saat hujan.",
        "Jl. Percetakan Negara dekat puskesmas, Rawasari"),
      R("Saluarn air tersumbta di Jl. Percetkan Negara",
        "Saluran air di jl percetakan negra dekat puskemas tersumbat samaph, air meluap ke "
        "jalan wkt hujan",
        "Jl. Percetakan Negra dkt puskesmas", h=5, style="typo")),
    P("pondok-kelapa-pju-typo", "penerangan_jalan", "pondok-kelapa-raya", 180, "2026-08-10 19:00",
      R("Lampu PJU mati di Jl. Pondok Kelapa Raya",
        "Tiga lampu PJU di Jl. Pondok Kelapa Raya dekat sekolah mati, jalan gelap.",
        "Jl. Pondok Kelapa Raya dekat sekolah"),
      R("Lampu PJU mtai di Jl Pondk Kelapa Raya",
        "tiga lampu pju di jl pondok kelpa raya dket sekolah mati, jalan gelp",
        "Jl Pondok Klapa Raya dkt sekolah", h=11, style="typo")),
]


NEGATIVES += [
    N("same-kelurahan-other-street", "kramat-lubang-halte", "sentiong-lubang", n=4),
    N("same-kelurahan-other-street", "pemuda-genangan-arion", "balai-pustaka-genangan", n=3),
    N("same-kelurahan-other-street", "pemuda-genangan-uturn", "balai-pustaka-genangan", n=2),
    N("months-apart", "pemuda-genangan-arion", "pemuda-genangan-april", n=3),
    N("months-apart", "kahfi-rusak", "kahfi-lubang-november", n=3),
    N("months-apart", "gg-swadaya-got", "gg-swadaya-got-juni", n=3),
    N("months-apart", "jaksa-pkl", "jaksa-pkl-agustus", n=3),
    N("same-street-other-spot", "kedoya-genangan", "kedoya-genangan-halte", n=4),
    N("same-street-other-spot", "lebak-bulus-pohon", "lebak-bulus-pohon-halte", n=2),
    N("same-street-other-spot", "kebagusan-pohon", "kebagusan-pohon-sekolah", n=5),
    N("other-category-same-spot", "kemang-parkir", "kemang-lubang", n=2),
    N("other-category-same-spot", "garuda-pohon", "garuda-pju", n=2),
    N("other-category-same-spot", "matraman-halte", "matraman-pkl", n=2),
    N("other-kelurahan", "kramat-lubang-halte", "cpr-lubang-bank", n=2),
    N("other-kelurahan", "surya-parkir", "jembatan-lima-parkir", n=2),
    N("other-kelurahan", "saharjo-pkl-sekolah", "psm-pkl-stasiun", n=2),
    N("other-kelurahan", "ttd-pohon-taman", "kebagusan-pohon", n=2),
    N("other-kelurahan", "kg-pju-sekolah", "guntur-pju", n=2),
    N("other-kelurahan", "gg-swadaya-got", "karet-pedurenan-genangan", n=2),
    N("other-kelurahan", "pondok-kelapa-pju-typo", "kg-pju-halte", n=1),
]


STREETS.update({
    "duri-raya": Street("31.73.05.1005", -6.17900, 106.77300, 0),  # Duri Kepa
    "kelapa-dua-raya": Street("31.73.05.1004", -6.20700, 106.77100, 0),  # Kelapa Dua
    "danau-sunter-utara": Street("31.72.02.1006", -6.14000, 106.86300, 90),  # Sunter Agung
    "cipinang-jaya": Street("31.75.03.1007", -6.23000, 106.88200, 0),  # Cipinang Besar Sel.
    "harsono-rm": Street("31.74.04.1004", -6.29500, 106.82200, 0),  # Ragunan
})


PROBLEMS += [
    # Closed by the CRM, reported again within days: still the same problem.
    P("duri-raya-pju", "penerangan_jalan", "duri-raya", 0, "2026-09-14 19:00",
      R("Lampu jalan mati di Jl. Duri Raya",
        "Lampu PJU di Jl. Duri Raya dekat pasar mati tiga tiang, jalan gelap dan rawan "
        "kecelakaan.",
        "Jl. Duri Raya dekat pasar, Duri Kepa"),
      R("PJU mati 3 tiang Jl. Duri Raya",
        "3 tiang PJU di Jl. Duri Raya dkt pasar mati, gelap.",
        "Jl. Duri Raya dkt pasar", h=12, style="abbrev"),
      R("Lampu Jl. Duri Raya masih mati",
        "Aduan lampu PJU di Jl. Duri Raya dekat pasar dinyatakan selesai, tetapi malam ini "
        "ketiga tiang masih padam.",
        "Jl. Duri Raya dekat pasar", h=80, style="paraphrase"),
      closed_h=60),
    P("danau-sunter-got", "banjir_saluran", "danau-sunter-utara", 0, "2026-03-02 07:00",
      R("Saluran tersumbat di Jl. Danau Sunter Utara",
        "Saluran di Jl. Danau Sunter Utara depan ruko tersumbat, genangan setiap hujan.",
        "Jl. Danau Sunter Utara depan ruko, Sunter Agung"),
      R("Got Danau Sunter Utara blm dikeruk",
        "Laporan udh ditutup tp got dpn ruko Danau Sunter Utara blm dikeruk, msh tergenang "
        "tiap hujan.",
        "Jl. Danau Sunter Utara dpn ruko", h=90, style="abbrev+slang"),
      closed_h=40),

    # Neither posko gave coordinates; the address agrees.
    P("cipinang-jaya-sampah", "sampah", "cipinang-jaya", 0, "2026-06-08 07:00",
      R("Sampah menumpuk di Jl. Cipinang Jaya",
        "Sampah menumpuk di pinggir Jl. Cipinang Jaya dekat musala, belum diangkut tiga hari.",
        "Jl. Cipinang Jaya dekat musala, Cipinang Besar Selatan", coords=False),
      R("Sampah Jl Cipinang Jaya blm diangkut",
        "sampah di pinggir jl cipinang jaya dkt musala udh 3 hari blm diangkut",
        "jl. cipinang jaya dkt musholla", h=9, coords=False, style="slang+abbrev"),
      R("Tumpukan sampah dekat musala Cipinang Jaya",
        "Warga mengeluhkan tumpukan sampah di dekat musala Jalan Cipinang Jaya.",
        "Jalan Cipinang Jaya", h=20, style="paraphrase")),
    P("harsono-pkl", "pkl", "harsono-rm", 0, "2026-05-10 10:00",
      R("PKL di trotoar Jl. Harsono RM",
        "Pedagang kaki lima berjualan di trotoar Jl. Harsono RM dekat pintu masuk Kebun "
        "Binatang Ragunan pada akhir pekan, pejalan kaki turun ke jalan.",
        "Jl. Harsono RM dekat pintu Ragunan", coords=False),
      R("PKL trotoar Harsono RM dkt Ragunan",
        "PKL di trotoar Jl. Harsono RM dkt pintu Ragunan tiap akhir pekan.",
        "Jl. Harsono RM, Ragunan", h=20, coords=False, style="abbrev"),
      R("Trotoar Harsono RM penuh pedagang",
        "Trotoar di depan pintu masuk Ragunan penuh pedagang setiap Minggu sehingga "
        "pengunjung berjalan di jalan raya.",
        "Jalan Harsono RM, depan pintu masuk Ragunan", h=28, style="paraphrase",
        category="ketertiban_umum")),

    # Kelapa Dua (Kebon Jeruk): a bus shelter; a drain in the same street 200 m on.
    P("kelapa-dua-halte", "fasilitas_umum", "kelapa-dua-raya", 0, "2026-04-06 09:00",
      R("Halte rusak di Jl. Kelapa Dua Raya",
        "Kursi halte di Jl. Kelapa Dua Raya depan kampus patah dan atapnya bocor.",
        "Jl. Kelapa Dua Raya depan kampus"),
      R("Halte Kelapa Dua Raya rusak",
        "Kursi halte dpn kampus Jl. Kelapa Dua Raya patah, atap bocor.",
        "Jl. Kelapa Dua Raya dpn kampus", h=30, style="abbrev")),
    P("kelapa-dua-halte-2", "fasilitas_umum", "kelapa-dua-raya", 200, "2026-04-07 10:00",
      R("Halte rusak di Jl. Kelapa Dua Raya dekat masjid",
        "Atap halte di Jl. Kelapa Dua Raya dekat masjid berlubang dan tiangnya berkarat.",
        "Jl. Kelapa Dua Raya dekat masjid")),
]


NEGATIVES += [
    N("same-street-other-spot", "kelapa-dua-halte", "kelapa-dua-halte-2", n=2),
    N("other-kelurahan", "duri-raya-pju", "kg-pju-sekolah", n=2),
    N("other-kelurahan", "harsono-pkl", "utan-kayu-pkl", n=2),
    N("other-kelurahan", "cipinang-jaya-sampah", "otista-sampah", n=2),
    N("easy", "danau-sunter-got", "kelapa-dua-halte", n=1),
    N("easy", "duri-raya-pju", "harsono-pkl", n=1),
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
    if a["category"] != b["category"]:
        pair = "~".join(sorted((a["category"], b["category"])))
        return f"positive:related-category:{pair}"
    if (a["lat"] is None) and (b["lat"] is None):
        return "positive:no-coordinates-both"
    if (a["lat"] is None) != (b["lat"] is None):
        return "positive:no-coordinates"
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
        assert distance is None or 75.0 <= distance <= 320.0, (where, distance)
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
