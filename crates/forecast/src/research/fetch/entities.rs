//! Character references: the named ones pages actually use for text and numbers, and every
//! numeric one. Unknown names are left as written, which reads better than a guess.

use std::borrow::Cow;

/// `&amp;`, `&#8211;`, `&#x2014;` and the other common references decoded; anything unknown
/// (or missing its `;`) is left as written.
#[must_use]
pub fn decode_entities(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        match entity(rest) {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The character of the reference at the start of `s` (which begins with `&`) and its length.
fn entity(s: &str) -> Option<(char, usize)> {
    // Names are short: look no further than 33 bytes for the `;`.
    let mut end = s.len().min(34);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let semi = s[1..end].find(';')? + 1;
    let name = &s[1..semi];
    let c = match name.strip_prefix('#') {
        Some(num) => numeric(num)?,
        None => named(name)?,
    };
    Some((c, semi + 1))
}

fn numeric(num: &str) -> Option<char> {
    let code = match num.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => num.parse::<u32>().ok()?,
    };
    // Pages written in Windows-1252 put its punctuation at 128–159; browsers read it so.
    let c = match code {
        0x80 => '€',
        0x85 => '…',
        0x91 => '‘',
        0x92 => '’',
        0x93 => '“',
        0x94 => '”',
        0x96 => '–',
        0x97 => '—',
        0 => '\u{FFFD}',
        _ => char::from_u32(code).unwrap_or('\u{FFFD}'),
    };
    Some(c)
}

fn named(name: &str) -> Option<char> {
    const NAMED: &[(&str, char)] = &[
        ("amp", '&'),
        ("lt", '<'),
        ("gt", '>'),
        ("quot", '"'),
        ("apos", '\''),
        ("nbsp", '\u{a0}'),
        ("ensp", ' '),
        ("emsp", ' '),
        ("thinsp", ' '),
        ("ndash", '–'),
        ("mdash", '—'),
        ("minus", '−'),
        ("hellip", '…'),
        ("lsquo", '‘'),
        ("rsquo", '’'),
        ("sbquo", '‚'),
        ("ldquo", '“'),
        ("rdquo", '”'),
        ("bdquo", '„'),
        ("laquo", '«'),
        ("raquo", '»'),
        ("bull", '•'),
        ("middot", '·'),
        ("copy", '©'),
        ("reg", '®'),
        ("trade", '™'),
        ("deg", '°'),
        ("plusmn", '±'),
        ("times", '×'),
        ("divide", '÷'),
        ("frac12", '½'),
        ("frac14", '¼'),
        ("frac34", '¾'),
        ("sup2", '²'),
        ("sup3", '³'),
        ("micro", 'µ'),
        ("permil", '‰'),
        ("percnt", '%'),
        ("dollar", '$'),
        ("cent", '¢'),
        ("pound", '£'),
        ("euro", '€'),
        ("yen", '¥'),
        ("sect", '§'),
        ("para", '¶'),
        ("dagger", '†'),
        ("larr", '←'),
        ("rarr", '→'),
        ("uarr", '↑'),
        ("darr", '↓'),
        ("le", '≤'),
        ("ge", '≥'),
        ("ne", '≠'),
        ("asymp", '≈'),
        ("eacute", 'é'),
        ("egrave", 'è'),
        ("aacute", 'á'),
        ("agrave", 'à'),
        ("ouml", 'ö'),
        ("uuml", 'ü'),
        ("auml", 'ä'),
        ("ccedil", 'ç'),
        ("ntilde", 'ñ'),
        ("szlig", 'ß'),
        ("shy", '\u{ad}'),
        ("zwnj", '\u{200c}'),
        ("zwj", '\u{200d}'),
    ];
    NAMED.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
}
