//! Password rules and argon2id hashing.

use std::sync::OnceLock;

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 128;

/// Checks a new password; the message is shown beside the field.
pub fn validate_new(password: &str, confirm: Option<&str>, email: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_LENGTH {
        return Err(format!("Use at least {MIN_LENGTH} characters."));
    }
    if chars > MAX_LENGTH {
        return Err(format!("Use at most {MAX_LENGTH} characters."));
    }
    if !email.is_empty() && password.trim().eq_ignore_ascii_case(email.trim()) {
        return Err("Do not use your e-mail address as your password.".into());
    }
    if password.chars().all(|c| c == password.chars().next().unwrap_or(' ')) {
        return Err("Use more than one repeated character.".into());
    }
    if let Some(c) = confirm {
        if c != password {
            return Err("The two passwords do not match.".into());
        }
    }
    Ok(())
}

/// An argon2id hash in PHC format with its own random salt.
pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing cannot fail with default parameters")
        .to_string()
}

pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// Costs the same as a real check, so an unknown e-mail address takes as long as a wrong password.
pub fn verify_against_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let phc = DUMMY.get_or_init(|| hash("not-a-real-password-0000"));
    let _ = verify(password, phc);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash("correct horse battery");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterz", &h));
        assert!(!verify("anything", "not a hash"));
        assert_ne!(h, hash("correct horse battery"), "salts differ");
    }

    #[test]
    fn weak_passwords_are_refused_with_a_reason() {
        assert!(validate_new("short", None, "a@b.co").unwrap_err().contains("at least"));
        assert!(validate_new("aaaaaaaaaaaa", None, "a@b.co").is_err());
        assert!(validate_new("ann@agency.test", None, "Ann@agency.test").is_err());
        assert!(validate_new(&"x1".repeat(70), None, "a@b.co")
            .unwrap_err()
            .contains("at most"));
        assert!(validate_new("long enough pass", Some("long enough pasz"), "a@b.co")
            .unwrap_err()
            .contains("match"));
        assert!(validate_new("long enough pass", Some("long enough pass"), "a@b.co").is_ok());
    }
}
