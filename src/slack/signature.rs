//! Slack request signing, v0 (R-OPS-2): `v0=` + hex(HMAC-SHA256(secret, "v0:{ts}:{body}")),
//! with the timestamp no more than five minutes from now in either direction, compared
//! in constant time. Slack's scheme is small and exact, so it lives here with an injected
//! clock rather than behind a listener we cannot test at the boundaries. While a secret is
//! being rotated (`SLACK_SIGNING_SECRET_PREVIOUS`), a signature made with either is accepted.

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use subtle::ConstantTimeEq;

pub const TIMESTAMP_HEADER: &str = "x-slack-request-timestamp";
pub const SIGNATURE_HEADER: &str = "x-slack-signature";
/// How far the request timestamp may be from now, either way, in seconds.
pub const MAX_SKEW_SECS: i64 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("signature or timestamp header missing")]
    Missing,
    #[error("timestamp is not a number of seconds")]
    MalformedTimestamp,
    #[error("timestamp is more than five minutes old")]
    Stale,
    #[error("timestamp is more than five minutes in the future")]
    Future,
    #[error("signature is not of the form v0=<hex>")]
    MalformedSignature,
    #[error("signature does not match")]
    Mismatch,
}

#[derive(Debug, Clone)]
pub struct SignatureVerifier {
    secret: SecretString,
    /// The secret being rotated out: still accepted until the operator removes it.
    previous: Option<SecretString>,
}

impl SignatureVerifier {
    pub fn new(secret: SecretString) -> Self {
        Self {
            secret,
            previous: None,
        }
    }

    /// Also accepts signatures made with `previous`, the secret being rotated out.
    pub fn with_previous(mut self, previous: Option<SecretString>) -> Self {
        self.previous = previous;
        self
    }

    pub fn verify(
        &self,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(), SignatureError> {
        let (timestamp, signature) = match (timestamp, signature) {
            (Some(t), Some(s)) => (t.trim(), s.trim()),
            _ => return Err(SignatureError::Missing),
        };
        let sent_at: i64 = timestamp
            .parse()
            .map_err(|_| SignatureError::MalformedTimestamp)?;
        let age = now.timestamp().saturating_sub(sent_at);
        if age > MAX_SKEW_SECS {
            return Err(SignatureError::Stale);
        }
        if age < -MAX_SKEW_SECS {
            return Err(SignatureError::Future);
        }
        let given = signature
            .strip_prefix("v0=")
            .and_then(|hex_sig| hex::decode(hex_sig).ok())
            .filter(|bytes| bytes.len() == 32)
            .ok_or(SignatureError::MalformedSignature)?;
        // Every secret is compared, matched or not, so the time taken says nothing about
        // which one (if any) signed the request.
        let current = mac(&self.secret, timestamp, body).as_slice().ct_eq(&given);
        let previous = self.previous.as_ref().map_or(subtle::Choice::from(0), |p| {
            mac(p, timestamp, body).as_slice().ct_eq(&given)
        });
        if bool::from(current | previous) {
            Ok(())
        } else {
            Err(SignatureError::Mismatch)
        }
    }

    /// The `X-Slack-Signature` value Slack would send for this timestamp and body.
    pub fn sign(&self, timestamp: &str, body: &[u8]) -> String {
        format!("v0={}", hex::encode(mac(&self.secret, timestamp, body)))
    }
}

fn mac(secret: &SecretString, timestamp: &str, body: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.expose_secret().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    // Slack's published example (api.slack.com/authentication/verifying-requests-from-slack).
    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const TIMESTAMP: &str = "1531420618";
    const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const EXPECTED: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    fn verifier() -> SignatureVerifier {
        SignatureVerifier::new(SecretString::from(SECRET))
    }

    fn at(offset_secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_531_420_618 + offset_secs, 0)
            .single()
            .expect("valid time")
    }

    fn check(ts: &str, sig: &str, body: &str, now: DateTime<Utc>) -> Result<(), SignatureError> {
        verifier().verify(Some(ts), Some(sig), body.as_bytes(), now)
    }

    #[test]
    fn r_ops_2_slack_published_example_verifies() {
        assert_eq!(verifier().sign(TIMESTAMP, BODY.as_bytes()), EXPECTED);
        assert_eq!(check(TIMESTAMP, EXPECTED, BODY, at(0)), Ok(()));
    }

    #[test]
    fn r_ops_2_window_is_300_seconds_both_ways() {
        assert_eq!(check(TIMESTAMP, EXPECTED, BODY, at(300)), Ok(()));
        assert_eq!(
            check(TIMESTAMP, EXPECTED, BODY, at(301)),
            Err(SignatureError::Stale)
        );
        assert_eq!(check(TIMESTAMP, EXPECTED, BODY, at(-300)), Ok(()));
        assert_eq!(
            check(TIMESTAMP, EXPECTED, BODY, at(-301)),
            Err(SignatureError::Future)
        );
    }

    #[test]
    fn r_ops_2_malformed_inputs_are_refused() {
        assert_eq!(
            check("15314206l8", EXPECTED, BODY, at(0)),
            Err(SignatureError::MalformedTimestamp)
        );
        assert_eq!(
            check("", EXPECTED, BODY, at(0)),
            Err(SignatureError::MalformedTimestamp)
        );
        let v1 = EXPECTED.replacen("v0=", "v1=", 1);
        assert_eq!(
            check(TIMESTAMP, &v1, BODY, at(0)),
            Err(SignatureError::MalformedSignature)
        );
        assert_eq!(
            check(TIMESTAMP, "v0=zz", BODY, at(0)),
            Err(SignatureError::MalformedSignature)
        );
        assert_eq!(
            check(TIMESTAMP, "v0=abcd", BODY, at(0)),
            Err(SignatureError::MalformedSignature)
        );
        assert_eq!(
            verifier().verify(None, Some(EXPECTED), BODY.as_bytes(), at(0)),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verifier().verify(Some(TIMESTAMP), None, BODY.as_bytes(), at(0)),
            Err(SignatureError::Missing)
        );
    }

    #[test]
    fn r_ops_4_a_secret_being_rotated_out_is_accepted_until_removed() {
        let rotated = SignatureVerifier::new(SecretString::from("the-new-secret"))
            .with_previous(Some(SecretString::from(SECRET)));
        assert_eq!(
            rotated.verify(Some(TIMESTAMP), Some(EXPECTED), BODY.as_bytes(), at(0)),
            Ok(())
        );
        let signed_with_new = rotated.sign(TIMESTAMP, BODY.as_bytes());
        assert_eq!(
            rotated.verify(
                Some(TIMESTAMP),
                Some(&signed_with_new),
                BODY.as_bytes(),
                at(0)
            ),
            Ok(())
        );
        let removed = SignatureVerifier::new(SecretString::from("the-new-secret"));
        assert_eq!(
            removed.verify(Some(TIMESTAMP), Some(EXPECTED), BODY.as_bytes(), at(0)),
            Err(SignatureError::Mismatch)
        );
        let neither = SignatureVerifier::new(SecretString::from("the-new-secret"))
            .with_previous(Some(SecretString::from("an-older-one")));
        assert_eq!(
            neither.verify(Some(TIMESTAMP), Some(EXPECTED), BODY.as_bytes(), at(0)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn r_ops_2_tampered_body_or_secret_is_refused() {
        let tampered = BODY.replace("roadrunner", "wileecoyote");
        assert_eq!(
            check(TIMESTAMP, EXPECTED, &tampered, at(0)),
            Err(SignatureError::Mismatch)
        );
        let other = SignatureVerifier::new(SecretString::from("another-secret"));
        assert_eq!(
            other.verify(Some(TIMESTAMP), Some(EXPECTED), BODY.as_bytes(), at(0)),
            Err(SignatureError::Mismatch)
        );
        // The signed timestamp is part of the MAC: changing it breaks the signature.
        assert_eq!(
            check("1531420619", EXPECTED, BODY, at(0)),
            Err(SignatureError::Mismatch)
        );
    }
}
