//! Random secrets for links and API tokens. Only their SHA-256 is stored.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// 32 random bytes, URL-safe.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// An API token as shown once to its owner: `ae_<prefix>_<secret>`.
pub struct NewApiToken {
    pub token: String,
    pub prefix: String,
    pub hash: String,
}

pub fn new_api_token() -> NewApiToken {
    let secret = new_secret();
    let prefix: String = secret.chars().filter(|c| c.is_ascii_alphanumeric()).take(8).collect();
    let token = format!("ae_{prefix}_{secret}");
    NewApiToken {
        hash: digest(&token),
        prefix,
        token,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_unique_and_hash_stably() {
        let a = new_secret();
        assert_ne!(a, new_secret());
        assert_eq!(a.len(), 43);
        assert_eq!(digest(&a), digest(&a));
        assert_eq!(digest(&a).len(), 64);
    }

    #[test]
    fn api_tokens_carry_their_prefix() {
        let t = new_api_token();
        assert!(t.token.starts_with(&format!("ae_{}_", t.prefix)));
        assert_eq!(t.hash, digest(&t.token));
    }
}
