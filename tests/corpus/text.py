"""Part 1's text templates and pools: greetings, sentences, signatures and the
negative examples (dates, order numbers, prices, versions, plain links) that must
not be flagged. The name pools deliberately hold names the detector's first-name
list does not know, so that context (greeting, signature, cue word) has to find
them. Labels are inline marks [[kind|text]] (see mimeout.py). Used by generate.py;
the held-out generator (heldout/) shares none of these lists.
"""
import random

R = random.Random(20261124)

NL_FIRST = ["Jan", "Sanne", "Pieter", "Femke", "Daan", "Lotte", "Joost", "Marieke", "Kees", "Anouk", "Wouter", "Iris",
            "Hidde", "Jelte", "Tjitske", "Wubbo", "Ysbrand", "Sietske", "Geert", "Hanneke", "Bram", "Noor", "Ruud", "Esmee",
            "Maarten", "Floor", "Teun", "Roos", "Gerrit", "Aaltje"]
NL_LAST = ["Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot",
           "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits",
           "van der Meer", "Kok", "Jacobs", "Vermeulen", "van Dijk", "Bosma", "Hoekstra", "ter Horst", "Postma", "Kuipers"]
EN_FIRST = ["James", "Emily", "Oliver", "Sophie", "Thomas", "Charlotte", "Daniel", "Hannah", "Michael", "Laura", "Peter",
            "Rachel", "Cormac", "Saoirse", "Niamh", "Rhys", "Imogen", "Tobias", "Harriet", "Callum", "Eleanor", "Fergus",
            "Priya", "Rajesh", "Siobhan", "Gareth", "Bethany", "Hamish", "Ffion", "Declan"]
EN_LAST = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
           "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "O'Brien",
           "McAllister", "Fitzgerald", "Patel", "Okafor", "Nakamura", "Lindqvist", "Moreau", "Kowalski", "Ahmed"]
NL_STREETS = ["Keizersgracht", "Hoofdstraat", "Kerkstraat", "Dorpsstraat", "Stationsweg", "Molenlaan", "Prinsengracht",
              "Oudegracht", "Schoolstraat", "Nieuwe Binnenweg", "Lange Voorhout", "Laan van Meerdervoort", "Burgemeester de Withstraat",
              "Marktplein", "Parkweg", "Julianalaan", "Havenkade", "Zeedijk", "Singel", "Wilhelminapark"]
NL_CITIES = ["Amsterdam", "Rotterdam", "Utrecht", "Den Haag", "Eindhoven", "Groningen", "Leeuwarden", "Zwolle", "Delft",
             "Haarlem", "Nijmegen", "Maastricht", "Enschede", "Tilburg", "Alkmaar"]
EN_STREETS = ["Baker Street", "High Street", "Station Road", "Church Lane", "Victoria Road", "Park Avenue", "Mill Lane",
              "Queens Road", "Kings Court", "Elm Grove", "Castle Hill", "Bridge Street", "Orchard Close", "Manor Drive"]
EN_TOWNS = ["London", "Manchester", "Leeds", "Bristol", "Cambridge", "Oxford", "Brighton", "York", "Bath", "Norwich"]
UK_POSTCODES = ["NW1 6XE", "SW1A 1AA", "M1 1AE", "LS1 4AP", "BS1 5TR", "CB2 1TN", "OX1 3BG", "BN1 1UG", "YO1 7HH", "BA1 1LZ"]
NL_ORGS = ["Bakkerij de Korenschoof B.V.", "Van Dam Installatietechniek B.V.", "Stichting Open Water",
           "Gemeente Zwolle", "Vereniging Eigen Huis", "Hoekstra & Partners", "Groen Advies B.V.", "Koninklijke Tijl N.V.",
           "Ziekenhuis Rivierenland", "Dijkstra Transport BV"]
EN_ORGS = ["Acme Widgets Ltd", "Northwind Traders Ltd.", "Bluebell Software Inc.", "Harper & Co", "Greenfield Holdings PLC",
           "University of Leeds", "Fernhill Consulting LLC", "Riverside Print Group", "Oakwood Dental Ltd", "Kestrel Logistics Ltd"]
DOMAINS = ["example.nl", "voorbeeld.nl", "mail.example.com", "acme.test", "bedrijf.nl", "post.example.org", "gmail.example"]
IBANS = ["NL91 ABNA 0417 1643 00", "NL02ABNA0123456789", "NL20 INGB 0001 2345 67", "GB82 WEST 1234 5698 7654 32",
         "DE89 3704 0044 0532 0130 00", "BE68 5390 0754 7034", "NL39 RABO 0300 0652 64"]

def m(kind, text):
    return f"[[{kind}|{text}]]"

def person(lang):
    f = R.choice(NL_FIRST if lang == "nl" else EN_FIRST)
    l = R.choice(NL_LAST if lang == "nl" else EN_LAST)
    return f, l

def email_of(f, l):
    local = R.choice([f.lower(), f"{f.lower()}.{l.lower().replace(' ', '')}", f"{f[0].lower()}{l.lower().replace(' ', '').replace(chr(39), '')}", "info", "sales"])
    return f"{local.replace(chr(39), '')}@{R.choice(DOMAINS)}"

def phone(lang):
    if lang == "nl":
        n = R.randint(10000000, 99999999)
        s = str(n)
        return R.choice([f"06-{s}", f"06 {s[:4]} {s[4:]}", f"+31 6 {s[:4]} {s[4:]}", f"020-{s[:3]} {s[3:7]}",
                         f"+31 (0)20 {s[:3]} {s[3:7]}", f"0031 30 {s[:3]} {s[3:7]}", f"010 {s[:3]} {s[3:5]} {s[5:7]}",
                         f"+31612{s[:6]}"])
    s = str(R.randint(1000000, 9999999))
    return R.choice([f"+44 20 7946 {s[:4]}", f"+44 7700 {s[:6]}", f"020 7946 {s[:4]}", f"07700 {s[:6]}",
                     f"+1 (555) {s[:3]}-{s[3:7]}", f"+1 555 {s[:3]} {s[3:7]}", f"+353 1 {s[:3]} {s[3:7]}"])

def ip():
    if R.random() < 0.75:
        return R.choice(["192.0.2.", "198.51.100.", "203.0.113.", "10.20.", "172.16.5."]) + ".".join(
            str(R.randint(1, 254)) for _ in range(1 if R.random() < 0.8 else 2))[:7].rstrip(".")
    return R.choice(["2001:db8::", "2001:db8:4:12::", "fe80::"]) + f"{R.randint(1, 0xffff):x}"

def fix_ip(s):
    parts = s.split(".")
    if ":" in s:
        return s
    while len(parts) < 4:
        parts.append(str(R.randint(1, 254)))
    return ".".join(p if p else "1" for p in parts[:4])

def nl_postcode():
    letters = R.choice(["AB", "CJ", "KL", "XZ", "GH", "PT", "BN", "RE", "VD", "HK", "MN", "ZW"])
    return f"{R.randint(1000, 9999)}{R.choice([' ', ' ', ''])}{letters}"

def tracking(lang):
    host = R.choice(["news.example.com", "click.mailer.test", "t.acme.test", "links.nieuwsbrief.nl"])
    return R.choice([f"https://{host}/promo?utm_source=newsletter&utm_medium=email&utm_campaign=nov{R.randint(1,30)}",
                     f"https://{host}/click/{R.randint(10**8, 10**9)}?u=a{R.randint(100, 999)}",
                     f"https://{host}/track/open/{R.randint(10**6, 10**7)}.gif",
                     f"https://{host}/landing?gclid=Cj0K{R.randint(10**9, 10**10)}",
                     f"https://{host}/ls/click?upn={R.randint(10**9, 10**10)}"])

def plain_link():
    return R.choice(["https://www.example.com/about", "https://docs.example.org/manual/v2", "https://www.rijksoverheid.nl",
                     "https://status.example.net", "https://example.com/faq#returns"])

NEG_NL = ["Uw bestelling 2024-118734 is verzonden op 12-03-2025.", "Het totaal bedraagt EUR 1.249,95 inclusief btw.",
          "De vergadering is om 10:30 in zaal 4B.", "Versie 3.2.1 van de app staat klaar.", "Ticket #0012345678 is gesloten.",
          "We openen in maart een nieuwe winkel in Utrecht.", "De schijf heeft 2048 GB ruimte.", "Factuurnummer 0123456789 staat in de bijlage.",
          "Maandag en Dinsdag zijn we gesloten.", "Lees meer op " + "https://www.example.com/about" + ".",
          "Het pakket weegt 2500 KG volgens de vervoerder.", "Kenmerk: 0234567891.", "Op 01-02-2025 loopt het contract af.",
          "De Tweede Kamer stemt volgende week.", "Noord-Holland en Zuid-Holland krijgen regen."]
NEG_EN = ["Your order 2024-118734 shipped on 12/03/2025.", "The total is GBP 1,249.95 including VAT.",
          "The meeting is at 10:30 in room 4B.", "Version 3.2.1 of the app is ready.", "Ticket #0012345678 has been closed.",
          "We are opening a new store in Manchester in March.", "The disk has 2048 GB free.", "Invoice number 0123456789 is attached.",
          "We are closed on Monday and Tuesday.", "Read more at https://docs.example.org/manual/v2.",
          "The parcel weighs 1200 KG according to the carrier.", "Ref: 0234567891.", "The contract ends on 01.02.2025.",
          "The Bank Holiday Monday is next week.", "Great Britain and Northern Ireland expect rain."]

def greeting(lang, f, l):
    r = R.random()
    if lang == "nl":
        if r < 0.15: return R.choice(["Beste klant,", "Geachte heer/mevrouw,", "Hallo allemaal,", "Beste collega's,", "Goedemorgen,"])
        if r < 0.35: return f"Geachte {R.choice(['heer', 'mevrouw'])} {m('name', l[0].upper() + l[1:])},"
        return f"{R.choice(['Beste', 'Hallo', 'Hoi', 'Dag', 'Lieve'])} {m('name', f)},"
    if r < 0.15: return R.choice(["Dear customer,", "Dear Sir or Madam,", "Hello all,", "Hi there,", "Good morning,"])
    if r < 0.35: return f"Dear {R.choice(['Mr', 'Ms', 'Mrs', 'Dr'])} {m('name', l)},"
    return f"{R.choice(['Dear', 'Hi', 'Hello', 'Hey'])} {m('name', f)},"

def signature(lang):
    f, l = person(lang)
    closing = R.choice(["Met vriendelijke groet,", "Vriendelijke groeten,", "Groeten,", "Mvg,", "Hartelijke groet,"] if lang == "nl"
                       else ["Kind regards,", "Best regards,", "Regards,", "Thanks,", "Cheers,", "Yours sincerely,"])
    lines = [closing, m("name", f"{f} {l}") if R.random() < 0.8 else m("name", f)]
    if R.random() < 0.5:
        lines.append(R.choice(["Accountmanager", "Sales Manager", "Office Manager", "Projectleider", "Support Engineer", "Directeur"]))
    if R.random() < 0.6:
        lines.append(m("organisation", R.choice(NL_ORGS if lang == "nl" else EN_ORGS)))
    if R.random() < 0.5:
        lines += address_lines(lang)
    if R.random() < 0.6:
        lines.append(f"{R.choice(['T', 'Tel', 'Telefoon'] if lang == 'nl' else ['T', 'Tel', 'Phone', 'Mobile'])}: {m('phone', phone(lang))}")
    if R.random() < 0.4:
        lines.append(f"E: {m('email', email_of(f, l))}")
    return "\n".join(lines)

def address_lines(lang):
    if lang == "nl":
        num = R.choice([str(R.randint(1, 400)), f"{R.randint(1, 99)}a", f"{R.randint(1, 99)}-{R.randint(1, 3)}", f"{R.randint(1, 99)} B"])
        return [m("address", f"{R.choice(NL_STREETS)} {num}"), f"{m('postcode', nl_postcode())} {m('address', R.choice(NL_CITIES))}"]
    num = R.choice([str(R.randint(1, 400)), f"{R.randint(1, 99)}B"])
    i = R.randrange(len(EN_TOWNS))
    return [m("address", f"{num} {R.choice(EN_STREETS)}"), f"{m('address', EN_TOWNS[i])} {m('postcode', UK_POSTCODES[i])}"]

def sentence(lang):
    f, l = person(lang)
    nl = lang == "nl"
    kinds = [
        lambda: (f"Je kunt me bereiken op {m('phone', phone(lang))}." if nl else f"You can reach me on {m('phone', phone(lang))}."),
        lambda: (f"Mail gerust naar {m('email', email_of(f, l))} als er vragen zijn." if nl else f"Feel free to write to {m('email', email_of(f, l))} with questions."),
        lambda: (f"Ik heb gisteren met {m('name', f + ' ' + l)} gesproken over de offerte." if nl else f"I spoke with {m('name', f + ' ' + l)} about the quote yesterday."),
        lambda: (f"{m('name', f + ' ' + l)} neemt het project over." if nl else f"{m('name', f + ' ' + l)} is taking over the project."),
        lambda: (f"Graag overmaken op {m('iban', R.choice(IBANS))} t.n.v. {m('name', f + ' ' + l)}." if nl else f"Please pay into {m('iban', R.choice(IBANS))} in the name of {m('name', f + ' ' + l)}."),
        lambda: (f"De inlogpoging kwam van {m('ip', fix_ip(ip()))}." if nl else f"The login attempt came from {m('ip', fix_ip(ip()))}."),
        lambda: (f"Bekijk de actie: {m('tracking', tracking(lang))}" if nl else f"See the offer: {m('tracking', tracking(lang))}"),
        lambda: (f"Het nieuwe adres is {m('address', R.choice(NL_STREETS) + ' ' + str(R.randint(1, 300)))}, {m('postcode', nl_postcode())} {m('address', R.choice(NL_CITIES))}." if nl
                 else f"The new address is {m('address', str(R.randint(1, 300)) + ' ' + R.choice(EN_STREETS))}, {address_lines('en')[1]}."),
        lambda: (f"We werken samen met {m('organisation', R.choice(NL_ORGS))}." if nl else f"We work together with {m('organisation', R.choice(EN_ORGS))}."),
        lambda: (f"Vraag het aan {m('name', f)}, die weet ervan." if nl else f"Ask {m('name', f)}, she knows about it."),
        lambda: R.choice(NEG_NL if nl else NEG_EN),
        lambda: R.choice(NEG_NL if nl else NEG_EN),
        lambda: (f"Meer informatie op {plain_link()}." if nl else f"More information at {plain_link()}."),
        lambda: (f"Server {m('ip', fix_ip(ip()))} antwoordde niet tussen 02:00 en 03:15." if nl else f"Server {m('ip', fix_ip(ip()))} did not answer between 02:00 and 03:15."),
    ]
    return R.choice(kinds)()

SUBJECTS = {"nl": ["Offerte", "Uw bestelling", "Afspraak volgende week", "Factuur november", "Nieuwsbrief", "Vraag over levering",
                   "Verhuizing", "Storing melding", "Re: projectplanning", "Welkom!"],
            "en": ["Quote", "Your order", "Meeting next week", "November invoice", "Newsletter", "Delivery question",
                   "We have moved", "Incident report", "Re: project plan", "Welcome!"]}

def message(lang):
    """The subject and body text of one message, marked."""
    f, l = person(lang)
    subject = R.choice(SUBJECTS[lang])
    if R.random() < 0.1:
        subject += f" ({m('name', f + ' ' + l)})"
    paras = []
    for _ in range(R.randint(1, 3)):
        paras.append(" ".join(sentence(lang) for _ in range(R.randint(1, 3))))
    body = [greeting(lang, f, l), ""] + [p + "\n" for p in paras]
    if R.random() < 0.85:
        body.append(signature(lang))
    if R.random() < 0.15:
        g, k = person(lang)
        quoted = sentence(lang)
        intro = (f"Op 3 nov. 2025 om 14:02 schreef {m('name', g + ' ' + k)} <{m('email', email_of(g, k))}>:" if lang == "nl"
                 else f"On Mon, 3 Nov 2025 at 14:02, {m('name', g + ' ' + k)} <{m('email', email_of(g, k))}> wrote:")
        body += ["", intro, "> " + quoted]
    return subject, "\n".join(body).rstrip() + "\n"
