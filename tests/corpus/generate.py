#!/usr/bin/env python3
"""Writes part 1 of the labelled privacy corpus: tests/corpus/privacy/{nl,en}-NNN.eml
(the raw message), NNN.txt (every labelled value, decoded, marked inline as
[[kind|text]]) and MANIFEST.tsv (each message, its label count and its classes).

Kinds: email phone ip iban postcode address name organisation tracking device. The
checker (tests/privacy_corpus.rs) scores the detector on the .txt files and measures
what every accessor lets through of the .eml files under every purpose.

Each message is the text of text.py (greeting, sentences, signature, the negatives
that must not be flagged) with two to four classes of classes.py added, and an HTML
alternative in about half of them. Deterministic (seeded): run it again after
changing it and commit the output. The held-out part (heldout/) is written by its own
generator, which shares no list or template with this one.
"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import classes, mimeout, text
from text import R, m, person, email_of

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "privacy")


def build(lang):
    subject, body = text.message(lang)
    f, l = person(lang)
    g, k = person(lang)
    msg = {"addr": [("From", m("name", f"{f} {l}"), m("email", email_of(f, l)), R.choice([None, "b", "q"])),
                    ("To", R.choice([None, m("name", f"{g} {k}")]), m("email", email_of(g, k)), None)],
           "subject": (subject, None), "text": body, "text_cte": R.choice(["8bit", "8bit", "base64", "quoted-printable"])}
    features = [fn(lang, msg) for fn in R.sample(classes.FEATURES, R.randint(2, 4))]
    if R.random() < 0.5:
        features.append(classes.html(lang, msg))
    return msg, features


main_count = int(sys.argv[1]) if len(sys.argv) > 1 else 260
mimeout.write_part(OUT, main_count, build)
