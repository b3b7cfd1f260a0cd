//! Claim codes: what an agency's liaison types, once, to get the agency's token. A code is
//! random, short enough to read off a letter, and stored only as its hash; the letter's text
//! holds a marker where it goes until the message is sent.

use sha2::{Digest, Sha256};

use super::token::hex;

/// Crockford's base 32: no I, L, O or U, so a code read aloud or retyped survives.
pub(super) const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// One symbol of [`ALPHABET`] for each byte (its low five bits).
pub(super) fn symbols(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
        .collect()
}
/// Five groups of four: 100 bits, past guessing at any rate a server answers.
const GROUPS: usize = 5;
const GROUP: usize = 4;

/// Where a message's text takes the claim code it carries, filled in as it is sent.
pub const CODE_MARKER: &str = "\u{E000}claim-code\u{E001}";
/// Where a message's text takes the service's public address, filled in as it is sent.
pub const ADDRESS_MARKER: &str = "\u{E000}service-address\u{E001}";

/// A new code: the text to send and the hash to keep.
pub struct NewCode {
    pub code: String,
    pub hash: String,
}

/// Makes a code from the operating system's generator.
pub fn generate() -> Result<NewCode, getrandom::Error> {
    let mut bytes = [0u8; GROUPS * GROUP];
    getrandom::fill(&mut bytes)?;
    let symbols = symbols(&bytes);
    let code = symbols
        .as_bytes()
        .chunks(GROUP)
        .filter_map(|group| std::str::from_utf8(group).ok())
        .collect::<Vec<_>>()
        .join("-");
    let hash = hash(&code).unwrap_or_default();
    Ok(NewCode { code, hash })
}

/// The stored form of a code as typed: hyphens, spaces and case do not matter, and the
/// letters Crockford's alphabet leaves out read as the digits they look like. `None` for text
/// that cannot be a code.
pub fn hash(typed: &str) -> Option<String> {
    let mut symbols = String::with_capacity(GROUPS * GROUP);
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            '-' | ' ' | '\u{3000}' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c if ALPHABET.contains(&(c as u8)) && c.is_ascii() => c,
            _ => return None,
        };
        symbols.push(c);
    }
    (symbols.len() == GROUPS * GROUP).then(|| hex(&Sha256::digest(symbols.as_bytes())))
}

/// `text` with its markers filled: the service's address, and the claim code or, once the code
/// is gone (used, replaced), `gone`.
pub fn fill(text: &str, address: &str, code: Option<&str>, gone: &str) -> String {
    text.replace(ADDRESS_MARKER, address)
        .replace(CODE_MARKER, code.unwrap_or(gone))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_typed_back_however_it_is_written() {
        let made = generate().expect("os random");
        assert_eq!(made.code.len(), GROUPS * GROUP + GROUPS - 1);
        assert_eq!(hash(&made.code).as_deref(), Some(made.hash.as_str()));
        let retyped = made.code.to_lowercase().replace('-', " ");
        assert_eq!(hash(&retyped), Some(made.hash.clone()));
        assert_eq!(
            hash("0000-1111-0000-1111-0000"),
            hash("oooo-ilil-OOOO-LLLL-0000")
        );
        assert_eq!(hash("ABCD-EFGH"), None, "too short");
        assert_eq!(
            hash("ABCD-EFGH-JKMN-PQRS-TVWU"),
            None,
            "U is not in the alphabet"
        );
        assert_ne!(generate().expect("os random").code, made.code);
    }

    #[test]
    fn markers_are_filled_with_the_code_or_what_replaced_it() {
        let text = format!("地址：{ADDRESS_MARKER}\n领取码：{CODE_MARKER}");
        assert_eq!(
            fill(&text, "https://consult.example", Some("AB12"), "已失效"),
            "地址：https://consult.example\n领取码：AB12"
        );
        assert_eq!(
            fill(&text, "https://consult.example", None, "已失效"),
            "地址：https://consult.example\n领取码：已失效"
        );
    }
}
