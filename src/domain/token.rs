//! API tokens: random secrets shown once, stored only as a hash.

use sha2::{Digest, Sha256};

/// Prefix that makes a leaked token recognisable to secret scanners.
const PREFIX: &str = "cst_";
/// Prefix of a desk session's secret, which lives in a cookie and is never a bearer token.
const SESSION_PREFIX: &str = "cds_";
/// 192 bits of randomness: far beyond guessing, so a plain SHA-256 is a safe stored form.
const SECRET_BYTES: usize = 24;

/// A newly made token: the secret to hand over once, and the hash to store.
pub struct NewSecret {
    pub secret: String,
    pub hash: String,
}

/// Makes a new random token from the operating system's generator.
pub fn generate() -> Result<NewSecret, getrandom::Error> {
    prefixed(PREFIX)
}

/// Makes the secret of a new desk session.
pub fn generate_session() -> Result<NewSecret, getrandom::Error> {
    prefixed(SESSION_PREFIX)
}

/// 128 random bits in hexadecimal: what a form carries to show it came from the desk's own
/// page.
pub fn nonce() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)?;
    Ok(hex(&bytes))
}

fn prefixed(prefix: &str) -> Result<NewSecret, getrandom::Error> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes)?;
    let secret = format!("{prefix}{}", hex(&bytes));
    let hash = hash(&secret);
    Ok(NewSecret { secret, hash })
}

/// Whether two secrets are equal, in a time that does not depend on where they differ.
pub fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The stored form of a presented token.
pub fn hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_distinct_and_hash_to_what_is_stored() {
        let a = generate().expect("os random");
        let b = generate().expect("os random");
        assert!(a.secret.starts_with(PREFIX));
        assert_eq!(a.secret.len(), PREFIX.len() + SECRET_BYTES * 2);
        assert_ne!(a.secret, b.secret);
        assert_eq!(hash(&a.secret), a.hash);
        assert_ne!(a.hash, a.secret);
        let session = generate_session().expect("os random");
        assert!(session.secret.starts_with(SESSION_PREFIX));
        assert_eq!(hash(&session.secret), session.hash);
    }

    #[test]
    fn nonces_differ_and_compare_in_full() {
        let (a, b) = (nonce().expect("random"), nonce().expect("random"));
        assert_eq!(a.len(), 32);
        assert!(same(&a, &a.clone()));
        assert!(!same(&a, &b));
        assert!(!same(&a, &a[..31]));
    }
}
