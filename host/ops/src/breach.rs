//! A draft breach notification (agreement art. 5: the controller is told within 24
//! hours, with the ten fields of art. 5.5), each field filled from the audit log where
//! it can be and marked "to complete" where only people can fill it. In Dutch (the
//! agreement's language) and English, as text and JSON.

use super::records::{self, Selection};
use super::{Node, OpsError};
use mxr_audit::{AuditRecord, Event};
use mxr_config::TenantId;
use mxr_privacy::Form;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What the operator knows of the breach.
#[derive(Clone, Debug)]
pub struct Incident {
    /// The tenant (controller) whose data is concerned.
    pub tenant: TenantId,
    /// The start of the period looked at (Unix seconds).
    pub from: u64,
    /// Its end (inclusive).
    pub to: u64,
    /// When the breach became known: the 24 hours run from here.
    pub known: u64,
    /// The (suspected) cause.
    pub cause: Option<String>,
    /// Measures taken or proposed.
    pub measures: Option<String>,
    /// Who to contact for follow-up.
    pub contact: Option<String>,
}

/// One field of art. 5.5, in both languages.
#[derive(Clone, Debug, Serialize)]
pub struct Field {
    /// Its place in art. 5.5, from 1.
    pub number: u8,
    /// The field's name in Dutch, as the agreement has it.
    pub nl: &'static str,
    /// Its name in English.
    pub en: &'static str,
    /// The value in Dutch; `None`: to complete.
    pub value_nl: Option<String>,
    /// The value in English; `None`: to complete.
    pub value_en: Option<String>,
    /// Where the value came from.
    pub source: &'static str,
}

/// The draft.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The tenant.
    pub tenant: String,
    /// When the breach became known, RFC 3339.
    pub known: String,
    /// The deadline for telling the controller: 24 hours after `known`.
    pub deadline: String,
    /// Audit records in the period.
    pub records: usize,
    /// The ten fields.
    pub fields: Vec<Field>,
}

/// Persons in the records: at least those shown to a plugin with some personal data in
/// full, at most every distinct subject token.
fn persons(records: &[(u64, AuditRecord)]) -> (usize, usize) {
    let all: BTreeSet<&String> = records.iter().flat_map(|(_, r)| &r.subjects).collect();
    let shown_in_full: BTreeSet<&String> = records
        .iter()
        .filter(|(_, r)| matches!(&r.event, Event::Disclosure(d) if d.forms.iter().any(|(_, f)| *f == Form::Full)))
        .flat_map(|(_, r)| &r.subjects)
        .collect();
    (shown_in_full.len(), all.len())
}

/// Each category disclosed, with the forms it was disclosed in (withheld is no disclosure).
fn categories(records: &[(u64, AuditRecord)]) -> BTreeMap<&'static str, BTreeSet<&'static str>> {
    let mut out: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (_, r) in records {
        if let Event::Disclosure(d) = &r.event {
            for (c, f) in d.forms.iter().filter(|(_, f)| *f != Form::Withheld) {
                out.entry(c.name()).or_default().insert(f.name());
            }
        }
    }
    out
}

fn field(
    number: u8,
    (nl, en): (&'static str, &'static str),
    value: Option<(String, String)>,
    source: &'static str,
) -> Field {
    let (value_nl, value_en) = value.map_or((None, None), |(n, e)| (Some(n), Some(e)));
    Field { number, nl, en, value_nl, value_en, source }
}

/// Drafts the report from the audit log.
pub fn draft(node: &Node, i: &Incident) -> Result<Report, OpsError> {
    if i.to < i.from {
        return Err(OpsError::BadInput { field: "--to", why: "is before --from".into() });
    }
    let sel = Selection { tenant: &i.tenant, subjects: None, from: Some(i.from), to: Some(i.to) };
    let recs = records::select(node, &sel)?;
    let t = mxr_audit::record_time;
    let (min, max) = persons(&recs);
    let cats = categories(&recs);
    let listed: Vec<String> =
        cats.iter().map(|(c, f)| format!("{c} ({})", f.iter().copied().collect::<Vec<_>>().join(", "))).collect();
    let listed = if listed.is_empty() { "—".to_owned() } else { listed.join("; ") };
    let both = |s: &Option<String>| s.clone().map(|v| (v.clone(), v));
    let (first, last) = match (recs.first(), recs.last()) {
        (Some(a), Some(b)) => (a.1.time, b.1.time),
        _ => (i.from, i.to),
    };
    let fields = vec![
        field(1, ("de (vermoedelijke) oorzaak", "the (suspected) cause"), both(&i.cause), "--cause"),
        field(2, ("de (vooralsnog bekende en/of te verwachten) gevolgen", "the (known and/or expected) consequences"), Some((
            format!("gegevens zoals aan plug-ins getoond: {listed}"),
            format!("data as shown to plugins: {listed}"),
        )), "audit log: categories and forms disclosed"),
        field(3, ("contactgegevens voor de opvolging van de melding", "contact details for following up the report"), both(&i.contact), "--contact"),
        field(4, ("aantal personen waarvan gegevens betrokken zijn", "number of persons whose data is involved"), Some((
            format!("minimaal {min}, maximaal {max} (verschillende betrokkenen in het auditlog)"),
            format!("at least {min}, at most {max} (distinct data subjects in the audit log)"),
        )), "audit log: distinct subject tokens"),
        field(5, ("omschrijving van de groep personen", "description of the group of persons"), None, "—"),
        field(6, ("soort(en) persoonsgegevens", "type(s) of personal data"), Some((listed.clone(), listed.clone())), "audit log: categories with forms"),
        field(7, ("datum en tijdstip of periode van het datalek", "date and time or period of the breach"), Some((
            format!("{} tot {} (eerste en laatste record in {} tot {})", t(first), t(last), t(i.from), t(i.to)),
            format!("{} to {} (first and last record within {} to {})", t(first), t(last), t(i.from), t(i.to)),
        )), "--from/--to, narrowed by the records"),
        field(8, ("of de gegevens versleuteld, gehasht of anderszins onbegrijpelijk waren", "whether the data was encrypted, hashed or otherwise made unintelligible"), Some((
            "spool en quarantaine: versleuteld (XChaCha20-Poly1305, sleutel per klant); auditlog: betrokkenen alleen als HMAC-tokens; plug-ins: in de vorm per categorie hierboven".into(),
            "spool and quarantine: encrypted (XChaCha20-Poly1305, a key per tenant); audit log: data subjects only as HMAC tokens; plugins: in each category's form above".into(),
        )), "per store"),
        field(9, ("de (voorgestelde) oplossing", "the (proposed) solution"), both(&i.measures), "--measures"),
        field(10, ("genomen of voorgenomen maatregelen", "measures taken or planned"), both(&i.measures), "--measures"),
    ];
    Ok(Report {
        tenant: i.tenant.to_string(),
        known: t(i.known),
        deadline: t(i.known + 24 * 3600),
        records: recs.len(),
        fields,
    })
}

/// The report as text, in Dutch then English.
pub fn text(r: &Report) -> String {
    let mut s = format!(
        "MELDING DATALEK (concept) / BREACH NOTIFICATION (draft)\nklant / tenant: {}\nbekend sinds / known since: {}\nuiterlijk melden / report by: {} (24 uur / 24 hours, art. 5)\nauditrecords / audit records: {}\n",
        r.tenant, r.known, r.deadline, r.records
    );
    for (lang, title) in [(0, "Nederlands"), (1, "English")] {
        s.push_str(&format!("\n== {title} ==\n"));
        for f in &r.fields {
            let (name, value) = if lang == 0 { (f.nl, &f.value_nl) } else { (f.en, &f.value_en) };
            let todo = if lang == 0 { "AAN TE VULLEN" } else { "TO COMPLETE" };
            s.push_str(&format!("{:>2}. {name}: {}\n", f.number, value.as_deref().unwrap_or(todo)));
        }
    }
    s
}
