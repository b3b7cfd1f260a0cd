//! What counts as text: not blank once spaces and invisible characters are set aside.

use validator::ValidationError;

/// Characters that take no room on the page: the format characters (zero-width spaces and
/// joiners, direction marks and controls, the word joiner and invisible operators, the
/// byte-order mark, the soft hyphen, the Mongolian vowel separator), the combining grapheme
/// joiner and the Hangul fillers. Text made only of these, or of spaces, says nothing.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FEFF}'
                | '\u{FFA0}'
        )
}

/// `text` as search compares it: compatibility forms folded (NFKC: full-width letters and
/// digits become their ASCII forms), then lower case by Unicode rules.
pub fn fold(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfkc().collect::<String>().to_lowercase()
}

/// `text` without spaces and invisible characters at either end.
pub fn trim_blank(text: &str) -> &str {
    text.trim_matches(is_invisible)
}

/// Whether `text` has nothing visible in it.
pub fn is_blank(text: &str) -> bool {
    trim_blank(text).is_empty()
}

/// A validator for required text: refuses text with nothing visible in it.
pub fn not_blank(text: &str) -> Result<(), ValidationError> {
    if is_blank(text) {
        Err(ValidationError::new("blank")
            .with_message("must have visible text, not only spaces or invisible characters".into()))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_and_zero_width_characters_are_blank() {
        for text in [
            "",
            "   ",
            "\u{3000}",
            "\u{200B}\u{200B}",
            " \u{FEFF}\u{2060} ",
            "\u{00AD}",
            "\u{200E}\u{202A}",
            "\u{3164}",
        ] {
            assert!(is_blank(text), "{text:?}");
            assert!(not_blank(text).is_err());
        }
        assert!(!is_blank("无意见"));
        assert_eq!(fold("ＧＤＰ占比"), "gdp占比");
        assert_eq!(fold("GDP"), fold("ｇｄｐ"));
        assert_eq!(trim_blank("\u{200B} 建议 \u{3000}"), "建议");
    }
}
