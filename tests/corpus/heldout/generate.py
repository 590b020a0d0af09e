#!/usr/bin/env python3
"""Writes the held-out part of the privacy corpus: heldout/messages/{nl,en}-NNN.eml,
.txt and MANIFEST.tsv, in the format of part 1 (see ../mimeout.py, which holds only
encoders and the file format). Templates here, lists in pools.py: none shared with
part 1 (see README.md). Deterministic (seeded); commit the output.
"""
import html as htmllib
import os, sys
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import mimeout
from mimeout import MARK
from pools import *

OUT = os.path.join(HERE, "messages")


def mk(kind, value, written=None):
    return f"[[{kind}|{value}]]" if written is None else f"[[{kind}|{value}|{written}]]"


def opening(lang, first, last):
    if lang == "nl":
        return pick([f"Goedemiddag {mk('name', first)},", f"Hee {mk('name', first)}!", "Goedenavond,",
                     f"Beste mevrouw {mk('name', last)},", "Aan wie het aangaat,"])
    return pick([f"Morning {mk('name', first)},", f"Hiya {mk('name', first)}!", "To whom it may concern,",
                 f"Dear Professor {mk('name', last)},", "Evening all,"])


def line(lang):
    f, l = person(lang)
    nl = lang == "nl"
    town, pc = pick(UK_TOWNS)
    choices = [
        f"Voor spoed: {mk('phone', telephone(lang))} (ook via WhatsApp)." if nl else f"Urgent matters: {mk('phone', telephone(lang))}, any time.",
        f"Stuur de stukken naar {mk('email', mailbox(f, l))} graag." if nl else f"Send the papers on to {mk('email', mailbox(f, l))} please.",
        f"Overleg met {mk('name', f + ' ' + l)} eerst." if nl else f"Check with {mk('name', f + ' ' + l)} first.",
        f"De huur gaat naar rekening {mk('iban', grouped(iban()))}." if nl else f"Rent goes to account {mk('iban', iban())}.",
        f"Bezorgen op {mk('address', pick(NL_STREETS) + ' ' + str(R.randint(2, 180)))}, {mk('postcode', zip_nl())} {mk('address', pick(NL_TOWNS))}." if nl
        else f"Deliver to {mk('address', str(R.randint(2, 180)) + ' ' + pick(UK_STREETS))}, {mk('address', town)} {mk('postcode', pc)}.",
        f"Offerte ontvangen van {mk('organisation', pick(ORGS_FORMAL))}." if nl else f"Quote received from {mk('organisation', pick(ORGS_FORMAL))}.",
        f"Het verzoek kwam binnen vanaf {mk('ip', f'198.18.{R.randint(0, 255)}.{R.randint(1, 254)}')}." if nl
        else f"The request arrived from {mk('ip', f'198.18.{R.randint(0, 255)}.{R.randint(1, 254)}')}.",
        pick(["De levering van 14 stuks staat gepland voor week 48.", "Bestelnummer 88-2231 is betaald.", "Het kost 19,99 per maand."]) if nl
        else pick(["Delivery of 14 units is planned for week 48.", "Order 88-2231 has been paid.", "It costs 19.99 a month."]),
    ]
    return pick(choices)


def closing(lang):
    f, l = person(lang)
    out = [pick(["Tot snel,", "Groetjes,", "Met hartelijke groet,"] if lang == "nl" else ["All the best,", "Warmly,", "Speak soon,"]),
           mk("name", f"{f} {l}")]
    if R.random() < 0.5:
        out.append(mk("organisation", pick(ORGS_FORMAL)))
    if R.random() < 0.5:
        out.append(f"{'Mob' if lang == 'nl' else 'Mob.'} {mk('phone', telephone(lang))}")
    return "\n".join(out)


SUBJECTS = {"nl": ["Bevestiging", "Huurcontract", "Uitnodiging borrel", "Klacht", "Vraagje"],
            "en": ["Confirmation", "Tenancy", "Drinks invite", "Complaint", "Quick question"]}


def base(lang):
    f, l = person(lang)
    g, k = person(lang)
    text = "\n".join([opening(lang, f, l), ""] + [" ".join(line(lang) for _ in range(R.randint(1, 3))) for _ in range(R.randint(1, 3))]
                     + ["", closing(lang)]) + "\n"
    return {"addr": [("From", mk("name", f"{g} {k}"), mk("email", mailbox(g, k)), pick([None, "q"])),
                     ("To", None, mk("email", mailbox(f, l)), None)],
            "subject": (pick(SUBJECTS[lang]), None), "text": text, "text_cte": pick(["8bit", "quoted-printable", "base64"])}


def append(msg, s):
    msg["text"] = msg["text"] + "\n" + s + "\n"


def c_device(lang, msg):
    d = mk("device", pick(DEVICES + AGENTS))
    append(msg, pick([f"Gestuurd met {d}", f"(getypt op {d})"] if lang == "nl" else [f"Sent with {d}", f"(typed on {d})"]))
    return "device"


def c_tracking(lang, msg):
    h, t = pick(LINK_HOSTS), f"{R.randint(10**9, 10**10):x}"
    url = pick([f"https://{h}/c/{t}/{R.randint(1, 9)}", f"https://{h}/v/{t}?s=1", f"https://{h}/r/?id={t}&l=nl",
                f"https://{h}/o/{t}", f"{h}/v/{t}", f"http://{h}/c/{t}"])
    append(msg, f"Afmelden of bekijken: {mk('tracking', url)}" if lang == "nl" else f"Unsubscribe or view: {mk('tracking', url)}")
    msg.setdefault("pixels", []).append(mk("tracking", f"//{h}/o/pixel/{t}.png"))
    return "tracking"


ODD_DIGITS = ["０１２３４５６７８９", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹"]


def c_variant(lang, msg):
    n = f"{R.randint(0, 99999999):08}"
    table = pick(ODD_DIGITS)
    p = pick([f"06 – {n}", f"06\u202f{n[:4]}\u202f{n[4:]}", "".join(table[int(c)] for c in "06" + n), f"06\u00a0-\u00a0{n}"])
    i = iban()
    i = pick([i.lower(), grouped(i).replace(" ", "\u00a0"), grouped(i.lower())])
    append(msg, f"Nummer: {mk('phone', p)}; rekening {mk('iban', i)}." if lang == "nl" else f"Number: {mk('phone', p)}; account {mk('iban', i)}.")
    return "phone-iban-variant"


def c_obfuscated(lang, msg):
    f, l = person(lang)
    d = pick(["noordmail", "winkelier", "caledonia"])
    a = pick([f"{f.lower()} [at] {d} [dot] example", f"{f.lower()} (at) {d} (punt) test", f"{f.lower()} AT {d} DOT test",
              f"\"{f}.{l}\"@{d}.test", f"{f.lower()}@{pick(IDN)}", f"{f.lower()}＠{d}.example"])
    append(msg, f"Privé: {mk('email', a)}" if lang == "nl" else f"Private: {mk('email', a)}")
    return "obfuscated-idn-address"


def c_bare_org(lang, msg):
    append(msg, f"Groeten ook van {mk('organisation', pick(ORGS_BARE))}." if lang == "nl" else f"Regards from {mk('organisation', pick(ORGS_BARE))} too.")
    return "organisation-no-form"


def c_no_cue(lang, msg):
    append(msg, f"Getekend, {mk('name', pick(INITIALS_NAMES))}" if lang == "nl" else f"Signed, {mk('name', pick(INITIALS_NAMES))}")
    msg["subject"] = (f"{mk('name', person(lang)[1])}: {msg['subject'][0]}", msg["subject"][1])
    return "name-no-cue"


def c_file_name(lang, msg):
    f, l = person(lang)
    name = pick([f"paspoort {mk('name', f + ' ' + l)}.jpg", f"{mk('name', l.replace(' ', '-'))}-jaaropgave.pdf",
                 f"CV-{mk('name', f + '-' + l.replace(' ', '-'))}.docx", f"payslip_{mk('name', f.lower())}.pdf"])
    msg.setdefault("parts", []).append({"type": "application/octet-stream", "filename": name,
                                       "fn_enc": pick(["2231", "2047", "plain"]), "bytes": bytes(range(40))})
    return "file-name"


def c_encoded(lang, msg):
    f, l = person(lang)
    msg["subject"] = (msg["subject"][0] + f" {mk('name', f + ' ' + l)}", pick(["b", "q"]))
    msg.setdefault("headers", []).append((pick(["Keywords", "Comments", "X-Customer", "Thread-Topic"]),
                                          f"{mk('email', mailbox(f, l))} {mk('phone', telephone(lang))}", pick(["b", "q"])))
    return "rfc2047-header"


def c_field(lang, msg):
    f, l = person(lang)
    msg.setdefault("headers", []).append((pick([f"X-Klant-{mk('phone', '06' + str(R.randint(10**7, 10**8 - 1)))}",
                                                f"X-Owner-{mk('name', l.replace(' ', ''))}"]), "1", None))
    return "field-name"


def c_dkim(lang, msg):
    f, l = person(lang)
    written = f.replace(" ", "=20") + "=20" + l.replace(" ", "=20")
    z = f"Reply-To:{mk('name', f + ' ' + l, written)}|Subject:test"
    msg.setdefault("headers", []).append(("DKIM-Signature", f"v=1; a=rsa-sha256; d=noordmail.example; s=k2; z={z}; b=XyZ", None))
    return "dkim-z"


def c_nested(lang, msg):
    f, l = person(lang)
    town, pc = pick(UK_TOWNS)
    inner = {"addr": [("From", mk("name", f"{f} {l}"), mk("email", mailbox(f, l)), pick([None, "q"])),
                      ("To", mk("name", " ".join(person(lang))), mk("email", mailbox(*person(lang))), None)],
             "subject": (f"Gegevens {mk('name', l)}" if lang == "nl" else f"Details {mk('name', l)}", pick([None, "b"])),
             "text": f"Adres: {mk('address', str(R.randint(1, 90)) + ' ' + pick(UK_STREETS))}, {mk('address', town)} {mk('postcode', pc)}\n"
                     f"Rekening {mk('iban', iban())}\n", "text_cte": pick(["base64", "8bit"])}
    msg.setdefault("parts", []).append({"type": "message/rfc822", "msg": inner})
    return "nested-rfc822"


def c_vcard(lang, msg):
    f, l = person(lang)
    card = (f"BEGIN:VCARD\nVERSION:4.0\nN:{mk('name', l)};{mk('name', f)};;;\nORG:{mk('organisation', pick(ORGS_BARE))}\n"
            f"TEL;VALUE=uri:tel:{mk('phone', telephone(lang))}\nADR:;;{mk('address', pick(NL_STREETS) + ' ' + str(R.randint(1, 60)))};"
            f"{mk('address', pick(NL_TOWNS))};;{mk('postcode', zip_nl())};NL\nEND:VCARD\n")
    msg.setdefault("parts", []).append({"type": "text/x-vcard", "filename": "contact.vcf", "body": card, "cte": pick(["quoted-printable", "8bit"])})
    return "vcard"


def c_calendar(lang, msg):
    f, l = person(lang)
    ics = (f"BEGIN:VCALENDAR\nMETHOD:REQUEST\nBEGIN:VEVENT\nATTENDEE;CN=\"{mk('name', f + ' ' + l)}\";ROLE=REQ-PARTICIPANT:mailto:"
           f"{mk('email', mailbox(f, l))}\nDESCRIPTION:Bel {mk('phone', telephone(lang))}\nEND:VEVENT\nEND:VCALENDAR\n")
    msg.setdefault("parts", []).append({"type": "text/calendar", "filename": None, "body": ics, "cte": pick(["base64", "8bit"])})
    return "calendar"


def written_in_html(kind, value):
    if kind == "email":
        return pick(["".join(f"&#x{ord(c):04x};" if c in "@." else htmllib.escape(c) for c in value),
                     htmllib.escape(value).replace("@", "&commat;")])
    if kind in ("phone", "iban") and len(value) > 6:
        return f"{htmllib.escape(value[:4])}<i>{htmllib.escape(value[4:7])}</i>{htmllib.escape(value[7:])}"
    if kind in ("name", "organisation") and len(value) > 3:
        half = len(value) // 2
        return f"<font>{htmllib.escape(value[:half])}</font><font>{htmllib.escape(value[half:])}</font>"
    return htmllib.escape(value)


def c_html(lang, msg):
    t, parts, at = msg["text"], [], 0
    for x in MARK.finditer(t):
        parts.append(htmllib.escape(t[at:x.start()]).replace("\n", "<br/>"))
        parts.append(mk(x.group(1), x.group(2), written_in_html(x.group(1), x.group(2))))
        at = x.end()
    parts.append(htmllib.escape(t[at:]).replace("\n", "<br/>"))
    px = "".join(f"<img alt=\"\" src=\"{p}\"/>" for p in msg.get("pixels", []))
    msg["html"] = f"<!DOCTYPE html><html><body><div>{''.join(parts)}</div>{px}</body></html>\n"
    msg["html_cte"] = pick(["quoted-printable", "8bit"])
    return "html"


CLASSES = [c_device, c_tracking, c_variant, c_obfuscated, c_bare_org, c_no_cue, c_file_name, c_encoded, c_field, c_dkim,
           c_nested, c_vcard, c_calendar]


def build(lang):
    msg = base(lang)
    classes = [c(lang, msg) for c in R.sample(CLASSES, R.randint(3, 5))]
    if R.random() < 0.55:
        classes.append(c_html(lang, msg))
    return msg, classes


mimeout.write_part(OUT, int(sys.argv[1]) if len(sys.argv) > 1 else 110, build)
