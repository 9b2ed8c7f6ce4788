//! The agent token: what lookup handed out (it changes after every power action), compared in
//! constant time. No token yet means every request is refused, as IPA does.

use std::sync::Mutex;

#[derive(Default)]
pub struct Token(Mutex<Option<String>>);

impl Token {
    pub fn set(&self, token: Option<String>) {
        if let Ok(mut t) = self.0.lock() {
            *t = token;
        }
    }

    pub fn check(&self, given: Option<&str>) -> bool {
        let Ok(t) = self.0.lock() else { return false };
        match (t.as_deref(), given) {
            (Some(want), Some(given)) if !want.is_empty() => {
                want.len() == given.len()
                    && want
                        .bytes()
                        .zip(given.bytes())
                        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                        == 0
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks() {
        let t = Token::default();
        assert!(!t.check(Some("x")), "no token yet: refused");
        assert!(!t.check(None));
        t.set(Some("secret".into()));
        assert!(t.check(Some("secret")));
        assert!(!t.check(Some("secreT")));
        assert!(!t.check(Some("secret2")));
        assert!(!t.check(Some("")));
        assert!(!t.check(None));
        t.set(Some(String::new()));
        assert!(!t.check(Some("")), "an empty token never matches");
    }
}
