//! Randomness, ids and invitation tokens.
//!
//! Tokens are 256 random bits, shown once in base64url and stored only as a SHA-256 hash, so
//! a leaked document or database can't be used to accept an invitation. The engine takes
//! its randomness from an [`Entropy`] source so tests and demos can be deterministic; the
//! default, [`SystemEntropy`], is the operating system's (or Web Crypto's, in Wasm).

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A source of random bytes.
pub trait Entropy {
    /// Fills `buf` with random bytes, or says why it can't.
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), EntropyError>;
}

/// Randomness could not be had from the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntropyError(pub String);

impl fmt::Display for EntropyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no randomness available: {}", self.0)
    }
}

impl std::error::Error for EntropyError {}

/// The platform's secure randomness (getrandom: the OS natively, Web Crypto in Wasm).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemEntropy;

impl Entropy for SystemEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), EntropyError> {
        getrandom::fill(buf).map_err(|e| EntropyError(e.to_string()))
    }
}

/// Deterministic bytes from a seed (SplitMix64). For tests and generated demo orgs only:
/// tokens made from it are guessable.
#[derive(Debug, Clone)]
pub struct SeededEntropy {
    state: u64,
}

impl SeededEntropy {
    /// A source that yields the same bytes for the same seed.
    pub fn new(seed: u64) -> SeededEntropy {
        SeededEntropy { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0); the slight bias is harmless for demos.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

impl Entropy for SeededEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), EntropyError> {
        for chunk in buf.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

/// The hex SHA-256 of an invitation token: what the org stores instead of the token.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TokenHash(String);

impl TokenHash {
    /// The hash of a token as handed to a person.
    pub fn of(token: &str) -> TokenHash {
        TokenHash(hex(&Sha256::digest(token.as_bytes())))
    }

    /// A stand-in for a hash that is withheld: 64 zeros. No token is known to hash to it
    /// (finding one would break SHA-256), so an org holding it accepts no invitation.
    pub fn redacted() -> TokenHash {
        TokenHash("0".repeat(64))
    }

    /// The lowercase hex digest.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TokenHash {
    type Error = &'static str;
    fn try_from(value: String) -> Result<TokenHash, &'static str> {
        if value.len() == 64
            && value
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            Ok(TokenHash(value))
        } else {
            Err("expected 64 lowercase hex digits (a SHA-256)")
        }
    }
}

impl From<TokenHash> for String {
    fn from(value: TokenHash) -> String {
        value.0
    }
}

/// A new invitation token (256 random bits in unpadded base64url) and its hash.
pub fn new_token(entropy: &mut dyn Entropy) -> Result<(String, TokenHash), EntropyError> {
    let mut bytes = [0u8; 32];
    entropy.fill(&mut bytes)?;
    let token = base64url(&bytes);
    let hash = TokenHash::of(&token);
    Ok((token, hash))
}

/// A new id: the prefix, `_`, then 20 characters of base32 (100 random bits).
pub fn new_id(prefix: &str, entropy: &mut dyn Entropy) -> Result<String, EntropyError> {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut bytes = [0u8; 20];
    entropy.fill(&mut bytes)?;
    let mut id = String::with_capacity(prefix.len() + 21);
    id.push_str(prefix);
    id.push('_');
    id.extend(
        bytes
            .iter()
            .map(|b| char::from(ALPHABET[usize::from(b & 31)])),
    );
    Ok(id)
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let index = (n >> (18 - 6 * i)) & 63;
            out.push(char::from(ALPHABET[index as usize]));
        }
    }
    out
}

/// Decodes unpadded base64url; `None` for anything else.
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        } as u32)
    };
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.as_bytes().chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c)? << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

/// Encodes bytes as unpadded base64url.
pub fn base64url_encode(bytes: &[u8]) -> String {
    base64url(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_stored_as_their_hash() {
        let mut entropy = SystemEntropy;
        let (a, hash_a) = new_token(&mut entropy).expect("entropy");
        let (b, _) = new_token(&mut entropy).expect("entropy");
        assert_ne!(a, b);
        assert_eq!(a.len(), 43, "256 bits in unpadded base64url");
        assert_eq!(hash_a, TokenHash::of(&a));
        assert_eq!(hash_a.as_str().len(), 64);
        assert!(!hash_a.as_str().contains(&a));
    }

    #[test]
    fn known_hash_and_encoding() {
        assert_eq!(
            TokenHash::of("abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(base64url(b"\xfb\xff"), "-_8");
        assert_eq!(base64url(b"Man"), "TWFu");
        for sample in [&b""[..], b"a", b"ab", b"abc", b"\xff\x00\x10\x80"] {
            assert_eq!(
                base64url_decode(&base64url(sample)).as_deref(),
                Some(sample)
            );
        }
        assert_eq!(base64url_decode("a"), None);
        assert_eq!(base64url_decode("ab=="), None);
    }

    #[test]
    fn seeded_entropy_is_deterministic() {
        let mut a = SeededEntropy::new(7);
        let mut b = SeededEntropy::new(7);
        assert_eq!(new_id("usr", &mut a), new_id("usr", &mut b));
        let id = new_id("usr", &mut a).expect("seeded");
        assert!(id.starts_with("usr_") && id.len() == 24, "{id}");
    }
}
