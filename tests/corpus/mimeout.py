"""Writing one labelled corpus message to disk: the raw message (`NAME.eml`) and its
labelled decoded text (`NAME.txt`). Shared by both generators; it holds encoders and
the file format only, no word, name or template (the held-out generator must share no
list with the first one, see heldout/README.md).

A message is a dict:
  headers:  [(name, marked value, enc)]  enc None (as is), "b" or "q" (RFC 2047)
  addr:     [(field, marked display name or None, marked address, enc)]
  subject:  (marked, enc)
  text:     marked text or None;  text_cte: "8bit" | "base64" | "quoted-printable"
  html:     marked HTML source or None (marks stand where the value is written; the
            label is the decoded value, the HTML form is given as [[kind|value|form]])
  parts:    [{"type", "filename" (marked or None), "fn_enc" ("plain" | "2231" | "2047"),
              "body" (marked text), "cte", "msg" (a nested message, for message/rfc822)}]

Marks are [[kind|value]] or [[kind|value|as written]]: the .txt holds the value, the
.eml holds the written form (entities, tags, other digits), so leak checks compare
against the value a person would read.
"""
import base64, os, re

MARK = re.compile(r"\[\[([a-z]+)\|((?:(?!\]\]|\|).)*)(?:\|((?:(?!\]\]).)*))?\]\]")


def plain(marked):
    """The text as written in the message: each mark becomes its written form."""
    return MARK.sub(lambda m: m.group(3) if m.group(3) is not None else m.group(2), marked)


def labelled(marked):
    """The text as a person reads it, marks kept as [[kind|value]] (the .txt form)."""
    return MARK.sub(lambda m: f"[[{m.group(1)}|{m.group(2)}]]", marked)


def b64_lines(data):
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76))


def qp(text, width=40):
    out = []
    for line in text.split("\n"):
        col, cur = 0, ""
        for ch in line:
            for b in ch.encode():
                piece = f"={b:02X}" if b == 61 or not 32 <= b < 127 else chr(b)
                if col + len(piece) > width:
                    cur += "=\r\n"
                    col = 0
                cur += piece
                col += len(piece)
        out.append(cur)
    return "\r\n".join(out)


def encoded_word(text, enc):
    """RFC 2047: one encoded word per 30 bytes so that long values are split."""
    if enc is None:
        return text
    data = text.encode()
    words, i = [], 0
    while i < len(data):
        end = min(i + 30, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end -= 1
        chunk, i = data[i:end], end
        if enc == "b":
            words.append(f"=?UTF-8?B?{base64.b64encode(chunk).decode()}?=")
        else:
            q = "".join(c if c.isascii() and c.isalnum() else ("_" if c == " " else "".join(f"={b:02X}" for b in c.encode()))
                        for c in chunk.decode())
            words.append(f"=?UTF-8?Q?{q}?=")
    return "\r\n ".join(words)


def rfc2231(param, value):
    """`filename*0*=UTF-8''...; filename*1*=...`: percent-encoded, in pieces."""
    enc = "".join(c if c.isascii() and (c.isalnum() or c in ".-_") else "".join(f"%{b:02X}" for b in c.encode()) for c in value)
    pieces = [enc[i:i + 24] for i in range(0, len(enc), 24)]
    out = [f"{param}*0*=UTF-8''{pieces[0]}"] + [f"{param}*{n}*={p}" for n, p in enumerate(pieces[1:], 1)]
    return ";\r\n ".join(out)


def disposition(part):
    name = part.get("filename")
    if name is None:
        return ""
    value = plain(name)
    how = part.get("fn_enc", "plain")
    if how == "2231":
        return f"Content-Disposition: attachment;\r\n {rfc2231('filename', value)}\r\n"
    if how == "2047":
        return f"Content-Disposition: attachment; filename=\"{encoded_word(value, 'b')}\"\r\n"
    return f"Content-Disposition: attachment; filename=\"{value}\"\r\n"


def body_of(text, cte):
    if cte == "base64":
        return b64_lines(text.encode())
    if cte == "quoted-printable":
        return qp(text)
    return text.replace("\n", "\r\n")


def render_part(part, boundary_seed):
    kind = part["type"]
    if kind == "message/rfc822":
        inner = render_eml(part["msg"], boundary_seed + "n")
        return f"Content-Type: message/rfc822\r\n{disposition(part)}\r\n{inner}"
    cte = part.get("cte", "8bit")
    body = body_of(plain(part["body"]), cte) if "body" in part else b64_lines(part["bytes"])
    cte = cte if "body" in part else "base64"
    name = plain(part["filename"]) if part.get("filename") and part.get("fn_enc", "plain") == "plain" else None
    ctype = f"{kind}; charset=utf-8" + (f"; name=\"{name}\"" if name else "")
    return f"Content-Type: {ctype}\r\nContent-Transfer-Encoding: {cte}\r\n{disposition(part)}\r\n{body}"


def address_field(field, name, address, enc):
    addr = plain(address)
    if name is None:
        return f"{field}: {addr}\r\n"
    shown = encoded_word(plain(name), enc) if enc else f"\"{plain(name)}\""
    return f"{field}: {shown} <{addr}>\r\n"


def render_eml(msg, seed="b"):
    head = "".join(address_field(*a) for a in msg.get("addr", []))
    subject, enc = msg["subject"]
    head += f"Subject: {encoded_word(plain(subject), enc)}\r\n"
    for name, value, enc in msg.get("headers", []):
        head += f"{plain(name)}: {encoded_word(plain(value), enc)}\r\n"
    head += "Date: Tue, 24 Nov 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n"
    alts = []
    if msg.get("text") is not None:
        alts.append({"type": "text/plain", "body": msg["text"], "cte": msg.get("text_cte", "8bit")})
    if msg.get("html") is not None:
        alts.append({"type": "text/html", "body": msg["html"], "cte": msg.get("html_cte", "8bit")})
    parts = msg.get("parts", [])
    if len(alts) == 1 and not parts:
        return head + render_part(alts[0], seed)
    body = alts[0] if len(alts) == 1 else {"multi": "alternative", "parts": alts}
    if not parts:
        return head + multipart("alternative", alts, seed + "a")
    inner = render_part(body, seed) if "multi" not in body else multipart("alternative", alts, seed + "a")
    return head + multipart("mixed", [inner] + parts, seed + "m")


def multipart(sub, parts, boundary):
    out = f"Content-Type: multipart/{sub}; boundary=\"{boundary}\"\r\n\r\n"
    for p in parts:
        rendered = p if isinstance(p, str) else render_part(p, boundary)
        out += f"--{boundary}\r\n{rendered}\r\n"
    return out + f"--{boundary}--\r\n"


def render_txt(msg, depth=0):
    """Every labelled string of the message, decoded, one block per place."""
    lines = [f"Subject: {labelled(msg['subject'][0])}"]
    for field, name, address, _ in msg.get("addr", []):
        lines.append(f"{field}: {labelled(name) + ' ' if name else ''}<{labelled(address)}>")
    for name, value, _ in msg.get("headers", []):
        lines.append(f"{labelled(name)}: {labelled(value)}")
    lines.append("")
    if msg.get("text") is not None:
        lines.append(labelled(msg["text"]))
        # What only the HTML alternative holds (a pixel) gets a line of its own.
        seen = {(k, v) for k, v, _ in MARK.findall(msg["text"])}
        extra = [f"[[{k}|{v}]]" for k, v, _ in MARK.findall(msg.get("html") or "") if (k, v) not in seen]
        if extra:
            lines.append("[html] " + " ".join(extra))
    elif msg.get("html") is not None:
        lines.append(labelled(re.sub(r"<[^>\[]*>", " ", msg["html"])))
    for p in msg.get("parts", []):
        if p.get("filename"):
            lines.append(f"\n[attachment {labelled(p['filename'])}]")
        if p["type"] == "message/rfc822":
            lines.append("[forwarded message]\n" + render_txt(p["msg"], depth + 1))
        elif "body" in p:
            lines.append(labelled(p["body"]))
    return "\n".join(lines).rstrip() + "\n"


def write(out_dir, name, msg, features):
    """Writes NAME.eml and NAME.txt, and returns the manifest line."""
    eml = render_eml(msg)
    txt = render_txt(msg)
    with open(os.path.join(out_dir, name + ".eml"), "w", newline="") as fh:
        fh.write(eml)
    with open(os.path.join(out_dir, name + ".txt"), "w") as fh:
        fh.write(txt)
    count = len(MARK.findall(txt))
    return f"{name}\t{count}\t{','.join(sorted(set(features)))}"


def write_manifest(out_dir, lines):
    with open(os.path.join(out_dir, "MANIFEST.tsv"), "w") as fh:
        fh.write("# name\tlabels\tfeatures (written by the generator; the test fails if a file is missing)\n")
        fh.write("\n".join(lines) + "\n")


def write_part(out_dir, count, build):
    """Empties `out_dir` and writes `count` Dutch and `count` English messages made by
    `build(lang)` -> (message, classes), with the manifest."""
    os.makedirs(out_dir, exist_ok=True)
    for old in os.listdir(out_dir):
        os.remove(os.path.join(out_dir, old))
    manifest = []
    for lang in ("nl", "en"):
        for n in range(1, count + 1):
            msg, classes = build(lang)
            manifest.append(write(out_dir, f"{lang}-{n:03}", msg, classes))
    write_manifest(out_dir, manifest)
    print(f"wrote {2 * count} messages to {out_dir}")
