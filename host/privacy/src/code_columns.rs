//! Codes in a column of a table aligned with blanks, under a header cell that names
//! them (`Code`, `PIN`, `Wachtwoord`): an alarm panel's user list, a key-safe roster.
//!
//! ```text
//! User  Name             Code   Access
//! 01    Mark Baker       4471   full (master)
//! ```
//!
//! Each code is a short number that passes alone, and the cue that would announce it
//! stands a line above, out of a cue's reach (`vocabulary::cued`). The cells under
//! such a header, down to the first blank line, are collected here; the message's
//! views then show them as pseudonyms wherever they stand ([`crate::message_names`]).

/// Header cells that name a column of codes, lower-case.
const HEADERS: [&str; 12] = [
    "code",
    "codes",
    "pin",
    "pincode",
    "pin code",
    "passcode",
    "toegangscode",
    "alarmcode",
    "password",
    "wachtwoord",
    "ww",
    "kennwort",
];

/// Most lines read under one header.
const MOST_ROWS: usize = 60;

/// The cells of `text`'s code columns: the first word at each header's column on the
/// lines below it, when it holds a digit.
pub fn codes(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(column) = code_header(line) else { continue };
        for row in lines.clone().take(MOST_ROWS).take_while(|l| !l.trim().is_empty()) {
            found.extend(cell_at(row, column).filter(|c| c.bytes().any(|b| b.is_ascii_digit())));
        }
    }
    found
}

/// The column (in characters) of a code header among the cells of `line`, when the
/// line is a table's header: three cells or more, apart by two blanks or a tab.
fn code_header(line: &str) -> Option<usize> {
    if !line.contains("  ") && !line.contains('\t') {
        return None;
    }
    let cells = cells(line);
    if cells.len() < 3 {
        return None;
    }
    let header = cells.iter().find(|(_, c)| HEADERS.contains(&c.trim_end_matches(':').to_lowercase().as_str()))?;
    Some(header.0)
}

/// The cells of `line` with their columns (in characters): runs of text apart by two
/// blanks or more, or a tab.
fn cells(line: &str) -> Vec<(usize, &str)> {
    // The cell being read (its column and byte), and where the blanks after it began.
    let (mut cells, mut start, mut blanks) = (Vec::new(), None::<(usize, usize)>, None::<(usize, usize)>);
    for (column, (at, c)) in line.char_indices().enumerate() {
        if c == ' ' || c == '\t' {
            let (from, width) = blanks.unwrap_or((at, 0));
            let width = width + if c == '\t' { 2 } else { 1 };
            blanks = Some((from, width));
            if width >= 2
                && let Some((col, cell)) = start.take()
            {
                cells.push((col, &line[cell..from]));
            }
            continue;
        }
        if start.is_none() {
            start = Some((column, at));
        }
        blanks = None;
    }
    if let Some((col, cell)) = start {
        cells.push((col, line[cell..].trim_end()));
    }
    cells
}

/// The word of `row` that starts within one character of `column`, after a blank or
/// at the line's start.
fn cell_at(row: &str, column: usize) -> Option<&str> {
    let mut previous = ' ';
    for (col, (at, c)) in row.char_indices().enumerate() {
        if col > column + 1 {
            return None;
        }
        if col + 1 >= column && c != ' ' && c != '\t' && (previous == ' ' || previous == '\t') {
            let end = row[at..].find([' ', '\t']).map_or(row.len(), |i| at + i);
            return Some(&row[at..end]);
        }
        previous = c;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_under_a_code_header_are_found() {
        let text = "Below the user list:\n\nUser  Name             Code   Access\n01    Mark Baker       4471   full\n\
                    04    cleaner - Wendy  6120   Tue/Fri 09:00-13:00\n05    (duress)         4472   silent\n\n\
                    Engineer code 9999 stays with us.\n";
        assert_eq!(codes(text), ["4471", "6120", "4472"]);
        // Tabs count as two blanks, and columns are characters, not bytes.
        assert_eq!(codes("é\tx\tcode\n\té 1234\n"), ["1234"]);
    }

    #[test]
    fn any_mix_of_blanks_tabs_and_wide_characters_is_read_without_a_panic() {
        let pieces = ["code", " ", "\t", "é", "1", "\n", "x"];
        let mut text = String::new();
        for n in 0..7usize.pow(6) {
            text.clear();
            let mut k = n;
            for _ in 0..6 {
                text.push_str(pieces[k % 7]);
                k /= 7;
            }
            for code in codes(&text) {
                assert!(code.bytes().any(|b| b.is_ascii_digit()), "{code:?} of {text:?}");
            }
        }
    }

    #[test]
    fn prose_and_tables_without_a_code_column_give_nothing() {
        for text in [
            "The code is in the letter.\nCode   Name   Town\n",
            "Name   Town   Visits\nAnna   Ede    12\n",
            "Code Name Access\n01 4471 full\n",
        ] {
            assert!(codes(text).is_empty(), "{text:?}");
        }
    }
}
