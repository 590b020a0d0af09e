"""The held-out part's own lists: names, streets, towns, organisations, domains,
devices, link hosts. None of them is, or is taken from, a list of part 1
(tests/corpus/text.py, classes.py); see README.md.
"""
import random

R = random.Random(70113)

NL_FIRST = ["Fenna", "Sjoerd", "Wietske", "Rutger", "Yara", "Stijn", "Mirte", "Jorrit", "Ilse", "Thijmen", "Lieke",
            "Gijs", "Nienke", "Sven", "Anneloes", "Reinier", "Tessa", "Bastiaan", "Marit", "Douwe"]
NL_LAST = ["Zwanenburg", "Oosterhuis", "Veenstra", "van Wijk", "de Jong", "Kloosterman", "Tuinstra", "Boersma", "van Rijn",
           "Schouten", "Wolters", "Timmermans", "de Haan", "Huisman", "Prins", "Verhoeven", "Koster", "van Beek",
           "Scholten", "Nijland"]
EN_FIRST = ["Isla", "Angus", "Morag", "Seren", "Dylan", "Eilidh", "Lachlan", "Aoife", "Ciaran", "Tamsin", "Rufus",
            "Keira", "Euan", "Cerys", "Finlay", "Ailsa", "Bronwen", "Ruaridh", "Mairi", "Tegan"]
EN_LAST = ["Macdonald", "Campbell", "Llewellyn", "Pritchard", "Fraser", "Cunningham", "Ogunleye", "Sutherland", "Baxter",
           "Mensah", "Quinn", "Gallagher", "Drummond", "Rees", "Hughes", "Lloyd", "Henderson", "Murray", "Sinclair", "Chaudhry"]
INITIALS_NAMES = ["T.J. Zwanenburg", "Siân Llewellyn", "R.A.M. Oosterhuis", "Maëlle Quinn", "G. van Rijn", "Anaïs Drummond"]
NL_STREETS = ["Vismarkt", "Herestraat", "Nieuwstad", "Ossenmarkt", "Brink", "Voorstraat", "Boterdiep", "Turfsingel",
              "Eendrachtskade", "Zuiderdiep", "Emmaplein", "Westerhaven"]
NL_TOWNS = ["Assen", "Sneek", "Drachten", "Emmen", "Hoorn", "Deventer", "Gouda", "Breda", "Venlo", "Heerlen", "Middelburg"]
UK_STREETS = ["Rose Street", "Princes Street", "Cathedral Road", "Argyle Street", "Thistle Lane", "Canal Walk",
              "Union Terrace", "Wind Street"]
UK_TOWNS = [("Edinburgh", "EH2 2ER"), ("Cardiff", "CF11 9LJ"), ("Glasgow", "G2 1DY"), ("Aberdeen", "AB10 1XG"),
            ("Swansea", "SA1 3SN"), ("Dundee", "DD1 4QB"), ("Inverness", "IV1 1HT")]
ORGS_FORMAL = ["Veenstra Bouw B.V.", "Stichting Leergeld Noord", "Coöperatie Zuivel Noord U.A.", "Waterschap Noorderzijlvest",
               "Pritchard Joinery Ltd", "Highland Haulage Limited", "Thistle Analytics LLP", "Harbourside Trust CIC"]
ORGS_BARE = ["Boekhandel Van der Velde", "IJssalon Venetië", "Drukkerij Het Anker", "Rockpool Cafe", "Bramble and Thorn",
             "Puffin Kayaks", "Fysiopraktijk De Brink", "Wee Dram Distillers"]
DOMAINS = ["post.voorbeeld.test", "noordmail.example", "winkelier.test", "caledonia.example", "cymru.example.org"]
IDN = ["ijsbär.example", "smörgås.test", "straße-mail.example"]
BANKS = ["TRIO", "SNSB", "ASNB", "KNAB", "BUNQ"]
DEVICES = ["OnePlus 11", "Xiaomi Redmi Note 12", "Motorola Edge 40", "Nokia G21", "Surface Laptop 5", "Acer Swift 3",
           "ASUS ZenBook 14", "Sony Xperia 10 V"]
AGENTS = ["Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
          "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36",
          "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Edg/120.0.2210.61"]
LINK_HOSTS = ["r.campagne.test", "trk.newsletter.example", "links.winkel.test", "mail.offers-now.test"]


def pick(xs):
    return R.choice(xs)


def person(lang):
    return (pick(NL_FIRST), pick(NL_LAST)) if lang == "nl" else (pick(EN_FIRST), pick(EN_LAST))


def mailbox(first, last):
    """An address for a person: first.last, initial+last, or a role."""
    flat = last.replace(" ", "").lower()
    local = pick([f"{first.lower()}.{flat}", f"{first[0].lower()}.{flat}", f"{first.lower()}{R.randint(1, 99)}", "kantoor"])
    return f"{local}@{pick(DOMAINS)}"


def iban():
    """A Dutch IBAN with a valid mod-97 check."""
    bank, account = pick(BANKS), f"{R.randint(0, 9999999999):010}"
    digits = "".join(str(int(c, 36)) for c in f"{bank}{account}NL00")
    return f"NL{98 - int(digits) % 97:02}{bank}{account}"


def grouped(s):
    return " ".join(s[i:i + 4] for i in range(0, len(s), 4))


def telephone(lang):
    n = f"{R.randint(0, 99999999):08}"
    if lang == "nl":
        return pick([f"06.{n[:2]}.{n[2:4]}.{n[4:6]}.{n[6:]}", f"+31-6-{n}", f"050-{n[:3]}{n[3:7]}", f"0031 6 {n[:2]} {n[2:5]} {n[5:]}",
                     f"(058) {n[:3]} {n[3:7]}"])
    return pick([f"01632 960{n[:3]}", f"+44 (0)1632 960{n[:3]}", f"07700 900{n[:3]}", f"+44 131 496 {n[:4]}"])


def zip_nl():
    return f"{R.randint(1000, 9999)} {pick(['CP', 'TA', 'WB', 'DL', 'SX', 'EG'])}"
