//! Property tests (proptest) of the cryptographic building blocks through the public API: sealing
//! round trip and AAD binding, blind-index stability under normalisation, the recovery key's text
//! form.

use proptest::prelude::*;
use xindang::crypto::{self, Binding};
use xindang::normalize;
use xindang::RecoveryKey;

const TABLES: [&str; 7] = [
    "key_slots",
    "student_keys",
    "students",
    "records.header",
    "records.body",
    "attachments",
    "audit",
];

#[derive(Debug, Clone)]
struct B {
    archive: [u8; 16],
    table: usize,
    row: i64,
    student: i64,
    version: i64,
}

impl B {
    fn binding(&self) -> Binding<'_> {
        Binding {
            archive: &self.archive,
            table: TABLES[self.table],
            row: self.row,
            student: self.student,
            version: self.version,
        }
    }
}

fn binding() -> impl Strategy<Value = B> {
    (
        any::<[u8; 16]>(),
        0..TABLES.len(),
        any::<i64>(),
        any::<i64>(),
        any::<i64>(),
    )
        .prop_map(|(archive, table, row, student, version)| B {
            archive,
            table,
            row,
            student,
            version,
        })
}

/// One field of the binding changed to a different value.
fn altered(b: &B, which: u8, bump: i64, byte: usize) -> B {
    let mut o = b.clone();
    let bump = if bump == 0 { 1 } else { bump };
    match which % 5 {
        0 => o.archive[byte % 16] ^= 1 << (bump.unsigned_abs() % 8),
        1 => {
            o.table =
                (b.table + 1 + (bump.unsigned_abs() as usize % (TABLES.len() - 1))) % TABLES.len()
        }
        2 => o.row = b.row.wrapping_add(bump),
        3 => o.student = b.student.wrapping_add(bump),
        _ => o.version = b.version.wrapping_add(bump),
    }
    o
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn sealed_values_open_to_what_was_sealed(
        key in any::<[u8; 32]>(),
        b in binding(),
        plain in proptest::collection::vec(any::<u8>(), 0..3000),
    ) {
        let sealed = crypto::seal(&key, &b.binding(), &plain);
        let opened = crypto::open(&key, &b.binding(), &sealed, "prop").unwrap();
        prop_assert_eq!(&opened[..], &plain[..]);
        // Length leaks only by bucket: at least 64 bytes of padded plaintext, powers of two.
        let body = sealed.len() - 1 - 12 - 16;
        prop_assert!(body >= 64 && body > plain.len());
        prop_assert!(body.is_power_of_two() || body.is_multiple_of(16 * 1024));
    }

    #[test]
    fn any_change_of_the_binding_fails(
        key in any::<[u8; 32]>(),
        b in binding(),
        plain in proptest::collection::vec(any::<u8>(), 0..200),
        which in any::<u8>(),
        bump in any::<i64>(),
        byte in any::<usize>(),
    ) {
        let sealed = crypto::seal(&key, &b.binding(), &plain);
        let other = altered(&b, which, bump, byte);
        let err = crypto::open(&key, &other.binding(), &sealed, "prop").unwrap_err();
        prop_assert_eq!(err.code(), "tamper");
    }

    #[test]
    fn any_change_of_the_sealed_bytes_or_key_fails(
        key in any::<[u8; 32]>(),
        b in binding(),
        plain in proptest::collection::vec(any::<u8>(), 0..200),
        at in any::<usize>(),
        flip in 1u8..=255,
        cut in any::<usize>(),
        key_byte in 0usize..32,
    ) {
        let sealed = crypto::seal(&key, &b.binding(), &plain);
        let mut t = sealed.clone();
        let i = at % t.len();
        t[i] ^= flip;
        prop_assert!(crypto::open(&key, &b.binding(), &t, "prop").is_err());
        let truncated = &sealed[..cut % sealed.len()];
        prop_assert!(crypto::open(&key, &b.binding(), truncated, "prop").is_err());
        let mut k2 = key;
        k2[key_byte] ^= 0x80;
        prop_assert!(crypto::open(&k2, &b.binding(), &sealed, "prop").is_err());
    }

    #[test]
    fn opening_arbitrary_bytes_never_panics(
        key in any::<[u8; 32]>(),
        b in binding(),
        junk in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        // A forged value passes only with negligible probability.
        prop_assert!(crypto::open(&key, &b.binding(), &junk, "prop").is_err());
    }
}

/// Variants of an identifier as people and office software type it: full-width forms, stray
/// ASCII and ideographic spaces, any case.
fn sloppy(id: &str, widths: &[bool], spaces: &[u8], lower: &[bool]) -> String {
    let mut out = String::new();
    for (i, c) in id.chars().enumerate() {
        match spaces[i % spaces.len()] % 4 {
            1 => out.push(' '),
            2 => out.push('\u{3000}'),
            3 => out.push('\t'),
            _ => {}
        }
        let c = if lower[i % lower.len()] {
            c.to_ascii_lowercase()
        } else {
            c
        };
        if widths[i % widths.len()] {
            // Full-width forms of ASCII: U+FF01..U+FF5E.
            out.push(char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap());
        } else {
            out.push(c);
        }
    }
    out.push_str(if spaces[0].is_multiple_of(2) {
        ""
    } else {
        "\u{3000} "
    });
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn blind_index_is_stable_under_normalisation(
        key in any::<[u8; 32]>(),
        id in "[0-9A-Z]{4,20}",
        widths in proptest::collection::vec(any::<bool>(), 1..8),
        spaces in proptest::collection::vec(any::<u8>(), 1..8),
        lower in proptest::collection::vec(any::<bool>(), 1..8),
    ) {
        let typed = sloppy(&id, &widths, &spaces, &lower);
        prop_assert_eq!(&normalize::identifier(&typed), &id);
        prop_assert_eq!(
            crypto::blind_index(&key, "student_no", &normalize::identifier(&typed)),
            crypto::blind_index(&key, "student_no", &id)
        );
        // Normalising is idempotent.
        let once = normalize::identifier(&typed);
        prop_assert_eq!(normalize::identifier(&once), once);
    }

    #[test]
    fn different_identifiers_or_domains_or_keys_give_different_indexes(
        key in any::<[u8; 32]>(),
        a in "[0-9A-Z]{4,20}",
        b in "[0-9A-Z]{4,20}",
    ) {
        prop_assume!(a != b);
        prop_assert_ne!(
            crypto::blind_index(&key, "student_no", &a),
            crypto::blind_index(&key, "student_no", &b)
        );
        prop_assert_ne!(
            crypto::blind_index(&key, "student_no", &a),
            crypto::blind_index(&key, "phone", &a)
        );
        let mut k2 = key;
        k2[0] ^= 1;
        prop_assert_ne!(
            crypto::blind_index(&key, "student_no", &a),
            crypto::blind_index(&k2, "student_no", &a)
        );
    }

    #[test]
    fn text_normalisation_is_idempotent(s in "\\PC{0,40}") {
        let once = normalize::text(&s);
        prop_assert_eq!(normalize::text(&once), once.clone());
        let id = normalize::identifier(&s);
        prop_assert_eq!(normalize::identifier(&id), id);
    }
}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The canonical text of 20 bytes, written independently of the code under test.
fn crockford(bytes: &[u8; 20]) -> String {
    let mut bits = String::new();
    for b in bytes {
        bits.push_str(&format!("{b:08b}"));
    }
    let chars: Vec<char> = bits
        .as_bytes()
        .chunks(5)
        .map(|c| {
            CROCKFORD[usize::from_str_radix(std::str::from_utf8(c).unwrap(), 2).unwrap()] as char
        })
        .collect();
    chars
        .chunks(4)
        .map(|g| g.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn recovery_key_text_round_trips(
        bytes in any::<[u8; 20]>(),
        lower in any::<bool>(),
        sep in 0u8..4,
        lookalike in any::<bool>(),
    ) {
        let text = crockford(&bytes);
        let key = RecoveryKey::parse(&text).unwrap();
        prop_assert_eq!(key.bytes(), &bytes);
        prop_assert_eq!(key.to_string(), text.clone());
        // As people copy it from paper.
        let mut typed = text.replace('-', ["-", " ", "", "\u{3000}"][sep as usize]);
        if lookalike {
            typed = typed.replace('0', "O").replace('1', "l");
        }
        if lower {
            typed = typed.to_lowercase();
        }
        let parsed = RecoveryKey::parse(&typed).unwrap();
        prop_assert_eq!(parsed.bytes(), &bytes);
    }

    #[test]
    fn recovery_key_parse_never_panics_and_accepts_only_whole_keys(s in "\\PC{0,60}") {
        if let Some(k) = RecoveryKey::parse(&s) {
            // Whatever parsed is a key whose canonical text parses back to it.
            let again = RecoveryKey::parse(&k.to_string()).unwrap();
            prop_assert_eq!(again.bytes(), k.bytes());
        }
    }

    #[test]
    fn a_changed_character_changes_or_refuses_the_key(bytes in any::<[u8; 20]>(), at in 0usize..32, to in 0usize..32) {
        let text: Vec<char> = crockford(&bytes).chars().filter(|c| *c != '-').collect();
        prop_assume!(text[at] != CROCKFORD[to] as char);
        let mut t = text.clone();
        t[at] = CROCKFORD[to] as char;
        let t: String = t.into_iter().collect();
        if let Some(k) = RecoveryKey::parse(&t) {
            prop_assert_ne!(k.bytes(), &bytes);
        }
        // A key with a character missing or one too many is refused.
        prop_assert!(RecoveryKey::parse(&t[1..]).is_none());
        let longer = format!("{}0", t);
        prop_assert!(RecoveryKey::parse(&longer).is_none());
    }
}
