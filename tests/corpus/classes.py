"""Part 1's templates for the classes a text-only corpus cannot hold: device strings in
bodies, every tracking-link shape, phone and IBAN variants, obfuscated and IDN
addresses, organisations without a legal form, names without cues, personal data in
file names and field names, RFC 2047/2231 headers, HTML with entities and tag-split
values, nested message/rfc822, vCards, invitations and DKIM z= copies.

Each feature takes (lang, msg) and adds to the message dict (see mimeout.py); it
returns the feature's name for the manifest.
"""
import html as htmllib
from text import R, m, person, email_of, phone, nl_postcode, NL_STREETS, NL_CITIES, IBANS

DEVICES = ["iPhone", "iPhone 13 mini", "Samsung Galaxy", "Samsung Galaxy S21", "iPad Pro", "Google Pixel 7", "Fairphone 4",
           "Lenovo ThinkPad T14", "Dell XPS 13", "MacBook Air M2", "HP EliteBook 840", "Huawei P30 Pro"]
USER_AGENTS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36",
               "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
               "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"]
TRACK_HOSTS = ["t.acme.test", "click.mailer.test", "e.nieuwsbrief.nl", "go.shop.example"]
ORGS_PLAIN = ["Tuincentrum De Koning", "Saltmarsh Books", "Fietsenmaker Hoekstra", "Bloemenhuis Lelie",
              "Harbour Lights Bakery", "Copperfield Tutors", "Kapsalon Knip", "Greywater Studio"]
NO_CUE_NAMES = ["S.P. Peters", "Chloë Wright", "J.W. de Boer", "Zoë Hendriks", "A.M. Kowalski", "Noël Fitzgerald"]
BARE_SURNAMES = ["Hoekstra", "Vermeulen", "Fitzgerald", "Lindqvist", "Kuipers", "McAllister"]
IDN_DOMAINS = ["bücherei.example", "café-de-hoek.test", "zürich-mail.example"]


def token():
    return "".join(R.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(R.randint(8, 14)))


def add_text(msg, line):
    msg["text"] = msg["text"].rstrip("\n") + "\n\n" + line + "\n"


def device(lang, msg):
    d = R.choice(DEVICES)
    lines = {"nl": [f"Verzonden vanaf mijn {m('device', d)}", f"Verstuurd vanaf mijn {m('device', d)}",
                    f"Ik werk nu op een {m('device', d)}.", f"Mijn browser meldt: {m('device', R.choice(USER_AGENTS))}"],
             "en": [f"Sent from my {m('device', d)}", f"Typed on my {m('device', d)}, sorry for typos.",
                    f"The laptop is a {m('device', d)}.", f"My browser reports: {m('device', R.choice(USER_AGENTS))}"]}
    add_text(msg, R.choice(lines[lang]))
    return "device"


def tracking(lang, msg):
    host, t = R.choice(TRACK_HOSTS), token()
    url = R.choice([f"https://{host}/c/{t}", f"https://{host}/v/{t}", f"https://{host}/r/?id={t}",
                    f"http://{host}/o/{t}", f"{host}/c/{t}", f"https://{host}/c/{t}?u={R.randint(10**5, 10**6)}"])
    add_text(msg, (f"Bekijk het hier: {m('tracking', url)}" if lang == "nl" else f"View it here: {m('tracking', url)}"))
    pixel = f"//{host}/o/{token()}.gif"
    msg.setdefault("pixels", []).append(m("tracking", pixel))
    return "tracking"


def digits_as(text, table):
    return "".join(table[int(c)] if c.isdigit() else c for c in text)


FULLWIDTH = "０１２３４５６７８９"
ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"


def phone_variants(lang, msg):
    s = str(R.randint(10000000, 99999999))
    p = R.choice([f"06 - {s}", f"06\u00a0{s[:4]}\u00a0{s[4:]}", f"+31\u202f6\u202f{s[:4]}\u202f{s[4:]}",
                  digits_as(f"06-{s}", FULLWIDTH), digits_as(f"06{s}", ARABIC_INDIC), f"(06) {s[:2]} {s[2:5]} {s[5:]}"])
    iban = R.choice(IBANS)
    i = R.choice([iban.replace(" ", "").lower(), iban.replace(" ", "\u00a0"), iban.lower()])
    add_text(msg, (f"Bel {m('phone', p)} of maak over naar {m('iban', i)}." if lang == "nl"
                   else f"Call {m('phone', p)} or pay into {m('iban', i)}."))
    return "phone-iban-variant"


def obfuscated(lang, msg):
    f, l = person(lang)
    local = f.lower()
    dom = R.choice(["voorbeeld", "bedrijf", "example"])
    a = R.choice([f"{local} [at] {dom} [dot] nl", f"{local} (at) {dom} (punt) test", f"{local} at {dom} dot com",
                  f"\"{f} {l}\"@{dom}.nl", f"{local}@{R.choice(IDN_DOMAINS)}", f"{local}＠{dom}.nl"])
    add_text(msg, (f"Mijn adres: {m('email', a)}" if lang == "nl" else f"My address: {m('email', a)}"))
    return "obfuscated-idn-address"


def organisation(lang, msg):
    o = R.choice(ORGS_PLAIN)
    add_text(msg, (f"De bestelling komt van {m('organisation', o)} uit de buurt." if lang == "nl"
                   else f"The order comes from {m('organisation', o)} down the road."))
    return "organisation-no-form"


def no_cue_name(lang, msg):
    n, s = R.choice(NO_CUE_NAMES), R.choice(BARE_SURNAMES)
    add_text(msg, (f"{m('name', n)} stuurt de stukken." if lang == "nl" else f"{m('name', n)} sends the papers."))
    subject, enc = msg["subject"]
    msg["subject"] = (f"{subject} {m('name', s)}", enc)
    return "name-no-cue"


def file_name(lang, msg):
    f, l = person(lang)
    slug = f"{f}_{l}".replace(" ", "_").replace("'", "").lower()
    name = R.choice([f"cv_{m('name', slug)}.pdf", f"Motivatiebrief - {m('name', f + ' ' + l)}.pdf",
                     f"Invoice {m('name', f + ' ' + l)} 2025.pdf", f"loonstrook {m('name', l)}.pdf"])
    msg.setdefault("parts", []).append({"type": "application/pdf", "filename": name,
                                       "fn_enc": R.choice(["plain", "2231", "2047"]), "bytes": b"%PDF-1.4 binary\x00\x01"})
    return "file-name"


def encoded_headers(lang, msg):
    f, l = person(lang)
    subject, _ = msg["subject"]
    msg["subject"] = (subject, R.choice(["b", "q"]))
    field = R.choice(["Thread-Topic", "Comments", "Keywords", "X-Contact"])
    value = f"{m('name', f + ' ' + l)}, {m('phone', phone(lang))}"
    msg.setdefault("headers", []).append((field, value, R.choice(["b", "q"])))
    return "rfc2047-header"


def field_name(lang, msg):
    s = str(R.randint(10000000, 99999999))
    msg.setdefault("headers", []).append((f"X-Phone-{m('phone', '06' + s)}", "ja" if lang == "nl" else "yes", None))
    return "field-name"


def dkim_z(lang, msg):
    f, l = person(lang)
    e = email_of(f, l)
    written = f + "=20" + l.replace(" ", "=20")
    z = f"From:[[name|{f} {l}|{written}]]=20<{m('email', e)}>"
    msg.setdefault("headers", []).append(("DKIM-Signature", f"v=1; a=rsa-sha256; d=example.nl; s=s1; z={z}; b=AbC", None))
    return "dkim-z"


def nested(lang, msg):
    f, l = person(lang)
    inner = {"addr": [("From", m("name", f"{f} {l}"), m("email", email_of(f, l)), R.choice([None, "b"]))],
             "subject": (("Doorgestuurd: " if lang == "nl" else "Fwd: ") + m("name", f"{f} {l}"), None),
             "text": f"{m('address', R.choice(NL_STREETS) + ' ' + str(R.randint(1, 200)))}\n"
                     f"{m('postcode', nl_postcode())} {m('address', R.choice(NL_CITIES))}\nTel {m('phone', phone(lang))}\n"}
    msg.setdefault("parts", []).append({"type": "message/rfc822", "msg": inner})
    return "nested-rfc822"


def vcard(lang, msg):
    f, l = person(lang)
    card = (f"BEGIN:VCARD\nVERSION:3.0\nFN:{m('name', f + ' ' + l)}\nTEL;TYPE=cell:{m('phone', phone(lang))}\n"
            f"EMAIL:{m('email', email_of(f, l))}\nNOTE:IBAN {m('iban', R.choice(IBANS))}\nEND:VCARD\n")
    fn = R.choice([None, f"{m('name', f + '_' + l.replace(' ', '_'))}.vcf"])
    msg.setdefault("parts", []).append({"type": "text/vcard", "filename": fn, "body": card, "cte": R.choice(["8bit", "base64"])})
    return "vcard"


def calendar(lang, msg):
    f, l = person(lang)
    ics = (f"BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:Overleg\nORGANIZER;CN={m('name', f + ' ' + l)}:mailto:{m('email', email_of(f, l))}\n"
           f"LOCATION:{m('address', R.choice(NL_STREETS) + ' ' + str(R.randint(1, 99)))}\nEND:VEVENT\nEND:VCALENDAR\n")
    msg.setdefault("parts", []).append({"type": "text/calendar", "filename": "invite.ics", "body": ics, "cte": "quoted-printable"})
    return "calendar"


def html_form(kind, value):
    """How a value is written in HTML: entities, or split by tags."""
    e = htmllib.escape(value)
    if kind == "email":
        return R.choice([e.replace("@", "&#64;"), e.replace("@", "&#x40;"), "".join(f"&#{ord(c)};" for c in value)])
    if kind in ("postcode", "phone", "iban") and " " in value:
        a, b = value.split(" ", 1)
        return f"<b>{htmllib.escape(a)}</b>&nbsp;{htmllib.escape(b)}"
    if kind == "name" and len(value) > 4:
        return f"<span>{htmllib.escape(value[:3])}</span>{htmllib.escape(value[3:])}"
    return e


def html(lang, msg):
    from mimeout import MARK
    text, out, at = msg["text"], [], 0
    for mk in MARK.finditer(text):
        out.append(htmllib.escape(text[at:mk.start()]).replace("\n", "<br>\n"))
        kind, value = mk.group(1), mk.group(2)
        out.append(f"[[{kind}|{value}|{html_form(kind, value)}]]")
        at = mk.end()
    out.append(htmllib.escape(text[at:]).replace("\n", "<br>\n"))
    pixels = "".join(f"<img src=\"{p}\" width=\"1\" height=\"1\">" for p in msg.get("pixels", []))
    msg["html"] = f"<html><body><p>{''.join(out)}</p>{pixels}</body></html>\n"
    msg["html_cte"] = R.choice(["8bit", "quoted-printable", "base64"])
    return "html"


FEATURES = [device, tracking, phone_variants, obfuscated, organisation, no_cue_name, file_name, encoded_headers,
            field_name, dkim_z, nested, vcard, calendar]
