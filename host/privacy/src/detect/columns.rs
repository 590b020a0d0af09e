//! Names and addresses in the columns of a table written as text: a CSV or TSV
//! export, a pasted spreadsheet, a `|` table or an HTML table flattened with its cells
//! apart. A header row whose cell is a name label ([`super::name_fields`]'s: `naam`,
//! `Name`, `Achternaam`, `Tenant`) makes that column's cells in the rows below names,
//! and one whose cell is an address label ([`ADDRESS_LABELS`]) addresses, as long as
//! each row has as many cells as the header: `tuin;naam;adres` / `4;Wil Kool;Prei 2`.
//! Member lists, rosters and guest lists come this way, names and streets that are
//! words (`Aad Peer`, `Peach`, `Prei 2`) among them.

use super::{Kind, Span};

/// Cell separators, most specific first: a row is split at the first one its header
/// holds.
const SEPARATORS: [u8; 4] = [b'\t', b'|', b';', b','];
/// A header row longer than this (bytes) is prose, not a header.
const LONGEST_HEADER: usize = 512;
/// A header cell longer than this (bytes) is prose.
const LONGEST_HEADER_CELL: usize = 40;
/// A cell longer than this (bytes) holds no name.
const LONGEST_CELL: usize = 80;

/// Column headers of street addresses, lower-case.
/// Postcodes count as addresses: a column of them (`Postcode`, `ZIP`, `PLZ`) holds
/// foreign ones too, which no pattern knows (`80-827`, `0155`).
const ADDRESS_LABELS: &[&str] = &[
    "adres",
    "address",
    "straat",
    "street",
    "woonadres",
    "huisadres",
    "postadres",
    "postcode",
    "postal code",
    "postalcode",
    "zip",
    "zipcode",
    "zip code",
    "plz",
    "postleitzahl",
    "code postal",
];

/// The columns of a table being read: its separator, its number of cells, and the
/// columns that hold names or addresses.
struct Table {
    separator: u8,
    cells: usize,
    columns: Vec<(usize, Kind)>,
}

/// Adds a [`Kind::Name`] span for each cell of a name column in `text` (and a
/// [`Kind::Address`] one for each of an address column).
pub(super) fn find(text: &str, spans: &mut Vec<Span>) {
    let mut at = 0;
    while at < text.len() {
        let line_end = memchr::memchr(b'\n', &text.as_bytes()[at..]).map_or(text.len(), |i| at + i + 1);
        at = match header(text[at..line_end].trim_end_matches(['\r', '\n'])) {
            Some(table) => rows(text, line_end, &table, spans),
            None => line_end,
        };
    }
}

/// Reads the rows of `table` from `at` on, as long as each has its number of cells,
/// and returns where the first row that does not starts.
fn rows(text: &str, mut at: usize, table: &Table, spans: &mut Vec<Span>) -> usize {
    for line in text[at..].split_inclusive('\n') {
        let row = line.trim_end_matches(['\r', '\n']);
        if cells(row, table.separator).count() != table.cells {
            break;
        }
        name_cells(row, at, table, spans);
        at += line.len();
    }
    at
}

/// The table a header row opens, if one of its cells is a name label.
fn header(row: &str) -> Option<Table> {
    if row.len() > LONGEST_HEADER {
        return None;
    }
    let separator = separator(row.as_bytes())?;
    let kind = |cell: &str| {
        let cell = unquoted(cell);
        if super::name_fields::is_label(cell) {
            return Some(Kind::Name);
        }
        let address = ADDRESS_LABELS.iter().any(|l| l.eq_ignore_ascii_case(cell));
        address.then_some(Kind::Address)
    };
    // A header's cells are short, and two or more hold something: a row with a long
    // one is prose, and `Beste Jan,` no header.
    let (mut filled, mut long) = (0, false);
    for (_, cell) in cells(row, separator) {
        filled += usize::from(!cell.trim().is_empty());
        long |= cell.len() > LONGEST_HEADER_CELL;
    }
    if long || filled < 2 {
        return None;
    }
    // Only a cell as short as a label is looked up.
    let label_sized = |cell: &str| cell.len() <= super::name_fields::LONGEST_LABEL + 2;
    let columns: Vec<(usize, Kind)> = cells(row, separator)
        .enumerate()
        .filter(|(_, (_, cell))| label_sized(cell))
        .filter_map(|(i, (_, cell))| Some((i, kind(cell)?)))
        .collect();
    (!columns.is_empty()).then(|| Table { separator, cells: cells(row, separator).count(), columns })
}

/// The spans of one row's name and address columns: in a name column, each item of
/// name words ([`super::name_fields::names_in`]: `Trommel, Sietse` is two); in an
/// address column, the cell.
fn name_cells(row: &str, start: usize, t: &Table, spans: &mut Vec<Span>) {
    for (i, (offset, cell)) in cells(row, t.separator).enumerate() {
        let value = unquoted(cell);
        let at = start + offset + (value.as_ptr() as usize - cell.as_ptr() as usize);
        match t.columns.iter().find(|(c, _)| *c == i) {
            _ if value.is_empty() || value.len() > LONGEST_CELL => {}
            Some((_, Kind::Name)) => super::name_fields::names_in(value, at, super::name_fields::Case::Any, spans),
            Some((_, kind)) => spans.push(Span::new(at..at + value.len(), *kind)),
            None => {}
        }
    }
}

/// The separator of a row: of [`SEPARATORS`], the first it holds. One search for
/// the first three, the usual case being none of them.
fn separator(row: &[u8]) -> Option<u8> {
    let [tab, bar, semicolon, comma] = SEPARATORS;
    match memchr::memchr3(tab, bar, semicolon, row) {
        None => memchr::memchr(comma, row).map(|_| comma),
        Some(i) if row[i] == tab => Some(tab),
        Some(i) => {
            let rest = &row[i..];
            [tab, bar].into_iter().find(|s| memchr::memchr(*s, rest).is_some()).or(Some(semicolon))
        }
    }
}

/// The cells of `row` apart by `separator`, each with where it starts in the row.
fn cells(row: &str, separator: u8) -> impl Iterator<Item = (usize, &str)> {
    let mut from = 0;
    let ends = memchr::memchr_iter(separator, row.as_bytes()).chain(std::iter::once(row.len()));
    ends.map(move |end| {
        let cell = (from, &row[from..end]);
        from = end + 1;
        cell
    })
}

/// A cell past its blanks and the quote marks around it.
fn unquoted(cell: &str) -> &str {
    cell.trim().trim_matches('"').trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<&str> {
        super::super::found_by(find, text)
    }

    #[test]
    fn a_name_column_makes_its_cells_names() {
        let csv = "tuin;naam;adres;telefoon\r\n1;Aad Peer;Prei 2;06-12345678\r\n4;Wil Kool-Koolhaas;Kool 3;\r\n\r\n5;Bob;x;y\r\n";
        assert_eq!(names(csv), ["Aad Peer", "Prei 2", "Wil Kool-Koolhaas", "Kool 3"]);
        let tsv = "Instrument\tName\tSince\nSlagwerk\tTrommel, Sietse\t2019\nHobo\t\"Klok\"\t2020\n";
        assert_eq!(names(tsv), ["Trommel", "Sietse", "Klok"]);
        let pipes = "| Plot | Name |\n| 12 | Goldie Hatch |\n| 14 | - |\n";
        assert_eq!(names(pipes), ["Goldie Hatch"]);
    }

    #[test]
    fn a_name_column_takes_names_in_lower_case_and_a_postcode_column_its_codes() {
        let tsv =
            "tijd\tnaam\titem\n10:00\tbill\tstofzuiger\n10:00\tmevr. hope van dam\tlamp\n10:30\tstaande lamp 2\tx\n";
        assert_eq!(names(tsv), ["bill", "mevr. hope van dam"]);
        let csv = "Naam;Postcode;Land\nAnna Nowak;80-827;PL\nOla Berg;0155;NO\n";
        assert_eq!(names(csv), ["Anna Nowak", "80-827", "Ola Berg", "0155"]);
    }

    #[test]
    fn a_row_is_split_at_the_most_specific_separator_it_holds() {
        let sep = |row: &str| separator(row.as_bytes()).map(char::from);
        let table = [("a,b;c|d\te", Some('\t')), ("a,b;c|d", Some('|')), ("a|b;c", Some('|')), ("a;b,c", Some(';'))];
        for (row, want) in table.into_iter().chain([("a,b", Some(',')), ("a b", None)]) {
            assert_eq!(sep(row), want, "{row}");
        }
    }

    #[test]
    fn rows_end_where_their_cells_no_longer_match() {
        let text = "Name,Email\nPeach,p@x.test\nThe end, of it all, and more\nSky,q@x.test\n";
        assert_eq!(names(text), ["Peach"]);
        assert!(names("Naam van de klant, zie bijlage\nJan, Piet\n").is_empty(), "prose is no header");
        assert!(names("Datum;Bedrag\n1-2;Lake\n").is_empty(), "no name column");
    }
}
