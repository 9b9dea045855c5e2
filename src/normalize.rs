//! Normalisation of values typed by people or exported by office software, so that the same 学号
//! typed with full-width digits, stray spaces or lower case yields the same blind index.

use unicode_normalization::UnicodeNormalization;

/// NFKC (full-width to half-width, ideographic space to space), trimmed, inner white space folded
/// to one ASCII space. For names, colleges, classes, free fields.
pub fn text(s: &str) -> String {
    let nfkc: String = s.nfkc().collect();
    // Folding spaces can bring a combining mark next to a letter (U+0384 becomes space + U+0301),
    // so compose once more: normalising twice must give the same text.
    let folded = nfkc.split_whitespace().collect::<Vec<_>>().join(" ");
    folded.nfc().collect()
}

/// A 学号 or other identifier: NFKC, every white space removed, ASCII letters upper-cased.
pub fn identifier(s: &str) -> String {
    let folded: String = s
        .nfkc()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    // As in `text`: removing a space can leave a combining mark to compose.
    folded.nfc().collect()
}

/// A phone number: NFKC, keeping digits, a leading `+` and inner `-` (landlines such as 027-8765-4321).
pub fn phone(s: &str) -> String {
    let nfkc: String = s.nfkc().filter(|c| !c.is_whitespace()).collect();
    let mut out = String::with_capacity(nfkc.len());
    for c in nfkc.chars() {
        match c {
            '0'..='9' => out.push(c),
            '+' if out.is_empty() => out.push(c),
            '-' if !out.is_empty() && !out.ends_with('-') => out.push(c),
            _ => {}
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_and_spaces_fold() {
        assert_eq!(identifier(" ２０２４ｃｓ０１　"), "2024CS01");
        assert_eq!(text("  张　 三 "), "张 三");
        assert_eq!(phone("１３８ 0013-8000"), "1380013-8000");
        assert_eq!(phone("+86 138 0013 8000"), "+8613800138000");
    }
}
