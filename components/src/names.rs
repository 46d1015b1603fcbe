//! Names people see: the form they are kept in (NFC) and the key two names collide under when a
//! reader could not tell them apart (case, width, and Unicode's confusable characters, so
//! `Trent`, `ｔｒｅｎｔ` and a Cyrillic `trеnt` are one name).

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::is_nfc;

/// Whether a name is already in the form it is kept in.
pub fn is_normalised(name: &str) -> bool {
    is_nfc(name)
}

/// The name in the form it is kept in.
pub fn normalise(name: &str) -> String {
    name.nfc().collect()
}

/// The key under which look-alike names are one: compatibility forms folded, lower case, then
/// UTS #39's confusable skeleton.
pub fn name_key(name: &str) -> String {
    let folded: String = name.nfkc().flat_map(char::to_lowercase).collect();
    unicode_security::skeleton(&folded).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alikes_share_a_key_and_different_names_do_not() {
        let key = name_key("trent");
        assert_eq!(name_key("Trent"), key, "case");
        assert_eq!(name_key("ｔｒｅｎｔ"), key, "full width");
        assert_eq!(name_key("tr\u{0435}nt"), key, "Cyrillic e");
        assert_ne!(name_key("trant"), key);
        assert_ne!(name_key("Ada Lovelace"), name_key("Ada Byron"));
    }

    #[test]
    fn decomposed_names_are_not_normalised_until_composed() {
        let decomposed = "Zoe\u{0301}";
        assert!(!is_normalised(decomposed));
        let composed = normalise(decomposed);
        assert_eq!(composed, "Zoé");
        assert!(is_normalised(&composed));
    }
}
